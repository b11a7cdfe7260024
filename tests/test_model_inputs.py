"""What retraining depends on: articles' questions are topic training data, their answers are not."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.article_select import choose
from bot.knowledge import load_knowledge
from bot.model import article_training_data, training_fingerprint
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
    for name in ("config.yml", "domain.yml", "bot"):
        target = tmp_path / name
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy)(ROOT / name, target)
    shutil.copytree(ROOT / "nlu", tmp_path / "nlu", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "knowledge", tmp_path / "knowledge")
    return tmp_path


def test_a_new_articles_questions_become_topic_examples(project: Path) -> None:
    (project / "knowledge" / "articles" / "health" / "health-snake-bite.yml").write_text(NEW_ARTICLE)
    data = article_training_data(project / "knowledge", project / "nlu")
    health = data.split("- intent: health")[1].split("- intent:")[0]
    assert "    - a snake bit my son in the field" in health


def test_questions_change_the_training_fingerprint_but_answers_do_not(project: Path) -> None:
    before = training_fingerprint(project)
    path = next((project / "knowledge" / "articles" / "education").glob("*.yml"))
    text = path.read_text(encoding="utf-8")
    kb_article = load_knowledge(project / "knowledge").articles[path.stem]
    path.write_text(text.replace(kb_article.translations["en"].short, "An edited short answer."), encoding="utf-8")
    assert training_fingerprint(project) == before
    question = kb_article.translations["en"].questions[0]
    path.write_text(text.replace(question, question + " please"), encoding="utf-8")
    assert training_fingerprint(project) != before


def test_a_new_article_is_chosen_for_its_own_questions(project: Path) -> None:
    (project / "knowledge" / "articles" / "health" / "health-snake-bite.yml").write_text(NEW_ARTICLE)
    kb = load_knowledge(project / "knowledge")
    article = choose(kb, "snake bit my daughter, her leg is swelling", "health", None)
    assert article is not None and article.id == "health-snake-bite"


def test_no_generated_example_repeats_an_nlu_example() -> None:
    data = article_training_data(ROOT / "knowledge", ROOT / "nlu")
    generated = {line.strip()[2:].lower() for line in data.splitlines() if line.startswith("    - ")}
    existing = {line.strip()[2:].strip().lower() for path in (ROOT / "nlu").glob("*/*.yml")
                for line in path.read_text(encoding="utf-8").splitlines() if line.strip().startswith("- ")}
    assert generated and not generated & existing
