"""The durable inbox: every webhook message is recorded before it is acknowledged.

A provider retry or replay of the same message id finds the row and gets no second reply; a message accepted
but not yet answered when a process stops is still `pending` and is answered after the restart. The message
payload is erased as soon as the turn is done; the id stays until it expires, for deduplication.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.db import create_tables
from bot.sealing import seal, unseal

logger = logging.getLogger(__name__)
metadata = sa.MetaData()
inbox = sa.Table(
    "inbox", metadata,
    sa.Column("channel", sa.String(16), primary_key=True),
    sa.Column("message_id", sa.String(96), primary_key=True),
    sa.Column("conversation", sa.String(64), nullable=False),
    sa.Column("received_at", sa.Float, nullable=False, index=True),
    sa.Column("state", sa.String(12), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("payload", sa.Text),
)
PENDING, WORKING, DONE, FAILED = "pending", "working", "done", "failed"
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class InboxItem:
    """One accepted message waiting to be processed."""

    channel: str
    message_id: str
    conversation: str
    received_at: float
    payload: dict[str, Any]


class Inbox:
    """SQL table of processed and pending message ids."""

    def __init__(self, database_url: str, clock: Callable[[], float] = time.time, pepper: str | None = None) -> None:
        self.engine = create_tables(database_url, metadata)
        self.clock = clock
        self.pepper = pepper  # payloads are sealed: the sender's address and text never sit in clear on disk

    def accept(self, channel: str, message_id: str, conversation: str, payload: dict[str, Any]) -> InboxItem | None:
        """Record a new message; None when this id was seen before (a retry or a replay)."""
        now = self.clock()
        try:
            with self.engine.begin() as conn:
                conn.execute(inbox.insert().values(channel=channel, message_id=message_id, conversation=conversation,
                                                   received_at=now, state=PENDING, attempts=0,
                                                   payload=seal(self.pepper, json.dumps(payload, ensure_ascii=False))))
        except IntegrityError:
            return None
        return InboxItem(channel, message_id, conversation, now, payload)

    def claim(self, item: InboxItem) -> bool:
        """Take a pending message for processing; False when another worker already has it."""
        with self.engine.begin() as conn:
            return bool(conn.execute(
                inbox.update().where(inbox.c.channel == item.channel, inbox.c.message_id == item.message_id,
                                     inbox.c.state == PENDING)
                .values(state=WORKING, attempts=inbox.c.attempts + 1)).rowcount)

    def finish(self, item: InboxItem) -> None:
        """The turn is done: erase the payload, keep the id for deduplication."""
        self._set(item, state=DONE, payload=None)

    def release(self, item: InboxItem) -> bool:
        """Processing failed: back to pending for a retry, or failed after MAX_ATTEMPTS. True when retried."""
        with self.engine.connect() as conn:
            attempts = conn.execute(sa.select(inbox.c.attempts).where(
                inbox.c.channel == item.channel, inbox.c.message_id == item.message_id)).scalar() or 0
        retry = attempts < MAX_ATTEMPTS
        self._set(item, state=PENDING if retry else FAILED, **({} if retry else {"payload": None}))
        return retry

    def unfinished(self, older_than: float = 0.0) -> list[InboxItem]:
        """Messages accepted but not answered (for example when the process stopped), oldest first."""
        cutoff = self.clock() - older_than
        with self.engine.begin() as conn:
            conn.execute(inbox.update().where(inbox.c.state == WORKING, inbox.c.received_at <= cutoff)
                         .values(state=PENDING))
            rows = conn.execute(sa.select(inbox).where(inbox.c.state == PENDING, inbox.c.received_at <= cutoff)
                                .order_by(inbox.c.received_at)).fetchall()
        return [InboxItem(r.channel, r.message_id, r.conversation, r.received_at,
                          json.loads(unseal(self.pepper, r.payload) if r.payload else "{}")) for r in rows]

    def purge(self, older_than_seconds: float) -> int:
        """Delete finished ids older than the period; returns how many."""
        cutoff = self.clock() - older_than_seconds
        with self.engine.begin() as conn:
            return int(conn.execute(inbox.delete().where(inbox.c.received_at < cutoff,
                                                         inbox.c.state.in_((DONE, FAILED)))).rowcount)

    def _set(self, item: InboxItem, **values: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(inbox.update().where(inbox.c.channel == item.channel,
                                              inbox.c.message_id == item.message_id).values(**values))
