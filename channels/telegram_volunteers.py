"""The volunteers' Telegram bot at /webhooks/telegram_volunteers/webhook (its own token and webhook secret).

Volunteers get case cards with a Claim button here; once they claim, whatever they write in their private
chat goes to the person (a reply to a case's message picks the case when they have several), and /close ends
it. Only registered volunteers act: anyone else is refused and told their user id to give the coordinator.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, Sanic, response
from sanic.request import Request

from bot.errors import RafiqError
from bot.inbox import Inbox
from bot.settings import Settings, load_settings
from bot.text import sanitize
from bot.volunteer_commands import handle
from bot.volunteer_lines import CLAIM_PREFIX, TelegramVolunteerLine
from channels.desk_runtime import shared_desk, start_timer, stop_timer
from channels.telegram import MAX_BODY_BYTES, SECRET_HEADER

logger = logging.getLogger(__name__)
INBOX_CHANNEL = "tg_volunteers"  # the inbox's channel column holds at most 16 characters
NOT_REGISTERED = ("You are not registered as a Rafiq volunteer. If you are one, give your coordinator your "
                  "Telegram user id: {id}.")


class VolunteerTelegramInput(InputChannel):
    """Webhook of the volunteers' bot: claims, relayed replies, /close, /cases."""

    def __init__(self, settings: Settings) -> None:
        self.secret = settings.require("telegram_volunteer_webhook_secret").encode("utf-8")
        settings.require("telegram_volunteer_bot_token")
        self.settings = settings
        self.desk = shared_desk(settings)
        self.inbox = Inbox(settings.database_url, pepper=settings.pepper)
        self.max_chars = int(settings.max_message_chars)

    @classmethod
    def name(cls) -> str:
        """Served at /webhooks/telegram_volunteers/."""
        return "telegram_volunteers"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> VolunteerTelegramInput:
        """Secrets come from the settings table, never from credentials.yml."""
        return cls(load_settings())

    @property
    def line(self) -> TelegramVolunteerLine:
        """The volunteers' bot, as the desk uses it."""
        line = self.desk.lines["telegram"]
        assert isinstance(line, TelegramVolunteerLine)
        return line

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """POST /webhook (nothing here ever reaches Rasa), GET / for the health check."""
        blueprint = Blueprint("rafiq_telegram_volunteers", __name__)

        @blueprint.route("/", methods=["GET"])
        async def health(request: Request) -> response.HTTPResponse:
            return response.json({"status": "ok"})

        @blueprint.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> response.HTTPResponse:
            given = request.headers.get(SECRET_HEADER, "").encode("utf-8")
            if not hmac.compare_digest(given, self.secret):
                logger.warning("telegram_volunteers: rejected a request with a missing or wrong secret token")
                return response.json({"error": "forbidden"}, status=403)
            if len(request.body or b"") > MAX_BODY_BYTES:
                return response.json({"error": "the update is too large"}, status=413)
            try:
                from telegram import Update

                update = Update.de_json(request.json, self.line.sender.bot)
                assert update is not None
            except Exception:
                logger.info("telegram_volunteers: rejected a malformed update")
                return response.json({"error": "the body must be a Telegram Update object"}, status=400)
            if self.inbox.accept(INBOX_CHANNEL, str(update.update_id), "volunteers", {}) is None:
                return response.json({"status": "duplicate"})
            await self._update(update)
            return response.json({"status": "ok"})

        @blueprint.listener("after_server_start")
        async def start(app: Sanic, _loop: Any) -> None:
            start_timer(app, self.desk)

        @blueprint.listener("before_server_stop")
        async def stop(app: Sanic, _loop: Any) -> None:
            await stop_timer(app, self.desk)

        return blueprint

    async def _update(self, update: Any) -> None:
        """One update from the volunteers' bot; a failure is logged and the volunteer asked to try again."""
        user = update.effective_user
        volunteer = self.desk.volunteers.by_address("telegram", str(user.id)) if user is not None else None
        query = update.callback_query
        try:
            if query is not None:
                await self._button(query, volunteer)
                return
            message = update.message or update.edited_message
            if message is None or message.chat.type != "private":
                return  # in the volunteers' group only the Claim buttons act
            if volunteer is None:
                logger.warning("telegram_volunteers: refused a message from an unregistered user")
                await self.line.send(str(message.chat.id), NOT_REGISTERED.format(id=user.id))
                return
            text = sanitize(message.text, self.max_chars)
            if not text:
                answer: str | None = "Only text can be relayed to the person."
            else:
                replied = message.reply_to_message.text if message.reply_to_message is not None else None
                answer = await handle(self.desk, volunteer, text, replied)
            if answer:
                await self.line.send(volunteer.address, answer)
        except Exception:
            logger.exception("telegram_volunteers: an update could not be processed")
            if volunteer is not None:
                await self.line.send(volunteer.address, "Sorry, that did not work. Please try again.")

    async def _button(self, query: Any, volunteer: Any) -> None:
        """A Claim button: the first volunteer wins, the others are told who was first."""
        data = str(query.data or "")
        if volunteer is None:
            logger.warning("telegram_volunteers: refused a claim from an unregistered user")
            await self.line.answer_callback(query.id, "You are not registered as a Rafiq volunteer.")
            return
        if not data.startswith(CLAIM_PREFIX) or not data[len(CLAIM_PREFIX):].isdigit():
            await self.line.answer_callback(query.id, "Unknown button.")
            return
        case_id = int(data[len(CLAIM_PREFIX):])
        try:
            await self.desk.claim(case_id, volunteer)
        except RafiqError as exc:
            await self.line.answer_callback(query.id, f"Not yours: {exc.message}.")
            return
        await self.line.answer_callback(query.id, f"Case {case_id} is yours.")
