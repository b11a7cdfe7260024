"""What the editor tools share: a finding in plain words, the article files read one by one, and SMS cost.

Used by bot.kb_check (the checks), bot.kb_tools (stats, show) and bot.kb_report (the HTML page).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from bot.errors import KnowledgeError
from bot.knowledge import Article, load_article
from bot.languages import Language, load_languages
from bot.sms import GSM7, GSM7_BASIC, GSM7_EXTENSION, Encoding, encoding_of, segments, units

logger = logging.getLogger(__name__)

ERROR = "error"
WARNING = "warning"
SMS_SEGMENT_BUDGET = 2
_TRANSLATION_KEY = re.compile(r"^translations\.([^.\[]+)")


@dataclass(frozen=True)
class Finding:
    """One problem in the knowledge folder: which file, which key, which language, and what to do."""

    level: str
    path: str
    key: str
    message: str
    language: str | None = None
    language_name: str | None = None

    def __str__(self) -> str:
        where = f"{self.key} ({self.language_name or self.language})" if self.language else self.key
        return f"{self.path}: {where}: {self.message}"

    def sort_key(self) -> tuple[int, str, str, str]:
        """Errors first, then by file and key."""
        return (0 if self.level == ERROR else 1, self.path, self.key, self.message)


@dataclass
class Context:
    """The knowledge folder being checked, its language table, and how to name files for editors."""

    root: Path
    languages: dict[str, Language] = field(default_factory=dict)
    problems: list[Finding] = field(default_factory=list)

    @classmethod
    def load(cls, root: Path) -> Context:
        """The folder's language table (a broken one is recorded as a finding, and names fall back to codes)."""
        ctx = cls(root)
        try:
            ctx.languages = load_languages(root)
        except KnowledgeError as exc:
            ctx.problems.append(ctx.from_error(exc))
        return ctx

    def shown(self, path: str | Path) -> str:
        """A path as editors see it: from the knowledge folder's name on (knowledge/articles/health/x.yml)."""
        full = Path(path).resolve()
        base = self.root.resolve().parent
        try:
            return str(full.relative_to(base))
        except ValueError:
            return str(path)

    def name(self, lang: str | None) -> str | None:
        """A language's English name (Arabic), or its code when the table does not know it."""
        if lang is None:
            return None
        known = self.languages.get(lang)
        return known.english_name if known else lang

    def finding(self, level: str, path: str | Path, key: str, message: str, language: str | None = None) -> Finding:
        """A finding with the path shown relative to the knowledge folder and the language named."""
        return Finding(level, self.shown(path), key, message, language, self.name(language))

    def from_error(self, exc: KnowledgeError, language: str | None = None) -> Finding:
        """An error the loaders raised, as a finding (the language read from a translations.<code> key)."""
        if language is None:
            match = _TRANSLATION_KEY.match(exc.key)
            language = match.group(1) if match else None
        return self.finding(ERROR, exc.path, exc.key, exc.problem, language)


@dataclass(frozen=True)
class ArticleFiles:
    """Every article file read on its own: those that loaded, and the problems of those that did not."""

    articles: list[Article]
    problems: list[Finding]

    def unique(self) -> list[Article]:
        """The loaded articles, the first of each id only (as the bot would refuse the second)."""
        seen: dict[str, Article] = {}
        for article in self.articles:
            seen.setdefault(article.id, article)
        return list(seen.values())


def read_articles(ctx: Context) -> ArticleFiles:
    """Load each articles/<topic>/<id>.yml separately, so one broken file never hides the others."""
    articles: list[Article] = []
    problems: list[Finding] = []
    folder = ctx.root / "articles"
    for path in sorted(folder.glob("*/*.yml")):
        try:
            articles.append(load_article(path))
        except KnowledgeError as exc:
            problems.append(ctx.from_error(exc))
        except (ValueError, TypeError, AttributeError) as exc:
            logger.debug("article %s failed to load: %r", path, exc)
            problems.append(ctx.finding(ERROR, path, "(whole file)",
                                        f"could not be read: a value has the wrong form ({exc})"))
    for path in sorted(p for p in folder.rglob("*") if p.suffix in (".yml", ".yaml")):
        if path.suffix == ".yaml" or path.parent.parent != folder:
            problems.append(ctx.finding(WARNING, path, "(whole file)",
                                        "is never read by the bot: an article must be a .yml file inside a topic "
                                        "folder, like articles/health/health-mental-health.yml"))
    return ArticleFiles(articles, problems)


@dataclass(frozen=True)
class SmsCost:
    """What a text costs by SMS: segments, the alphabet it needs, and its length in that alphabet."""

    segments: int
    encoding: Encoding
    length: int

    @property
    def limit(self) -> int:
        """The most characters that fit the SMS budget in this alphabet (306 for GSM-7, 134 for UCS-2)."""
        return self.encoding.per_segment * SMS_SEGMENT_BUDGET

    @property
    def over_budget(self) -> bool:
        """True when the text needs more than SMS_SEGMENT_BUDGET segments."""
        return self.segments > SMS_SEGMENT_BUDGET


def sms_cost(text: str) -> SmsCost:
    """Segments, alphabet and length of `text` as carriers count them (bot.sms)."""
    encoding = encoding_of(text)
    return SmsCost(segments(text), encoding, units(text, encoding))


def non_gsm_characters(text: str) -> list[str]:
    """The characters of `text` that are not in the GSM-7 alphabet (each once, in order of appearance)."""
    found: list[str] = []
    for ch in text:
        if ch not in GSM7_BASIC and ch not in GSM7_EXTENSION and ch not in found:
            found.append(ch)
    return found


def double_characters(text: str) -> list[str]:
    """GSM-7 extension characters in `text` (they count as two)."""
    return sorted({ch for ch in text if ch in GSM7_EXTENSION})


def sms_budget_message(text: str, latin_script: bool) -> str | None:
    """Why `text` breaks the SMS budget, in plain words, or None when it fits."""
    cost = sms_cost(text)
    if not cost.over_budget:
        return None
    message = (f"is {cost.segments} SMS segments long ({cost.encoding.name}, {cost.length} characters); it must fit "
               f"{SMS_SEGMENT_BUDGET} segments: at most {cost.limit} characters for this alphabet")
    if cost.encoding is GSM7:
        doubles = double_characters(text)
        if doubles:
            message += f" (these count as two characters: {' '.join(doubles)})"
    elif latin_script:
        odd = non_gsm_characters(text)
        shown = ", ".join(odd[:6]) + (", ..." if len(odd) > 6 else "")
        message += (f". The characters {shown} are not in the GSM-7 SMS alphabet, so the whole text is sent as "
                    f"UCS-2 (a text without any of them may have {GSM7.per_segment * SMS_SEGMENT_BUDGET} characters)")
    return message
