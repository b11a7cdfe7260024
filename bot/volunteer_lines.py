"""Reaching volunteers on their own phones: the volunteers' Telegram bot (cards with a Claim button, edited
once claimed) and Twilio SMS/WhatsApp (plain texts: "CASE 12 … reply CLAIM 12")."""

from __future__ import annotations

import abc
import functools
import time
from typing import Any

from bot.contacts import Contact
from bot.delivery import with_retries
from bot.medium import Outgoing
from bot.settings import Settings
from bot.telegram_api import TelegramSender
from bot.twilio_api import TwilioSender
from bot.volunteers import Volunteer

CLAIM_PREFIX = "claim:"


class VolunteerLine(abc.ABC):
    """One way of writing to volunteers."""

    sms = False

    @abc.abstractmethod
    async def send(self, address: str, text: str, claim_case: int | None = None) -> str | None:
        """Send a text (with a Claim button for `claim_case` where the medium has buttons); returns its ref."""

    async def edit(self, address: str, ref: str | None, text: str) -> None:
        """Replace an earlier card's text (where the medium cannot edit, send it as a new message)."""
        await self.send(address, text)

    async def close(self) -> None:  # noqa: B027 (optional hook)
        """Release connections."""


class TelegramVolunteerLine(VolunteerLine):
    """The volunteers' own bot (TELEGRAM_VOLUNTEER_BOT_TOKEN), separate from the bot people write to."""

    def __init__(self, settings: Settings, bot: Any = None) -> None:
        if bot is None:
            from telegram import Bot

            bot = Bot(settings.require("telegram_volunteer_bot_token"),
                      base_url=str(settings.telegram_api_base_url))
        self.sender = TelegramSender(settings, bot=bot)

    async def send(self, address: str, text: str, claim_case: int | None = None) -> str | None:
        """A message, with an inline Claim button for a case card."""
        from telegram import InlineKeyboardButton, InlineKeyboardMarkup

        markup = None
        if claim_case is not None:
            markup = InlineKeyboardMarkup([[InlineKeyboardButton(f"Claim case {claim_case}",
                                                                 callback_data=f"{CLAIM_PREFIX}{claim_case}")]])
        sent = await with_retries(functools.partial(self.sender._call, "send_message", chat_id=int(address),
                                                    text=text, reply_markup=markup), "telegram volunteer")
        return str(sent.message_id)

    async def edit(self, address: str, ref: str | None, text: str) -> None:
        """Edit the card in place (its Claim button disappears)."""
        if ref is None:
            await self.send(address, text)
            return
        await with_retries(functools.partial(self.sender._call, "edit_message_text", chat_id=int(address),
                                             message_id=int(ref), text=text), "telegram volunteer")

    async def answer_callback(self, callback_id: str, text: str) -> None:
        """Show a short notice on the volunteer's screen after they pressed a button."""
        await self.sender._call("answer_callback_query", callback_query_id=callback_id, text=text[:200])

    async def close(self) -> None:
        """Close the bot's HTTP connections."""
        await self.sender.close()


class TwilioVolunteerLine(VolunteerLine):
    """SMS or WhatsApp through the same Twilio account and numbers as the people's channel."""

    sms = True

    def __init__(self, sender: TwilioSender, medium: str) -> None:
        self.sender = sender
        self.medium = medium

    async def send(self, address: str, text: str, claim_case: int | None = None) -> str | None:
        """A plain text (the card says 'reply CLAIM 12')."""
        to = f"whatsapp:{address}" if self.medium == "whatsapp" else address
        contact = Contact("volunteer", self.medium, to, False, time.time(), [])
        await with_retries(functools.partial(self.sender.send_one, contact, Outgoing(text)), "twilio volunteer")
        return None


def lines_for(settings: Settings, twilio: TwilioSender | None) -> dict[str, VolunteerLine]:
    """Every volunteer channel whose secrets are configured."""
    lines: dict[str, VolunteerLine] = {}
    if settings.telegram_volunteer_bot_token:
        lines["telegram"] = TelegramVolunteerLine(settings)
    if twilio is not None:
        lines["sms"] = TwilioVolunteerLine(twilio, "sms")
        lines["whatsapp"] = TwilioVolunteerLine(twilio, "whatsapp")
    return lines


def line_of(lines: dict[str, VolunteerLine], volunteer: Volunteer) -> VolunteerLine | None:
    """The line that reaches this volunteer, if its channel is configured."""
    return lines.get(volunteer.channel)
