"""Greeting, small talk, yes and no."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import RafiqAction, Turn

SMALLTALK_TEXT = {"thanks": "thanks_reply", "goodbye": "goodbye", "out_of_scope": "out_of_scope"}


class ActionGreet(RafiqAction):
    """The welcome (from the base) on first contact, a short hello afterwards."""

    def name(self) -> str:
        """Name in domain.yml."""
        return "action_greet"

    def respond(self, turn: Turn, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        """Ask what the person needs."""
        key = "greet_again" if tracker.get_slot("welcomed") else "ask_topic"
        dispatcher.utter_message(text=turn.text(key))
        return []


class ActionSmalltalk(RafiqAction):
    """Thanks, goodbye and out-of-scope questions."""

    def name(self) -> str:
        """Name in domain.yml."""
        return "action_smalltalk"

    def respond(self, turn: Turn, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        """A one-line reply in the conversation language."""
        dispatcher.utter_message(text=turn.text(SMALLTALK_TEXT.get(turn.intent or "", "out_of_scope")))
        return []


class ActionAffirm(RafiqAction):
    """'Yes': accepts a pending volunteer offer, otherwise acknowledges."""

    offers_handoff_itself = True

    def name(self) -> str:
        """Name in domain.yml."""
        return "action_affirm"

    def respond(self, turn: Turn, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        """Record the handoff when one was offered."""
        if tracker.get_slot("pending") == "handoff":
            return turn.request_handoff(tracker, dispatcher, tracker.get_slot("topic"))
        dispatcher.utter_message(text=turn.text("affirm_ack"))
        return []


class ActionDeny(RafiqAction):
    """'No': declines a pending offer, otherwise asks what else."""

    offers_handoff_itself = True

    def name(self) -> str:
        """Name in domain.yml."""
        return "action_deny"

    def respond(self, turn: Turn, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        """Clear the pending offer."""
        key = "handoff_declined" if tracker.get_slot("pending") == "handoff" else "deny_ack"
        dispatcher.utter_message(text=turn.text(key))
        return [SlotSet("pending", None)]
