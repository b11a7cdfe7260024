"""Rasa NLU component: urgency triage of every message, whatever its intent (see bot.triage, bot.urgency_model).

Two layers, the higher level wins: editor-written danger cues (knowledge/triage/, re-read when edited, no
retraining) and a model trained on nlu/urgency/ examples (stored with the Rasa model).
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.settings import ROOT
from bot.triage import Triage, build_triage
from bot.urgency_model import UrgencyModel, training_pairs
from nlu import storage

logger = logging.getLogger(__name__)

URGENCY_KEY = "urgency"
_FILE = "urgency_model.pkl"
DEFAULTS = {"knowledge_dir": "knowledge", "examples_dir": "nlu/urgency"}


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


def cue_languages(detection: dict[str, Any] | None) -> set[str] | None:
    """Which languages' cues to run: the likely languages plus English, or all when detection is unsure."""
    if not detection or not detection.get("reliable"):
        return None
    return set(detection.get("candidates") or [detection.get("code")]) | {"en"}


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=True)
class UrgencyComponent(GraphComponent):
    """Adds `urgency` ({level, reasons}) to every parsed message."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Where the cue files and the labelled examples live, relative to the project root."""
        return dict(DEFAULTS)

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """Retrain when the urgency examples or the cues change (cues decide which calm examples are routine)."""
        merged = {**DEFAULTS, **config}
        folder = ROOT / str(merged["examples_dir"])
        cues = ROOT / str(merged["knowledge_dir"]) / "triage"
        digest = hashlib.sha256()
        for path in sorted([*folder.glob("*.yml"), *(ROOT / "nlu").glob("*/*.yml"), *cues.glob("*.yml")]):
            digest.update(path.read_bytes())
        return digest.hexdigest()

    def __init__(self, config: dict[str, Any], storage: ModelStorage, resource: Resource,
                 model: UrgencyModel | None = None) -> None:
        self._config = {**DEFAULTS, **config}
        self._storage = storage
        self._resource = resource
        self._cues = _CueCache(ROOT / str(self._config["knowledge_dir"]))
        self._cues.get()
        self.model = model

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> UrgencyComponent:
        """Compile the cues; the model comes with training."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Fit the model layer on nlu/urgency/*.yml and store it with the Rasa model."""
        cues = self._cues.get()
        pairs = training_pairs(ROOT / str(self._config["examples_dir"]), ROOT / "nlu",
                               lambda text: cues.classify(text).level == "routine")
        self.model = UrgencyModel.train(pairs) if pairs else None
        return storage.save(self._storage, self._resource, _FILE, self.model)

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> UrgencyComponent:
        """The cues from knowledge/ and the model stored with the Rasa model."""
        model = storage.load(model_storage, resource, _FILE)
        return cls(config, model_storage, resource, model)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Nothing to add at training time."""
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Set the urgency on each message."""
        triage = self._cues.get()
        for message in messages:
            text = message.get("text") or ""
            model = self.model.predict(text) if self.model is not None and text else None
            urgency = triage.classify(text, cue_languages(message.get("language")), model)
            message.set(URGENCY_KEY, urgency.as_dict(), add_to_output=True)
        return messages
