"""The compiled linear text models give the same probabilities as scikit-learn, on every example they learnt from
and on text they never saw, and survive pickling with the Rasa model."""

from __future__ import annotations

import pickle
import tarfile
from pathlib import Path

import numpy as np
import pytest

from bot.languages import LanguageDetector, load_examples, load_languages
from bot.linear import TextClassifier, fast_predict_proba
from bot.settings import ROOT
from bot.urgency_model import UrgencyModel

ODD = ["", " ", "!!!", "😀😀", "12345", "x" * 2000, "mujhe madad chahiye", "پلیس منو گرفت", "polis beni yakaladı",
       "j'ai peur", "ami ki korbo", "tolong saya", "HELP"]


@pytest.fixture(scope="module")
def urgency_model(model_path: Path) -> UrgencyModel:
    """The urgency model inside the trained Rasa model (training one takes minutes)."""
    with tarfile.open(model_path) as archive:
        member = next(m for m in archive.getmembers() if m.name.endswith("/urgency_model.pkl"))
        data = archive.extractfile(member)
        assert data is not None
        model = pickle.loads(data.read())
    assert isinstance(model, UrgencyModel)
    return model


def _texts() -> list[str]:
    table = load_languages(ROOT / "knowledge")
    return [t for texts in load_examples(ROOT / "nlu", table).values() for t in texts] + ODD


def test_urgency_probabilities_equal_scikit_learns(urgency_model: UrgencyModel) -> None:
    compiled = TextClassifier.compile(urgency_model.pipeline)
    assert compiled is not None, "the urgency pipeline must be a shape the fast path supports"
    texts = _texts()
    expected = urgency_model.pipeline.predict_proba(texts)
    got = np.array([compiled.predict_proba(t) for t in texts])
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


def test_language_probabilities_equal_scikit_learns(detector: LanguageDetector) -> None:
    texts = [t.lower() for t in _texts()]
    for script, pipeline in detector.models.items():
        compiled = TextClassifier.compile(pipeline)
        assert compiled is not None, script
        expected = pipeline.predict_proba(texts)
        got = np.array([compiled.predict_proba(t) for t in texts])
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12, err_msg=script)


def test_models_pickled_with_the_rasa_model_predict_the_same(urgency_model: UrgencyModel,
                                                            detector: LanguageDetector) -> None:
    urgency_again, detector_again = pickle.loads(pickle.dumps((urgency_model, detector)))
    for text in ODD:
        assert urgency_again.predict(text) == urgency_model.predict(text)
        assert detector_again.detect(text) == detector.detect(text)


def test_an_unsupported_pipeline_falls_back_to_scikit_learn() -> None:
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    texts, labels = ["help me now", "hello there", "police took me", "thank you"], ["u", "r", "u", "r"]
    pipeline = make_pipeline(CountVectorizer(), LogisticRegression()).fit(texts, labels)
    assert TextClassifier.compile(pipeline) is None  # counts, not TF-IDF; and two classes
    np.testing.assert_allclose(fast_predict_proba(pipeline)("police help"),
                               pipeline.predict_proba(["police help"])[0])


def test_article_similarities_equal_scikit_learns() -> None:
    from bot.article_select import ArticleIndex
    from bot.knowledge import load_knowledge

    index = ArticleIndex(load_knowledge(ROOT / "knowledge"))
    for text in [*ODD, *index._texts[::7]]:
        expected = (index._matrix @ index._vectorizer.transform([text]).T).toarray().ravel()
        np.testing.assert_allclose(index.similarities(text), expected, rtol=1e-9, atol=1e-12)
