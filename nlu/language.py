"""Rasa NLU component: detects the language of each message (see bot.languages for how)."""

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

from bot.languages import LanguageDetector, build_detector
from bot.settings import ROOT
from nlu import storage

logger = logging.getLogger(__name__)

LANGUAGE_KEY = "language"
_FILE = "detector.pkl"


def _paths(config: dict[str, Any]) -> tuple[Path, Path]:
    settings = {**LanguageDetectorComponent.get_default_config(), **config}
    return ROOT / str(settings["knowledge_dir"]), ROOT / str(settings["nlu_dir"])


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class LanguageDetectorComponent(GraphComponent):
    """Adds `language` ({code, script, confidence, reliable}) to every parsed message."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Where the language table and the per-language examples live, relative to the project root."""
        return {"knowledge_dir": "knowledge", "nlu_dir": "nlu"}

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """Retrain when the language table changes, not only when the training data does."""
        knowledge_dir, _ = _paths(config)
        digest = hashlib.sha256()
        for path in sorted((knowledge_dir / "languages").glob("*.yml")):
            digest.update(path.read_bytes())
        return digest.hexdigest()

    def __init__(self, config: dict[str, Any], storage: ModelStorage, resource: Resource,
                 detector: LanguageDetector | None = None) -> None:
        self._config = config
        self._storage = storage
        self._resource = resource
        self.detector = detector

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> LanguageDetectorComponent:
        """A new, untrained detector."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Fit the detector on nlu/<lang>/ examples and the language table; store it with the model."""
        knowledge_dir, nlu_dir = _paths(self._config)
        self.detector = build_detector(knowledge_dir, nlu_dir)
        return storage.save(self._storage, self._resource, _FILE, self.detector)

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> LanguageDetectorComponent:
        """The detector stored with the model."""
        detector = storage.load(model_storage, resource, _FILE)
        return cls(config, model_storage, resource, detector)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Nothing to add at training time."""
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Set the detection on each message (kept in the parse result and on the tracker)."""
        for message in messages:
            text = message.get("text") or ""
            detection = self.detector.detect(text) if self.detector else None
            if detection is not None:
                message.set(LANGUAGE_KEY, detection.as_dict(), add_to_output=True)
        return messages
