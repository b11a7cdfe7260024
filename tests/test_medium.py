"""Replies fitted to SMS, WhatsApp and Telegram."""

from __future__ import annotations

from bot.medium import chosen_option, render
from bot.sms import fits_sms_body

MENU = {"text": "Which language? Reply with a number:",
        "buttons": [{"title": "1. English", "payload": "English"}, {"title": "2. العربية", "payload": "العربية"}]}
YES_NO = {"text": "Would you like a volunteer?", "buttons": [{"title": "Yes", "payload": "yes"},
                                                             {"title": "No", "payload": "no"}]}


def test_sms_joins_a_turn_into_one_body_with_numbered_options() -> None:
    rendered = render([{"text": "Salam!"}, YES_NO], "sms")
    assert [m.text for m in rendered.messages] == ["Salam!\n\nWould you like a volunteer?\n1. Yes\n2. No"]
    assert rendered.options == [("Yes", "yes"), ("No", "no")]


def test_already_numbered_titles_are_not_numbered_twice() -> None:
    assert render([MENU], "whatsapp").messages[0].text.endswith("\n1. English\n2. العربية")


def test_telegram_keeps_buttons_and_separate_messages() -> None:
    rendered = render([{"text": "Salam!"}, MENU], "telegram")
    assert [m.text for m in rendered.messages] == ["Salam!", MENU["text"]]
    assert rendered.messages[1].buttons == (("1. English", "English"), ("2. العربية", "العربية"))


def test_long_replies_are_split_per_medium() -> None:
    long = {"text": " ".join(["هذه جملة طويلة عن حقوق العمال."] * 300)}
    assert all(fits_sms_body(m.text) for m in render([long], "sms").messages)
    assert all(len(m.text) <= 4096 for m in render([long], "whatsapp").messages)
    assert len(render([long], "telegram").messages) > 1


def test_a_number_picks_the_option_in_any_digits() -> None:
    options = [("Yes", "yes"), ("No", "no")]
    assert chosen_option("2", options) == "no"
    assert chosen_option(" ١ ", options) == "yes"   # Arabic-Indic
    assert chosen_option("۲", options) == "no"      # Persian
    assert chosen_option("২.", options) == "no"     # Bengali
    assert chosen_option("3", options) is None
    assert chosen_option("2 children", options) is None
    assert chosen_option("1", []) is None
