"""Answers from knowledge/: the article for the message's topic, in the conversation language."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import country
from actions.base import RafiqAction, Turn
from bot import replies


class ActionAnswer(RafiqAction):
    """Serves the article for the topic intent and records which one was served."""

    def name(self) -> str:
        """Name in domain.yml."""
        return "action_answer"

    def respond(self, turn: Turn, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        """The article; urgent messages get the short form, then a volunteer offer (from the base)."""
        topic = turn.intent if turn.intent in replies.TOPICS else None
        if topic is None:
            dispatcher.utter_message(text=turn.text("rephrase"))
            return []
        channel = "sms" if turn.urgency == "urgent" else turn.channel
        messages, served = replies.answer(turn.kb, topic, turn.language, turn.country, channel, turn.message)
        turn.say(dispatcher, messages)
        events: list[EventType] = [SlotSet("topic", topic)]
        if served is not None:
            events.append(SlotSet("last_article", served.as_dict()))
        if served is None or served.state == "missing":
            events.append(SlotSet("pending", "handoff"))
            return events
        question = country.ask_after_answer(turn, tracker, topic)
        if question is not None:
            turn.say(dispatcher, [question[0]])
            events += question[1]
        return events
