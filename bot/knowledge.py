"""The curated knowledge: articles, interface texts, countries and organisations, read from knowledge/.

Everything here is data that editors change; the bot re-reads it when a file changes, so no retraining is needed.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.errors import KnowledgeError

logger = logging.getLogger(__name__)

REVIEW_STATUSES = ("draft", "needs legal review", "reviewed")
REQUIRED_UI_LANGUAGE = "en"


@dataclass(frozen=True)
class Translation:
    """An article's text in one language."""

    title: str
    short: str
    long: str | None
    source_revision: int
    questions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Article:
    """One article, in every language it has been translated into."""

    id: str
    topic: str
    revision: int
    jurisdiction: tuple[str, ...]
    status: str
    sources: tuple[dict[str, str], ...]
    organisations: tuple[str, ...]
    translations: dict[str, Translation]
    path: str
    last_reviewed: dt.date | None = None
    reviewer: str | None = None
    interval_days: int = 180

    def review_due(self) -> dt.date | None:
        """When the next review is due (None when the article was never reviewed)."""
        return self.last_reviewed + dt.timedelta(days=self.interval_days) if self.last_reviewed else None

    def translation_state(self, lang: str) -> str:
        """'current', 'stale' (made from an older source revision) or 'missing'."""
        tr = self.translations.get(lang)
        if tr is None:
            return "missing"
        return "current" if tr.source_revision >= self.revision else "stale"


@dataclass(frozen=True)
class Country:
    """Per-country facts for emergencies."""

    code: str
    names: dict[str, str]
    emergency: tuple[dict[str, str], ...]
    dial_codes: tuple[str, ...]
    unhcr: str | None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class KnowledgeBase:
    """Everything under knowledge/, loaded and checked."""

    articles: dict[str, Article]
    ui: dict[str, dict[str, str]]
    countries: dict[str, Country]
    organisations: dict[str, dict[str, Any]]
    source_language: str = "en"
    warnings: tuple[str, ...] = field(default=())

    def articles_for(self, topic: str, country: str | None = None) -> list[Article]:
        """Articles of a topic, those for `country` first, then general ones."""
        found = [a for a in self.articles.values() if a.topic == topic]
        return sorted(found, key=lambda a: (0 if country and country in a.jurisdiction else
                                            1 if "general" in a.jurisdiction else 2, a.id))

    def text(self, lang: str, key: str, **values: Any) -> str:
        """An interface text in `lang` (English when that language lacks it), with {placeholders} filled."""
        template = self.ui.get(lang, {}).get(key) or self.ui[self.source_language][key]
        return template.format(**values) if values else template


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(whole file)"
        raise KnowledgeError(str(path), where, f"is not valid YAML ({getattr(exc, 'problem', exc)})") from exc
    except OSError as exc:
        raise KnowledgeError(str(path), "(whole file)", f"cannot be read ({exc.strerror})") from exc


def _need(data: dict[str, Any], key: str, path: Path, kind: type | tuple[type, ...] = str) -> Any:
    value = data.get(key)
    if value is None or value == "":
        raise KnowledgeError(str(path), key, "is missing or empty")
    if not isinstance(value, kind):
        raise KnowledgeError(str(path), key, f"has the wrong form (found {type(value).__name__})")
    return value


def load_article(path: Path) -> Article:
    """Read one article file; errors name the file and key in plain words."""
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise KnowledgeError(str(path), "(whole file)", "must be a set of 'key: value' lines")
    review = _need(data, "review", path, dict)
    status = str(review.get("status", ""))
    if status not in REVIEW_STATUSES:
        raise KnowledgeError(str(path), "review.status", f"must be one of {', '.join(REVIEW_STATUSES)}")
    if status == "reviewed" and not review.get("reviewer"):
        raise KnowledgeError(str(path), "review.reviewer", "a 'reviewed' article needs the name of its reviewer")
    translations: dict[str, Translation] = {}
    for lang, tr in (_need(data, "translations", path, dict)).items():
        if not isinstance(tr, dict):
            raise KnowledgeError(str(path), f"translations.{lang}", "must hold title, short and source_revision")
        for key in ("title", "short"):
            if not str(tr.get(key) or "").strip():
                raise KnowledgeError(str(path), f"translations.{lang}.{key}", "is missing or empty")
        questions = tr.get("questions") or []
        if not isinstance(questions, list) or not all(isinstance(q, str) and q.strip() for q in questions):
            raise KnowledgeError(str(path), f"translations.{lang}.questions", "must be a list of questions (text)")
        if not isinstance(tr.get("source_revision") or 0, int):
            raise KnowledgeError(str(path), f"translations.{lang}.source_revision", "must be a whole number, like 1")
        translations[str(lang)] = Translation(
            title=str(tr["title"]).strip(), short=str(tr["short"]).strip(),
            long=str(tr["long"]).strip() if tr.get("long") else None,
            source_revision=int(tr.get("source_revision") or 0),
            questions=tuple(q.strip() for q in questions),
        )
    sources = _need(data, "sources", path, list)
    for i, src in enumerate(sources):
        if not isinstance(src, dict) or not src.get("title") or not str(src.get("url", "")).startswith("http"):
            raise KnowledgeError(str(path), f"sources[{i + 1}]", "needs a title and a url starting with http")
    return Article(
        id=_need(data, "id", path), topic=_need(data, "topic", path), revision=int(_need(data, "revision", path, int)),
        jurisdiction=tuple(str(j) for j in _need(data, "jurisdiction", path, list)), status=status,
        sources=tuple(sources), organisations=tuple(data.get("organisations") or ()),
        translations=translations, path=str(path), last_reviewed=_date(review, path),
        reviewer=str(review["reviewer"]) if review.get("reviewer") else None,
        interval_days=_interval(review, path),
    )


def _date(review: dict[str, Any], path: Path) -> dt.date | None:
    value = review.get("last_reviewed")
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise KnowledgeError(str(path), "review.last_reviewed", f"'{value}' is not a date like 2026-11-24") from exc


def _interval(review: dict[str, Any], path: Path) -> int:
    value = review.get("interval_days", 180)
    if not isinstance(value, int) or value < 1:
        raise KnowledgeError(str(path), "review.interval_days", "must be a whole number of days, for example 180")
    return value


def load_knowledge(root: Path) -> KnowledgeBase:
    """Load and cross-check everything under `root` (the knowledge/ folder)."""
    articles: dict[str, Article] = {}
    for path in sorted((root / "articles").glob("*/*.yml")):
        article = load_article(path)
        if article.id in articles:
            raise KnowledgeError(str(path), "id", f"'{article.id}' is already used by {articles[article.id].path}")
        if path.parent.name != article.topic:
            raise KnowledgeError(str(path), "topic", f"is '{article.topic}' but the file is in '{path.parent.name}/'")
        articles[article.id] = article
    ui: dict[str, dict[str, str]] = {}
    for path in sorted((root / "ui").glob("*.yml")):
        data = _read_yaml(path) or {}
        texts = _need(data, "texts", path, dict)
        ui[path.stem] = {str(k): str(v).strip() for k, v in texts.items() if v}
    if REQUIRED_UI_LANGUAGE not in ui:
        raise KnowledgeError(str(root / "ui"), f"{REQUIRED_UI_LANGUAGE}.yml", "the English interface texts are missing")
    english = set(ui[REQUIRED_UI_LANGUAGE])
    warnings = [f"{root / 'ui' / (lang + '.yml')}: texts.{key}: missing, the English text is used"
                for lang, texts in ui.items() for key in sorted(english - set(texts))]
    countries: dict[str, Country] = {}
    cpath = root / "countries.yml"
    for code, c in ((_read_yaml(cpath) or {}).get("countries") or {}).items():
        if not c.get("emergency"):
            raise KnowledgeError(str(cpath), f"countries.{code}.emergency", "needs at least one number")
        countries[str(code)] = Country(code=str(code), names=dict(c.get("name") or {}),
                                       emergency=tuple(c["emergency"]), dial_codes=tuple(c.get("dial_codes") or ()),
                                       unhcr=c.get("unhcr"), aliases=tuple(str(a) for a in c.get("aliases") or ()))
    opath = root / "organisations.yml"
    organisations = dict((_read_yaml(opath) or {}).get("organisations") or {})
    for article in articles.values():
        for org in article.organisations:
            if org not in organisations:
                raise KnowledgeError(article.path, "organisations", f"'{org}' is not in organisations.yml")
        for place in article.jurisdiction:
            if place != "general" and place not in countries:
                raise KnowledgeError(article.path, "jurisdiction", f"'{place}' is not a country in countries.yml")
    return KnowledgeBase(articles, ui, countries, organisations, warnings=tuple(warnings))


class KnowledgeStore:
    """Holds the knowledge base and re-reads it when any file under knowledge/ changes (no restart, no retrain)."""

    CHECK_SECONDS = 1.0  # an edit goes live within a second; between checks no file is touched

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()
        self._stamp: tuple[float, int] | None = None
        self._kb: KnowledgeBase | None = None
        self._checked = float("-inf")

    def _fingerprint(self) -> tuple[float, int]:
        files = list(self.root.rglob("*.yml"))
        return (max((f.stat().st_mtime for f in files), default=0.0), len(files))

    def get(self) -> KnowledgeBase:
        """The current knowledge base; a broken edit keeps the last good version in service and logs the error."""
        now = time.monotonic()
        if self._kb is not None and now - self._checked < self.CHECK_SECONDS:
            return self._kb
        self._checked = now
        stamp = self._fingerprint()
        with self._lock:
            if self._kb is None or stamp != self._stamp:
                try:
                    self._kb = load_knowledge(self.root)
                    logger.info("knowledge loaded: %d articles", len(self._kb.articles))
                except KnowledgeError as exc:
                    if self._kb is None:
                        raise
                    logger.error("knowledge edit rejected, still serving the previous version: %s", exc)
                self._stamp = stamp
            return self._kb
