"""The person's country: asked, named, or suggested by the phone and confirmed; then used for answers."""

from __future__ import annotations

import pytest

from actions.answers import ActionAnswer
from actions.conversation import ActionAffirm, ActionDeny, ActionSmalltalk
from bot.knowledge import KnowledgeBase
from bot.replies import country_name
from tests.actions.conftest import make_tracker, run, slot_events


def test_an_emergency_without_a_country_suggests_the_phones_country(kb: KnowledgeBase) -> None:
    messages, events = run(ActionAnswer(), make_tracker("he is beating me", "detention", language="ar",
                                                        urgency="emergency", dial_country="JO"))
    assert messages[-1]["text"] == kb.text("ar", "confirm_country", country=country_name(kb, "JO", "ar"))
    assert slot_events(events)["pending"] == "country:JO!"
    assert "country" not in slot_events(events)  # never assumed from the number alone


def test_yes_confirms_the_suggested_country_and_gives_its_numbers(kb: KnowledgeBase) -> None:
    messages, events = run(ActionAffirm(), make_tracker("نعم", "affirm", language="ar", pending="country:JO!"))
    assert slot_events(events)["country"] == "JO"
    assert messages[0]["text"] == kb.text("ar", "country_set", country=country_name(kb, "JO", "ar"))
    assert "911" in messages[1]["text"]


def test_no_asks_which_country(kb: KnowledgeBase) -> None:
    messages, events = run(ActionDeny(), make_tracker("no", "deny", language="en", pending="country:JO!"))
    assert messages[0]["text"] == kb.text("en", "ask_country")
    assert slot_events(events)["pending"] == "country!" and "country" not in slot_events(events)


@pytest.mark.parametrize(("text", "lang", "code"), [
    ("I am in Turkey", "en", "TR"), ("Türkiye'deyim", "tr", "TR"), ("في لبنان", "ar", "LB"),
    ("main pakistan mein hoon", "ur", "PK"), ("au Maroc", "fr", "MA"), ("Kuala Lumpur", "id", "MY"),
])
def test_naming_the_country_answers_the_question_whatever_the_intent(kb: KnowledgeBase, text: str, lang: str,
                                                                     code: str) -> None:
    _, events = run(ActionSmalltalk(), make_tracker(text, "out_of_scope", language=lang, pending="country"))
    assert slot_events(events)["country"] == code


def test_the_first_answer_asks_the_country_once_when_country_articles_exist(kb: KnowledgeBase) -> None:
    messages, events = run(ActionAnswer(), make_tracker("how do i register as a refugee", "asylum", language="en",
                                                        dial_country="TR"))
    assert messages[-1]["text"] == kb.text("en", "confirm_country", country="Türkiye")
    assert slot_events(events)["pending"] == "country:TR"
    again, _ = run(ActionAnswer(), make_tracker("and my children?", "asylum", language="en",
                                                last_article={"id": "x"}))
    assert kb.text("en", "ask_country") not in [m["text"] for m in again]


def test_confirming_the_country_serves_that_countrys_article(kb: KnowledgeBase) -> None:
    tracker = make_tracker("yes", "affirm", language="en", pending="country:TR", topic="asylum",
                           last_article={"id": "asylum-right-to-seek"})
    messages, events = run(ActionAffirm(), tracker)
    assert slot_events(events)["country"] == "TR"
    turkish = [a for a in kb.articles.values() if a.topic == "asylum" and "TR" in a.jurisdiction]
    assert turkish and any(turkish[0].translations["en"].long in m["text"] for m in messages)


def test_a_known_country_picks_its_article_first(kb: KnowledgeBase) -> None:
    question = "where can i get a refugee card"
    _, events = run(ActionAnswer(), make_tracker(question, "asylum", language="en", country="MY"))
    assert "MY" in kb.articles[slot_events(events)["last_article"]["id"]].jurisdiction
    _, events = run(ActionAnswer(), make_tracker(question, "asylum", language="en"))
    assert "general" in kb.articles[slot_events(events)["last_article"]["id"]].jurisdiction
