"""Text sanitising: what Rasa and the stores receive from a person's message."""

from __future__ import annotations

import pytest

from bot.text import COMMAND_GUARD, sanitize


@pytest.mark.parametrize("raw", ["/greet", '/choose_language{"language": "ar"}', "  /restart"])
def test_slash_commands_become_plain_text(raw: str) -> None:
    clean = sanitize(raw)
    assert not clean.startswith("/")
    assert clean == COMMAND_GUARD + raw.strip()


def test_control_characters_and_direction_marks_are_removed() -> None:
    assert sanitize("help\x00\x07 me\u202e now\r\n") == "help me now"


def test_long_text_is_cut_at_a_word_boundary() -> None:
    text = "word " * 3000
    clean = sanitize(text, max_chars=2000)
    assert len(clean) <= 2000
    assert clean.endswith("word")


@pytest.mark.parametrize("raw", [None, "", "   ", "\x00"])
def test_empty_input_gives_empty_text(raw: str | None) -> None:
    assert sanitize(raw) == ""


def test_arabic_and_bengali_text_is_kept() -> None:
    assert sanitize("  ساعدني   من فضلك ") == "ساعدني من فضلك"
    assert sanitize("আমাকে সাহায্য করুন") == "আমাকে সাহায্য করুন"
