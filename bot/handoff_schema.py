"""The handoff queue's tables: cases, their transitions, their messages, and the cards sent to volunteers."""

from __future__ import annotations

import enum

import sqlalchemy as sa


class State(str, enum.Enum):
    """Where a conversation is in the handoff state machine."""

    BOT = "bot"
    WAITING = "waiting"
    ASSIGNED = "assigned"
    CLOSED = "closed"


OPEN = (State.WAITING.value, State.ASSIGNED.value)
metadata = sa.MetaData()
cases = sa.Table(
    "handoff_cases", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation", sa.String(128), nullable=False, index=True),
    sa.Column("medium", sa.String(16), nullable=False),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("urgency", sa.String(16), nullable=False),
    sa.Column("topic", sa.String(32)),
    sa.Column("reasons", sa.Text, nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("country", sa.String(8)),
    sa.Column("country_confirmed", sa.Boolean, nullable=False, default=False),
    sa.Column("state", sa.String(16), nullable=False, index=True),
    sa.Column("volunteer_id", sa.Integer, index=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("claimed_at", sa.DateTime(timezone=True)),
    sa.Column("closed_at", sa.DateTime(timezone=True)),
    sa.Column("escalated_at", sa.DateTime(timezone=True)),
)
events = sa.Table(
    "handoff_events", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.Integer, nullable=False, index=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("from_state", sa.String(16), nullable=False),
    sa.Column("to_state", sa.String(16), nullable=False),
    sa.Column("actor", sa.String(80), nullable=False),
)
messages = sa.Table(
    "handoff_messages", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.Integer, nullable=False, index=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("author", sa.String(16), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
)
# at most one open case per conversation, even when two requests arrive at once (SQLite and PostgreSQL)
sa.Index("uq_handoff_open_case", cases.c.conversation, unique=True,
         sqlite_where=cases.c.state.in_(OPEN), postgresql_where=cases.c.state.in_(OPEN))
cards = sa.Table(
    "handoff_cards", metadata,
    sa.Column("case_id", sa.Integer, primary_key=True),
    sa.Column("volunteer_id", sa.Integer, primary_key=True),
    sa.Column("ref", sa.String(64)),
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
)
