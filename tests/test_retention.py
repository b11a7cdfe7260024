"""Erasure (the DELETE keyword) and the retention purge reach every store, on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.audit import AuditLog
from bot.contacts import ContactStore
from bot.db import engine
from bot.handoff import HandoffStore
from bot.inbox import Inbox
from bot.retention import erase, parse_age, purge, tracker_database_url

ALICE, BOB = "a1" * 16, "b2" * 16  # conversation pseudonyms
DAY = 86400.0


def rasa_events(database_url: str) -> sa.Table:
    """The shape of Rasa's SQL tracker store table, created where Rasa would create it."""
    table = sa.Table("events", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("sender_id", sa.String(255)), sa.Column("type_name", sa.String(255)),
                     sa.Column("timestamp", sa.Float), sa.Column("data", sa.Text))
    table.metadata.create_all(engine(tracker_database_url(database_url)))
    return table


def everything_about(database_url: str, who: str) -> list[str]:
    """Every row, in every table of both databases, that mentions `who`."""
    found = []
    for url in {database_url, tracker_database_url(database_url)}:
        with engine(url).connect() as conn:
            for name in sa.inspect(conn).get_table_names():
                for row in conn.execute(sa.text(f'SELECT * FROM "{name}"')):
                    if who in repr(tuple(row)):
                        found.append(f"{name}: {row}")
    return found


def populate(database_url: str, who: str, at: float, phone: str) -> None:
    events = rasa_events(database_url)
    with engine(tracker_database_url(database_url)).begin() as conn:
        conn.execute(events.insert(), [{"sender_id": who, "type_name": "user", "timestamp": at, "data": "{}"}] * 3)
    ContactStore(database_url, clock=lambda: at).seen(who, "sms", phone)
    inbox = Inbox(database_url, clock=lambda: at)
    item = inbox.accept("twilio", f"SM-{who}", who, {"address": phone, "text": "hi"})
    assert item is not None
    inbox.finish(item)
    store = HandoffStore(database_url, clock=lambda: datetime.fromtimestamp(at, timezone.utc))
    case, _ = store.open_case(who, "sms", "ar", "urgent", "detention", ["cue"], "summary", "TR")
    store.add_message(case.id, "person", "hello")
    store.reserve_card(case.id, 1)
    store.claim(case.id, 1, "volunteer:A")
    store.close(case.id, "volunteer:A")
    AuditLog(database_url).record("volunteer:A", "view", case.id)


def test_erasure_deletes_everything_about_one_person_and_nothing_else(database_url: str, tmp_path: Path) -> None:
    now = time.time()
    populate(database_url, ALICE, now, "+905550000001")
    populate(database_url, BOB, now, "+905550000002")
    assert everything_about(database_url, ALICE)
    forgotten = erase(database_url, ALICE)
    assert everything_about(database_url, ALICE) == []
    assert forgotten.counts["conversation events"] == 3 and forgotten.counts["cases"] == 1
    assert forgotten.counts["audit entries"] == 1
    assert len(everything_about(database_url, BOB)) >= 5
    if database_url.startswith("sqlite"):  # not even in free pages or the write-ahead log
        files = sorted(Path(database_url.removeprefix("sqlite:///")).parent.glob("*.db*"))
        assert len(files) >= 2, files
        for path in files:
            assert ALICE.encode() not in path.read_bytes(), path


def test_the_purge_deletes_idle_conversations_and_keeps_recent_ones_and_open_cases(database_url: str) -> None:
    now = time.time()
    populate(database_url, ALICE, now - 40 * DAY, "+905550000001")
    populate(database_url, BOB, now - 2 * DAY, "+905550000002")
    waiting = "c3" * 16
    ContactStore(database_url, clock=lambda: now - 40 * DAY).seen(waiting, "sms", "+905550000003")
    HandoffStore(database_url, clock=lambda: datetime.fromtimestamp(now - 40 * DAY, timezone.utc)).open_case(
        waiting, "sms", "ar", "urgent", None, [], "s", None)
    forgotten = purge(database_url, timedelta(days=30), datetime.fromtimestamp(now, timezone.utc))
    assert everything_about(database_url, ALICE) == []
    assert everything_about(database_url, BOB)
    assert everything_about(database_url, waiting), "a person still waiting for a volunteer is kept"
    assert forgotten.counts["addresses"] == 1 and forgotten.counts["cases"] == 1


@pytest.mark.parametrize(("text", "expected"), [("30d", timedelta(days=30)), ("12h", timedelta(hours=12)),
                                                ("90m", timedelta(minutes=90)), ("7", timedelta(days=7))])
def test_ages(text: str, expected: timedelta) -> None:
    assert parse_age(text) == expected


def test_a_bad_age_is_refused() -> None:
    with pytest.raises(ValueError, match="like 30d"):
        parse_age("a month")
