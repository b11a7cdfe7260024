"""What a registered volunteer's message does (the same on Telegram, SMS and WhatsApp), and building a desk."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from bot.contacts import ContactStore
from bot.delivery import Sender
from bot.desk import Desk
from bot.errors import RafiqError
from bot.handoff import HandoffStore, State
from bot.knowledge import KnowledgeStore
from bot.settings import Settings
from bot.volunteer_lines import lines_for
from bot.volunteer_text import DELIVERY_NOTES, Verb, cases_text, help_text, parse
from bot.volunteers import Volunteer, VolunteerStore

logger = logging.getLogger(__name__)


def build_desk(settings: Settings, knowledge: KnowledgeStore | None = None,
               clock: Callable[[], datetime] | None = None) -> Desk:
    """A desk over the configured stores and every provider whose secrets are set."""
    from bot.telegram_api import TelegramSender
    from bot.twilio_api import TwilioSender

    twilio = TwilioSender(settings) if settings.twilio_account_sid and settings.twilio_auth_token else None
    people: dict[str, Sender] = {"sms": twilio, "whatsapp": twilio} if twilio else {}
    if settings.telegram_bot_token:
        people["telegram"] = TelegramSender(settings)
    return Desk(settings, knowledge or KnowledgeStore(Path(settings.knowledge_dir)),
                HandoffStore(settings.database_url, clock), VolunteerStore(settings.database_url, settings.pepper),
                ContactStore(settings.database_url, pepper=settings.pepper), people, lines_for(settings, twilio), clock)


def _which(desk: Desk, volunteer: Volunteer, case_id: int | None) -> int | None:
    """The case a command means: the one named, else the volunteer's only open case."""
    if case_id is not None:
        return case_id
    mine = desk.store.cases((State.ASSIGNED.value,), volunteer_id=volunteer.id)
    return mine[0].id if len(mine) == 1 else None


async def handle(desk: Desk, volunteer: Volunteer, text: str, replied_to: str | None = None,
                 sms: bool = False) -> str | None:
    """Carry out a volunteer's message; returns what to answer them (None when the desk already did)."""
    command = parse(text, replied_to)
    try:
        if command.verb is Verb.HELP:
            return help_text(sms)
        if command.verb is Verb.CASES:
            return cases_text(desk.store.cases((State.WAITING.value,)),
                              desk.store.cases((State.ASSIGNED.value,), volunteer_id=volunteer.id), volunteer)
        if command.verb is Verb.CLAIM:
            if command.case_id is None:
                return "Which case? Write CLAIM and its number, like CLAIM 12."
            await desk.claim(command.case_id, volunteer)
            return None
        case_id = _which(desk, volunteer, command.case_id)
        if case_id is None:
            count = len(desk.store.cases((State.ASSIGNED.value,), volunteer_id=volunteer.id))
            return ("You have no open case. " + help_text(sms)) if count == 0 else (
                f"You have {count} open cases: start with '#12 ' (the case number) to say which one.")
        if command.verb is Verb.CLOSE:
            await desk.close(case_id, f"volunteer:{volunteer.name}", volunteer)
            return None
        outcome = await desk.reply(case_id, volunteer, command.text)
        return f"CASE {case_id}: {DELIVERY_NOTES[outcome]}" if outcome in DELIVERY_NOTES else None
    except RafiqError as exc:
        logger.info("volunteer command refused (%s)", type(exc).__name__)
        return f"Not done: {exc.message}."
