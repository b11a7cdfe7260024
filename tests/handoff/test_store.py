"""The handoff queue in SQL: the state machine, every transition recorded, the first claim wins."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest

from bot.errors import BadInput
from bot.handoff import Conflict, HandoffStore


class Clock:
    """A frozen clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(database_url: str, clock: Clock) -> HandoffStore:
    return HandoffStore(database_url, clock)


def open_case(store: HandoffStore, conversation: str = "c1", urgency: str = "routine", lang: str = "ar") -> int:
    case, _ = store.open_case(conversation, "sms", lang, urgency, "asylum", ["asked"], "summary", "TR")
    return case.id


def test_every_transition_is_recorded_with_time_and_actor(store: HandoffStore, clock: Clock) -> None:
    case_id = open_case(store)
    clock.now += timedelta(minutes=3)
    store.claim(case_id, 7, "volunteer:Amina")
    clock.now += timedelta(minutes=10)
    store.close(case_id, "volunteer:Amina")
    store.resumed(case_id)
    events = store.events(case_id)
    assert [(e.from_state, e.to_state, e.actor) for e in events] == [
        ("bot", "waiting", "person"), ("waiting", "assigned", "volunteer:Amina"),
        ("assigned", "closed", "volunteer:Amina"), ("closed", "bot", "bot")]
    assert events[1].at.startswith("2026-11-24T09:03")
    case = store.require(case_id)
    assert case.state == "closed" and case.volunteer_id == 7
    assert store.open_for("c1") is None


def test_one_open_case_per_conversation_raised_to_the_higher_urgency(store: HandoffStore) -> None:
    first = open_case(store, urgency="urgent")
    case, created = store.open_case("c1", "sms", "ar", "routine", None, ["again"], "s", None)
    assert (case.id, created, case.urgency) == (first, False, "urgent")
    case, created = store.open_case("c1", "sms", "ar", "emergency", None, ["cue:violence"], "s", None)
    assert (case.id, created, case.urgency) == (first, False, "emergency")
    assert set(case.reasons) == {"asked", "again", "cue:violence"}
    assert [e.kind for e in store.events(first)] == ["created", "raised:emergency"]


def test_the_queue_is_ordered_by_urgency_then_age(store: HandoffStore, clock: Clock) -> None:
    routine_old = open_case(store, "a")
    clock.now += timedelta(minutes=1)
    urgent = open_case(store, "b", "urgent")
    clock.now += timedelta(minutes=1)
    emergency = open_case(store, "c", "emergency")
    clock.now += timedelta(minutes=1)
    routine_new = open_case(store, "d")
    assert [c.id for c in store.cases()] == [emergency, urgent, routine_old, routine_new]
    assert store.position(store.require(routine_new)) == 4
    assert store.position(store.require(emergency)) == 1


def test_a_claimed_or_closed_case_cannot_be_claimed_again(store: HandoffStore) -> None:
    case_id = open_case(store)
    store.claim(case_id, 1, "volunteer:A")
    with pytest.raises(Conflict, match="already assigned"):
        store.claim(case_id, 2, "volunteer:B")
    store.close(case_id, "operator")
    with pytest.raises(Conflict, match="already closed"):
        store.close(case_id, "operator")
    with pytest.raises(BadInput, match="no case 999"):
        store.claim(999, 1, "volunteer:A")


def test_two_volunteers_claiming_at_the_same_moment_one_wins(store: HandoffStore) -> None:
    for round_ in range(10):
        case_id = open_case(store, f"race{round_}")
        barrier = threading.Barrier(2)
        outcomes: dict[int, str] = {}

        def claim(volunteer: int, case: int = case_id, gate: threading.Barrier = barrier,
                  out: dict[int, str] = outcomes) -> None:
            gate.wait()
            try:
                store.claim(case, volunteer, f"volunteer:{volunteer}")
                out[volunteer] = "won"
            except Conflict:
                out[volunteer] = "lost"

        threads = [threading.Thread(target=claim, args=(v,)) for v in (1, 2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes.values()) == ["lost", "won"]
        winner = next(v for v, o in outcomes.items() if o == "won")
        assert store.require(case_id).volunteer_id == winner
        assert [e.kind for e in store.events(case_id)].count("claimed") == 1


def test_escalation_is_due_after_the_configured_time_and_happens_once(store: HandoffStore, clock: Clock) -> None:
    case_id = open_case(store)
    assert store.due_for_escalation(timedelta(minutes=15)) == []
    clock.now += timedelta(minutes=15)
    assert [c.id for c in store.due_for_escalation(timedelta(minutes=15))] == [case_id]
    assert store.mark_escalated(case_id) is True
    assert store.mark_escalated(case_id) is False  # another replica got there first
    assert store.due_for_escalation(timedelta(minutes=15)) == []


def test_a_card_is_sent_once_per_volunteer_and_found_again(store: HandoffStore) -> None:
    case_id = open_case(store)
    assert store.reserve_card(case_id, 5) is True
    assert store.reserve_card(case_id, 5) is False
    store.set_card_ref(case_id, 5, "901")
    assert store.cards(case_id) == {5: "901"}
    assert store.case_for_card(5, "901") == case_id


def test_messages_and_typical_wait(store: HandoffStore, clock: Clock) -> None:
    case_id = open_case(store)
    store.add_message(case_id, "person", "مرحبا")
    store.add_message(case_id, "volunteer", "hello")
    assert [(m.author, m.text) for m in store.messages(case_id)] == [("person", "مرحبا"), ("volunteer", "hello")]
    assert store.typical_wait() is None
    clock.now += timedelta(minutes=6)
    store.claim(case_id, 1, "volunteer:A")
    assert store.typical_wait() == timedelta(minutes=6)


def test_the_queue_survives_a_new_store_on_the_same_database(database_url: str, clock: Clock) -> None:
    case_id = open_case(HandoffStore(database_url, clock))
    again = HandoffStore(database_url, clock)
    assert again.require(case_id).state == "waiting"
    assert again.claim(case_id, 3, "volunteer:C").state == "assigned"


def test_two_requests_of_one_person_at_the_same_moment_open_one_case(store: HandoffStore) -> None:
    for round_ in range(10):
        barrier = threading.Barrier(4)
        ids: list[int] = []

        def request(gate: threading.Barrier = barrier, out: list[int] = ids, who: str = f"same-{round_}") -> None:
            gate.wait()
            out.append(open_case(store, who))

        threads = [threading.Thread(target=request) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(set(ids)) == 1
    assert len(store.cases()) == 10
