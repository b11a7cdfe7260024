"""SMS encoding and segments: what a text costs on a phone, and how to split it at sentence boundaries.

GSM-7 (3GPP TS 23.038 default alphabet and its extension table) fits 160 characters in one SMS and 153 per
segment when a message is split; anything outside it forces UCS-2: 70 characters alone, 67 per segment, counted
in UTF-16 code units. Arabic, Persian, Urdu, Bengali and Turkish letters such as ş or ğ are always UCS-2.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
TWILIO_BODY_LIMIT = 1600
SENTENCE_END = re.compile(r"(?<=[.!?؟।。:;\n])\s+")


@dataclass(frozen=True)
class Encoding:
    """One SMS encoding with its per-message limits."""

    name: str
    single: int
    per_segment: int


GSM7 = Encoding("GSM-7", 160, 153)
UCS2 = Encoding("UCS-2", 70, 67)


def encoding_of(text: str) -> Encoding:
    """GSM-7 when every character is in the GSM alphabet, else UCS-2."""
    return GSM7 if all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text) else UCS2


def units(text: str, encoding: Encoding) -> int:
    """Length in the encoding's units: septets (extension characters take two) or UTF-16 code units."""
    if encoding is GSM7:
        return sum(2 if ch in GSM7_EXTENSION else 1 for ch in text)
    return len(text.encode("utf-16-le")) // 2


def segments(text: str) -> int:
    """How many SMS segments the carrier bills for this text."""
    enc = encoding_of(text)
    n = units(text, enc)
    if n <= enc.single:
        return 1
    return -(-n // enc.per_segment)


def split_message(text: str, limit: int = TWILIO_BODY_LIMIT) -> list[str]:
    """Split text into message bodies of at most `limit` characters, at sentence ends, else at spaces."""
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    parts: list[str] = []
    current = ""
    for sentence in _pieces(text, limit):
        joined = f"{current} {sentence}".strip() if current else sentence
        if len(joined) <= limit:
            current = joined
        else:
            parts.append(current)
            current = sentence
    if current:
        parts.append(current)
    return parts


def _pieces(text: str, limit: int) -> list[str]:
    """Sentences, each cut at spaces (or hard) when longer than `limit`."""
    out: list[str] = []
    for sentence in (s.strip() for s in SENTENCE_END.split(text)):
        while len(sentence) > limit:
            cut = sentence.rfind(" ", 0, limit + 1)
            cut = cut if cut > limit // 2 else limit
            out.append(sentence[:cut].strip())
            sentence = sentence[cut:].strip()
        if sentence:
            out.append(sentence)
    return out


def main(argv: list[str] | None = None) -> int:
    """`python -m bot.sms TEXT`: print the encoding, length and segment count of TEXT."""
    text = " ".join(argv if argv is not None else sys.argv[1:])
    enc = encoding_of(text)
    print(f"{enc.name}, {units(text, enc)} units, {segments(text)} segment(s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
