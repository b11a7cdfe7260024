"""People reachable on a messaging channel: where to reply, opt-out, the WhatsApp window, offered options.

Keyed by the conversation's pseudonym; the address (phone number or Telegram chat id) is needed to reply and
lives only here, never in the tracker store or in logs.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from bot.db import create_tables, upsert
from bot.sealing import seal, unseal

metadata = sa.MetaData()
contacts = sa.Table(
    "contacts", metadata,
    sa.Column("conversation", sa.String(64), primary_key=True),
    sa.Column("medium", sa.String(16), nullable=False),
    sa.Column("address", sa.String(255), nullable=False),  # sealed (bot/sealing.py): never stored in clear
    sa.Column("opted_out", sa.Boolean, nullable=False, default=False),
    sa.Column("last_inbound_at", sa.Float, nullable=False),
    sa.Column("options", sa.Text, nullable=False, default="[]"),
    sa.Column("language", sa.String(8)),
)
WHATSAPP_WINDOW_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Contact:
    """Where and whether to reply to one conversation."""

    conversation: str
    medium: str
    address: str
    opted_out: bool
    last_inbound_at: float
    options: list[tuple[str, str]]
    language: str | None = None

    def in_session_window(self, now: float) -> bool:
        """WhatsApp's 24-hour customer-service window: free-form messages only within it."""
        return now - self.last_inbound_at < WHATSAPP_WINDOW_SECONDS


class ContactStore:
    """The contacts table (same database as the other Rafiq stores)."""

    def __init__(self, database_url: str, clock: Callable[[], float] = time.time, pepper: str | None = None) -> None:
        self.engine = create_tables(database_url, metadata)
        self.clock = clock
        self.pepper = pepper

    def seen(self, conversation: str, medium: str, address: str) -> Contact:
        """Record an inbound message (it opens the WhatsApp window) and return the contact."""
        now = self.clock()
        seen = {"medium": medium, "address": seal(self.pepper, address), "last_inbound_at": now}
        with self.engine.begin() as conn:  # one atomic statement: two workers may see a new person at once
            upsert(conn, contacts, {"conversation": conversation, "opted_out": False, "options": "[]", **seen}, seen)
        found = self.get(conversation)
        assert found is not None
        return found

    def get(self, conversation: str) -> Contact | None:
        """The contact, or None when unknown."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(contacts).where(contacts.c.conversation == conversation)).first()
        if row is None:
            return None
        return Contact(row.conversation, row.medium, unseal(self.pepper, row.address), bool(row.opted_out),
                       float(row.last_inbound_at), [(str(t), str(p)) for t, p in json.loads(row.options or "[]")],
                       row.language)

    def set_opted_out(self, conversation: str, opted_out: bool) -> None:
        """STOP (True) or START (False)."""
        self._update(conversation, opted_out=opted_out)

    def set_language(self, conversation: str, language: str) -> None:
        """The language of the person's last keyword, for replies outside a Rasa conversation."""
        self._update(conversation, language=language)

    def set_options(self, conversation: str, options: list[tuple[str, str]]) -> None:
        """Remember the numbered options last offered, so that a reply '2' means the second one."""
        self._update(conversation, options=json.dumps(options, ensure_ascii=False))

    def forget(self, conversation: str) -> None:
        """Delete everything about this conversation."""
        with self.engine.begin() as conn:
            conn.execute(contacts.delete().where(contacts.c.conversation == conversation))

    def _update(self, conversation: str, **values: object) -> None:
        with self.engine.begin() as conn:
            conn.execute(contacts.update().where(contacts.c.conversation == conversation).values(**values))
