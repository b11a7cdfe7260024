"""`rafiq kb check`: every problem in knowledge/ at once, each naming the file, the key and the language.

Articles are read one file at a time, so a broken file never hides the problems of the others. Errors stop an
article from being right (the bot would refuse it, or send something wrong); warnings are work to do.
The other files (interface texts, keywords, triage cues, countries, organisations) are checked in
bot.kb_check_files.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

from bot.kb_check_files import check_other_files
from bot.kb_common import ERROR, WARNING, Context, Finding, read_articles, sms_budget_message
from bot.knowledge import Article
from bot.replies import TOPICS

logger = logging.getLogger(__name__)

MIN_QUESTIONS = 3
_PHONE = re.compile(r"(?<![\w/.])(?:\+\d[\d ()\-]{5,}\d|\d[\d \-]{5,}\d)(?![\w/])")
_YEAR = re.compile(r"^(?:19|20)\d\d$")


def check(knowledge_dir: Path, today: dt.date) -> list[Finding]:
    """Every problem under `knowledge_dir`, errors first; an empty list means all is well."""
    ctx = Context.load(knowledge_dir)
    files = read_articles(ctx)
    findings = [*ctx.problems, *files.problems]
    findings += _identity(ctx, files.articles)
    organisations = _known_ids(knowledge_dir / "organisations.yml", "organisations")
    countries = _known_ids(knowledge_dir / "countries.yml", "countries")
    for article in files.articles:
        findings += _translations(ctx, article)
        findings += _references(ctx, article, organisations, countries)
        findings += _review(ctx, article, today)
        findings += _texts(ctx, article)
    findings += _questions(ctx, files.unique())
    findings += check_other_files(ctx, findings)
    unique = {(f.level, f.path, f.key, f.message): f for f in findings}
    result = sorted(unique.values(), key=Finding.sort_key)
    logger.info("kb check: %d articles, %d findings", len(files.articles), len(result))
    return result


def _identity(ctx: Context, articles: list[Article]) -> list[Finding]:
    """File name = id, folder = topic, a topic the bot knows, each id used once."""
    out: list[Finding] = []
    owners: dict[str, Article] = {}
    for article in articles:
        path = Path(article.path)
        if path.stem != article.id:
            out.append(ctx.finding(ERROR, path, "id", f"is '{article.id}' but the file is named '{path.name}'; they "
                                                      "must be the same: rename the file or correct the id"))
        if path.parent.name != article.topic:
            out.append(ctx.finding(ERROR, path, "topic", f"is '{article.topic}' but the file is in the folder "
                                                         f"'{path.parent.name}/': move the file or correct the topic"))
        if article.topic not in TOPICS:
            out.append(ctx.finding(WARNING, path, "topic", f"'{article.topic}' is not one of the bot's topics "
                                                           f"({', '.join(TOPICS)}), so this article is never sent"))
        first = owners.setdefault(article.id, article)
        if first is not article:
            out.append(ctx.finding(ERROR, path, "id", f"'{article.id}' is already the id of {ctx.shown(first.path)}; "
                                                      "every article needs its own id"))
    return out


def _translations(ctx: Context, article: Article) -> list[Finding]:
    """Missing translations (an error once the article leaves draft), out-of-date ones, unknown languages."""
    out: list[Finding] = []
    codes = list(ctx.languages) or sorted(article.translations)
    for lang in codes:
        name = ctx.name(lang)
        tr = article.translations.get(lang)
        if tr is None:
            if article.status == "draft":
                out.append(ctx.finding(WARNING, article.path, f"translations.{lang}",
                                       f"is missing: there is no {name} translation yet (fine while the article is "
                                       "a draft; needed before it goes to review)", lang))
            else:
                out.append(ctx.finding(ERROR, article.path, f"translations.{lang}",
                                       f"is missing: people writing in {name} get the English text instead. Add the "
                                       f"{name} translation, or set review.status back to draft", lang))
        elif tr.source_revision < article.revision:
            out.append(ctx.finding(WARNING, article.path, f"translations.{lang}.source_revision",
                                   f"is out of date: it was translated from revision {tr.source_revision}, but the "
                                   f"English text is now at revision {article.revision}. Update the {name} text from "
                                   f"the English, then set source_revision to {article.revision}", lang))
        elif tr.source_revision > article.revision:
            out.append(ctx.finding(WARNING, article.path, f"translations.{lang}.source_revision",
                                   f"is {tr.source_revision}, higher than the article's revision "
                                   f"{article.revision}: it should be at most {article.revision}", lang))
    for lang in sorted(set(article.translations) - set(codes)):
        out.append(ctx.finding(WARNING, article.path, f"translations.{lang}",
                               f"'{lang}' is not one of Rafiq's languages ({', '.join(codes)}), so the bot never "
                               "sends this text (a typo in the language code?)"))
    return out


def _known_ids(path: Path, section: str) -> set[str] | None:
    """The ids listed in organisations.yml or countries.yml (None when the file cannot be read: checked elsewhere)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        entries: Any = data.get(section) or {}
        return {str(k) for k in entries} if isinstance(entries, dict) else None
    except (OSError, yaml.YAMLError, AttributeError):
        return None


def _references(ctx: Context, article: Article, organisations: set[str] | None,
                countries: set[str] | None) -> list[Finding]:
    """Organisations and countries must be ones the bot knows."""
    out: list[Finding] = []
    if organisations is not None:
        for org in article.organisations:
            if org not in organisations:
                out.append(ctx.finding(ERROR, article.path, "organisations",
                                       f"'{org}' is not in organisations.yml; use one of its ids "
                                       f"({', '.join(sorted(organisations))}) or have the organisation added there "
                                       "first (a real organisation, checked on its own website)"))
    if countries is not None:
        for place in article.jurisdiction:
            if place != "general" and place not in countries:
                out.append(ctx.finding(ERROR, article.path, "jurisdiction",
                                       f"'{place}' is not a country in countries.yml; use 'general' or one of "
                                       f"{', '.join(sorted(countries))}"))
    return out


def _review(ctx: Context, article: Article, today: dt.date) -> list[Finding]:
    """A review whose date plus interval has passed."""
    due = article.review_due()
    if due is None or due >= today:
        return []
    return [ctx.finding(WARNING, article.path, "review.last_reviewed",
                        f"the review is overdue: last reviewed on {article.last_reviewed}, to be checked every "
                        f"{article.interval_days} days, so due on {due} ({(today - due).days} days ago). Check the "
                        "facts and sources again, then set last_reviewed to the date of that check")]


def _texts(ctx: Context, article: Article) -> list[Finding]:
    """SMS budget of every short, and phone numbers (never allowed in articles)."""
    out: list[Finding] = []
    for lang, tr in article.translations.items():
        latin = lang not in ctx.languages or ctx.languages[lang].script == "Latn"
        problem = sms_budget_message(tr.short, latin)
        if problem:
            out.append(ctx.finding(ERROR, article.path, f"translations.{lang}.short", problem, lang))
        for key, text in (("title", tr.title), ("short", tr.short), ("long", tr.long or "")):
            for number in _PHONE.findall(text):
                if _looks_like_phone(number):
                    out.append(ctx.finding(WARNING, article.path, f"translations.{lang}.{key}",
                                           f"contains '{number.strip()}', which looks like a phone number; articles "
                                           "must not contain phone numbers (emergency numbers belong in "
                                           "countries.yml)", lang))
    return out


def _looks_like_phone(candidate: str) -> bool:
    """At least 7 digits, and not years, a date or a large number (2011-2015, 2026-11-24, 1 000 000)."""
    groups = re.findall(r"\d+", candidate)
    if sum(len(g) for g in groups) < 7:
        return False
    if candidate.startswith("+"):
        return True
    is_date = len(groups) == 3 and _YEAR.match(groups[0]) is not None and all(len(g) <= 2 for g in groups[1:])
    is_amount = len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])
    return not (is_date or is_amount or all(_YEAR.match(g) for g in groups))


def fold_question(text: str) -> str:
    """A question as compared for duplicates: lower case, runs of spaces as one."""
    return " ".join(text.lower().split())


def _questions(ctx: Context, articles: list[Article]) -> list[Finding]:
    """The same question in two articles (an error), repeated in one, or fewer than MIN_QUESTIONS per language."""
    out: list[Finding] = []
    where: dict[str, list[tuple[Article, str, str]]] = defaultdict(list)
    for article in articles:
        for lang, tr in article.translations.items():
            key = f"translations.{lang}.questions"
            if len(tr.questions) < MIN_QUESTIONS:
                count = "no questions" if not tr.questions else \
                    f"only {len(tr.questions)} question{'s' if len(tr.questions) > 1 else ''}"
                out.append(ctx.finding(WARNING, article.path, key,
                                       f"has {count}; write at least {MIN_QUESTIONS} ways people ask about this in "
                                       f"{ctx.name(lang)}, so the bot recognises them", lang))
            seen: set[str] = set()
            for question in tr.questions:
                folded = fold_question(question)
                if folded in seen:
                    out.append(ctx.finding(WARNING, article.path, key, f"'{question}' is listed twice", lang))
                    continue
                seen.add(folded)
                where[folded].append((article, lang, question))
    for places in where.values():
        first, first_lang, _ = places[0]
        for article, lang, question in places[1:]:
            if article.id == first.id:
                continue
            out.append(ctx.finding(ERROR, article.path, f"translations.{lang}.questions",
                                   f"'{question}' is also a question of {ctx.shown(first.path)} "
                                   f"(translations.{first_lang}.questions); the bot cannot tell which article it "
                                   "asks for: remove it from one of the two files, or reword it", lang))
    return out
