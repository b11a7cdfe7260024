"""The handoff desk against the real python-telegram-bot and twilio clients and the loopback provider fakes:
routing, claims (one winner), relays both ways, close, escalation with a frozen clock."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from bot.contacts import ContactStore
from bot.desk import Desk
from bot.errors import RafiqError
from bot.handoff import Conflict
from bot.knowledge import KnowledgeBase
from bot.settings import ROOT, load_settings
from bot.volunteer_commands import build_desk, handle
from bot.volunteers import Volunteer
from channels.fakes import FakeProviders, FakeState

PERSON = "+905550000001"


class Clock:
    """A frozen clock the test moves by hand (10:00 UTC on a Tuesday)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="module")
def fakes() -> Iterator[FakeProviders]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    providers = FakeProviders(FakeState("AC" + "d" * 32, "token", "98:people-bot"), port).start()
    yield providers
    providers.stop()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def desk(fakes: FakeProviders, tmp_path: Path, clock: Clock) -> AsyncIterator[Desk]:
    fakes.state.sent.clear()
    env = {"RAFIQ_DATABASE_URL": f"sqlite:///{tmp_path / 'rafiq.db'}", "RAFIQ_KNOWLEDGE_DIR": str(ROOT / "knowledge"),
           "TWILIO_ACCOUNT_SID": fakes.state.account_sid, "TWILIO_AUTH_TOKEN": fakes.state.auth_token,
           "TWILIO_API_BASE_URL": fakes.url, "TWILIO_SMS_FROM": "+15550001111",
           "TWILIO_WHATSAPP_FROM": "whatsapp:+15550002222", "TELEGRAM_BOT_TOKEN": fakes.state.bot_token,
           "TELEGRAM_API_BASE_URL": fakes.url + "/bot", "TELEGRAM_VOLUNTEER_BOT_TOKEN": fakes.state.volunteer_bot_token,
           "RAFIQ_HANDOFF_ESCALATE_MINUTES": "15", "RAFIQ_HANDOFF_FANOUT": "1", "RAFIQ_HANDOFF_HOTLINE": "+90 212 000"}
    built = build_desk(load_settings(env, dotenv=tmp_path / "none.env"), clock=clock)
    yield built
    await built.aclose()


def to(fakes: FakeProviders, address: str) -> list[dict[str, Any]]:
    return [m for m in list(fakes.state.sent) if m["to"] == address]


def queue(desk: Desk, urgency: str = "routine", lang: str = "ar", medium: str = "sms",
          address: str = PERSON) -> int:
    conversation = f"conv-{address}"
    ContactStore(desk.settings.database_url).seen(conversation, medium, address)
    case, _ = desk.store.open_case(conversation, medium, lang, urgency, "detention", ["asked"], "my husband [name]",
                                   "TR")
    return case.id


def volunteer(desk: Desk, name: str, langs: list[str], channel: str = "telegram", address: str = "", **kw: Any
              ) -> Volunteer:
    return desk.volunteers.add(name, langs, channel, address or str(abs(hash(name)) % 10**9), **kw)


async def test_a_routine_case_goes_first_to_a_volunteer_who_speaks_the_language(desk: Desk,
                                                                                 fakes: FakeProviders) -> None:
    french = volunteer(desk, "Claire", ["fr"])
    arabic = volunteer(desk, "Amina", ["ar", "en"])
    busy = volunteer(desk, "Omar", ["ar"], max_open=1)
    desk.store.claim(queue(desk, address="+900"), busy.id, "volunteer:Omar")  # Omar is full
    case_id = queue(desk)
    assert await desk.timer.dispatch() == 1
    cards = to(fakes, arabic.address)
    assert len(cards) == 1 and f"CASE {case_id}" in cards[0]["body"] and "Arabic (ar)" in cards[0]["body"]
    assert f"claim:{case_id}" in str(cards[0]["reply_markup"])
    assert "my husband [name]" in cards[0]["body"]
    assert to(fakes, french.address) == [] and to(fakes, busy.address) == []
    assert await desk.timer.dispatch() == 0  # offered once, not on every timer round


async def test_a_case_nobody_can_take_goes_out_when_a_shift_starts_or_a_volunteer_joins(
        desk: Desk, fakes: FakeProviders, clock: Clock) -> None:
    later = volunteer(desk, "Layla", ["ar"], hours="10:05-18:00")  # on duty from 10:05 UTC
    case_id = queue(desk)
    assert await desk.timer.dispatch() == 0 and to(fakes, later.address) == []
    clock.now += timedelta(seconds=30)
    assert await desk.timer.dispatch() == 0  # the same minute and the same volunteers: not worked out again
    clock.now += timedelta(minutes=4, seconds=30)  # 10:05: Layla's shift starts
    assert await desk.timer.dispatch() == 1
    assert f"CASE {case_id}" in to(fakes, later.address)[0]["body"]
    other = queue(desk, lang="fa", address="+901")
    assert await desk.timer.dispatch() == 0
    farsi = volunteer(desk, "Dariush", ["fa"])  # joins within the same minute
    assert await desk.timer.dispatch() == 1
    assert f"CASE {other}" in to(fakes, farsi.address)[0]["body"]


async def test_an_emergency_alerts_every_volunteer_who_speaks_the_language(desk: Desk, fakes: FakeProviders) -> None:
    speakers = [volunteer(desk, f"V{i}", ["ur"], max_open=1) for i in range(3)]
    other = volunteer(desk, "Other", ["tr"])
    queue(desk, "emergency", "ur")
    await desk.timer.dispatch()
    assert all(len(to(fakes, v.address)) == 1 for v in speakers)
    assert "EMERGENCY" in to(fakes, speakers[0].address)[0]["body"]
    assert to(fakes, other.address) == []


async def test_the_first_claim_wins_and_the_others_see_who_took_it(desk: Desk, fakes: FakeProviders) -> None:
    first, second = volunteer(desk, "Amina Haddad", ["ar"], share_name=True), volunteer(desk, "Bassam", ["ar"])
    case_id = queue(desk, "emergency")
    await desk.timer.dispatch()
    results = await asyncio.gather(desk.claim(case_id, first), desk.claim(case_id, second), return_exceptions=True)
    winners = [r for r in results if not isinstance(r, Exception)]
    assert len(winners) == 1 and sum(isinstance(r, Conflict) for r in results) == 1
    winner, loser = (first, second) if winners[0].volunteer_id == first.id else (second, first)
    loser_card = to(fakes, loser.address)[0]
    assert loser_card.get("edited") and f"claimed by {winner.first_name}" in loser_card["body"]
    assert f"You have CASE {case_id}" in to(fakes, winner.address)[-1]["body"]
    told = to(fakes, PERSON)[-1]["body"]
    kb = desk.knowledge.get()
    expected = (kb.text("ar", "handoff_claimed_named", name="Amina") if winner is first
                else kb.text("ar", "handoff_claimed"))
    assert told == expected


async def test_relay_round_trip_and_close(desk: Desk, fakes: FakeProviders, kb: KnowledgeBase) -> None:
    helper = volunteer(desk, "Amina", ["ar"])
    case_id = queue(desk)
    await desk.timer.dispatch()
    await desk.claim(case_id, helper)
    case = desk.store.require(case_id)
    await desk.person_wrote(case, "زوجي محتجز منذ أمس")
    assert to(fakes, helper.address)[-1]["body"] == f"[#{case_id}] زوجي محتجز منذ أمس"
    assert await handle(desk, helper, "We can help. Which city?") is None  # one case: plain text goes there
    assert to(fakes, PERSON)[-1]["body"] == "We can help. Which city?"
    assert await handle(desk, helper, "/close") is None
    assert to(fakes, PERSON)[-1]["body"] == kb.text("ar", "handoff_closed")
    assert desk.store.require(case_id).state == "closed"
    assert [e.to_state for e in desk.store.events(case_id)] == ["waiting", "assigned", "closed", "bot"]
    authors = [m.author for m in desk.store.messages(case_id)]
    assert authors == ["bot", "person", "volunteer", "bot"]
    seen = [(e.actor, e.action) for e in desk.audit.entries(case_id)]
    assert seen == [("volunteer:Amina", "card"), ("volunteer:Amina", "transcript")], "who saw the case, when"


async def test_sms_volunteer_commands(desk: Desk, fakes: FakeProviders) -> None:
    helper = volunteer(desk, "Bilal", ["ar"], channel="sms", address="+923001234567")
    case_id = queue(desk)
    await desk.timer.dispatch()
    assert f"Reply CLAIM {case_id}" in to(fakes, "+923001234567")[0]["body"]
    assert await handle(desk, helper, f"claim {case_id}", sms=True) is None
    assert await handle(desk, helper, f"#{case_id} Salam, I am here to help", sms=True) is None
    assert to(fakes, PERSON)[-1]["body"] == "Salam, I am here to help"
    assert await handle(desk, helper, f"CLOSE {case_id}", sms=True) is None
    assert desk.store.require(case_id).state == "closed"


async def test_only_the_volunteer_of_a_case_can_reply_or_close_it(desk: Desk) -> None:
    owner, intruder = volunteer(desk, "Amina", ["ar"]), volunteer(desk, "Eve", ["ar"])
    case_id = queue(desk)
    await desk.claim(case_id, owner)
    assert "not yours" in str(await handle(desk, intruder, f"#{case_id} hi"))
    assert "not yours" in str(await handle(desk, intruder, f"CLOSE {case_id}"))
    assert "already assigned" in str(await handle(desk, intruder, f"CLAIM {case_id}"))
    with pytest.raises(RafiqError):
        await desk.close(case_id, "volunteer:Eve", intruder)
    assert desk.store.require(case_id).state == "assigned"


async def test_an_unclaimed_case_escalates_to_everyone_on_duty_and_the_person_gets_the_fallback(
        desk: Desk, fakes: FakeProviders, clock: Clock, kb: KnowledgeBase) -> None:
    speaker = volunteer(desk, "Amina", ["ar"], hours="08:00-20:00", tz="UTC")
    other = volunteer(desk, "Claire", ["fr"])
    off_duty = volunteer(desk, "Night", ["en"], hours="22:00-06:00")
    case_id = queue(desk)
    await desk.timer.tick()
    assert len(to(fakes, speaker.address)) == 1 and to(fakes, other.address) == []
    clock.now += timedelta(minutes=14)
    await desk.timer.tick()
    assert to(fakes, PERSON) == [] and desk.store.require(case_id).escalated_at is None
    clock.now += timedelta(minutes=1)
    await desk.timer.tick()
    assert "STILL WAITING" in to(fakes, other.address)[0]["body"]
    assert to(fakes, off_duty.address) == []
    fallback = to(fakes, PERSON)[0]["body"]
    assert kb.text("ar", "handoff_escalated") in fallback
    assert kb.text("ar", "handoff_office_hours", hours="08:00-20:00 (UTC)") in fallback
    assert "+90 212 000" in fallback and "112" in fallback  # the hotline and Türkiye's emergency number
    await desk.timer.tick()
    assert len(to(fakes, PERSON)) == 1  # escalated once


async def test_a_danger_cue_while_waiting_moves_the_case_up_and_alerts_again(desk: Desk, fakes: FakeProviders,
                                                                           kb: KnowledgeBase) -> None:
    speakers = [volunteer(desk, f"S{i}", ["ar"]) for i in range(3)]
    case_id = queue(desk)
    await desk.timer.dispatch()
    assert sum(len(to(fakes, v.address)) for v in speakers) == 1  # fan-out 1 for a routine case
    await desk.person_wrote(desk.store.require(case_id), "they are beating him now", "emergency", ["cue:violence"])
    case = desk.store.require(case_id)
    assert case.urgency == "emergency" and "cue:violence" in case.reasons
    assert all(any("RAISED" in m["body"] for m in to(fakes, v.address)) for v in speakers)
    assert kb.text("ar", "handoff_raised") in to(fakes, PERSON)[-1]["body"]
    assert desk.store.cases()[0].id == case_id


async def test_a_stopped_person_is_not_written_to_and_the_volunteer_is_told(desk: Desk, fakes: FakeProviders) -> None:
    helper = volunteer(desk, "Amina", ["ar"])
    case_id = queue(desk)
    await desk.claim(case_id, helper)
    ContactStore(desk.settings.database_url).set_opted_out(f"conv-{PERSON}", True)
    before = len(to(fakes, PERSON))
    answer = await handle(desk, helper, "are you there?")
    assert answer is not None and "STOP" in answer
    assert len(to(fakes, PERSON)) == before
