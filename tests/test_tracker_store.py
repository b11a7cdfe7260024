"""channels/tracker_store.py writes and reads Rasa's own events table exactly as Rasa's SQLTrackerStore does, on
SQLite and PostgreSQL: nothing lost, nothing stored twice, and each store reads what the other wrote."""

from __future__ import annotations

import asyncio
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.serve import endpoints_yaml
from channels.tracker_store import RafiqSQLTrackerStore

DOMAIN = Domain.from_yaml("""
version: "3.1"
intents: [greet]
slots:
  language: {type: text, influence_conversation: false, mappings: [{type: custom}]}
""")


def _store(cls: type[SQLTrackerStore], url: str) -> SQLTrackerStore:
    db = sa.engine.make_url(url)
    if db.get_backend_name() == "sqlite":
        return cls(DOMAIN, dialect="sqlite", db=db.database)
    return cls(DOMAIN, dialect="postgresql", host=db.host, port=db.port, db=db.database, username=db.username,
               password=db.password)


def _turn(text: str, language: str) -> list[Event]:
    return [UserUttered(text, {"name": "greet", "confidence": 0.9}), ActionExecuted("action_answer"),
            BotUttered(f"re: {text}"), SlotSet("language", language), ActionExecuted("action_listen")]


def _rows(url: str, sender: str) -> list[tuple[Any, ...]]:
    with sa.create_engine(url, poolclass=sa.pool.NullPool).connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            "SELECT type_name, intent_name, action_name FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender})]


def _run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def test_turns_are_stored_once_and_read_back_by_both_stores(database_url: str) -> None:
    ours, rasas = _store(RafiqSQLTrackerStore, database_url), _store(SQLTrackerStore, database_url)
    tracker = _run(ours.get_or_create_tracker("person-1"))  # a new conversation: created and saved
    for i, language in enumerate(["ar", "ar", "fa"]):
        tracker = _run(ours.retrieve("person-1"))
        assert tracker is not None
        tracker.update_with_events(_turn(f"message {i}", language), DOMAIN)
        _run(ours.save(tracker))
        _run(ours.save(tracker))  # saving again adds nothing
    events = list(tracker.events)
    assert len(_rows(database_url, "person-1")) == len(events) == 16
    for store in (ours, rasas):
        again = _run(store.retrieve("person-1"))
        assert list(again.events) == events and again.get_slot("language") == "fa"
    # Rasa's store continues a conversation ours wrote, and ours one that Rasa's wrote
    for writer, reader in ((rasas, ours), (ours, rasas)):
        tracker = _run(writer.retrieve("person-1"))
        tracker.update_with_events(_turn("more", "ur"), DOMAIN)
        _run(writer.save(tracker))
        assert list(_run(reader.retrieve("person-1")).events) == list(tracker.events)
    assert _rows(database_url, "person-1") == [(e.type_name, (e.as_dict().get("parse_data") or {}).get(
        "intent", {}).get("name"), e.as_dict().get("name")) for e in _run(ours.retrieve("person-1")).events]


def test_a_new_session_is_read_on_its_own_and_continued_without_loss(database_url: str) -> None:
    ours = _store(RafiqSQLTrackerStore, database_url)
    tracker = DialogueStateTracker("person-2", DOMAIN.slots)
    tracker.update_with_events([ActionExecuted("action_session_start"), SessionStarted(timestamp=1.0),
                                *_turn("old", "ar")], DOMAIN)
    _run(ours.save(tracker))
    tracker = _run(ours.retrieve("person-2"))
    tracker.update_with_events([ActionExecuted("action_session_start", timestamp=2.0), SessionStarted(timestamp=2.0),
                                *_turn("new", "tr")], DOMAIN)
    _run(ours.save(tracker))
    latest = _run(ours.retrieve("person-2"))
    assert [e.text for e in latest.events if isinstance(e, UserUttered)] == ["new"]
    assert list(latest.events) == list(_run(_store(SQLTrackerStore, database_url).retrieve("person-2")).events)
    tracker = latest
    tracker.update_with_events(_turn("newer", "tr"), DOMAIN)
    _run(ours.save(tracker))
    whole = _run(ours.retrieve_full_tracker("person-2"))
    assert [e.text for e in whole.events if isinstance(e, UserUttered)] == ["old", "new", "newer"]
    assert len(_rows(database_url, "person-2")) == len(whole.events)
    rasas = _store(SQLTrackerStore, database_url)
    assert list(whole.events) == list(_run(rasas.retrieve_full_tracker("person-2")).events)
    assert _run(ours.retrieve("nobody")) is None


def test_the_rasa_servers_are_configured_with_this_store(tmp_path: Any) -> None:
    import yaml

    store = yaml.safe_load(endpoints_yaml(5055, f"sqlite:///{tmp_path / 'rafiq.db'}"))["tracker_store"]
    assert store["type"] == "channels.tracker_store.RafiqSQLTrackerStore"
    from rasa.shared.utils.common import class_from_module_path

    assert class_from_module_path(store["type"]) is RafiqSQLTrackerStore  # Rasa would fall back to memory otherwise
