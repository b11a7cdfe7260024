"""Fast prediction with scikit-learn's linear text models, one message at a time.

Two costs dominate `pipeline.predict_proba([text])` for a short message, neither of them arithmetic:
- `LogisticRegression` multiplies the features by `coef_.T`; with `coef_` stored row-major scipy copies the whole
  coefficient matrix (classes x n-gram vocabulary, megabytes) on every call. `fortran_coefficients` stores it
  column-major, so the transpose needs no copy. Used for Rasa's own classifier (nlu/intent_classifier.py).
- the machinery around the few n-grams of one message: sparse matrix construction, fitted-state checks, the
  feature union's joblib dispatch. `TextClassifier` computes the same TF-IDF features and logistic regression
  probabilities directly from the fitted parameters (about five times faster); tests/test_linear.py checks that
  its probabilities equal scikit-learn's on every training example.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


def fortran_coefficients(estimator: Any) -> Any:
    """Store the `coef_` of `estimator` and of every step inside it (pipelines, unions) column-major; returns it."""
    coef = getattr(estimator, "coef_", None)
    if isinstance(coef, np.ndarray) and not coef.flags.f_contiguous:
        estimator.coef_ = np.asfortranarray(coef)
    for _name, step in getattr(estimator, "steps", None) or ():
        fortran_coefficients(step)
    for _name, part, *_ in getattr(estimator, "transformer_list", None) or ():
        fortran_coefficients(part)
    return estimator


@dataclass(frozen=True)
class TfidfFeatures:
    """One fitted TfidfVectorizer: its analyzer, vocabulary and weights, at a column offset of the coefficients."""

    analyzer: Callable[[str], list[str]]
    vocabulary: dict[str, int]
    idf: np.ndarray
    sublinear: bool
    offset: int = 0

    @classmethod
    def of(cls, vectorizer: Any, offset: int = 0) -> TfidfFeatures | None:
        """The features of a fitted TfidfVectorizer, or None when it is set up in a way this does not reproduce."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        if (type(vectorizer) is not TfidfVectorizer or vectorizer.norm != "l2" or not vectorizer.use_idf
                or vectorizer.binary or vectorizer.dtype != np.float64):
            return None
        return cls(vectorizer.build_analyzer(), dict(vectorizer.vocabulary_), np.asarray(vectorizer.idf_),
                   bool(vectorizer.sublinear_tf), offset)

    def features(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(columns, l2-normalised TF-IDF values) of the n-grams of `text` that are in the vocabulary."""
        counts = Counter(self.analyzer(text))
        found = [(self.vocabulary[gram], n) for gram, n in counts.items() if gram in self.vocabulary]
        if not found:
            return np.empty(0, dtype=np.intp), np.empty(0)
        columns = np.fromiter((c for c, _ in found), dtype=np.intp, count=len(found))
        values = np.fromiter((n for _, n in found), dtype=np.float64, count=len(found))
        if self.sublinear:
            values = np.log(values) + 1.0
        values *= self.idf[columns]
        norm = np.sqrt(values @ values)
        return columns + self.offset, values / norm if norm > 0 else values


class TextClassifier:
    """`predict_proba` of a fitted Pipeline(TfidfVectorizer or FeatureUnion of them, LogisticRegression) for one text,
    computed from its parameters."""

    def __init__(self, parts: list[TfidfFeatures], coef: np.ndarray, intercept: np.ndarray,
                 classes: np.ndarray) -> None:
        self.parts = parts
        self.coef = np.asfortranarray(coef)  # columns are gathered per message
        self.intercept = intercept
        self.classes_ = classes

    @classmethod
    def compile(cls, pipeline: Any) -> TextClassifier | None:
        """The fast form of `pipeline`, or None when it is not a shape this supports (then use the pipeline)."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import FeatureUnion

        steps = getattr(pipeline, "steps", None)
        if not steps or len(steps) != 2:
            return None
        features, model = steps[0][1], steps[1][1]
        vectorizers = [part for _, part in features.transformer_list] if isinstance(features, FeatureUnion) else [
            features]
        if isinstance(features, FeatureUnion) and features.transformer_weights:
            return None
        if not isinstance(model, LogisticRegression) or model.classes_.size <= 2 or model.multi_class not in (
                "auto", "multinomial") or model.solver == "liblinear":
            return None  # only the multinomial (softmax) case is reproduced here
        parts: list[TfidfFeatures] = []
        offset = 0
        for vec in vectorizers:
            part = TfidfFeatures.of(vec, offset)
            if part is None:
                return None
            parts.append(part)
            offset += len(vec.vocabulary_)
        if offset != model.coef_.shape[1]:
            return None
        return cls(parts, model.coef_, model.intercept_, model.classes_)

    def predict_proba(self, text: str) -> np.ndarray:
        """The probability of each class (in `classes_` order), as the pipeline computes it."""
        scores = self.intercept.astype(np.float64, copy=True)
        for part in self.parts:
            columns, values = part.features(text)
            if columns.size:
                scores += self.coef[:, columns] @ values
        scores -= scores.max()
        np.exp(scores, out=scores)
        return scores / scores.sum()


def fast_predict_proba(pipeline: Any) -> Callable[[str], np.ndarray]:
    """A function text -> class probabilities for `pipeline`: the compiled form when possible, else the pipeline."""
    compiled = TextClassifier.compile(pipeline)
    if compiled is not None:
        return compiled.predict_proba
    fortran_coefficients(pipeline)
    return lambda text: pipeline.predict_proba([text])[0]
