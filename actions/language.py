"""The conversation language and urgency slots, updated after every message, and the language menu."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import ValidationAction

from actions.base import RafiqAction, Turn
from actions.runtime import get_runtime
from bot import replies
from bot.conversation_language import explicit_choice, next_language


class ValidateSlotMappings(ValidationAction):
    """Runs after every user message: fills `language`, `language_chosen`, `urgency`, `urgency_reasons`."""

    def name(self) -> str:
        """The global slot-mapping action Rasa calls after each message."""
        return "action_validate_slot_mappings"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        """Compute the slots from the parse result of the latest message."""
        runtime = get_runtime()
        latest = tracker.latest_message or {}
        text = latest.get("text") or ""
        intent = (latest.get("intent") or {}).get("name")
        events: list[EventType] = []
        choice = explicit_choice(text, intent, runtime.languages, tracker.get_slot("pending") == "language")
        if choice:
            events += [SlotSet("language", choice), SlotSet("language_chosen", True)]
        else:
            current = tracker.get_slot("language")
            language = next_language(current, bool(tracker.get_slot("language_chosen")), latest.get("language"),
                                     runtime.settings.default_language)
            if language != current:
                events.append(SlotSet("language", language))
        urgency = latest.get("urgency") or {}
        events += [SlotSet("urgency", urgency.get("level") or "routine"),
                   SlotSet("urgency_reasons", list(urgency.get("reasons") or []))]
        return events


class ActionChooseLanguage(RafiqAction):
    """Shows the language menu when a person asks to change language without naming one."""

    def name(self) -> str:
        """Name in domain.yml."""
        return "action_choose_language"

    def respond(self, turn: Turn, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        """No language was named (the base confirms a named one): show the menu."""
        turn.say(dispatcher, [replies.language_menu(turn.kb, turn.runtime.languages, turn.language)])
        return [SlotSet("pending", "language")]
