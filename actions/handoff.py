"""A person asks for a human: record the request (the handoff queue takes it from there)."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.base import RafiqAction, Turn


class ActionHumanHandoff(RafiqAction):
    """Queues the person for a volunteer and tells them what happens next and how long it may take."""

    offers_handoff_itself = True

    def name(self) -> str:
        """Name in domain.yml."""
        return "action_human_handoff"

    def respond(self, turn: Turn, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        """Record and confirm."""
        return turn.request_handoff(tracker, dispatcher, tracker.get_slot("topic"))
