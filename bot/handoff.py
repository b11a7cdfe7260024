"""The handoff queue: cases and their state machine, stored in SQL (SQLite by default, PostgreSQL to scale).

A conversation is in state `bot` until a case opens: `bot` → `waiting` (queued) → `assigned` (a volunteer
claimed it) → `closed` → `bot`. A waiting case may also be closed (the person wrote STOP, an operator closed
it). Every transition is written to `handoff_events` with its time and actor, in the same transaction as the
change. Claims are one conditional UPDATE, so the first claim wins even across processes and replicas.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa

from bot.case import URGENCY_ORDER, Case, CaseEvent, CaseMessage, more_urgent
from bot.db import create_tables
from bot.errors import BadInput, RafiqError
from bot.handoff_schema import OPEN, State, cards, cases, events, messages, metadata

logger = logging.getLogger(__name__)


class Conflict(RafiqError):
    """The case is not in a state that allows this (already claimed, already closed)."""

    status = 409

#: the id of a conversation's open case, written once (its cache key costs nothing; it uses the open-case index)
_OPEN_CASE_ID = sa.text("SELECT id FROM handoff_cases WHERE conversation = :conversation AND state IN "
                        f"({', '.join(repr(state) for state in OPEN)})")


class HandoffStore:
    """Cases, their transitions, their messages and the case cards sent to volunteers."""

    def __init__(self, database_url: str, clock: Callable[[], datetime] | None = None) -> None:
        self.engine = create_tables(database_url, metadata)
        self.clock = clock or (lambda: datetime.now(timezone.utc))

    def _log(self, conn: Any, case_id: int, kind: str, before: str, after: str, actor: str) -> None:
        conn.execute(events.insert().values(case_id=case_id, at=self.clock(), kind=kind, from_state=before,
                                            to_state=after, actor=actor[:80]))

    def open_case(self, conversation: str, medium: str, language: str, urgency: str, topic: str | None,
                  reasons: list[str], summary: str, country: str | None, actor: str = "person",
                  confirmed: bool = True) -> tuple[Case, bool]:
        """Queue a case (`bot` → `waiting`); an open case of the conversation is kept, raised to the higher
        urgency. `confirmed` is False when the country is only what the phone number suggests. Returns the case
        and whether it is new."""
        try:
            return self._open_case(conversation, medium, language, urgency, topic, reasons, summary, country, actor,
                                   confirmed)
        except sa.exc.IntegrityError:  # another process opened it at the same moment: keep that one
            return self._open_case(conversation, medium, language, urgency, topic, reasons, summary, country, actor,
                                   confirmed)

    def _open_case(self, conversation: str, medium: str, language: str, urgency: str, topic: str | None,
                   reasons: list[str], summary: str, country: str | None, actor: str,
                   confirmed: bool) -> tuple[Case, bool]:
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(cases).where(cases.c.conversation == conversation,
                                                      cases.c.state.in_(OPEN))).first()
            if row is None:
                case_id = int(conn.execute(cases.insert().values(
                    conversation=conversation, medium=medium, language=language, urgency=urgency, topic=topic,
                    reasons=json.dumps(reasons), summary=summary, country=country, country_confirmed=confirmed,
                    state=State.WAITING.value,
                    created_at=self.clock())).inserted_primary_key[0])
                self._log(conn, case_id, "created", State.BOT.value, State.WAITING.value, actor)
                created = True
            else:
                case_id, created = int(row.id), False
                self._raise(conn, row, urgency, reasons, actor)
                if topic and not row.topic:
                    conn.execute(cases.update().where(cases.c.id == case_id).values(topic=topic))
        logger.info("handoff case %d %s (urgency %s, language %s)", case_id, "queued" if created else "kept",
                    urgency, language)
        return self.require(case_id), created

    def _raise(self, conn: Any, row: Any, urgency: str, reasons: list[str], actor: str) -> bool:
        merged = sorted(set(json.loads(row.reasons)) | set(reasons))
        higher = more_urgent(urgency, row.urgency)
        conn.execute(cases.update().where(cases.c.id == row.id).values(
            urgency=urgency if higher else row.urgency, reasons=json.dumps(merged)))
        if higher:
            self._log(conn, int(row.id), f"raised:{urgency}", row.state, row.state, actor)
        return higher

    def raise_urgency(self, case_id: int, urgency: str, reasons: list[str], actor: str) -> bool:
        """Re-prioritise an open case; True when its urgency went up."""
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(cases).where(cases.c.id == case_id, cases.c.state.in_(OPEN))).first()
            return row is not None and self._raise(conn, row, urgency, reasons, actor)

    def set_country(self, case_id: int, country: str) -> None:
        """Record the country the person confirmed or named."""
        with self.engine.begin() as conn:
            conn.execute(cases.update().where(cases.c.id == case_id).values(country=country, country_confirmed=True))

    def claim(self, case_id: int, volunteer_id: int, actor: str) -> Case:
        """`waiting` → `assigned` to this volunteer; Conflict when someone else was first (or it closed)."""
        with self.engine.begin() as conn:
            won = conn.execute(cases.update().where(cases.c.id == case_id, cases.c.state == State.WAITING.value)
                               .values(state=State.ASSIGNED.value, volunteer_id=volunteer_id,
                                       claimed_at=self.clock())).rowcount
            if won:
                self._log(conn, case_id, "claimed", State.WAITING.value, State.ASSIGNED.value, actor)
        case = self.require(case_id)
        if not won:
            raise Conflict(f"case {case_id} is already {case.state}")
        return case

    def close(self, case_id: int, actor: str) -> Case:
        """`waiting`/`assigned` → `closed`; Conflict when it is already closed."""
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(cases.c.state).where(cases.c.id == case_id)).first()
            done = row is not None and conn.execute(
                cases.update().where(cases.c.id == case_id, cases.c.state == row.state, cases.c.state.in_(OPEN))
                .values(state=State.CLOSED.value, closed_at=self.clock())).rowcount
            if done:
                self._log(conn, case_id, "closed", row.state, State.CLOSED.value, actor)
        case = self.require(case_id)
        if not done:
            raise Conflict(f"case {case_id} is already closed")
        return case

    def resumed(self, case_id: int, actor: str = "bot") -> None:
        """Record `closed` → `bot`: the bot answers this conversation again."""
        with self.engine.begin() as conn:
            self._log(conn, case_id, "resumed", State.CLOSED.value, State.BOT.value, actor)

    def mark_escalated(self, case_id: int) -> bool:
        """Record the escalation of a waiting case; False when another process did it first or it moved on."""
        with self.engine.begin() as conn:
            done = conn.execute(cases.update().where(cases.c.id == case_id, cases.c.escalated_at.is_(None),
                                                     cases.c.state == State.WAITING.value)
                                .values(escalated_at=self.clock())).rowcount
            if done:
                self._log(conn, case_id, "escalated", State.WAITING.value, State.WAITING.value, "timer")
        return bool(done)

    def get(self, case_id: int) -> Case | None:
        """The case, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(cases).where(cases.c.id == case_id)).first()
        return _case(row) if row is not None else None

    def require(self, case_id: int) -> Case:
        """The case, or BadInput saying it does not exist."""
        case = self.get(case_id)
        if case is None:
            raise BadInput(f"there is no case {case_id}")
        return case

    def open_for(self, conversation: str) -> Case | None:
        """The conversation's waiting or assigned case, or None (then the bot answers). It runs before every turn:
        one prepared query on the open-case index, and the whole case only when there is one."""
        with self.engine.connect() as conn:
            case_id = conn.execute(_OPEN_CASE_ID, {"conversation": conversation}).scalar()
        case = self.get(int(case_id)) if case_id is not None else None
        return case if case is not None and case.state in OPEN else None  # it may have closed in between

    def latest_for(self, conversation: str) -> Case | None:
        """The conversation's most recent case in any state, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(cases).where(cases.c.conversation == conversation)
                               .order_by(cases.c.id.desc()).limit(1)).first()
        return _case(row) if row is not None else None

    def cases(self, states: tuple[str, ...] = OPEN, volunteer_id: int | None = None) -> list[Case]:
        """Cases in these states, most urgent first, then oldest first (the queue order)."""
        query = sa.select(cases).where(cases.c.state.in_(states))
        if volunteer_id is not None:
            query = query.where(cases.c.volunteer_id == volunteer_id)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return sorted((_case(r) for r in rows), key=Case.queue_key)

    def unoffered(self, after: int = 0) -> list[Case]:
        """Waiting cases no volunteer was sent a card for yet, with an id above `after` (one query: it runs on every
        timer round)."""
        offered = sa.select(cards.c.case_id).where(cards.c.case_id == cases.c.id).exists()
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(cases).where(cases.c.state == State.WAITING.value, cases.c.id > after,
                                                       ~offered)).all()
        return sorted((_case(r) for r in rows), key=Case.queue_key)

    def position(self, case: Case) -> int:
        """1 + the number of waiting cases ahead of this one in the queue."""
        return 1 + sum(1 for c in self.cases((State.WAITING.value,)) if c.queue_key() < case.queue_key())

    def due_for_escalation(self, after: timedelta) -> list[Case]:
        """Waiting cases older than `after` that were not escalated yet."""
        cutoff = self.clock() - after
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(cases).where(cases.c.state == State.WAITING.value,
                                                       cases.c.escalated_at.is_(None),
                                                       cases.c.created_at <= cutoff)).all()
        return [_case(r) for r in rows]

    def typical_wait(self, last: int = 20) -> timedelta | None:
        """The median time from queueing to claim over the last claimed cases (None before any claim)."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(cases.c.created_at, cases.c.claimed_at)
                                .where(cases.c.claimed_at.is_not(None))
                                .order_by(cases.c.claimed_at.desc()).limit(last)).all()
        waits = sorted(_aware(r.claimed_at) - _aware(r.created_at) for r in rows)
        return waits[len(waits) // 2] if waits else None

    def add_message(self, case_id: int, author: str, text: str) -> int:
        """Append to the case's conversation (author: person, volunteer or bot); returns its id."""
        with self.engine.begin() as conn:
            return int(conn.execute(messages.insert().values(case_id=case_id, at=self.clock(), author=author,
                                                             text=text)).inserted_primary_key[0])

    def messages(self, case_id: int, after: int = 0) -> list[CaseMessage]:
        """The case's conversation, oldest first (only messages after id `after`)."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(messages).where(messages.c.case_id == case_id, messages.c.id > after)
                                .order_by(messages.c.id)).all()
        return [CaseMessage(int(r.id), _aware(r.at).isoformat(), r.author, r.text) for r in rows]

    def events(self, case_id: int) -> list[CaseEvent]:
        """Every transition of the case, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(events).where(events.c.case_id == case_id).order_by(events.c.id)).all()
        return [CaseEvent(_aware(r.at).isoformat(), r.kind, r.from_state, r.to_state, r.actor) for r in rows]

    def reserve_card(self, case_id: int, volunteer_id: int) -> bool:
        """Reserve the right to send this volunteer a card for this case (False: already sent, by anyone)."""
        try:
            with self.engine.begin() as conn:
                conn.execute(cards.insert().values(case_id=case_id, volunteer_id=volunteer_id,
                                                   sent_at=self.clock()))
        except sa.exc.IntegrityError:
            return False
        return True

    def set_card_ref(self, case_id: int, volunteer_id: int, ref: str | None) -> None:
        """Remember the provider's id of the card (to update it once the case is claimed)."""
        with self.engine.begin() as conn:
            conn.execute(cards.update().where(cards.c.case_id == case_id, cards.c.volunteer_id == volunteer_id)
                         .values(ref=ref))

    def cards(self, case_id: int) -> dict[int, str | None]:
        """Volunteer id → card reference, for every volunteer told about this case."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(cards).where(cards.c.case_id == case_id)).all()
        return {int(r.volunteer_id): r.ref for r in rows}

    def case_for_card(self, volunteer_id: int, ref: str) -> int | None:
        """The case a volunteer's card (a Telegram message they replied to) belongs to."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(cards.c.case_id).where(cards.c.volunteer_id == volunteer_id,
                                                                cards.c.ref == ref)).first()
        return int(row.case_id) if row is not None else None


def _aware(value: datetime) -> datetime:
    """In UTC (SQLite returns naive datetimes, which are UTC; PostgreSQL uses the server's zone)."""
    return value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _case(row: Any) -> Case:
    return Case(int(row.id), row.conversation, row.medium, row.language, row.urgency, row.topic,
                json.loads(row.reasons), row.summary, row.country, bool(row.country_confirmed), row.state,
                row.volunteer_id,
                _aware(row.created_at), row.claimed_at and _aware(row.claimed_at),
                row.closed_at and _aware(row.closed_at), row.escalated_at and _aware(row.escalated_at))


__all__ = ["OPEN", "URGENCY_ORDER", "Case", "Conflict", "HandoffStore", "State"]
