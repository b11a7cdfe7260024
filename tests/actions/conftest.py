"""Helpers to run actions as functions of (tracker, dispatcher, domain)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.runtime import get_runtime


@pytest.fixture(autouse=True)
def runtime_on_tmp_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test gets its own SQLite file for the handoff store."""
    monkeypatch.setenv("RAFIQ_DATABASE_URL", f"sqlite:///{tmp_path / 'rafiq.db'}")
    get_runtime.cache_clear()
    yield
    get_runtime.cache_clear()


def make_tracker(text: str, intent: str | None, *, language: str | None = None, urgency: str = "routine",
                 reasons: list[str] | None = None, detected: str | None = None, channel: str = "rest",
                 dial_country: str | None = None, **slots: Any) -> Tracker:
    """A tracker whose latest message is `text`, parsed as `intent`, with the given slots."""
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": [],
              "language": {"code": detected or language, "reliable": True},
              "urgency": {"level": urgency, "reasons": reasons or []},
              "metadata": {"dial_country": dial_country} if dial_country else {}}
    all_slots = {"language": language, "welcomed": True, "misses": 0, **slots}
    events = [{"event": "user", "text": text, "parse_data": latest, "input_channel": channel}]
    return Tracker("tester", all_slots, latest, events, False, None, {}, "action_listen")


def run(action: Action, tracker: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Run an action; return (messages sent, events returned)."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages, events


def slot_events(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The slots an action set."""
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
