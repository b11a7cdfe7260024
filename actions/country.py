"""The person's country: asked in an emergency or once after a first answer, suggested by the phone's calling
code but only ever used once the person confirms it."""

from __future__ import annotations

from dataclasses import dataclass

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.turn import Turn
from bot import replies
from bot.article_select import choose
from bot.country import stated_country

PENDING = "country"
EMERGENCY_MARK = "!"


def pending_value(suggestion: str | None, emergency: bool) -> str:
    """How the open question is remembered in the `pending` slot: 'country', 'country:TR', 'country:TR!'."""
    return PENDING + (f":{suggestion}" if suggestion else "") + (EMERGENCY_MARK if emergency else "")


@dataclass(frozen=True)
class CountryAnswer:
    """What the reply to our country question did: its events, and whether the turn is complete."""

    events: list[EventType]
    done: bool


def answer_pending(turn: Turn, tracker: Tracker, dispatcher: CollectingDispatcher) -> CountryAnswer | None:
    """Handle a reply to 'which country / are you in X?'; None when no such question is open."""
    pending = tracker.get_slot("pending") or ""
    if not pending.startswith(PENDING):
        return None
    emergency = pending.endswith(EMERGENCY_MARK)
    suggestion = pending.removesuffix(EMERGENCY_MARK).partition(":")[2] or None
    code = stated_country(turn.message, turn.kb, asked=True)
    if code is None and suggestion in turn.kb.countries and turn.intent == "affirm":
        code = suggestion
    if code is None:
        if suggestion and turn.intent == "deny":
            dispatcher.utter_message(text=turn.text("ask_country"))
            return CountryAnswer([SlotSet("pending", pending_value(None, emergency))], done=True)
        return CountryAnswer([SlotSet("pending", None)], done=False)  # the person moved on
    messages = [replies.Reply(turn.kb.text(turn.language, "country_set",
                                           country=replies.country_name(turn.kb, code, turn.language)))]
    if emergency:
        messages.append(replies.emergency_numbers(turn.kb, turn.language, code))
    elif tracker.get_slot("topic") in replies.TOPICS:
        article = choose(turn.kb, "", str(tracker.get_slot("topic")), code)
        served = (tracker.get_slot("last_article") or {}).get("id")
        if article is not None and article.id != served and code in article.jurisdiction:
            found, _ = replies.article_replies(turn.kb, article, turn.language, turn.channel)
            messages += found
    turn.say(dispatcher, messages)
    return CountryAnswer([SlotSet("country", code), SlotSet("pending", None)], done=True)


def ask_after_answer(turn: Turn, tracker: Tracker, topic: str) -> tuple[replies.Reply, list[EventType]] | None:
    """After the first answer: ask the country when it is unknown and the topic has country-specific articles."""
    if turn.country or turn.urgency != "routine" or tracker.get_slot("last_article"):
        return None
    if not any("general" not in a.jurisdiction for a in turn.kb.articles.values() if a.topic == topic):
        return None
    question = replies.country_question(turn.kb, turn.language, turn.dial_country)
    return question, [SlotSet("pending", pending_value(turn.dial_country, emergency=False))]
