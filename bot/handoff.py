"""Handoff requests: the one place that records that a person wants (or needs) a human volunteer.

The full queue (volunteers, claims, relay) builds on this table; until then a request is recorded durably
in SQL with its urgency and reasons, ordered for volunteers by urgency then age.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa

from bot.db import create_tables

logger = logging.getLogger(__name__)

metadata = sa.MetaData()
handoff_requests = sa.Table(
    "handoff_requests", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation", sa.String(64), nullable=False, index=True),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("urgency", sa.String(16), nullable=False),
    sa.Column("topic", sa.String(32)),
    sa.Column("reasons", sa.Text, nullable=False, default="[]"),
    sa.Column("state", sa.String(16), nullable=False, default="waiting"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
URGENCY_ORDER = {"emergency": 0, "urgent": 1, "routine": 2}


@dataclass(frozen=True)
class HandoffRequest:
    """A person waiting for a volunteer."""

    id: int
    conversation: str
    language: str
    urgency: str
    topic: str | None
    reasons: list[str]
    state: str
    created_at: str


class HandoffStore:
    """SQL table of handoff requests (SQLite by default, PostgreSQL for scale)."""

    def __init__(self, database_url: str) -> None:
        self.engine = create_tables(database_url, metadata)

    def request(self, conversation: str, language: str, urgency: str, topic: str | None,
                reasons: list[str]) -> int:
        """Record a request (an open one for the conversation is updated, keeping the higher urgency)."""
        now = datetime.now(timezone.utc)
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(handoff_requests).where(
                handoff_requests.c.conversation == conversation, handoff_requests.c.state == "waiting")).first()
            if row is not None:
                level = min(row.urgency, urgency, key=lambda u: URGENCY_ORDER.get(u, 3))
                conn.execute(handoff_requests.update().where(handoff_requests.c.id == row.id).values(
                    urgency=level, language=language, topic=topic or row.topic,
                    reasons=json.dumps(sorted(set(json.loads(row.reasons)) | set(reasons)))))
                return int(row.id)
            result = conn.execute(handoff_requests.insert().values(
                conversation=conversation, language=language, urgency=urgency, topic=topic,
                reasons=json.dumps(reasons), state="waiting", created_at=now))
            request_id = int(result.inserted_primary_key[0])
        logger.info("handoff request %d recorded (urgency %s, language %s)", request_id, urgency, language)
        return request_id

    def waiting(self) -> list[HandoffRequest]:
        """Open requests, most urgent first, then oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(handoff_requests).where(handoff_requests.c.state == "waiting")).all()
        requests = [HandoffRequest(r.id, r.conversation, r.language, r.urgency, r.topic, json.loads(r.reasons),
                                   r.state, r.created_at.isoformat()) for r in rows]
        return sorted(requests, key=lambda r: (URGENCY_ORDER.get(r.urgency, 3), r.created_at))


def as_json(requests: list[HandoffRequest]) -> list[dict[str, Any]]:
    """JSON-friendly list for the CLI."""
    return [r.__dict__ for r in requests]
