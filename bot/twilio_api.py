"""Sending SMS and WhatsApp messages with twilio's async client (TWILIO_API_BASE_URL can point at a fake)."""

from __future__ import annotations

import json
import logging
from typing import Any

from bot.contacts import Contact
from bot.delivery import Sender
from bot.errors import DeliveryError
from bot.medium import Outgoing
from bot.settings import Settings

logger = logging.getLogger(__name__)
# Twilio error codes that retrying cannot fix: unsubscribed (21610), invalid or unreachable numbers, blocked
PERMANENT_CODES = {21211, 21408, 21610, 21612, 21614, 63003, 63016}


class TwilioSender(Sender):
    """Twilio Messages API, one client per process, created inside the running event loop."""

    name = "twilio"

    def __init__(self, settings: Settings) -> None:
        self.account_sid = settings.require("twilio_account_sid")
        self.auth_token = settings.require("twilio_auth_token")
        self.base_url = str(settings.twilio_api_base_url).rstrip("/")
        self.from_numbers = {"sms": settings.twilio_sms_from, "whatsapp": settings.twilio_whatsapp_from}
        self.template_sid = settings.twilio_whatsapp_template_sid
        self._client: Any = None

    def _get_client(self) -> Any:
        if self._client is None:
            from twilio.http.async_http_client import AsyncTwilioHttpClient
            from twilio.rest import Client

            self._client = Client(self.account_sid, self.auth_token, http_client=AsyncTwilioHttpClient(timeout=20))
            self._client.api.base_url = self.base_url
        return self._client

    def _from(self, contact: Contact) -> str:
        sender = self.from_numbers.get(contact.medium)
        if not sender:
            variable = "TWILIO_WHATSAPP_FROM" if contact.medium == "whatsapp" else "TWILIO_SMS_FROM"
            raise DeliveryError(f"{variable} is not set: no number to send {contact.medium} from", transient=False)
        return str(sender)

    async def _create(self, **fields: Any) -> None:
        from aiohttp import ClientError
        from twilio.base.exceptions import TwilioRestException

        try:
            await self._get_client().messages.create_async(**fields)
        except TwilioRestException as exc:
            transient = (exc.status == 429 or exc.status >= 500) and exc.code not in PERMANENT_CODES
            raise DeliveryError(f"Twilio answered {exc.status} (error {exc.code})", transient=transient) from exc
        except (ClientError, TimeoutError, OSError) as exc:
            raise DeliveryError(f"Twilio unreachable ({type(exc).__name__})", transient=True) from exc

    async def send_one(self, contact: Contact, message: Outgoing) -> None:
        """One SMS or WhatsApp message."""
        await self._create(to=contact.address, from_=self._from(contact), body=message.text)

    async def send_template(self, contact: Contact) -> None:
        """The approved WhatsApp template (ContentSid), the only thing allowed outside the 24-hour window."""
        if not self.template_sid:
            raise DeliveryError("TWILIO_WHATSAPP_TEMPLATE_SID is not set", transient=False)
        await self._create(to=contact.address, from_=self._from(contact), content_sid=self.template_sid,
                           content_variables=json.dumps({}))

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._client is not None:
            await self._client.http_client.close()
            self._client = None
