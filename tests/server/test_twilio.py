"""SMS and WhatsApp through the Twilio webhook: signed requests in, Rasa and the action server, replies out
through twilio's async client to the loopback fake of the Messages API."""

from __future__ import annotations

import itertools
import sqlite3
import time
from urllib.parse import urlencode

from bot.article_select import choose
from bot.knowledge import KnowledgeBase
from bot.sms import TWILIO_BODY_LIMIT, segments
from tests.server import twilio_client as tw
from tests.server.conftest import Stack, sent_to, wait_for

_numbers = itertools.count(1)


def phone() -> str:
    """A fresh test number (555 numbers are fictional)."""
    return f"+1555{next(_numbers):07d}"


def inbox_ids(stack: Stack) -> set[str]:
    """Message ids recorded in the inbox table of the real SQLite database."""
    with sqlite3.connect(stack.database) as db:
        return {row[0] for row in db.execute("SELECT message_id FROM inbox WHERE channel = 'twilio'")}


def test_an_sms_question_gets_the_short_answer_by_sms(stack: Stack, kb: KnowledgeBase) -> None:
    number = phone()
    status, body = tw.send(stack, number, "how can my children go to school here")
    assert status == 200 and "<Response></Response>" in body
    bodies = wait_for(stack.fakes, number, 1)
    short = choose(kb, "how can my children go to school here", "education", None).translations["en"].short
    assert any(short in b for b in bodies)
    record = sent_to(stack.fakes, number)[0]
    assert record["from"] == "+15550001111"
    assert all(len(b) <= TWILIO_BODY_LIMIT and segments(b) <= 10 for b in bodies)


def test_whatsapp_gets_the_long_answer_from_the_whatsapp_sender(stack: Stack, kb: KnowledgeBase) -> None:
    number = "whatsapp:" + phone()
    tw.send(stack, number, "hello")
    greeting = len(wait_for(stack.fakes, number, 1, settle=1))
    tw.send(stack, number, "how can my children go to school here")
    bodies = wait_for(stack.fakes, number, greeting + 1, settle=1)
    article = choose(kb, "how can my children go to school here", "education", None)
    assert article is not None and any(article.translations["en"].long in b for b in bodies[greeting:])
    assert {r["from"] for r in sent_to(stack.fakes, number)} == {"whatsapp:+15550002222"}


def test_a_blank_field_and_a_repeated_key_are_part_of_the_signature(stack: Stack) -> None:
    number = phone()
    fields = tw.message_fields(number, "hello", MediaUrl0="", ApiVersion="2010-04-01")
    fields += [("AddOns", "a"), ("AddOns", "b")]
    status, _ = tw.post(stack, fields, tw.sign(stack, fields))
    assert status == 200
    assert wait_for(stack.fakes, number, 1)


def test_unsigned_or_tampered_requests_get_403_and_are_not_processed(stack: Stack) -> None:
    number = phone()
    unsigned = tw.message_fields(number, "hello")
    assert tw.post(stack, unsigned)[0] == 403
    signed = tw.message_fields(number, "hello")
    tampered = [(k, "my husband is beating me" if k == "Body" else v) for k, v in signed]
    assert tw.post(stack, tampered, tw.sign(stack, signed))[0] == 403
    wrong_url = tw.sign(stack, signed, path="/webhooks/twilio/other")
    assert tw.post(stack, signed, wrong_url)[0] == 403
    time.sleep(2)
    assert sent_to(stack.fakes, number) == []
    assert not {dict(unsigned)["MessageSid"], dict(signed)["MessageSid"]} & inbox_ids(stack)


def test_a_request_without_a_message_sid_gets_400(stack: Stack) -> None:
    fields = [(k, v) for k, v in tw.message_fields(phone(), "hello") if k != "MessageSid"]
    assert tw.post(stack, fields, tw.sign(stack, fields))[0] == 400


def test_a_repeated_message_sid_gets_one_reply(stack: Stack) -> None:
    number = phone()
    sid = tw.new_sid()
    assert tw.send(stack, number, "how can my children go to school here", sid=sid)[0] == 200
    first = wait_for(stack.fakes, number, 1, settle=2)
    assert tw.send(stack, number, "how can my children go to school here", sid=sid)[0] == 200
    assert wait_for(stack.fakes, number, len(first) + 1, timeout=4) == first


def test_a_burst_of_ten_messages_is_answered_in_order(stack: Stack, kb: KnowledgeBase) -> None:
    number = phone()
    questions = [
        ("asylum", "how do i register with unhcr as a refugee"),
        ("health", "where can i see a doctor for free, my tooth hurts"),
        ("education", "how can my children go to school here"),
        ("employment", "how can i find a job here"),
        ("language_classes", "where can i learn the local language for free"),
        ("basic_needs", "where can we get food, we have nothing to eat"),
        ("discrimination", "people insult me at the market because i am a foreigner, where to report"),
        ("legal_aid", "where can i find a free lawyer"),
        ("worker_rights", "my employer kept my passport, is that allowed"),
        ("deportation", "what does non refoulement mean, can a country send refugees back"),
    ]
    tw.send(stack, number, "hello")
    greeting = len(wait_for(stack.fakes, number, 1, settle=1))
    for _topic, question in questions:
        assert tw.send(stack, number, question)[0] == 200
    bodies = wait_for(stack.fakes, number, greeting + len(questions), timeout=120)[greeting:]
    shorts = [choose(kb, question, topic, None).translations["en"].short for topic, question in questions]
    found = [next((i for i, body in enumerate(bodies) if short in body), -1) for short in shorts]
    assert -1 not in found, (found, bodies)
    assert found == sorted(found)


def test_a_photo_without_text_gets_a_text_only_reply_in_the_conversation_language(stack: Stack,
                                                                                    kb: KnowledgeBase) -> None:
    number = phone()
    tw.send(stack, number, "السلام عليكم، أحتاج مساعدة في التسجيل عند المفوضية")
    count = len(wait_for(stack.fakes, number, 1, settle=1))
    status, _ = tw.send(stack, number, "", NumMedia="1", MediaUrl0="https://api.twilio.com/media/ME1",
                        MediaContentType0="audio/ogg")
    assert status == 200
    bodies = wait_for(stack.fakes, number, count + 1)
    assert bodies[-1] == kb.text("ar", "media_unsupported"), bodies


def test_stop_silences_everything_until_start(stack: Stack, kb: KnowledgeBase) -> None:
    number = phone()
    tw.send(stack, number, "STOP")
    assert wait_for(stack.fakes, number, 1) == [kb.text("en", "keyword_stop")]
    tw.send(stack, number, "how can my children go to school here")
    assert wait_for(stack.fakes, number, 2, timeout=5) == [kb.text("en", "keyword_stop")]
    tw.send(stack, number, "start")
    assert wait_for(stack.fakes, number, 2)[-1] == kb.text("en", "keyword_start")
    tw.send(stack, number, "how can my children go to school here")
    assert len(wait_for(stack.fakes, number, 3)) >= 3


def test_stop_in_arabic_and_help(stack: Stack, kb: KnowledgeBase) -> None:
    number = phone()
    tw.send(stack, number, "توقف")
    assert wait_for(stack.fakes, number, 1) == [kb.text("ar", "keyword_stop")]
    tw.send(stack, number, "HELP")
    assert wait_for(stack.fakes, number, 2)[-1] == kb.text("ar", "keyword_help")


def test_a_numbered_reply_picks_the_offered_option(stack: Stack, kb: KnowledgeBase) -> None:
    number = phone()
    tw.send(stack, number, "hello")
    first = wait_for(stack.fakes, number, 1, settle=1)
    menu = "\n".join(first)
    assert "1. English" in menu and "Türkçe" in menu
    turkish = next(line.split(".")[0] for line in menu.splitlines() if "Türkçe" in line)
    tw.send(stack, number, turkish)
    assert kb.text("tr", "language_set") in wait_for(stack.fakes, number, len(first) + 1)[-1]


def test_a_provider_429_is_retried_and_the_reply_arrives(stack: Stack) -> None:
    number = phone()
    stack.fakes.state.failures["twilio"].extend([429])
    tw.send(stack, number, "hello")
    assert wait_for(stack.fakes, number, 1)


def test_malformed_bodies_are_refused_without_a_crash(stack: Stack) -> None:
    assert tw.post(stack, [], "bogus", body=b"\xff\xfe not a form")[0] == 403
    assert tw.post(stack, [], None, body=urlencode({"x": "y" * 100_000}).encode())[0] == 403
    number = phone()
    assert tw.send(stack, number, "hello")[0] == 200
    assert wait_for(stack.fakes, number, 1)


def test_both_messaging_channels_answer_the_health_check(stack: Stack) -> None:
    import json
    import urllib.request

    for name in ("twilio", "telegram"):
        with urllib.request.urlopen(f"{stack.url}/webhooks/{name}/", timeout=10) as reply:
            assert reply.status == 200 and json.load(reply) == {"status": "ok"}
