"""A handoff case as the rest of Rafiq sees it: plain frozen data, with the queue order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

URGENCY_ORDER = {"emergency": 0, "urgent": 1, "routine": 2}


def more_urgent(a: str, b: str) -> bool:
    """True when urgency `a` is strictly more urgent than `b`."""
    return URGENCY_ORDER.get(a, 3) < URGENCY_ORDER.get(b, 3)


@dataclass(frozen=True)
class Case:
    """A person's request for a volunteer, from queueing to close."""

    id: int
    conversation: str
    medium: str
    language: str
    urgency: str
    topic: str | None
    reasons: list[str]
    summary: str
    country: str | None
    country_confirmed: bool
    state: str
    volunteer_id: int | None
    created_at: datetime
    claimed_at: datetime | None
    closed_at: datetime | None
    escalated_at: datetime | None

    def queue_key(self) -> tuple[int, datetime, int]:
        """Most urgent first, then oldest first."""
        return URGENCY_ORDER.get(self.urgency, 3), self.created_at, self.id

    def as_json(self, volunteer: str | None = None) -> dict[str, Any]:
        """For `rafiq handoff list --json` and the console (no address, no message text)."""
        return {"id": self.id, "state": self.state, "language": self.language, "urgency": self.urgency,
                "topic": self.topic, "reasons": self.reasons, "medium": self.medium, "country": self.country,
                "volunteer": volunteer, "created_at": self.created_at.isoformat(),
                "claimed_at": self.claimed_at.isoformat() if self.claimed_at else None,
                "closed_at": self.closed_at.isoformat() if self.closed_at else None,
                "escalated": self.escalated_at is not None}


@dataclass(frozen=True)
class CaseEvent:
    """One recorded transition: when, what, from which state to which, and who did it."""

    at: str
    kind: str
    from_state: str
    to_state: str
    actor: str


@dataclass(frozen=True)
class CaseMessage:
    """One message of a case's conversation (author: person, volunteer or bot)."""

    id: int
    at: str
    author: str
    text: str
