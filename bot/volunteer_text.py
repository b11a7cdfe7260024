"""What volunteers read and write: case cards, notices, and the commands they send (same on every channel).

Commands, case-insensitive, with or without a leading slash (Telegram) and with or without '#':
    CLAIM 12        take case 12                    CLOSE 12 (or CLOSE with one case)   end it
    #12 text        send text to case 12's person   text (with exactly one case)        the same
    CASES           the queue and your cases        HELP                                this list
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from bot.case import Case
from bot.routing import local_time
from bot.text import COMMAND_GUARD
from bot.volunteers import Volunteer

LANGUAGE_NAMES = {"en": "English", "ar": "Arabic", "fa": "Persian/Dari", "ur": "Urdu", "bn": "Bengali",
                  "fr": "French", "tr": "Turkish", "id": "Indonesian/Malay"}
RELAY_TAG = re.compile(r"\[#(\d{1,9})\]")
DELIVERY_NOTES = {"opted_out": "not delivered: the person wrote STOP", "unknown": "not delivered: no address",
                  "failed": "not delivered: the provider failed (see the server log)",
                  "template": "outside WhatsApp's 24-hour window: only the approved reminder template was sent",
                  "unconfigured": "not delivered: the person's channel is not configured on this server"}
_COMMAND = re.compile(r"^/?(claim|close|cases|help|start)(?:@\w+)?\s*#?(\d{1,9})?\s*$", re.IGNORECASE)
_TO_CASE = re.compile(r"^#(\d{1,9})\s+(.+)$", re.DOTALL)


class Verb(str, enum.Enum):
    """What a volunteer's message asks for."""

    CLAIM = "claim"
    CLOSE = "close"
    CASES = "cases"
    HELP = "help"
    SAY = "say"


@dataclass(frozen=True)
class Command:
    """A parsed volunteer message: the verb, the case it names (if any) and the text to relay."""

    verb: Verb
    case_id: int | None = None
    text: str = ""


def parse(text: str, replied_to: str | None = None) -> Command:
    """Read a volunteer's message; a reply to a card or relayed message names its case."""
    stripped = text.strip().removeprefix(COMMAND_GUARD)  # volunteers' text never reaches Rasa
    match = _COMMAND.match(stripped)
    if match:
        verb = Verb.HELP if match[1].lower() == "start" else Verb(match[1].lower())
        return Command(verb, int(match[2]) if match[2] else None)
    match = _TO_CASE.match(stripped)
    if match:
        return Command(Verb.SAY, int(match[1]), match[2].strip())
    tagged = RELAY_TAG.search(replied_to or "") or re.search(r"CASE (\d{1,9})", replied_to or "")
    return Command(Verb.SAY, int(tagged[1]) if tagged else None, stripped)


def language_name(code: str) -> str:
    """'Arabic (ar)'."""
    return f"{LANGUAGE_NAMES.get(code, code)} ({code})"


def card(case: Case, volunteer: Volunteer, sms: bool, note: str = "") -> str:
    """The case card: id, language, urgency and reasons, topic, redacted summary; how to claim on SMS."""
    lines = [f"{note}CASE {case.id} · {case.urgency.upper()} · {language_name(case.language)}",
             f"Topic: {case.topic or 'not known'}" + (f" · Country: {case.country}" if case.country else ""),
             f"Why: {', '.join(case.reasons[:4]) or 'asked for a person'}",
             f"Summary: {case.summary or '(no text)'}",
             f"Waiting since {local_time(case.created_at, volunteer.tz)}"]
    if sms:
        lines.append(f"Reply CLAIM {case.id} to take it.")
    return "\n".join(lines)


def claimed_card(case: Case, by: str) -> str:
    """What other volunteers' cards turn into once someone claimed the case."""
    return f"CASE {case.id} ({language_name(case.language)}, {case.urgency}) was claimed by {by}."


def welcome_case(case: Case, sms: bool, transcript: list[str]) -> str:
    """Sent to the volunteer who won the claim, with what the person wrote so far."""
    how = (f"Reply '#{case.id} your text' (or just your text if this is your only case) to write to the person; "
           f"CLOSE {case.id} when you are done." if sms else
           "Write here to answer (reply to a message of this case if you have several); /close when you are done.")
    said = "\n".join(f"> {line}" for line in transcript[-6:])
    return f"You have CASE {case.id} ({language_name(case.language)}, {case.urgency}). {how}" + (
        f"\nThe person wrote:\n{said}" if said else "")


def relayed(case_id: int, text: str) -> str:
    """A person's message as the volunteer receives it."""
    return f"[#{case_id}] {text}"


def help_text(sms: bool) -> str:
    """The commands, for HELP and for anything a volunteer writes that is not one."""
    if sms:
        return ("Rafiq volunteer commands: CLAIM 12 takes case 12. '#12 text' writes to its person (or just "
                "text if you have one case). CLOSE 12 ends it. CASES lists the queue.")
    return ("Rafiq volunteer bot. Press Claim on a case card to take it. Then write here to answer the person "
            "(reply to one of its messages if you have several cases). /close ends the case, /cases lists the "
            "queue.")


def cases_text(waiting: list[Case], mine: list[Case], volunteer: Volunteer) -> str:
    """The queue as a volunteer sees it: their own cases, then waiting cases in their languages first."""
    lines = [f"Your cases: {', '.join(f'#{c.id}' for c in mine) or 'none'}."]
    ordered = sorted(waiting, key=lambda c: (not volunteer.speaks(c.language), c.queue_key()))
    lines += [f"#{c.id} {c.urgency} {c.language} {c.topic or ''} since {local_time(c.created_at, volunteer.tz)}"
              for c in ordered[:10]]
    if not waiting:
        lines.append("Nobody is waiting.")
    return "\n".join(lines)
