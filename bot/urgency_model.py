"""The trained layer of triage: a character n-gram model over labelled urgency examples (nlu/urgency/*.yml).

Its thresholds are chosen at training time by cross-validation, in favour of recall: missing an emergency is
the worst error, so the model flags `emergency` as soon as the emergency probability passes a low bar.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.errors import KnowledgeError

logger = logging.getLogger(__name__)

LEVELS = ("routine", "urgent", "emergency")
#: recall the thresholds aim for in cross-validation (model layer alone; the cues add to it)
TARGET_EMERGENCY_RECALL = 0.95
TARGET_URGENT_OR_WORSE_RECALL = 0.92


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


def _pipeline() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    features = make_union(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, lowercase=True),
        TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b\w+\b"),
    )
    return make_pipeline(features, LogisticRegression(C=8, max_iter=2000, class_weight="balanced"))


def _threshold(scores: list[float], positive: list[bool], recall: float) -> float:
    """The highest threshold that keeps `recall` of the positives at or above it."""
    positives = sorted((s for s, p in zip(scores, positive, strict=True) if p), reverse=True)
    if not positives:
        return 0.5
    keep = max(1, int(round(recall * len(positives))))
    return max(0.05, min(0.5, positives[keep - 1]))


@dataclass
class UrgencyModel:
    """Fitted pipeline plus its two thresholds."""

    pipeline: Any
    emergency_threshold: float
    urgent_threshold: float

    @classmethod
    def train(cls, pairs: list[tuple[str, str]]) -> UrgencyModel:
        """Fit on all pairs; pick thresholds from 5-fold cross-validated probabilities."""
        from sklearn.model_selection import cross_val_predict

        texts = [t for t, _ in pairs]
        labels = [level for _, level in pairs]
        probs = cross_val_predict(_pipeline(), texts, labels, cv=5, method="predict_proba")
        classes = sorted(set(labels))
        p_emergency = [row[classes.index("emergency")] for row in probs]
        p_urgent_or_worse = [row[classes.index("emergency")] + row[classes.index("urgent")] for row in probs]
        emergency_threshold = _threshold(p_emergency, [lv == "emergency" for lv in labels], TARGET_EMERGENCY_RECALL)
        urgent_threshold = _threshold(p_urgent_or_worse, [lv != "routine" for lv in labels],
                                      TARGET_URGENT_OR_WORSE_RECALL)
        pipeline = _pipeline().fit(texts, labels)
        logger.info("urgency model: %d examples, thresholds emergency %.2f, urgent %.2f", len(texts),
                    emergency_threshold, urgent_threshold)
        return cls(pipeline, emergency_threshold, urgent_threshold)

    def predict(self, text: str) -> tuple[str, float]:
        """(level, score) where score is the probability mass that decided it."""
        probs = dict(zip(self.pipeline.classes_, self.pipeline.predict_proba([text])[0], strict=True))
        emergency = float(probs.get("emergency", 0.0))
        urgent_or_worse = emergency + float(probs.get("urgent", 0.0))
        if emergency >= self.emergency_threshold:
            return "emergency", emergency
        if urgent_or_worse >= self.urgent_threshold:
            return "urgent", urgent_or_worse
        return "routine", 1.0 - urgent_or_worse
