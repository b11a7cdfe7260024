"""SMS encoding and segment counts, checked against the GSM 03.38 / UCS-2 limits carriers bill by."""

from __future__ import annotations

import pytest

from bot.sms import GSM7, UCS2, encoding_of, fits_sms_body, segments, split_message


@pytest.mark.parametrize(("text", "encoding", "count"), [
    ("a" * 160, GSM7, 1),
    ("a" * 161, GSM7, 2),
    ("a" * 306, GSM7, 2),
    ("a" * 307, GSM7, 3),
    ("€" * 80, GSM7, 1),            # extension characters take two septets
    ("€" * 81, GSM7, 2),
    ("Où est l'hôpital ?", UCS2, 1),  # ô is not in the GSM alphabet
    ("à côté", UCS2, 1),
    ("é è à ù ì ò Ç ñ ü", GSM7, 1),
    ("ب" * 70, UCS2, 1),            # Arabic
    ("ب" * 71, UCS2, 2),
    ("ب" * 134, UCS2, 2),
    ("ب" * 135, UCS2, 3),
    ("پ" * 67 * 3, UCS2, 3),        # Persian
    ("ے" * 70, UCS2, 1),            # Urdu
    ("আ" * 71, UCS2, 2),            # Bengali
    ("ş" * 70, UCS2, 1),            # Turkish letters force UCS-2
    ("ğ" * 71, UCS2, 2),
    ("Saya perlu bantuan" * 9, GSM7, 2),  # Indonesian: 162 characters
    ("😭" * 35, UCS2, 1),           # an emoji is two UTF-16 units
    ("😭" * 36, UCS2, 2),
])
def test_segments_per_language(text: str, encoding: object, count: int) -> None:
    assert encoding_of(text) is encoding
    assert segments(text) == count


def test_split_keeps_sentences_whole_and_fits_twilio_limits() -> None:
    text = " ".join(f"جملة رقم {i} عن حقوقك." for i in range(200))
    parts = split_message(text, fits=fits_sms_body)
    assert len(parts) > 1
    assert all(fits_sms_body(p) and p.endswith(".") for p in parts)
    assert " ".join(parts) == text


def test_a_word_longer_than_the_limit_is_cut_hard() -> None:
    parts = split_message("x" * 5000)
    assert [len(p) for p in parts] == [1600, 1600, 1600, 200]


def test_line_breaks_survive_splitting() -> None:
    parts = split_message("Which language?\n1. English\n2. Türkçe", limit=30)
    assert parts == ["Which language?\n1. English", "2. Türkçe"]
