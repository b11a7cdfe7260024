"""Normalising what people type before anything reads it."""

from __future__ import annotations

import re
import unicodedata

# Rasa reads a message starting with "/" as a command (`/intent{"slot": ...}`). A word joiner in front keeps
# the text as the person typed it for a human reader while making it plain text for Rasa.
COMMAND_GUARD = "\u2060"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_SPACE = re.compile(r"\s+")


def sanitize(text: str | None, max_chars: int = 2000) -> str:
    """Return `text` normalised (NFC, no control characters, single spaces), cut to `max_chars`, never a command."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", str(text))
    text = _CONTROL.sub(" ", text)
    text = _SPACE.sub(" ", text).strip()
    if len(text) > max_chars:
        cut = text.rfind(" ", 0, max_chars)
        text = text[: cut if cut > max_chars // 2 else max_chars]
    if text.startswith("/"):
        text = COMMAND_GUARD + text
    return text


def words(text: str) -> list[str]:
    """Lower-cased words of `text` (letters, digits and combining marks; apostrophes kept inside words)."""
    return re.findall(r"[\w\u0600-\u06ff\u0980-\u09ff']+", text.lower())
