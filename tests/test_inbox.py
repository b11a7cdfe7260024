"""The durable inbox and the contacts table, on a real SQLite file."""

from __future__ import annotations

from pathlib import Path

from bot.contacts import ContactStore
from bot.inbox import Inbox


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def test_a_repeated_id_is_refused_and_a_finished_payload_is_erased(tmp_path: Path) -> None:
    inbox = Inbox(f"sqlite:///{tmp_path / 'r.db'}")
    item = inbox.accept("twilio", "SM1", "conv", {"text": "hello"})
    assert item is not None
    assert inbox.accept("twilio", "SM1", "conv", {"text": "hello"}) is None
    assert inbox.accept("telegram", "SM1", "conv", {"text": "hello"}) is not None  # ids are per channel
    assert inbox.claim(item) and not inbox.claim(item)  # only one worker gets it
    inbox.finish(item)
    assert b"hello" not in _rows(tmp_path / "r.db", "SM1")


def test_unfinished_messages_survive_a_restart_oldest_first(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    clock = Clock()
    first = Inbox(url, clock)
    a = first.accept("twilio", "SM1", "c1", {"text": "one"})
    clock.now += 1
    first.accept("twilio", "SM2", "c1", {"text": "two"})
    assert a is not None and first.claim(a)  # the process stops while working on it
    restarted = Inbox(url, clock)
    assert [i.payload["text"] for i in restarted.unfinished()] == ["one", "two"]


def test_a_failing_message_is_retried_then_given_up(tmp_path: Path) -> None:
    inbox = Inbox(f"sqlite:///{tmp_path / 'r.db'}")
    item = inbox.accept("twilio", "SM1", "c", {"text": "x"})
    assert item is not None
    results = []
    for _ in range(3):
        assert inbox.claim(item)
        results.append(inbox.release(item))
    assert results == [True, True, False]
    assert inbox.unfinished() == []


def test_old_ids_are_purged(tmp_path: Path) -> None:
    clock = Clock()
    inbox = Inbox(f"sqlite:///{tmp_path / 'r.db'}", clock)
    item = inbox.accept("twilio", "SM1", "c", {"text": "x"})
    assert item is not None
    inbox.finish(item)
    clock.now += 73 * 3600
    assert inbox.purge(72 * 3600) == 1
    assert inbox.accept("twilio", "SM1", "c", {"text": "x"}) is not None


def test_contacts_track_opt_out_options_and_the_whatsapp_window(tmp_path: Path) -> None:
    clock = Clock()
    contacts = ContactStore(f"sqlite:///{tmp_path / 'r.db'}", clock)
    contact = contacts.seen("conv", "whatsapp", "whatsapp:+15550000001")
    assert not contact.opted_out and contact.in_session_window(clock.now + 23 * 3600)
    assert not contact.in_session_window(clock.now + 24 * 3600)
    contacts.set_opted_out("conv", True)
    contacts.set_options("conv", [("Yes", "yes"), ("No", "no")])
    again = contacts.get("conv")
    assert again is not None and again.opted_out and again.options == [("Yes", "yes"), ("No", "no")]
    contacts.forget("conv")
    assert contacts.get("conv") is None


def _rows(path: Path, message_id: str) -> bytes:
    import sqlite3

    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT * FROM inbox WHERE channel = 'twilio' AND message_id = ?", (message_id,)).fetchall()
    return repr(rows).encode()
