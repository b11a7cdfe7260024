"""Who saw which case, and when: every case card, transcript, console view and operator look is recorded
(`rafiq handoff show ID` lists them), so that a leak can be traced and volunteers' access reviewed."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

import sqlalchemy as sa

from bot.db import create_tables

logger = logging.getLogger(__name__)
metadata = sa.MetaData()
audit_log = sa.Table(
    "audit_log", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.String(80), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("case_id", sa.Integer, index=True),
)


@dataclass(frozen=True)
class AuditEntry:
    """One recorded access."""

    at: str
    actor: str
    action: str
    case_id: int | None


class AuditLog:
    """The audit table (same database as the other Rafiq stores; deleted with the case on erasure)."""

    def __init__(self, database_url: str, clock: Callable[[], datetime] | None = None) -> None:
        self.engine = create_tables(database_url, metadata)
        self.clock = clock or (lambda: datetime.now(timezone.utc))

    def record(self, actor: str, action: str, case_id: int | None) -> None:
        """Write one entry: `actor` (volunteer:NAME or operator) did `action` (card, transcript, view, ...)."""
        with self.engine.begin() as conn:
            conn.execute(audit_log.insert().values(at=self.clock(), actor=actor[:80], action=action[:32],
                                                   case_id=case_id))

    def entries(self, case_id: int | None = None) -> list[AuditEntry]:
        """Entries, oldest first (of one case, or all)."""
        query = sa.select(audit_log).order_by(audit_log.c.id)
        if case_id is not None:
            query = query.where(audit_log.c.case_id == case_id)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [AuditEntry(r.at.isoformat(), r.actor, r.action, r.case_id) for r in rows]

    def forget(self, case_ids: list[int]) -> int:
        """Delete the entries of erased cases."""
        with self.engine.begin() as conn:
            return int(conn.execute(audit_log.delete().where(audit_log.c.case_id.in_(case_ids))).rowcount)
