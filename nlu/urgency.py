"""Rasa NLU component: urgency triage of every message, whatever its intent (see bot.triage)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.message import Message

from bot.settings import ROOT
from bot.triage import Triage, build_triage

logger = logging.getLogger(__name__)

URGENCY_KEY = "urgency"


class _CueCache:
    """The compiled cues, rebuilt when an editor changes knowledge/triage/ (no retraining)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._stamp: tuple[float, int] | None = None
        self._triage: Triage | None = None

    def get(self) -> Triage:
        files = list((self.folder / "triage").glob("*.yml"))
        stamp = (max((f.stat().st_mtime for f in files), default=0.0), len(files))
        if self._triage is None or stamp != self._stamp:
            try:
                self._triage = build_triage(self.folder)
            except Exception:
                if self._triage is None:
                    raise
                logger.exception("triage cue edit rejected, still using the previous cues")
            self._stamp = stamp
        return self._triage


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class UrgencyComponent(GraphComponent):
    """Adds `urgency` ({level, reasons}) to every parsed message."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Where the cue files live, relative to the project root."""
        return {"knowledge_dir": "knowledge"}

    def __init__(self, config: dict[str, Any]) -> None:
        self._cues = _CueCache(ROOT / str(config["knowledge_dir"]))
        self._cues.get()

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> UrgencyComponent:
        """Compile the cues."""
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        """Set the urgency on each message."""
        triage = self._cues.get()
        for message in messages:
            urgency = triage.classify(message.get("text") or "")
            message.set(URGENCY_KEY, urgency.as_dict(), add_to_output=True)
        return messages
