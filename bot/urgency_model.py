"""The trained layer of triage: a character n-gram model over labelled urgency examples (nlu/urgency/*.yml).

Training data: the labelled examples, the small-talk intents' examples (routine by nature), and the examples of
the calm topic intents on which no cue fires (routine). The cues catch the explicit cases; the model adds
paraphrases that no cue lists.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.errors import KnowledgeError
from bot.linear import fast_predict_proba
from bot.triage import ModelVerdict

logger = logging.getLogger(__name__)

LEVELS = ("routine", "urgent", "emergency")
#: probability bars of the model layer. Cross-validated thresholds on our own examples came out far too low
#: (the model is over-confident in-distribution), so these are fixed, coarse values: emergency at 0.4 (low, as
#: missing one is the worst error), urgent-or-worse at 0.7 (the cues already catch most urgent cases).
EMERGENCY_THRESHOLD = 0.4
URGENT_THRESHOLD = 0.7


def load_urgency_examples(folder: Path) -> list[tuple[str, str]]:
    """(text, level) pairs from nlu/urgency/<lang>.yml; errors name the file and key."""
    pairs: list[tuple[str, str]] = []
    for path in sorted(folder.glob("*.yml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise KnowledgeError(str(path), "(whole file)", f"is not valid YAML: {exc}") from exc
        for level in LEVELS:
            for i, text in enumerate(data.get(level) or ()):
                if not isinstance(text, str) or not text.strip():
                    raise KnowledgeError(str(path), f"{level}[{i + 1}]", "must be a non-empty message")
                pairs.append((text.strip(), level))
    return pairs


#: NLU intents whose examples are routine by nature: they teach the model that chit-chat is not a crisis
ROUTINE_INTENTS = ("greet", "goodbye", "thanks", "affirm", "deny", "choose_language", "out_of_scope")
#: NLU intents that are mostly information questions; their examples count as routine unless a cue fires
CALM_INTENTS = ("education", "language_classes", "employment", "asylum", "legal_aid", "discrimination")


def load_routine_smalltalk(nlu_dir: Path, intents: tuple[str, ...] = ROUTINE_INTENTS) -> list[tuple[str, str]]:
    """(text, "routine") for every example of the given intents in nlu/<lang>/."""
    pairs: list[tuple[str, str]] = []
    for intent in intents:
        for path in sorted(nlu_dir.glob(f"*/{intent}.yml")):
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            for block in data.get("nlu") or ():
                for line in str(block.get("examples") or "").splitlines():
                    if line.strip().startswith("- "):
                        pairs.append((line.strip()[2:].strip(), "routine"))
    return pairs


def training_pairs(examples_dir: Path, nlu_dir: Path, is_routine: Any) -> list[tuple[str, str]]:
    """All training pairs: labelled examples, small talk, and calm-intent examples that `is_routine(text)`."""
    pairs = load_urgency_examples(examples_dir)
    if not pairs:
        return []
    pairs += load_routine_smalltalk(nlu_dir)
    pairs += [(t, lv) for t, lv in load_routine_smalltalk(nlu_dir, CALM_INTENTS) if is_routine(t)]
    return pairs


def _pipeline() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    features = make_union(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, lowercase=True),
        TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b\w+\b"),
    )
    return make_pipeline(features, LogisticRegression(C=8, max_iter=2000, class_weight="balanced"))


@dataclass
class UrgencyModel:
    """Fitted pipeline plus its two thresholds."""

    pipeline: Any
    emergency_threshold: float
    urgent_threshold: float

    def __post_init__(self) -> None:
        self._proba = fast_predict_proba(self.pipeline)

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without the compiled predictor (it is rebuilt on loading)."""
        return {k: v for k, v in self.__dict__.items() if k != "_proba"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Unpickled with the model: compile the predictor again."""
        self.__dict__.update(state)
        self._proba = fast_predict_proba(self.pipeline)

    @classmethod
    def train(cls, pairs: list[tuple[str, str]], emergency_threshold: float = EMERGENCY_THRESHOLD,
              urgent_threshold: float = URGENT_THRESHOLD) -> UrgencyModel:
        """Fit on all pairs."""
        texts = [t for t, _ in pairs]
        labels = [level for _, level in pairs]
        pipeline = _pipeline().fit(texts, labels)
        logger.info("urgency model: %d examples, thresholds emergency %.2f, urgent %.2f", len(texts),
                    emergency_threshold, urgent_threshold)
        return cls(pipeline, emergency_threshold, urgent_threshold)

    def predict(self, text: str) -> ModelVerdict:
        """The level, the probability mass that decided it, and P(urgent or worse)."""
        probs = dict(zip(self.pipeline.classes_, self._proba(text), strict=True))
        emergency = float(probs.get("emergency", 0.0))
        urgent_or_worse = emergency + float(probs.get("urgent", 0.0))
        if emergency >= self.emergency_threshold:
            return ModelVerdict("emergency", emergency, urgent_or_worse)
        if urgent_or_worse >= self.urgent_threshold:
            return ModelVerdict("urgent", urgent_or_worse, urgent_or_worse)
        return ModelVerdict("routine", 1.0 - urgent_or_worse, urgent_or_worse)
