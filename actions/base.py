"""The base of every Rafiq action: welcome on first contact, the emergency path, then the action's own reply."""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.runtime import Runtime, get_runtime
from bot import replies
from bot.conversation_language import explicit_choice
from bot.knowledge import KnowledgeBase
from bot.privacy import pseudonym

CHANNEL_KINDS = {"twilio_sms": "sms", "sms": "sms", "whatsapp": "whatsapp", "telegram": "telegram"}


@dataclass(frozen=True)
class Turn:
    """What an action needs to know about the current message and conversation."""

    runtime: Runtime
    kb: KnowledgeBase
    language: str
    urgency: str
    reasons: list[str]
    country: str | None
    channel: str
    intent: str | None
    conversation: str
    message: str = ""

    @classmethod
    def read(cls, tracker: Tracker, runtime: Runtime) -> Turn:
        """Collect slots and the parse result of the latest message."""
        latest = tracker.latest_message or {}
        urgency = latest.get("urgency") or {}
        language = tracker.get_slot("language") or runtime.settings.default_language
        if language not in runtime.languages:
            language = runtime.settings.default_language
        channel = CHANNEL_KINDS.get(tracker.get_latest_input_channel() or "", "web")
        return cls(runtime=runtime, kb=runtime.knowledge.get(), language=language,
                   urgency=urgency.get("level") or "routine", reasons=list(urgency.get("reasons") or []),
                   country=tracker.get_slot("country"), channel=channel,
                   intent=(latest.get("intent") or {}).get("name"),
                   conversation=pseudonym(runtime.settings.pepper, tracker.sender_id),
                   message=str(latest.get("text") or ""))

    def say(self, dispatcher: CollectingDispatcher, messages: list[replies.Reply]) -> None:
        """Send replies in order."""
        for reply in messages:
            dispatcher.utter_message(**reply.as_message())

    def text(self, key: str, **values: Any) -> str:
        """An interface text in the conversation language."""
        return self.kb.text(self.language, key, **values)

    def request_handoff(self, topic: str | None) -> list[EventType]:
        """Record that this person needs a volunteer (urgency and reasons go with it)."""
        self.runtime.handoff.request(self.conversation, self.language, self.urgency, topic, self.reasons)
        return [SlotSet("handoff_requested", True), SlotSet("pending", None)]


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
        """Welcome if new, answer an emergency at once, then reply; resets the misunderstanding counter."""
        turn = Turn.read(tracker, get_runtime())
        events: list[EventType] = []
        if turn.urgency == "emergency":
            # Never a wall of text: the numbers, two safety lines and a volunteer, nothing else.
            turn.say(dispatcher, replies.emergency(turn.kb, turn.language, turn.country))
            events += turn.request_handoff(turn.intent if turn.intent in replies.TOPICS else None)
            return [*events, SlotSet("welcomed", True), SlotSet("misses", 0)]
        text = (tracker.latest_message or {}).get("text") or ""
        if explicit_choice(text, turn.intent, turn.runtime.languages, tracker.get_slot("pending") == "language"):
            # A language picked from the menu or named: confirm in it, whatever the intent was.
            turn.say(dispatcher, [replies.Reply(turn.text("language_set")), replies.Reply(turn.text("ask_topic"))])
            return [*events, SlotSet("welcomed", True), SlotSet("pending", None), SlotSet("misses", 0)]
        if not tracker.get_slot("welcomed"):
            welcome = replies.welcome(turn.kb, turn.runtime.languages, turn.language)
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
