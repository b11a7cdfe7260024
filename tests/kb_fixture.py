"""A small real knowledge folder for the editor-tool tests: the shipped non-article files and three real articles."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from bot import yamlio
from bot.settings import ROOT

SHIPPED = ROOT / "knowledge"
ARTICLES = ("asylum/asylum-right-to-seek.yml", "health/health-child-vaccination.yml",
            "worker_rights/worker-unpaid-wages.yml")
TODAY = dt.date(2026, 12, 1)  # after the articles' last review (2026-11-24), long before the next one is due


def make_knowledge(parent: Path) -> Path:
    """parent/knowledge with languages, ui, triage, countries, organisations, keywords and ARTICLES."""
    root = parent / "knowledge"
    for folder in ("languages", "ui", "triage"):
        shutil.copytree(SHIPPED / folder, root / folder)
    for name in ("countries.yml", "organisations.yml", "keywords.yml"):
        shutil.copy(SHIPPED / name, root / name)
    for rel in ARTICLES:
        (root / "articles" / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(SHIPPED / "articles" / rel, root / "articles" / rel)
    return root


def load(path: Path) -> Any:
    """A YAML file's data."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def edit(path: Path, change: Callable[[Any], Any]) -> None:
    """Rewrite a YAML file after `change` edited its data in place."""
    data = load(path)
    change(data)
    yamlio.write(path, data)
