"""Parse messages with the trained Rasa model, exactly as the live bot does (for `rafiq classify` and `eval`)."""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from typing import Any

from bot.text import sanitize

logger = logging.getLogger(__name__)

#: intents that are not topics map to these evaluation labels
INTENT_TO_TOPIC = {"greet": "greeting", "goodbye": "greeting", "thanks": "greeting", "affirm": "other",
                   "deny": "other", "choose_language": "other", "out_of_scope": "other"}
FALLBACK_INTENT = "nlu_fallback"


def topic_of(parse: dict[str, Any]) -> str:
    """The evaluation topic of a parse result (the best real intent when the fallback fired)."""
    intent = (parse.get("intent") or {}).get("name")
    if intent == FALLBACK_INTENT or intent is None:
        ranking = [r for r in parse.get("intent_ranking") or () if r.get("name") != FALLBACK_INTENT]
        intent = ranking[0]["name"] if ranking else "out_of_scope"
    return INTENT_TO_TOPIC.get(intent, intent)


class Parser:
    """The trained model loaded once (loading takes seconds), parsing synchronously."""

    def __init__(self, model_path: Path, max_chars: int = 2000) -> None:
        os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        import structlog
        from rasa.core.agent import Agent

        # Rasa's structlog default prints every parse (with the message text) to stdout at DEBUG: keep stdout
        # machine-readable and never log what people wrote.
        structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
        logging.getLogger("rasa").setLevel(logging.WARNING)
        self.max_chars = max_chars
        self._loop = asyncio.new_event_loop()
        self.agent = Agent.load(str(model_path))

    def parse(self, text: str) -> dict[str, Any]:
        """Full parse result: intent, ranking, language, urgency."""
        clean = sanitize(text, self.max_chars)
        return self._loop.run_until_complete(self.agent.parse_message(clean))

    def classify(self, text: str, default_language: str = "en") -> dict[str, Any]:
        """The classify contract: language, topic, urgency and reasons."""
        parse = self.parse(text)
        language = (parse.get("language") or {}).get("code") or default_language
        urgency = parse.get("urgency") or {}
        return {"language": language, "topic": topic_of(parse), "urgency": urgency.get("level", "routine"),
                "reasons": urgency.get("reasons", []),
                "confidence": round(float((parse.get("intent") or {}).get("confidence") or 0.0), 3)}
