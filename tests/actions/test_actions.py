"""Actions, tested as functions of (tracker, dispatcher, domain), in every language."""

from __future__ import annotations

import pytest
from rasa_sdk import Tracker

from actions.answers import ActionAnswer
from actions.conversation import ActionAffirm, ActionDeny, ActionGreet, ActionSmalltalk
from actions.fallback import ActionRephrase
from actions.handoff import ActionHumanHandoff
from actions.language import ActionChooseLanguage
from actions.runtime import get_runtime
from bot.article_select import choose
from bot.knowledge import KnowledgeBase
from tests.actions.conftest import make_tracker, run, slot_events
from tests.conftest import LANGS

TOPICS = ("asylum", "detention", "worker_rights", "health", "basic_needs")


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("topic", TOPICS)
def test_answer_is_the_topic_article_in_the_conversation_language(kb: KnowledgeBase, lang: str, topic: str) -> None:
    messages, events = run(ActionAnswer(), make_tracker("question", topic, language=lang))
    article = choose(kb, "question", topic, None)
    assert article.translations[lang].long in messages[0]["text"]
    assert slot_events(events)["last_article"] == {"id": article.id, "revision": article.revision,
                                                  "language": lang, "state": "current"}


@pytest.mark.parametrize("lang", LANGS)
def test_sms_gets_the_short_answer(kb: KnowledgeBase, lang: str) -> None:
    messages, _ = run(ActionAnswer(), make_tracker("q", "health", language=lang, channel="sms"))
    assert messages[0]["text"] == choose(kb, "q", "health", None).translations[lang].short


@pytest.mark.parametrize("lang", LANGS)
def test_first_contact_gets_welcome_and_language_menu(kb: KnowledgeBase, lang: str) -> None:
    messages, events = run(ActionGreet(), make_tracker("salam", "greet", language=lang, welcomed=False))
    assert messages[0]["text"].startswith(kb.text(lang, "welcome"))
    notice = kb.text(lang, "privacy_notice", days=30)
    assert messages[0]["text"].endswith(notice), "what is stored and how to erase it, before anything is asked"
    assert "30" in notice and "DELETE" in notice
    assert len(messages[1]["buttons"]) == 8
    assert slot_events(events)["welcomed"] is True


def test_a_question_as_first_message_gets_the_welcome_then_the_answer(kb: KnowledgeBase) -> None:
    messages, _ = run(ActionAnswer(), make_tracker("q", "asylum", language="tr", welcomed=False))
    assert messages[0]["text"] == f"{kb.text('tr', 'welcome')}\n\n{kb.text('tr', 'privacy_notice', days=30)}"
    assert choose(kb, "q", "asylum", None).translations["tr"].long in messages[1]["text"]


@pytest.mark.parametrize("lang", LANGS)
def test_two_misses_offer_a_human(kb: KnowledgeBase, lang: str) -> None:
    first, events = run(ActionRephrase(), make_tracker("blah", "nlu_fallback", language=lang))
    assert first[0]["text"] == kb.text(lang, "rephrase")
    assert slot_events(events)["misses"] == 1
    second, events = run(ActionRephrase(), make_tracker("blah", "nlu_fallback", language=lang, misses=1))
    assert second[0]["text"] == kb.text(lang, "rephrase_offer_human")
    assert slot_events(events)["pending"] == "handoff"


def test_an_understood_message_resets_the_miss_counter() -> None:
    _, events = run(ActionAnswer(), make_tracker("q", "health", language="en", misses=1))
    assert slot_events(events)["misses"] == 0


@pytest.mark.parametrize("lang", LANGS)
def test_emergency_gets_numbers_safety_and_a_volunteer_first(kb: KnowledgeBase, lang: str) -> None:
    tracker = make_tracker("hi", "greet", language=lang, urgency="emergency", reasons=["cue violence"],
                           country="TR", welcomed=False)
    messages, events = run(ActionGreet(), tracker)
    assert len(messages) == 1, "never a wall of text in an emergency"
    assert "112" in messages[0]["text"]
    assert kb.text(lang, "emergency_safety") in messages[0]["text"]
    assert kb.text(lang, "handoff_quiet") in messages[0]["text"], "the person knows the bot now waits quietly"
    assert "welcomed" not in slot_events(events), "the welcome and privacy notice come with the next reply"
    assert slot_events(events)["handoff_requested"] is True
    waiting = get_runtime().handoff.cases(("waiting",))
    assert [(r.urgency, r.language, r.reasons) for r in waiting] == [("emergency", lang, ["cue violence"])]


def test_emergency_without_a_country_asks_for_it(kb: KnowledgeBase) -> None:
    messages, _ = run(ActionAnswer(), make_tracker("x", "health", language="ur", urgency="emergency"))
    assert kb.text("ur", "emergency_numbers_unknown") in messages[0]["text"]
    assert messages[1]["text"] == kb.text("ur", "ask_country")


def test_urgent_gets_the_short_answer_and_a_volunteer_offer(kb: KnowledgeBase) -> None:
    messages, events = run(ActionAnswer(), make_tracker("x", "detention", language="fa", urgency="urgent"))
    assert messages[0]["text"] == choose(kb, "x", "detention", None).translations["fa"].short
    assert messages[-1]["text"] == kb.text("fa", "urgent_handoff")
    assert slot_events(events)["pending"] == "handoff"


def test_yes_after_an_offer_records_a_handoff(kb: KnowledgeBase) -> None:
    messages, events = run(ActionAffirm(), make_tracker("yes", "affirm", language="bn", pending="handoff"))
    assert messages[0]["text"].startswith(kb.text("bn", "handoff_recorded"))
    assert len(get_runtime().handoff.cases(("waiting",))) == 1


def test_no_after_an_offer_declines(kb: KnowledgeBase) -> None:
    messages, events = run(ActionDeny(), make_tracker("no", "deny", language="id", pending="handoff"))
    assert messages[0]["text"] == kb.text("id", "handoff_declined")
    assert slot_events(events)["pending"] is None
    assert get_runtime().handoff.cases(("waiting",)) == []


@pytest.mark.parametrize("lang", LANGS)
def test_asking_for_a_human_records_the_request(kb: KnowledgeBase, lang: str) -> None:
    messages, _ = run(ActionHumanHandoff(), make_tracker("human", "human_handoff", language=lang))
    assert len(messages) == 1
    for part in (kb.text(lang, "handoff_recorded"), kb.text(lang, "handoff_position", position=1),
                 kb.text(lang, "handoff_wait_unknown"), kb.text(lang, "handoff_quiet")):
        assert part in messages[0]["text"]
    assert get_runtime().handoff.cases(("waiting",))[0].language == lang


@pytest.mark.parametrize(("hours", "expected"), [
    (None, "A volunteer usually answers within about 15 minutes."),
    ("00:00-00:01", "No volunteer who speaks your language is on duty right now. The next one starts at 00:00"),
])
def test_the_person_is_told_their_place_and_how_long_it_may_take(hours: str | None, expected: str) -> None:
    runtime = get_runtime()
    runtime.volunteers.add("Amina", ["en"], "telegram", "1", hours, "UTC")
    run(ActionHumanHandoff(), make_tracker("human", "human_handoff", language="en"))
    other = Tracker("second", {"language": "en", "welcomed": True}, {"text": "a person please",
                    "intent": {"name": "human_handoff"}, "urgency": {"level": "routine", "reasons": []}},
                    [{"event": "user", "text": "a person please my number is +90 532 123 45 67"}], False, None, {},
                    "action_listen")
    messages, _ = run(ActionHumanHandoff(), other)
    assert "You are number 2 in the queue." in messages[0]["text"]
    assert expected in messages[0]["text"]
    case = runtime.handoff.cases(("waiting",))[-1]
    assert "+90 532" not in case.summary and "[phone]" in case.summary, "volunteers' cards never show numbers"


@pytest.mark.parametrize(("intent", "key"), [("thanks", "thanks_reply"), ("goodbye", "goodbye"),
                                             ("out_of_scope", "out_of_scope")])
def test_smalltalk(kb: KnowledgeBase, intent: str, key: str) -> None:
    messages, _ = run(ActionSmalltalk(), make_tracker("x", intent, language="ar"))
    assert messages[0]["text"] == kb.text("ar", key)


def test_naming_a_language_confirms_it_in_that_language(kb: KnowledgeBase) -> None:
    messages, _ = run(ActionChooseLanguage(), make_tracker("Türkçe", "choose_language", language="tr"))
    assert messages[0]["text"] == kb.text("tr", "language_set")


def test_asking_to_change_language_without_naming_one_shows_the_menu() -> None:
    messages, events = run(ActionChooseLanguage(), make_tracker("change language", "choose_language",
                                                                language="en"))
    assert len(messages[0]["buttons"]) == 8
    assert slot_events(events)["pending"] == "language"


@pytest.mark.parametrize(("text", "intent", "detected", "slots", "expected", "reply_in"), [
    ("ok", "affirm", "en", {"language": "ar"}, {"language": None}, "ar"),  # noise keeps Arabic (no SlotSet)
    ("العربية", "greet", None, {"language": "en"}, {"language": "ar", "language_chosen": True}, "ar"),
    ("3", "affirm", None, {"language": "en", "pending": "language"}, {"language": "fa", "language_chosen": True},
     "fa"),
    ("merci", "thanks", "fr", {"language": "en"}, {"language": "fr"}, "fr"),  # a reliable detection switches
    ("merci", "thanks", "fr", {"language": "en", "language_chosen": True}, {"language": None}, "en"),  # chosen
    ("thanks", "thanks", "en", {"language": None}, {"language": "en"}, "en"),  # the first message fills it
])
def test_every_reply_is_in_the_conversation_language_and_records_a_change(
        kb: KnowledgeBase, text: str, intent: str, detected: str | None, slots: dict, expected: dict,
        reply_in: str) -> None:
    tracker = make_tracker(text, intent, detected=detected, **slots)
    tracker.latest_message["language"]["reliable"] = text != "ok"
    messages, events = run(ActionSmalltalk() if intent == "thanks" else ActionAffirm() if intent == "affirm"
                           else ActionGreet(), tracker)
    values = slot_events(events)
    for slot, value in expected.items():
        assert values.get(slot) == value
    said = " ".join(str(m.get("text") or "") for m in messages)
    key = "language_set" if expected.get("language_chosen") else "thanks_reply" if intent == "thanks" else None
    if key is not None:
        assert kb.text(reply_in, key) in said


def test_only_changed_slots_are_recorded(kb: KnowledgeBase) -> None:
    """Every event is a row in the tracker store, read back on every later message: unchanged slots are not sent."""
    tracker = make_tracker("merci", "thanks", language="fr", misses=0, welcomed=True)
    _, events = run(ActionSmalltalk(), tracker)
    assert not {"language", "misses", "welcomed"} & set(slot_events(events))
    _, events = run(ActionSmalltalk(), make_tracker("merci", "thanks", language="fr", misses=2))
    assert slot_events(events) == {"misses": 0}


def test_a_slot_set_twice_in_one_reply_is_recorded_once_with_its_last_value() -> None:
    from rasa_sdk.events import SlotSet

    from actions.base import changed_slots

    tracker = make_tracker("x", "greet", language="en", pending="handoff")
    events = changed_slots(tracker, [SlotSet("pending", "language"), {"event": "bot", "text": "hi"},
                                     SlotSet("pending", None), SlotSet("topic", "asylum")])
    assert events == [{"event": "bot", "text": "hi"}, SlotSet("pending", None), SlotSet("topic", "asylum")]
    assert changed_slots(tracker, [SlotSet("pending", "language"), SlotSet("pending", "handoff")]) == []
