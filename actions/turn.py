"""What an action knows about the current message and conversation (the `Turn`), read once per action."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.runtime import Runtime
from bot import redact, replies, routing
from bot.conversation_language import explicit_choice, next_language
from bot.knowledge import KnowledgeBase
from bot.privacy import pseudonym

SUMMARY_MESSAGES = 3  # the person's last messages that make the case summary
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
    dial_country: str | None = None
    #: SlotSets for `language` and `language_chosen`; every action returns them (unchanged ones are dropped there)
    language_events: tuple[EventType, ...] = ()
    #: True when this message named or picked a language (the reply then confirms it)
    language_named: bool = False

    @classmethod
    def read(cls, tracker: Tracker, runtime: Runtime) -> Turn:
        """Collect slots and the parse result of the latest message."""
        latest = tracker.latest_message or {}
        urgency = latest.get("urgency") or {}
        language, language_events, named = conversation_language(tracker, runtime)
        channel = CHANNEL_KINDS.get(tracker.get_latest_input_channel() or "", "web")
        return cls(runtime=runtime, kb=runtime.knowledge.get(), language=language,
                   urgency=urgency.get("level") or "routine", reasons=list(urgency.get("reasons") or []),
                   country=tracker.get_slot("country"), channel=channel,
                   intent=(latest.get("intent") or {}).get("name"),
                   conversation=pseudonym(runtime.settings.pepper, tracker.sender_id),
                   message=str(latest.get("text") or ""), dial_country=_dial_country(latest, runtime),
                   language_events=tuple(language_events), language_named=named)

    def say(self, dispatcher: CollectingDispatcher, messages: list[replies.Reply]) -> None:
        """Send replies in order."""
        for reply in messages:
            dispatcher.utter_message(**reply.as_message())

    def text(self, key: str, **values: Any) -> str:
        """An interface text in the conversation language."""
        return self.kb.text(self.language, key, **values)

    def request_handoff(self, tracker: Tracker, dispatcher: CollectingDispatcher, topic: str | None,
                        notice: bool = True) -> list[EventType]:
        """Queue this person for a volunteer (urgency, reasons and a redacted summary go with the case) and tell
        them (unless `notice` is False) what happens next, their place in the queue and how long it may take;
        the bot then stays quiet."""
        said = [str(e.get("text") or "") for e in tracker.events if e.get("event") == "user"][-SUMMARY_MESSAGES:]
        store = self.runtime.handoff
        case, created = store.open_case(tracker.sender_id, self.channel, self.language, self.urgency, topic,
                                        self.reasons, redact.summary([s for s in said if s]),
                                        self.country or self.dial_country, confirmed=self.country is not None)
        if created:
            for text in said:
                if text:
                    store.add_message(case.id, "person", text)
        if notice:
            escalate_after = timedelta(minutes=float(self.runtime.settings.handoff_escalate_minutes))
            dispatcher.utter_message(text=routing.queue_notice(
                self.kb, self.language, case, store.position(case), self.runtime.volunteers.all(), store.clock(),
                store.typical_wait(), escalate_after))
        return [SlotSet("handoff_requested", True), SlotSet("pending", None)]


def conversation_language(tracker: Tracker, runtime: Runtime) -> tuple[str, list[EventType], bool]:
    """The language to answer this message in (a named or picked language wins, a reliable detection switches an
    unchosen one, noise never flips it), the SlotSets that record it, and whether it was named or picked."""
    latest = tracker.latest_message or {}
    text = str(latest.get("text") or "")
    intent = (latest.get("intent") or {}).get("name")
    current = tracker.get_slot("language")
    choice = explicit_choice(text, intent, runtime.languages, tracker.get_slot("pending") == "language")
    if choice:
        return choice, [SlotSet("language", choice), SlotSet("language_chosen", True)], True
    language = next_language(current, bool(tracker.get_slot("language_chosen")), latest.get("language"),
                             runtime.settings.default_language)
    if language not in runtime.languages:
        language = runtime.settings.default_language
    return language, [SlotSet("language", language)], False


def _dial_country(latest: dict[str, Any], runtime: Runtime) -> str | None:
    """The country the phone's calling code suggests (set by the SMS/WhatsApp channel), if it is one we know."""
    code = (latest.get("metadata") or {}).get("dial_country")
    return str(code) if code in runtime.knowledge.get().countries else None
