"""Fitting a turn's replies to the medium: SMS bodies and segments, WhatsApp and Telegram length limits, and
buttons as numbered options where the medium has no buttons. Plain Python over the bot's reply dicts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.sms import fits_sms_body, split_message

MAX_CHARS = {"sms": 1600, "whatsapp": 4096, "telegram": 4096}
BUTTON_MEDIA = ("telegram",)
_NUMBERED = re.compile(r"^\s*(\d{1,2})[.)]\s+")


@dataclass(frozen=True)
class Outgoing:
    """One message to send: text and, on media with buttons, (title, payload) pairs."""

    text: str
    buttons: tuple[tuple[str, str], ...] = field(default=())


@dataclass(frozen=True)
class Rendered:
    """What to send, and the numbered options offered (a reply '2' then means the second payload)."""

    messages: list[Outgoing]
    options: list[tuple[str, str]]


def numbered(buttons: list[tuple[str, str]]) -> list[str]:
    """Lines '1. Title' (titles already numbered, like the language menu, are kept as they are)."""
    return [title if _NUMBERED.match(title) else f"{i}. {title}" for i, (title, _payload) in enumerate(buttons, 1)]


def _buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    return [(str(b.get("title") or b.get("payload")), str(b.get("payload") or b.get("title")))
            for b in message.get("buttons") or () if b.get("title") or b.get("payload")]


def render(messages: list[dict[str, Any]], medium: str) -> Rendered:
    """The bot's messages of one turn, fitted to `medium` ('sms', 'whatsapp' or 'telegram')."""
    limit = MAX_CHARS[medium]
    options: list[tuple[str, str]] = []
    blocks: list[tuple[str, list[tuple[str, str]]]] = []
    for message in messages:
        text = str(message.get("text") or "").strip()
        buttons = _buttons(message)
        if buttons:
            options = buttons
        if medium not in BUTTON_MEDIA and buttons:
            text = "\n".join([text, *numbered(buttons)]).strip()
            buttons = []
        if text:
            blocks.append((text, buttons))
    if medium == "sms":
        body = "\n\n".join(text for text, _ in blocks)
        return Rendered([Outgoing(part) for part in split_message(body, limit, fits_sms_body)], options)
    out: list[Outgoing] = []
    for text, buttons in blocks:
        parts = split_message(text, limit)
        out.extend(Outgoing(part) for part in parts[:-1])
        out.append(Outgoing(parts[-1], tuple(buttons)))
    return Rendered(out, options)


def chosen_option(text: str, options: list[tuple[str, str]]) -> str | None:
    """The payload of option N when the whole message is the number N (ASCII or Arabic-Indic digits)."""
    digits = text.strip().rstrip(".").translate(str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹০১২৩৪৫৬৭৮৯", "0123456789" * 3))
    if not digits.isdigit() or not options:
        return None
    index = int(digits)
    return options[index - 1][1] if 1 <= index <= len(options) else None
