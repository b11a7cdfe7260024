"""The language menu. (The conversation language itself is worked out by every action: actions/turn.py.)"""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import RafiqAction, Turn
from bot import replies


class ActionChooseLanguage(RafiqAction):
    """Shows the language menu when a person asks to change language without naming one."""

    def name(self) -> str:
        """Name in domain.yml."""
        return "action_choose_language"

    def respond(self, turn: Turn, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        """No language was named (the base confirms a named one): show the menu."""
        turn.say(dispatcher, [replies.language_menu(turn.kb, turn.runtime.languages, turn.language)])
        return [SlotSet("pending", "language")]
