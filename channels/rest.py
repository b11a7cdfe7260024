"""The REST channel at /webhooks/rest/webhook, made safe: text is sanitised and bad requests get a clear 400.

Rasa's own RestInput passes text through untouched (so "/greet{...}" would trigger an intent or set a slot)
and logs the text when something fails; this one never does either.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.exceptions import SanicException
from sanic.request import Request

from bot.keywords import Keyword, Keywords
from bot.redact import redact
from bot.settings import load_settings
from bot.text import sanitize
from channels.desk_runtime import shared_desk, start_timer, stop_timer, to_open_case

logger = logging.getLogger(__name__)
MAX_SENDER_CHARS = 128


class BadRestRequest(SanicException):
    """A malformed REST request: answered with 400 and a plain explanation."""

    status_code = 400


class SafeRestInput(RestInput):
    """REST input channel with sanitised text and validated fields."""

    def __init__(self) -> None:
        settings = load_settings()
        self.max_chars = int(settings.max_message_chars)
        self.desk = shared_desk(settings)
        self.settings = settings
        self.keywords = Keywords.load(Path(settings.knowledge_dir))

    @classmethod
    def name(cls) -> str:
        """Served at /webhooks/rest/ (the contract)."""
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> SafeRestInput:
        """No credentials: the REST channel is for the local web chat and tests."""
        return cls()

    def _body(self, req: Request) -> dict[str, Any]:
        try:
            body = req.json
        except Exception as exc:  # sanic raises its own error type on bad JSON
            raise BadRestRequest("the body must be JSON: {\"sender\": \"...\", \"message\": \"...\"}") from exc
        if not isinstance(body, dict):
            raise BadRestRequest("the body must be a JSON object with 'sender' and 'message'")
        return body

    async def _extract_sender(self, req: Request) -> str | None:
        sender = self._body(req).get("sender")
        if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
            raise BadRestRequest(f"'sender' must be a non-empty string of at most {MAX_SENDER_CHARS} characters")
        return sender.strip()

    def _extract_message(self, req: Request) -> str | None:
        message = self._body(req).get("message")
        if message is not None and not isinstance(message, str):
            raise BadRestRequest("'message' must be a string")
        return redact(sanitize(message, self.max_chars))  # phone, ID numbers and names never reach Rasa

    def _extract_input_channel(self, req: Request) -> str:
        return self.name()

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        """No client-supplied metadata is trusted or stored."""
        return None

    def blueprint(self, on_new_message: Any) -> Blueprint:
        """POST /webhook answers with the bot's replies; errors are JSON (never a 500 with text in a log)."""
        blueprint = Blueprint("rafiq_rest", __name__)

        @blueprint.route("/", methods=["GET"])
        async def health(request: Request) -> response.HTTPResponse:
            return response.json({"status": "ok"})

        @blueprint.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> response.HTTPResponse:
            sender = await self._extract_sender(request)
            text = self._extract_message(request)
            case = self.desk.store.open_for(str(sender))
            keyword = self.keywords.match(text or "")
            if keyword is not None and keyword.keyword is Keyword.ERASE:
                return response.json([{"recipient_id": sender, "text": await self._erase(request, str(sender))}])
            if case is not None:  # a volunteer has (or will have) this conversation: the bot stays silent
                await to_open_case(request.app, self.desk, case, text or "")
                return response.json([])
            collector = CollectingOutputChannel()
            try:
                await on_new_message(UserMessage(text, collector, sender, input_channel=self.name()))
            except Exception:
                logger.exception("rest: the message could not be processed")
                return response.json({"error": "the message could not be processed; please try again"}, status=503)
            self.desk.timer.kick()  # the turn may have queued a case: its cards go out now
            return response.json(collector.messages)

        @blueprint.route("/handoff", methods=["GET"])
        async def handoff(request: Request) -> response.HTTPResponse:
            """What volunteers (and the desk) wrote to this web-chat sender since message id `after`."""
            sender = request.args.get("sender", "")
            after = request.args.get("after", "0")
            if not sender or len(sender) > MAX_SENDER_CHARS or not after.isdigit():
                raise BadRestRequest("give ?sender=... and optionally &after=<message id>")
            case = self.desk.store.latest_for(sender)
            if case is None:
                return response.json({"state": "bot", "messages": []})
            said = [{"id": m.id, "author": m.author, "text": m.text}
                    for m in self.desk.store.messages(case.id, int(after)) if m.author != "person"]
            return response.json({"state": case.state, "case": case.id, "messages": said})

        @blueprint.listener("after_server_start")
        async def start(app: Any, _loop: Any) -> None:
            start_timer(app, self.desk)

        @blueprint.listener("before_server_stop")
        async def stop(app: Any, _loop: Any) -> None:
            await stop_timer(app, self.desk)

        @blueprint.exception(BadRestRequest)
        async def bad_request(request: Request, exc: BadRestRequest) -> response.HTTPResponse:
            logger.info("rest: rejected a malformed request (%s)", exc)
            return response.json({"error": str(exc)}, status=400)

        return blueprint

    async def _erase(self, request: Request, sender: str) -> str:
        """DELETE from the web chat: everything about this sender goes; the confirmation in their language."""
        tracker = await request.app.ctx.agent.tracker_store.retrieve(sender)
        language = (tracker.get_slot("language") if tracker is not None else None) or self.settings.default_language
        await self.desk.forget(sender)
        return str(self.desk.knowledge.get().text(str(language), "keyword_erase"))
