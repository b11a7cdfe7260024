"""What needs retraining: nothing in articles. A new article and its questions work at once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.article_select import choose
from bot.knowledge import load_knowledge
from bot.model import training_fingerprint
from bot.settings import ROOT

NEW_ARTICLE = """\
id: health-snake-bite
topic: health
revision: 1
jurisdiction: [general]
review: {status: draft, last_reviewed: '2026-11-24', reviewer: null, interval_days: 180}
sources:
- title: 'WHO: Snakebite envenoming'
  url: https://www.who.int/news-room/fact-sheets/detail/snakebite-envenoming
organisations: [who]
translations:
  en:
    title: Snake bites
    short: A snake bite needs a hospital now. Keep still.
    questions:
    - a snake bit my son in the field
    - what do i do after a snakebite
    - viper bite on the leg swelling
    source_revision: 1
"""


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """A copy of the training inputs and knowledge/ that a test may change."""
    for name in ("config.yml", "domain.yml"):
        shutil.copy(ROOT / name, tmp_path / name)
    for name in ("bot", "nlu", "knowledge"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def test_articles_answers_and_questions_need_no_retraining(project: Path) -> None:
    before = training_fingerprint(project)
    path = next((project / "knowledge" / "articles" / "education").glob("*.yml"))
    article = load_knowledge(project / "knowledge").articles[path.stem]
    text = path.read_text(encoding="utf-8")
    text = text.replace(article.translations["en"].short, "An edited short answer.")
    text = text.replace(article.translations["en"].questions[0], "a brand new way to ask")
    path.write_text(text, encoding="utf-8")
    (project / "knowledge" / "articles" / "health" / "health-snake-bite.yml").write_text(NEW_ARTICLE)
    assert training_fingerprint(project) == before
    (project / "nlu" / "en" / "health.yml").write_text(
        (project / "nlu" / "en" / "health.yml").read_text(encoding="utf-8") + "    - my tooth aches at night\n")
    assert training_fingerprint(project) != before


def test_a_new_article_is_chosen_for_messages_like_its_questions(project: Path) -> None:
    (project / "knowledge" / "articles" / "health" / "health-snake-bite.yml").write_text(NEW_ARTICLE)
    kb = load_knowledge(project / "knowledge")
    article = choose(kb, "snake bit my daughter, her leg is swelling", "health", None)
    assert article is not None and article.id == "health-snake-bite"
    other = choose(kb, "where is a free clinic for my fever", "health", None)
    assert other is not None and other.id != "health-snake-bite"
