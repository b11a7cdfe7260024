"""Privacy through the real servers: canary data sent through every channel never reaches a log or a database
file in clear; DELETE erases a person from every store; Rasa's HTTP API is off and the action server listens
on loopback only."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bot.knowledge import KnowledgeBase
from bot.privacy import pseudonym
from bot.settings import ROOT
from tests.server import twilio_client as tw
from tests.server.conftest import Stack, wait_for
from tests.server.test_handoff import ASK_HUMAN, press_claim, volunteer, volunteer_says
from tests.server.test_telegram import post, update

pytestmark = pytest.mark.server
PHONE, WHATSAPP, CHAT = "+905321119876", "+905321119877", "8812345670"
NAME, PASSPORT, EMAIL = "Yusufcanary", "U88442211", "yusuf.canary@example.org"
SAYS = f"my name is {NAME} Demir, passport {PASSPORT}, write to {EMAIL} or call +90 532 111 98 76"
CANARIES = (PHONE[1:], WHATSAPP[1:], "532 111 98 76", CHAT, NAME, PASSPORT, EMAIL, "yusuf_canary", "Canarytown")


def stack_files(stack: Stack) -> list[Path]:
    """Every log and database file of the stack (SQLite files with their write-ahead logs)."""
    folder = stack.database.parent
    return sorted(p for p in folder.iterdir() if p.is_file() and (p.suffix in (".log",) or ".db" in p.name))


def hits(stack: Stack, needles: tuple[str, ...]) -> list[str]:
    """Where the needles are found; scanned again whole when SQLite removes a write-ahead log meanwhile (its
    content then moved into the database file, which may already have been read)."""
    for _ in range(5):
        found = []
        try:
            for path in stack_files(stack):
                data = path.read_bytes()
                found += [f"{needle} in {path.name}" for needle in needles if needle.encode() in data]
        except FileNotFoundError:
            continue
        return found
    raise AssertionError("the stack's files kept vanishing while they were read")


def test_canary_data_through_every_channel_leaves_no_trace(stack: Stack) -> None:
    assert tw.send(stack, PHONE, SAYS, FromCity="Canarytown", FromZip="99999")[0] == 200
    assert tw.send(stack, f"whatsapp:{WHATSAPP}", SAYS, ProfileName=f"{NAME} Demir")[0] == 200
    message = update(CHAT, SAYS)
    message["message"]["from"].update(first_name=NAME, username="yusuf_canary")
    assert post(stack, message) == 200
    stack.say(f"web-{NAME.lower()}-free", SAYS)
    helper = volunteer(stack, "Privacy")
    assert tw.send(stack, PHONE, ASK_HUMAN)[0] == 200  # and through a handoff, both ways
    case_id = int(wait_for(stack.fakes, helper.address, 1)[-1].split("CASE ")[1].split()[0])
    assert press_claim(stack, helper.address, case_id) == 200
    assert tw.send(stack, PHONE, SAYS)[0] == 200
    relayed = wait_for(stack.fakes, helper.address, 3)[-1]
    assert PASSPORT not in relayed and "[id number]" in relayed, "the volunteer gets the text redacted too"
    assert volunteer_says(stack, helper.address, "/close") == 200
    wait_for(stack.fakes, f"whatsapp:{WHATSAPP}", 1)
    wait_for(stack.fakes, CHAT, 1)
    assert len(stack_files(stack)) >= 4
    assert hits(stack, CANARIES) == []


def test_delete_erases_the_person_from_every_store(stack: Stack, kb: KnowledgeBase) -> None:
    phone = "+905321119900"
    conversation = pseudonym(None, f"sms:{phone}")
    assert tw.send(stack, phone, "how do I apply for asylum")[0] == 200
    first = len(wait_for(stack.fakes, phone, 1, settle=1))
    assert tw.send(stack, phone, ASK_HUMAN)[0] == 200
    wait_for(stack.fakes, phone, first + 1)
    assert hits(stack, (conversation,)), "the conversation was stored before"
    assert tw.send(stack, phone, "DELETE")[0] == 200
    assert wait_for(stack.fakes, phone, first + 2)[-1] == kb.text("en", "keyword_erase")
    assert hits(stack, (conversation, phone[1:])) == []
    assert tw.send(stack, phone, "hello")[0] == 200  # a new conversation starts, with the welcome
    fresh = wait_for(stack.fakes, phone, first + 3, settle=1)[first + 2:]
    assert any(body.startswith(kb.text("en", "welcome")[:40]) for body in fresh), fresh


def test_delete_in_the_web_chat(stack: Stack, kb: KnowledgeBase) -> None:
    sender = "web-erase-me-please"
    stack.say(sender, "how do I apply for asylum")
    assert hits(stack, (sender,))
    assert [m["text"] for m in stack.say(sender, "delete")] == [kb.text("en", "keyword_erase")]
    assert hits(stack, (sender,)) == []


def test_rasas_http_api_is_off(stack: Stack) -> None:
    for path in ("/conversations/someone/tracker", "/model/parse", "/status"):
        request = urllib.request.Request(stack.url + path, json.dumps({"text": "hi"}).encode(),
                                         {"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code in (403, 404, 405), path


def test_the_action_server_listens_on_loopback_only(stack: Stack) -> None:
    port = _actions_port(stack)
    with socket.create_connection(("127.0.0.1", port), timeout=5):
        pass
    outside = _non_loopback_address()
    if outside is None:
        pytest.skip("this machine has no non-loopback address to try")
    with pytest.raises(OSError), socket.create_connection((outside, port), timeout=3):
        pass


def test_rasa_is_pinned_to_the_patched_release() -> None:
    assert '"rasa[spacy]==3.6.21"' in (ROOT / "pyproject.toml").read_text(), "CVE-2024-49375 is fixed in 3.6.21"


def _actions_port(stack: Stack) -> int:
    endpoints = next(stack.database.parent.glob("endpoints*.yml")).read_text()
    return int(endpoints.split("http://127.0.0.1:")[1].split("/")[0])


def _non_loopback_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))  # no packet is sent: this only picks the outgoing interface
            address = str(probe.getsockname()[0])
        except OSError:
            return None
    return None if address.startswith("127.") else address
