"""The durable inbox and the contacts table, on a real SQLite file and a real PostgreSQL database."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from bot.contacts import ContactStore
from bot.db import engine
from bot.inbox import Inbox


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def test_a_repeated_id_is_refused_and_a_finished_payload_is_erased(database_url: str) -> None:
    inbox = Inbox(database_url)
    item = inbox.accept("twilio", "SM1", "conv", {"text": "hello"})
    assert item is not None
    assert inbox.accept("twilio", "SM1", "conv", {"text": "hello"}) is None
    assert inbox.accept("telegram", "SM1", "conv", {"text": "hello"}) is not None  # ids are per channel
    assert inbox.claim(item) and not inbox.claim(item)  # only one worker gets it
    inbox.finish(item)
    assert "hello" not in _rows(database_url, "SM1")


def test_unfinished_messages_survive_a_restart_oldest_first(database_url: str) -> None:
    clock = Clock()
    first = Inbox(database_url, clock)
    a = first.accept("twilio", "SM1", "c1", {"text": "one"})
    clock.now += 1
    first.accept("twilio", "SM2", "c1", {"text": "two"})
    assert a is not None and first.claim(a)  # the process stops while working on it
    restarted = Inbox(database_url, clock)
    assert [i.payload["text"] for i in restarted.unfinished()] == ["one", "two"]


def test_a_failing_message_is_retried_then_given_up(database_url: str) -> None:
    inbox = Inbox(database_url)
    item = inbox.accept("twilio", "SM1", "c", {"text": "x"})
    assert item is not None
    results = []
    for _ in range(3):
        assert inbox.claim(item)
        results.append(inbox.release(item))
    assert results == [True, True, False]
    assert inbox.unfinished() == []


def test_old_ids_are_purged(database_url: str) -> None:
    clock = Clock()
    inbox = Inbox(database_url, clock)
    item = inbox.accept("twilio", "SM1", "c", {"text": "x"})
    assert item is not None
    inbox.finish(item)
    clock.now += 73 * 3600
    assert inbox.purge(72 * 3600) == 1
    assert inbox.accept("twilio", "SM1", "c", {"text": "x"}) is not None


def test_received_times_keep_sub_second_precision(database_url: str) -> None:
    clock = Clock()
    clock.now += 0.123456
    inbox = Inbox(database_url, clock)
    inbox.accept("twilio", "SM1", "c", {"text": "é ✓ مرحبا"})
    (item,) = inbox.unfinished()
    assert item.received_at == clock.now and item.payload == {"text": "é ✓ مرحبا"}


def test_contacts_track_opt_out_options_and_the_whatsapp_window(database_url: str) -> None:
    clock = Clock()
    contacts = ContactStore(database_url, clock)
    contact = contacts.seen("conv", "whatsapp", "whatsapp:+15550000001")
    assert not contact.opted_out and contact.in_session_window(clock.now + 23 * 3600)
    assert not contact.in_session_window(clock.now + 24 * 3600)
    contacts.set_opted_out("conv", True)
    contacts.set_options("conv", [("Yes", "yes"), ("No", "no")])
    again = contacts.get("conv")
    assert again is not None and again.opted_out and again.options == [("Yes", "yes"), ("No", "no")]
    contacts.forget("conv")
    assert contacts.get("conv") is None


def test_seeing_a_contact_again_updates_it_and_keeps_its_choices(database_url: str) -> None:
    clock = Clock()
    contacts = ContactStore(database_url, clock)
    contacts.seen("conv", "sms", "+15550000001")
    contacts.set_opted_out("conv", True)
    contacts.set_language("conv", "ar")
    clock.now += 60
    again = contacts.seen("conv", "whatsapp", "whatsapp:+15550000001")
    assert (again.medium, again.address, again.last_inbound_at) == ("whatsapp", "whatsapp:+15550000001", clock.now)
    assert again.opted_out and again.language == "ar" and again.options == []


def test_workers_racing_on_one_new_message_record_it_once(database_url: str) -> None:
    inbox, contacts = Inbox(database_url), ContactStore(database_url)
    for n in range(5):
        accepted = _race(functools.partial(inbox.accept, "twilio", f"SM{n}", f"c{n}", {"text": "x"}))
        assert sum(item is not None for item in accepted) == 1  # the others see a duplicate, not an error
        seen = _race(functools.partial(contacts.seen, f"c{n}", "sms", "+1555"))
        assert [c.conversation for c in seen] == [f"c{n}"] * 8


def _race(work: Callable[[], Any], workers: int = 8) -> list[Any]:
    """Run `work` in several threads released at the same instant; their results (an exception fails the test)."""
    barrier, results, errors = threading.Barrier(workers), [], []

    def run() -> None:
        barrier.wait()
        try:
            results.append(work())
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return results


def _rows(database_url: str, message_id: str) -> str:
    with engine(database_url).connect() as conn:
        rows = conn.execute(sa.text("SELECT * FROM inbox WHERE channel = 'twilio' AND message_id = :id"),
                            {"id": message_id}).fetchall()
    return repr(rows)
