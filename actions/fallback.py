"""When the bot does not understand: ask to rephrase, and offer a human after two misses."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import RafiqAction, Turn

MISSES_BEFORE_HUMAN = 2


class ActionRephrase(RafiqAction):
    """Counts misses; the second one in a row offers a volunteer."""

    offers_handoff_itself = True

    def name(self) -> str:
        """Name in domain.yml."""
        return "action_rephrase"

    def respond(self, turn: Turn, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        """Rephrase request, or a volunteer offer."""
        misses = int(tracker.get_slot("misses") or 0) + 1
        text = (tracker.latest_message or {}).get("text") or ""
        if not any(ch.isalpha() for ch in text):
            dispatcher.utter_message(text=turn.text("empty_message"))
            return [SlotSet("misses", misses)]
        if misses >= MISSES_BEFORE_HUMAN:
            dispatcher.utter_message(text=turn.text("rephrase_offer_human"))
            return [SlotSet("misses", 0), SlotSet("pending", "handoff")]
        dispatcher.utter_message(text=turn.text("rephrase"))
        return [SlotSet("misses", misses)]
