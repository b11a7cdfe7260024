"""The base of every Rafiq action: welcome on first contact, the emergency path, then the action's own reply."""

from __future__ import annotations

import abc
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import country
from actions.runtime import get_runtime
from actions.turn import Turn
from bot import replies

__all__ = ["RafiqAction", "Turn"]


def changed_slots(tracker: Tracker, events: list[EventType]) -> list[EventType]:
    """`events` with each slot set once, to its last value, and only when that differs from the tracker's: every
    event is a row in the tracker store, read back on every later message."""
    final = {e["name"]: e for e in events if e.get("event") == "slot"}
    kept = {name for name, e in final.items() if tracker.get_slot(name) != e.get("value")}
    return [e for e in events if e.get("event") != "slot" or (e["name"] in kept and final[e["name"]] is e)]


class RafiqAction(Action, abc.ABC):
    """Template for every reply: first-contact welcome, then triage, then `respond`."""

    #: actions that should not add a second handoff offer after an urgent message
    offers_handoff_itself = False

    @abc.abstractmethod
    def name(self) -> str:
        """The action's name in domain.yml."""

    @abc.abstractmethod
    def respond(self, turn: Turn, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        """The action's own reply."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        """The reply, and the slots this message changed (the conversation language's included)."""
        turn = Turn.read(tracker, get_runtime())
        return changed_slots(tracker, [*turn.language_events, *self._reply(turn, dispatcher, tracker)])

    def _reply(self, turn: Turn, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        """Welcome if new, answer an emergency at once, then reply; resets the misunderstanding counter."""
        events: list[EventType] = []
        if turn.urgency == "emergency":
            # Never a wall of text: the numbers, two safety lines and a volunteer, nothing else.
            said = replies.emergency(turn.kb, turn.language, turn.country, turn.dial_country)
            said[0] = replies.Reply(f"{said[0].text}\n{turn.text('handoff_quiet')}")  # the bot now waits quietly
            turn.say(dispatcher, said)
            topic = turn.intent if turn.intent in replies.TOPICS else None
            events += turn.request_handoff(tracker, dispatcher, topic, notice=False)
            if turn.country is None:
                events.append(SlotSet("pending", country.pending_value(turn.dial_country, emergency=True)))
            return [*events, SlotSet("misses", 0)]  # not "welcomed": the welcome and privacy notice come next time
        if turn.language_named:
            # A language picked from the menu or named: confirm in it, whatever the intent was.
            turn.say(dispatcher, [replies.Reply(turn.text("language_set")), replies.Reply(turn.text("ask_topic"))])
            return [*events, SlotSet("welcomed", True), SlotSet("pending", None), SlotSet("misses", 0)]
        answered = country.answer_pending(turn, tracker, dispatcher)
        if answered is not None:
            events += answered.events
            if answered.done:
                return [*events, SlotSet("welcomed", True), SlotSet("misses", 0)]
        if not tracker.get_slot("welcomed"):
            welcome = replies.welcome(turn.kb, turn.runtime.languages, turn.language,
                                      int(turn.runtime.settings.retention_days))
            with_menu = self.name() == "action_greet"
            turn.say(dispatcher, welcome if with_menu else welcome[:1])
            events.append(SlotSet("welcomed", True))
            if with_menu:
                events.append(SlotSet("pending", "language"))
        events += self.respond(turn, dispatcher, tracker)
        if turn.urgency == "urgent" and not self.offers_handoff_itself:
            dispatcher.utter_message(text=turn.text("urgent_handoff"))
            events.append(SlotSet("pending", "handoff"))
        if self.name() != "action_rephrase":
            events.append(SlotSet("misses", 0))
        return events
