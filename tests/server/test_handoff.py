"""Handoff to volunteers through the real servers: a person on SMS, Telegram or the web chat, a volunteer on
their own Telegram (the volunteers' bot) or SMS; the bot stays silent while a case is open."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import time
import urllib.request
from typing import Any

import pytest

from bot.handoff import HandoffStore
from bot.knowledge import KnowledgeBase
from bot.settings import ROOT
from bot.volunteers import Volunteer, VolunteerStore
from tests.server import twilio_client
from tests.server.conftest import VOLUNTEER_SECRET, Stack, sent_to, wait_for
from tests.server.test_telegram import chat, update
from tests.server.test_telegram import post as telegram_post

pytestmark = pytest.mark.server
VOLUNTEER_PATH = "/webhooks/telegram_volunteers/webhook"
ASK_HUMAN = "I want to talk to a human volunteer please"
_ids = itertools.count(9_100_001)
_phones = itertools.count(447_700_900_100)


def volunteer(stack: Stack, name: str, channel: str = "telegram", languages: tuple[str, ...] = ("en",)) -> Volunteer:
    address = str(next(_ids)) if channel == "telegram" else f"+{next(_phones)}"
    return VolunteerStore(stack.env["RAFIQ_DATABASE_URL"]).add(f"{name} {address[-4:]}", list(languages), channel,
                                                               address)


def store(stack: Stack) -> HandoffStore:
    return HandoffStore(stack.env["RAFIQ_DATABASE_URL"])


def volunteer_post(stack: Stack, body: dict[str, Any], secret: str = VOLUNTEER_SECRET) -> int:
    request = urllib.request.Request(stack.url + VOLUNTEER_PATH, json.dumps(body).encode(),
                                     {"Content-Type": "application/json",
                                      "X-Telegram-Bot-Api-Secret-Token": secret})
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return int(reply.status)
    except urllib.error.HTTPError as err:
        return int(err.code)


def press_claim(stack: Stack, user_id: str, case_id: int) -> int:
    """The volunteer presses the Claim button on the card."""
    return volunteer_post(stack, {"update_id": next(_ids), "callback_query": {
        "id": str(next(_ids)), "chat_instance": "1", "data": f"claim:{case_id}",
        "from": {"id": int(user_id), "is_bot": False, "first_name": "V"},
        "message": {"message_id": 1, "date": int(time.time()), "text": "CASE",
                    "chat": {"id": int(user_id), "type": "private"}}}})


def volunteer_says(stack: Stack, user_id: str, text: str) -> int:
    """The volunteer writes in their private chat with the volunteers' bot."""
    return volunteer_post(stack, update(user_id, text))


def card_case(stack: Stack, address: str) -> int:
    """The case number on the latest card sent to a volunteer."""
    body = wait_for(stack.fakes, address, 1)[-1]
    return int(body.split("CASE ")[1].split()[0])


def test_telegram_person_and_telegram_volunteer_full_round_trip(stack: Stack, kb: KnowledgeBase) -> None:
    helper = volunteer(stack, "Amina")
    person = chat()
    assert telegram_post(stack, update(person, ASK_HUMAN)) == 200
    notice = wait_for(stack.fakes, person, 1, settle=1)
    assert kb.text("en", "handoff_recorded") in notice[-1] and kb.text("en", "handoff_quiet") in notice[-1]
    case_id = card_case(stack, helper.address)
    card = sent_to(stack.fakes, helper.address)[0]
    assert card["bot"] == "volunteers" and f"claim:{case_id}" in str(card["reply_markup"])
    assert store(stack).require(case_id).state == "waiting"

    assert press_claim(stack, helper.address, case_id) == 200
    assert wait_for(stack.fakes, person, len(notice) + 1)[-1] == kb.text("en", "handoff_claimed")
    assert store(stack).require(case_id).state == "assigned"
    seen = len(wait_for(stack.fakes, helper.address, 2))

    assert telegram_post(stack, update(person, "my employer kept my passport, what can I do")) == 200
    relayed = wait_for(stack.fakes, helper.address, seen + 1)[-1]
    assert relayed == f"[#{case_id}] my employer kept my passport, what can I do"
    assert len(wait_for(stack.fakes, person, len(notice) + 2, timeout=3)) == len(notice) + 1  # the bot is silent

    assert volunteer_says(stack, helper.address, "Hello, I am a volunteer. Which city are you in?") == 200
    assert wait_for(stack.fakes, person, len(notice) + 2)[-1] == "Hello, I am a volunteer. Which city are you in?"
    assert volunteer_says(stack, helper.address, "/close") == 200
    assert wait_for(stack.fakes, person, len(notice) + 3)[-1] == kb.text("en", "handoff_closed")
    assert store(stack).require(case_id).state == "closed"
    assert [e.to_state for e in store(stack).events(case_id)] == ["waiting", "assigned", "closed", "bot"]

    assert telegram_post(stack, update(person, "how can my children go to school here")) == 200
    assert len(wait_for(stack.fakes, person, len(notice) + 4)) >= len(notice) + 4  # the bot answers again


def test_sms_person_and_sms_volunteer_with_claim_and_close_commands(stack: Stack, kb: KnowledgeBase) -> None:
    helper = volunteer(stack, "Bilal", channel="sms")
    person = "+905551110001"
    assert twilio_client.send(stack, person, ASK_HUMAN)[0] == 200
    notice = wait_for(stack.fakes, person, 1, settle=1)
    case_id = card_case(stack, helper.address)
    assert f"Reply CLAIM {case_id}" in sent_to(stack.fakes, helper.address)[0]["body"]

    assert twilio_client.send(stack, helper.address, f"CLAIM {case_id}")[0] == 200
    assert wait_for(stack.fakes, person, len(notice) + 1)[-1] == kb.text("en", "handoff_claimed")
    seen = len(wait_for(stack.fakes, helper.address, 2))
    assert twilio_client.send(stack, person, "hello? are you there")[0] == 200
    assert wait_for(stack.fakes, helper.address, seen + 1)[-1] == f"[#{case_id}] hello? are you there"
    assert twilio_client.send(stack, helper.address, f"#{case_id} Yes, I am here to help.")[0] == 200
    assert wait_for(stack.fakes, person, len(notice) + 2)[-1] == "Yes, I am here to help."
    assert twilio_client.send(stack, helper.address, f"CLOSE {case_id}")[0] == 200
    assert wait_for(stack.fakes, person, len(notice) + 3)[-1] == kb.text("en", "handoff_closed")
    assert store(stack).require(case_id).state == "closed"


def test_strangers_cannot_claim(stack: Stack) -> None:
    helper = volunteer(stack, "Chen")
    person = chat()
    assert telegram_post(stack, update(person, ASK_HUMAN)) == 200
    case_id = card_case(stack, helper.address)
    stranger = str(next(_ids))
    assert press_claim(stack, stranger, case_id) == 200
    assert volunteer_says(stack, stranger, f"/claim {case_id}") == 200
    assert "not registered" in wait_for(stack.fakes, stranger, 1)[-1]
    assert twilio_client.send(stack, "+905551110999", f"CLAIM {case_id}")[0] == 200  # an unknown phone number
    wait_for(stack.fakes, "+905551110999", 1, settle=1)
    assert store(stack).require(case_id).state == "waiting"
    assert volunteer_post(stack, update(helper.address, f"/claim {case_id}"), secret="wrong") == 403
    assert store(stack).require(case_id).state == "waiting"
    assert press_claim(stack, helper.address, case_id) == 200  # tidy up: the registered volunteer takes it
    assert volunteer_says(stack, helper.address, "/close") == 200


def test_a_danger_cue_while_waiting_raises_the_case_and_the_bot_says_nothing_else(stack: Stack,
                                                                                 kb: KnowledgeBase) -> None:
    helper = volunteer(stack, "Dana")
    person = "+905551110002"
    assert twilio_client.send(stack, person, ASK_HUMAN)[0] == 200
    notice = wait_for(stack.fakes, person, 1, settle=1)
    case_id = card_case(stack, helper.address)
    assert store(stack).require(case_id).urgency != "emergency"
    assert twilio_client.send(stack, person, "he is beating me right now and I am bleeding")[0] == 200
    bodies = wait_for(stack.fakes, person, len(notice) + 1, settle=2)
    assert len(bodies) == len(notice) + 1 and kb.text("en", "handoff_raised") in bodies[-1]
    assert store(stack).require(case_id).urgency == "emergency"
    assert any("RAISED" in b for b in wait_for(stack.fakes, helper.address, 2))
    assert twilio_client.send(stack, person, "STOP")[0] == 200  # STOP still works, and ends the case
    assert wait_for(stack.fakes, person, len(bodies) + 1)[-1] == kb.text("en", "keyword_stop")
    assert store(stack).require(case_id).state == "closed"


def test_web_chat_person_with_operator_commands(stack: Stack, kb: KnowledgeBase) -> None:
    helper = volunteer(stack, "Eren")
    sender = f"web-{next(_ids)}"
    texts = [m.get("text", "") for m in stack.say(sender, ASK_HUMAN)]
    assert any(kb.text("en", "handoff_recorded") in t for t in texts)
    case_id = card_case(stack, helper.address)
    assert stack.say(sender, "hello?") == []  # silent while waiting

    env = {**stack.env}
    listed = json.loads(rafiq(env, "handoff", "list", "--json"))
    mine = next(c for c in listed if c["id"] == case_id)
    assert {"id", "state", "language", "urgency", "topic", "created_at"} <= set(mine)
    assert mine["state"] == "waiting" and mine["language"] == "en"
    rafiq(env, "handoff", "claim", str(case_id), "--volunteer", helper.name)
    rafiq(env, "handoff", "reply", str(case_id), "We are looking into it.")
    assert stack.say(sender, "thank you") == []  # silent while assigned
    polled = poll(stack, sender)
    assert polled["state"] == "assigned"
    assert [m["text"] for m in polled["messages"]][-2:] == [kb.text("en", "handoff_claimed"),
                                                          "We are looking into it."]
    assert f"[#{case_id}] thank you" in wait_for(stack.fakes, helper.address, 3)
    rafiq(env, "handoff", "close", str(case_id))
    assert poll(stack, sender)["messages"][-1]["text"] == kb.text("en", "handoff_closed")
    assert stack.say(sender, "how can my children go to school here") != []  # the bot is back


def poll(stack: Stack, sender: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{stack.url}/webhooks/rest/handoff?sender={sender}", timeout=10) as reply:
        return dict(json.load(reply))


def rafiq(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_set_webhook_registers_the_volunteers_bot_with_its_own_secret(stack: Stack) -> None:
    rafiq(stack.env, "telegram", "set-webhook", "--volunteers")
    calls = [c for c in stack.fakes.state.calls if c["method"] == "setWebhook" and c["bot"] == "volunteers"]
    assert calls[-1]["url"] == stack.env["RAFIQ_PUBLIC_URL"] + VOLUNTEER_PATH
    assert calls[-1]["secret_token"] == VOLUNTEER_SECRET
