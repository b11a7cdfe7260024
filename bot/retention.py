"""Forgetting: erasure of one person on request (the DELETE keyword) and the retention purge of everything idle
for longer than RAFIQ_RETENTION_DAYS. Covers every store: Rasa's tracker events, the contacts (sealed
addresses), handoff cases with their messages, transitions and cards, and the processed-message ids."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa

from bot.audit import audit_log
from bot.audit import metadata as audit_metadata
from bot.contacts import contacts
from bot.db import create_tables, engine
from bot.handoff_schema import OPEN, cards, cases, events, messages
from bot.handoff_schema import metadata as handoff_metadata
from bot.inbox import inbox

logger = logging.getLogger(__name__)
tracker_events = sa.table("events", sa.column("sender_id"), sa.column("timestamp"))  # Rasa's SQL tracker store


def tracker_database_url(database_url: str) -> str:
    """Where Rasa's tracker store lives: tracker.db beside the SQLite file, else the same database."""
    url = sa.engine.make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return database_url
    return f"sqlite:///{Path(url.database or 'var/rafiq.db').with_name('tracker.db')}"


@dataclass
class Forgotten:
    """How many rows of each kind were deleted."""

    counts: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, rows: int) -> None:
        """Count deleted rows."""
        self.counts[kind] = self.counts.get(kind, 0) + max(rows, 0)

    def __str__(self) -> str:
        return ", ".join(f"{n} {kind}" for kind, n in sorted(self.counts.items())) or "nothing"


def _delete_tracker(database_url: str, senders: list[str], out: Forgotten) -> None:
    if not senders:
        return
    try:
        with engine(tracker_database_url(database_url)).begin() as conn:
            out.add("conversation events", conn.execute(
                tracker_events.delete().where(tracker_events.c.sender_id.in_(senders))).rowcount)
    except sa.exc.OperationalError:  # no tracker table yet (nothing was ever said)
        logger.info("retention: no tracker store table yet")
    except sa.exc.ProgrammingError:  # PostgreSQL: the events table does not exist yet
        logger.info("retention: no tracker store table yet")


def _delete_cases(conn: sa.engine.Connection, case_ids: list[int], out: Forgotten) -> None:
    if not case_ids:
        return
    for table, column, kind in ((audit_log, audit_log.c.case_id, "audit entries"),
                                (messages, messages.c.case_id, "case messages"),
                                (events, events.c.case_id, "case transitions"),
                                (cards, cards.c.case_id, "case cards"), (cases, cases.c.id, "cases")):
        out.add(kind, conn.execute(table.delete().where(column.in_(case_ids))).rowcount)


def erase(database_url: str, conversation: str) -> Forgotten:
    """Delete everything stored about one conversation, in every store (the person's DELETE keyword)."""
    out = Forgotten()
    eng = create_tables(database_url, handoff_metadata)
    create_tables(database_url, audit_metadata)
    with eng.begin() as conn:
        ids = [int(r.id) for r in conn.execute(sa.select(cases.c.id).where(cases.c.conversation == conversation))]
        _delete_cases(conn, ids, out)
        out.add("addresses", conn.execute(contacts.delete().where(contacts.c.conversation == conversation)).rowcount)
        out.add("message ids", conn.execute(inbox.delete().where(inbox.c.conversation == conversation)).rowcount)
    _delete_tracker(database_url, [conversation], out)
    for url in {database_url, tracker_database_url(database_url)}:
        _checkpoint(url)
    logger.info("erasure done: %s", out)
    return out


def _checkpoint(database_url: str) -> None:
    """SQLite: fold the write-ahead log into the database and truncate it, so that erased rows (zeroed by
    secure_delete) do not survive in old log frames."""
    if sa.engine.make_url(database_url).get_backend_name() == "sqlite":
        with engine(database_url).connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def purge(database_url: str, older_than: timedelta, now: datetime | None = None) -> Forgotten:
    """Delete conversations idle for longer than `older_than`: their tracker events, addresses and closed
    cases, and processed-message ids; a conversation with an open case is kept whole."""
    now = now or datetime.now(timezone.utc)
    cutoff = now - older_than
    out = Forgotten()
    eng = create_tables(database_url, handoff_metadata)
    create_tables(database_url, audit_metadata)
    with eng.begin() as conn:
        busy = {r.conversation for r in conn.execute(sa.select(cases.c.conversation).where(cases.c.state.in_(OPEN)))}
        closed = [int(r.id) for r in conn.execute(sa.select(cases.c.id).where(
            cases.c.state.not_in(OPEN), sa.func.coalesce(cases.c.closed_at, cases.c.created_at) < cutoff))]
        _delete_cases(conn, closed, out)
        idle = [r.conversation for r in conn.execute(sa.select(contacts.c.conversation).where(
            contacts.c.last_inbound_at < cutoff.timestamp())) if r.conversation not in busy]
        if idle:
            out.add("addresses", conn.execute(contacts.delete().where(contacts.c.conversation.in_(idle))).rowcount)
        out.add("message ids", conn.execute(inbox.delete().where(inbox.c.received_at < cutoff.timestamp(),
                                                                 inbox.c.state.in_(("done", "failed")))).rowcount)
    try:
        with engine(tracker_database_url(database_url)).connect() as conn:
            rows = conn.execute(sa.select(tracker_events.c.sender_id, sa.func.max(tracker_events.c.timestamp))
                                .group_by(tracker_events.c.sender_id)).all()
        stale = [str(s) for s, last in rows if last is not None and last < cutoff.timestamp() and s not in busy]
    except (sa.exc.OperationalError, sa.exc.ProgrammingError):
        stale = []
    _delete_tracker(database_url, stale, out)
    logger.info("retention purge (older than %s): %s", older_than, out)
    return out


def parse_age(text: str) -> timedelta:
    """'30d', '12h', '90m' (or a bare number of days) as a timedelta; ValueError otherwise."""
    text = text.strip().lower()
    units = {"d": "days", "h": "hours", "m": "minutes"}
    if text[-1:] in units and text[:-1].isdigit():
        return timedelta(**{units[text[-1]]: int(text[:-1])})
    if text.isdigit():
        return timedelta(days=int(text))
    raise ValueError(f"{text!r} is not an age like 30d, 12h or 90m")

