"""A local web chat page at /chat that talks to the bot through the REST channel."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rasa.core.channels.channel import InputChannel
from sanic import Blueprint, response
from sanic.request import Request

PAGE = Path(__file__).parent / "static" / "chat.html"


class WebChatPage(InputChannel):
    """Serves the chat page; messages go through /webhooks/rest/webhook."""

    @classmethod
    def name(cls) -> str:
        """Channel name in credentials.yml."""
        return "webchat"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> WebChatPage:
        """No credentials needed."""
        return cls()

    def url_prefix(self) -> str:
        """An absolute prefix: Rasa joins it onto /webhooks/, which gives /chat."""
        return "/chat"

    def blueprint(self, on_new_message: Any) -> Blueprint:
        """GET /chat returns the page."""
        blueprint = Blueprint("rafiq_webchat", __name__)

        @blueprint.route("/", methods=["GET"])
        async def page(request: Request) -> response.HTTPResponse:
            return response.html(PAGE.read_text(encoding="utf-8"),
                                 headers={"Content-Security-Policy": "default-src 'self'; style-src 'self' "
                                          "'unsafe-inline'; script-src 'self' 'unsafe-inline'",
                                          "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"})

        return blueprint
