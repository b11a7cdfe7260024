"""Shared fixtures: the language table, the knowledge base, the trained model (trained once per session), databases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.db import dispose
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.languages import Language, LanguageDetector, build_detector, load_languages
from bot.settings import ROOT
from tests import pg

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


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[pg.Server]:
    """A real PostgreSQL server on 127.0.0.1 for the whole session (fails when not installed, see tests/pg.py)."""
    server = pg.start(pg.require_server_bin())
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_url(postgres_server: pg.Server) -> Iterator[str]:
    """The URL of a `rafiq` database on the session's PostgreSQL server, shared by every test that uses it."""
    postgres_server.admin('CREATE DATABASE "rafiq"')
    url = postgres_server.url("rafiq")
    yield url
    dispose(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh empty database for one test, on SQLite (a new file) and on PostgreSQL (a new database)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'rafiq.db'}"
        yield url
        dispose(url)
        return
    server: pg.Server = request.getfixturevalue("postgres_server")
    with server.database() as url:
        yield url
