"""Rasa's SQL tracker store, with the same tables and rows, doing less work per message.

Profiled under load (bench/scale.py, py-spy), Rasa 3.6's SQLTrackerStore was about a third of a replica's time:
- `save` counts the rows of the conversation's current session (a query over every column) to find out which
  events are new, then inserts them one ORM object at a time;
- `retrieve` builds an ORM object for every row only to read its JSON.

This store remembers, on the tracker it returned, how many of its events are stored, so `save` inserts just the
rest, in one statement; a tracker it did not load (a new conversation, or one Rasa built elsewhere) is counted as
Rasa counts it. Only one process handles a conversation at a time (the lock store), so the number stays true
between loading and saving. `retrieve` reads only the JSON column, with Rasa's own query written out once.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker

STORED = "_rafiq_stored_events"  # attribute set on trackers this store loaded or saved
#: Rasa's query (rasa.core.tracker_store.SQLTrackerStore._event_query), written once instead of built per message:
#: the events since the latest session start (all of them when there is none), in the order they were stored
LATEST_SESSION = sa.text(
    "SELECT data FROM events WHERE sender_id = :sender_id AND (timestamp >= (SELECT max(timestamp) FROM events "
    "WHERE sender_id = :sender_id AND type_name = 'session_started') OR NOT EXISTS (SELECT 1 FROM events "
    "WHERE sender_id = :sender_id AND type_name = 'session_started')) ORDER BY id")
ALL_EVENTS = sa.text("SELECT data FROM events WHERE sender_id = :sender_id ORDER BY id")


class RafiqSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore that knows which events of a tracker it loaded are already stored."""

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool) -> DialogueStateTracker | None:
        """The conversation's events (its latest session, or all), read as JSON only."""
        with self.engine.connect() as conn:
            rows = conn.execute(ALL_EVENTS if fetch_events_from_all_sessions else LATEST_SESSION,
                                {"sender_id": sender_id}).all()
        events = [json.loads(data) for (data,) in rows]
        if not (self.domain and events):
            return None
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        if not fetch_events_from_all_sessions:  # then the tracker holds exactly the rows save() would count
            setattr(tracker, STORED, len(events))
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Insert the tracker's events that are not stored yet, in one statement."""
        await self.stream_events(tracker)
        stored = getattr(tracker, STORED, None)
        if stored is None:  # a tracker this store did not load: count its stored events as Rasa does
            with self.session_scope() as session:
                stored = self._event_query(session, tracker.sender_id, fetch_events_from_all_sessions=False).count()
        new = itertools.islice(tracker.events, stored, len(tracker.events))
        rows = [self._row(tracker.sender_id, event.as_dict(), event.type_name) for event in new]
        if rows:
            with self.engine.begin() as conn:
                conn.execute(sa.insert(self.SQLEvent.__table__), rows)
        setattr(tracker, STORED, len(tracker.events))

    @staticmethod
    def _row(sender_id: str, data: dict[str, Any], type_name: str) -> dict[str, Any]:
        """The events table row of one event, as Rasa writes it."""
        return {"sender_id": sender_id, "type_name": type_name, "timestamp": data.get("timestamp"),
                "intent_name": data.get("parse_data", {}).get("intent", {}).get("name"),
                "action_name": data.get("name"), "data": json.dumps(data)}
