"""Which country a person is in: named in a message (any language, big cities too), or suggested by the phone
number's calling code. A suggestion is only ever used after the person confirms it."""

from __future__ import annotations

import re

from bot.knowledge import KnowledgeBase
from bot.triage import fold

#: a message naming a country counts as "I am there" only when it is this short (or answers our question)
SHORT_MESSAGE_WORDS = 5


def _names(kb: KnowledgeBase) -> list[tuple[str, str]]:
    pairs = {(fold(name), code) for code, country in kb.countries.items()
             for name in (*country.names.values(), *country.aliases) if len(name) >= 2}
    return sorted(pairs, key=lambda p: -len(p[0]))


def named_country(text: str, kb: KnowledgeBase) -> str | None:
    """The country a message names (the longest name wins: 'Saudi Arabia' over 'Arabia'), or None."""
    folded = fold(text)
    for name, code in _names(kb):
        if len(name) <= 3 and name.isascii():
            if re.search(rf"(?<!\w){re.escape(name.upper())}(?!\w)", text):  # 'KL', 'KSA', 'UAE': capitals only
                return code
            continue
        if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", folded):
            return code
    return None


def stated_country(text: str, kb: KnowledgeBase, asked: bool) -> str | None:
    """The country when the person answers our question, or says where they are in a few words."""
    code = named_country(text, kb)
    if code is None:
        return None
    return code if asked or len(text.split()) <= SHORT_MESSAGE_WORDS else None


def dial_country(address: str, kb: KnowledgeBase) -> str | None:
    """The country whose calling code starts a phone number ('+90...', 'whatsapp:+90...'), or None."""
    digits = address.removeprefix("whatsapp:").strip()
    if not digits.startswith("+"):
        return None
    digits = digits[1:]
    matches = [(len(dial), code) for code, country in kb.countries.items() for dial in country.dial_codes
               if digits.startswith(dial)]
    return max(matches)[1] if matches else None
