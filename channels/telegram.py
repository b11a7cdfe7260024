"""Telegram at /webhooks/telegram/webhook through python-telegram-bot, authenticated by the webhook secret.

Telegram sends the secret registered with `rafiq telegram set-webhook` in X-Telegram-Bot-Api-Secret-Token; a
missing or wrong one gets 403 (compared in constant time). Text messages, edited messages and button presses
(callback queries) are understood; anything else a person sends (voice, photo, sticker, location, contact)
gets a short reply saying that only text is understood for now.
"""

from __future__ import annotations

import hmac
import logging
from typing import Any

from sanic import Blueprint, response
from sanic.request import Request

from bot.settings import Settings, load_settings
from bot.telegram_api import TelegramSender
from bot.text import sanitize
from channels.messaging import CALLBACK, MEDIA, TEXT, Inbound, MessagingInput

logger = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY_BYTES = 256 * 1024


class TelegramInput(MessagingInput):
    """Telegram bot webhook."""

    def __init__(self, settings: Settings) -> None:
        self.secret = settings.require("telegram_webhook_secret").encode("utf-8")
        self.telegram = TelegramSender(settings)
        super().__init__(settings, self.telegram)

    @classmethod
    def name(cls) -> str:
        """Served at /webhooks/telegram/."""
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TelegramInput:
        """Secrets come from the settings table (environment or .env), never from credentials.yml."""
        return cls(load_settings())

    def authentic(self, request: Request) -> bool:
        """True when the request carries the webhook secret."""
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8")
        return hmac.compare_digest(given, self.secret)

    def parse(self, data: Any) -> tuple[Inbound | None, str | None]:
        """(the message, the callback query id to answer) from an update; (None, None) for other updates."""
        from telegram import Update

        update = Update.de_json(data, self.telegram.bot)
        if update is None:
            return None, None
        update_id = str(update.update_id)
        if update.callback_query is not None:
            query = update.callback_query
            chat = query.message.chat.id if query.message is not None else query.from_user.id
            return Inbound(update_id, "telegram", str(chat), sanitize(query.data, self.max_chars), CALLBACK), query.id
        message = update.message or update.edited_message
        if message is None:
            return None, None
        text = sanitize(message.text, self.max_chars)
        return Inbound(update_id, "telegram", str(message.chat.id), text, TEXT if text else MEDIA), None

    def routes(self, blueprint: Blueprint) -> None:
        """POST /webhook for updates."""

        @blueprint.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> response.HTTPResponse:
            if not self.authentic(request):
                logger.warning("telegram: rejected a request with a missing or wrong secret token")
                return response.json({"error": "forbidden"}, status=403)
            if len(request.body or b"") > MAX_BODY_BYTES:
                return response.json({"error": "the update is too large"}, status=413)
            try:
                inbound, callback_id = self.parse(request.json)
            except Exception:  # malformed JSON or an update python-telegram-bot cannot read
                logger.info("telegram: rejected a malformed update")
                return response.json({"error": "the body must be a Telegram Update object"}, status=400)
            if inbound is None:
                return response.json({"status": "ignored"})
            if callback_id is not None:
                request.app.add_task(self._answer_callback(callback_id))
            self.accept(inbound)
            return response.json({"status": "ok"})

    async def _answer_callback(self, callback_id: str) -> None:
        """Acknowledge a button press (stops the spinner); a failure here loses nothing."""
        try:
            await self.telegram.answer_callback(callback_id)
        except Exception as exc:  # the reply itself still goes out
            logger.info("telegram: could not answer a callback query (%s)", type(exc).__name__)
