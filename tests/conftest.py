"""Shared fixtures: the language table, the knowledge base, the trained model (trained once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.knowledge import KnowledgeBase, load_knowledge
from bot.languages import Language, LanguageDetector, build_detector, load_languages
from bot.settings import ROOT

LANGS = ("en", "ar", "fa", "ur", "bn", "fr", "tr", "id")


@pytest.fixture(scope="session")
def table() -> dict[str, Language]:
    """The shipped language table."""
    return load_languages(ROOT / "knowledge")


@pytest.fixture(scope="session")
def detector() -> LanguageDetector:
    """The language detector trained from the shipped examples."""
    return build_detector(ROOT / "knowledge", ROOT / "nlu")


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    """The shipped knowledge base."""
    return load_knowledge(ROOT / "knowledge")


@pytest.fixture(scope="session")
def model_path() -> Path:
    """The current trained model (trains it when the inputs changed; `make test` trains first)."""
    from bot.model import train

    return train(ROOT / "models")
