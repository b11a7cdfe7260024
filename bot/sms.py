"""SMS encoding and segments: what a text costs on a phone, and how to split it at sentence boundaries.

GSM-7 (3GPP TS 23.038 default alphabet and its extension table) fits 160 characters in one SMS and 153 per
segment when a message is split; anything outside it forces UCS-2: 70 characters alone, 67 per segment, counted
in UTF-16 code units. Arabic, Persian, Urdu, Bengali and Turkish letters such as ş or ğ are always UCS-2.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
TWILIO_BODY_LIMIT = 1600
MAX_SEGMENTS_PER_BODY = 10  # Twilio's advice: longer bodies are delivered less reliably
SENTENCE_END = re.compile(r"(?:(?<=[!?؟।。:;])|(?<=\D\.))\s+")  # "2. Türkçe" is an option, not a sentence end


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


def fits_sms_body(text: str) -> bool:
    """Within Twilio's 1600-character body limit and at most MAX_SEGMENTS_PER_BODY segments."""
    return len(text) <= TWILIO_BODY_LIMIT and segments(text) <= MAX_SEGMENTS_PER_BODY


def split_message(text: str, limit: int = TWILIO_BODY_LIMIT, fits: Callable[[str], bool] | None = None) -> list[str]:
    """Split text into bodies of at most `limit` characters (and `fits`), at sentence ends, else at spaces."""
    def ok(candidate: str) -> bool:
        return len(candidate) <= limit and (fits is None or fits(candidate))

    text = text.strip()
    if ok(text):
        return [text] if text else []
    parts: list[str] = []
    current = ""
    for sentence in _pieces(text, limit, ok):
        joined = f"{current}{_joint(current)}{sentence}" if current else sentence
        if ok(joined):
            current = joined
        else:
            parts.append(current)
            current = sentence
    if current:
        parts.append(current)
    return [p.strip() for p in parts if p.strip()]


def _joint(current: str) -> str:
    return "" if current.endswith("\n") else " "


def _pieces(text: str, limit: int, ok: Callable[[str], bool]) -> list[str]:
    """Sentences (a line break ends one too), each cut at spaces (or hard) when it does not fit alone."""
    out: list[str] = []
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    for number, line in enumerate(lines, start=1):
        sentences = SENTENCE_END.split(line)
        for i, sentence in enumerate(sentences, start=1):
            sentence = sentence.strip()
            while sentence and not ok(sentence):
                cut = _largest_fit(sentence, ok)
                out.append(sentence[:cut].strip())
                sentence = sentence[cut:].strip()
            if sentence:
                line_end = i == len(sentences) and number < len(lines)
                out.append(sentence + ("\n" if line_end else ""))
    return out


def _largest_fit(sentence: str, ok: Callable[[str], bool]) -> int:
    """Where to cut a too-long sentence: the last space before the largest prefix that fits."""
    lo, hi = 1, len(sentence)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if ok(sentence[:mid]) else (lo, mid - 1)
    space = sentence.rfind(" ", 0, lo + 1)
    return space if space > lo // 2 else lo


def main(argv: list[str] | None = None) -> int:
    """`python -m bot.sms TEXT`: print the encoding, length and segment count of TEXT."""
    text = " ".join(argv if argv is not None else sys.argv[1:])
    enc = encoding_of(text)
    print(f"{enc.name}, {units(text, enc)} units, {segments(text)} segment(s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
