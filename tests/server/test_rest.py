"""Real HTTP into the running Rasa server and action server."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import pytest

from bot.article_select import choose
from bot.knowledge import Article, KnowledgeBase, KnowledgeStore
from bot.settings import ROOT
from tests.server.conftest import Stack

pytestmark = pytest.mark.server

# One clear question per language, written for these tests: (language, topic, text).
QUESTIONS = [
    ("en", "worker_rights", "my boss has not paid my salary for 3 months and keeps my passport"),
    ("ar", "asylum", "كيف اسجل عند المفوضية واطلع كرت لاجئ"),
    ("fa", "education", "چطوری بچه‌هامو تو مدرسه ثبت نام کنم"),
    ("ur", "health", "مجھے ہسپتال میں مفت علاج کہاں ملے گا"),
    ("bn", "legal_aid", "ফ্রি উকিল কোথায় পাবো"),
    ("fr", "basic_needs", "ou trouver de la nourriture gratuite pour mes enfants"),
    ("tr", "language_classes", "ücretsiz türkçe kursu nerede var"),
    ("id", "detention", "suami saya ditangkap polisi, apa hak dia"),
]


def _chosen(kb: KnowledgeBase, text: str, topic: str) -> Article:
    article = choose(kb, text, topic, None)
    assert article is not None
    return article


def sender() -> str:
    return f"test-{uuid.uuid4().hex[:10]}"


@pytest.mark.parametrize(("lang", "topic", "text"), QUESTIONS)
def test_a_question_is_answered_in_its_language(stack: Stack, kb: KnowledgeBase, lang: str, topic: str,
                                                text: str) -> None:
    replies = stack.say(sender(), text)
    texts = [r.get("text", "") for r in replies]
    assert texts[:2] == [kb.text(lang, "welcome"), kb.text(lang, "privacy_notice", days=30)]  # two bubbles
    translation = _chosen(kb, text, topic).translations[lang]
    # urgent messages get the short form, others the long one
    assert any(translation.long in t or translation.short == t for t in texts), texts


def test_the_language_sticks_through_a_short_ok(stack: Stack, kb: KnowledgeBase) -> None:
    who = sender()
    stack.say(who, "السلام عليكم")
    replies = stack.say(who, "ok")
    arabic = set(kb.ui["ar"].values())
    assert replies and all(r["text"] in arabic for r in replies if r.get("text"))


def test_choosing_a_language_from_the_menu(stack: Stack, kb: KnowledgeBase) -> None:
    who = sender()
    replies = stack.say(who, "hello")
    menu = next(r for r in replies if r.get("buttons"))
    turkish = next(b for b in menu["buttons"] if "Türkçe" in b["title"])
    replies = stack.say(who, turkish["payload"])
    assert replies[0]["text"] == kb.text("tr", "language_set")


def test_an_emergency_gets_the_emergency_answer_first(stack: Stack, kb: KnowledgeBase) -> None:
    replies = stack.say(sender(), "please help he is beating me with a knife right now")
    assert replies[0]["text"].startswith(kb.text("en", "emergency_intro"))
    assert len(replies) <= 2


def test_urgent_gets_a_short_answer_and_a_volunteer_offer(stack: Stack, kb: KnowledgeBase) -> None:
    who = sender()
    stack.say(who, "hello")
    replies = stack.say(who, "the police arrested my brother last night, what are his rights")
    texts = [r["text"] for r in replies]
    question = "the police arrested my brother last night, what are his rights"
    assert texts[0] == _chosen(kb, question, "detention").translations["en"].short
    assert texts[-1] == kb.text("en", "urgent_handoff")
    replies = stack.say(who, "yes please")
    assert replies[0]["text"].startswith(kb.text("en", "handoff_recorded"))
    assert kb.text("en", "handoff_quiet") in replies[0]["text"]
    assert stack.say(who, "hello?") == [], "the bot is silent while the person waits for a volunteer"


def test_routine_gets_the_full_answer_and_no_offer(stack: Stack, kb: KnowledgeBase) -> None:
    who = sender()
    stack.say(who, "hello")
    replies = stack.say(who, "how can my children go to school here")
    texts = [r["text"] for r in replies]
    # Rasa's REST output splits a reply at blank lines: title, body, sources and note arrive as separate bubbles
    assert _chosen(kb, "how can my children go to school here", "education").translations["en"].long in texts
    assert kb.text("en", "urgent_handoff") not in texts


def test_a_greeting_that_carries_a_danger_cue_is_an_emergency(stack: Stack, kb: KnowledgeBase) -> None:
    replies = stack.say(sender(), "salam, kocam beni dövüyor")
    assert replies[0]["text"].startswith(kb.text("tr", "emergency_intro"))


@pytest.mark.parametrize("message", [
    "",
    "x" * 10_000,
    "help " * 2_000,
    "😭😭🙏",
    "help\x00\x01\x02 me\x7f",
    "Ich brauche Hilfe mit meinem Visum, bitte",
    '/choose_language{"language": "ar"}',
    "/restart",
    '/greet{"urgency": "routine"}',
])
def test_bad_input_gets_a_polite_reply_never_a_500(stack: Stack, kb: KnowledgeBase, message: str) -> None:
    who = sender()
    status, replies = stack.post("/webhooks/rest/webhook", json.dumps({"sender": who, "message": message}).encode())
    assert status == 200
    assert replies and all(isinstance(r.get("text"), str) and r["text"] for r in replies if "buttons" not in r)


def test_slash_text_cannot_set_a_slot_or_switch_language(stack: Stack, kb: KnowledgeBase) -> None:
    who = sender()
    stack.say(who, "hello, I need help with my work permit")
    replies = stack.say(who, '/choose_language{"language": "ar"}')
    arabic = set(kb.ui["ar"].values())
    assert not any(r.get("text") in arabic for r in replies)


@pytest.mark.parametrize(("body", "content_type"), [
    (b"{not json", "application/json"),
    (b'{"message": "hi"}', "application/json"),
    (b'{"sender": "", "message": "hi"}', "application/json"),
    (b'{"sender": "a", "message": 42}', "application/json"),
    (b"[1, 2]", "application/json"),
])
def test_malformed_requests_get_a_clear_400(stack: Stack, body: bytes, content_type: str) -> None:
    status, reply = stack.post("/webhooks/rest/webhook", body, content_type)
    assert status == 400
    assert "error" in reply and any(word in reply["error"] for word in ("sender", "message", "JSON"))


def test_the_chat_page_is_served(stack: Stack) -> None:
    import urllib.request

    with urllib.request.urlopen(stack.url + "/chat") as reply:
        page = reply.read().decode()
        assert reply.status == 200
    assert "/webhooks/rest/webhook" in page and 'name="viewport"' in page


def test_no_message_text_in_the_server_logs(stack: Stack) -> None:
    stack.say(sender(), "canary-7f3a my passport number is X1234567")
    for log in stack.logs:
        assert "canary-7f3a" not in log.read_text()


def test_an_edited_answer_is_served_without_retraining(stack: Stack, kb: KnowledgeBase) -> None:
    question = "how can my children go to school here"
    article = _chosen(kb, question, "education")
    path = stack.knowledge / Path(article.path).relative_to(ROOT / "knowledge")
    original = path.read_text(encoding="utf-8")
    title = article.translations["en"].title
    assert original.count(title) == 1
    try:
        path.write_text(original.replace(title, "Schools, edited by an editor a moment ago"), encoding="utf-8")
        time.sleep(KnowledgeStore.CHECK_SECONDS + 0.2)  # the bot looks at knowledge/ once a second
        who = sender()
        stack.say(who, "hello")
        texts = [r.get("text", "") for r in stack.say(who, question)]
        assert "*Schools, edited by an editor a moment ago*" in texts
    finally:
        path.write_text(original, encoding="utf-8")
        time.sleep(KnowledgeStore.CHECK_SECONDS + 0.2)


def test_a_new_article_is_reachable_through_its_questions_without_retraining(stack: Stack) -> None:
    from tests.test_model_inputs import NEW_ARTICLE

    path = stack.knowledge / "articles" / "health" / "health-snake-bite.yml"
    path.write_text(NEW_ARTICLE, encoding="utf-8")
    time.sleep(KnowledgeStore.CHECK_SECONDS + 0.2)
    try:
        who = sender()
        stack.say(who, "hello")
        texts = [r.get("text", "") for r in stack.say(who, "what should i do after a snakebite, which clinic")]
        assert any("Snake bites" in t or "A snake bite needs a hospital now" in t for t in texts), texts
    finally:
        path.unlink()
        time.sleep(KnowledgeStore.CHECK_SECONDS + 0.2)


def test_a_broken_edit_keeps_the_last_good_answer_in_service(stack: Stack, kb: KnowledgeBase) -> None:
    question = "how can my children go to school here"
    article = _chosen(kb, question, "education")
    path = stack.knowledge / Path(article.path).relative_to(ROOT / "knowledge")
    original = path.read_text(encoding="utf-8")
    who = sender()
    stack.say(who, "hello")  # the bot is running and has read knowledge/ when the editor makes a mistake
    try:
        path.write_text(original.replace(article.translations["en"].title, "Schools: oops"), encoding="utf-8")
        time.sleep(KnowledgeStore.CHECK_SECONDS + 0.2)
        texts = [r.get("text", "") for r in stack.say(who, question)]
        assert article.translations["en"].long in texts, texts
    finally:
        path.write_text(original, encoding="utf-8")
        time.sleep(KnowledgeStore.CHECK_SECONDS + 0.2)
