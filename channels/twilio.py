"""SMS and WhatsApp through Twilio at /webhooks/twilio/webhook, with every request's signature checked.

The signature is computed by twilio's own RequestValidator over RAFIQ_PUBLIC_URL plus the path and query (the
URL Twilio called, which `request.url` is not behind a proxy) and over every form field, blank and repeated
ones included (Sanic's own form parsing drops blank fields, so the body is parsed here).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qsl

from multidict import MultiDict
from sanic import Blueprint, response
from sanic.request import Request
from twilio.request_validator import RequestValidator

from bot.settings import Settings, load_settings
from bot.text import sanitize
from bot.twilio_api import TwilioSender
from channels.messaging import MEDIA, TEXT, Inbound, MessagingInput

logger = logging.getLogger(__name__)
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
SIGNATURE_HEADER = "X-Twilio-Signature"
MAX_BODY_BYTES = 64 * 1024


class TwilioInput(MessagingInput):
    """Twilio's SMS and WhatsApp webhooks (one endpoint; `From: whatsapp:+...` means WhatsApp)."""

    def __init__(self, settings: Settings) -> None:
        self.public_url = settings.require("public_url").rstrip("/")
        self.validator = RequestValidator(settings.require("twilio_auth_token"))
        super().__init__(settings, TwilioSender(settings))

    @classmethod
    def name(cls) -> str:
        """Served at /webhooks/twilio/."""
        return "twilio"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TwilioInput:
        """Secrets come from the settings table (environment or .env), never from credentials.yml."""
        return cls(load_settings())

    def signed_url(self, request: Request) -> str:
        """The URL Twilio signed: the public base URL, the path and the query string."""
        query = f"?{request.query_string}" if request.query_string else ""
        return f"{self.public_url}{request.path}{query}"

    def authenticate(self, request: Request) -> MultiDict[str] | None:
        """The form fields when the signature is valid, else None."""
        if len(request.body or b"") > MAX_BODY_BYTES:
            return None
        try:
            fields: MultiDict[str] = MultiDict(parse_qsl((request.body or b"").decode("utf-8"),
                                                         keep_blank_values=True))
        except UnicodeDecodeError:
            return None
        signature = request.headers.get(SIGNATURE_HEADER, "")
        if not signature or not self.validator.validate(self.signed_url(request), fields, signature):
            return None
        return fields

    def parse(self, fields: MultiDict[str]) -> Inbound | None:
        """The message in a validated form, or None when required fields are missing."""
        sid = fields.get("MessageSid") or fields.get("SmsSid")
        sender = fields.get("From")
        if not sid or not sender:
            return None
        medium = "whatsapp" if sender.startswith("whatsapp:") else "sms"
        text = sanitize(fields.get("Body"), self.max_chars)
        try:
            media = int(fields.get("NumMedia") or 0) > 0
        except ValueError:
            media = False
        media = media or bool(fields.get("Latitude"))
        return Inbound(sid, medium, sender, text, MEDIA if media and not text else TEXT)

    def routes(self, blueprint: Blueprint) -> None:
        """POST /webhook for messages."""

        @blueprint.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> response.HTTPResponse:
            fields = self.authenticate(request)
            if fields is None:
                logger.warning("twilio: rejected a request with a missing or invalid signature")
                return response.text("invalid signature", status=403)
            inbound = self.parse(fields)
            if inbound is None:
                logger.info("twilio: rejected a request without MessageSid or From")
                return response.text("MessageSid and From are required", status=400)
            self.accept(inbound)
            return response.text(EMPTY_TWIML, content_type="text/xml")
