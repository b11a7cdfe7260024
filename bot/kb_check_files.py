"""Checks of the files around the articles: interface texts (ui/<lang>.yml), keywords, triage cues, and the
whole folder loaded the way the bot loads it (countries, organisations, cross-references)."""

from __future__ import annotations

import logging
import string
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from bot.errors import KnowledgeError
from bot.kb_common import ERROR, WARNING, Context, Finding
from bot.keywords import Keywords
from bot.knowledge import REQUIRED_UI_LANGUAGE, load_knowledge
from bot.triage import load_cue_files

logger = logging.getLogger(__name__)


def check_other_files(ctx: Context, so_far: list[Finding]) -> list[Finding]:
    """Interface texts, keywords.yml, triage/*.yml, then the whole folder as the bot loads it."""
    out = _ui(ctx)
    out += _countries(ctx)
    out += _loads(ctx, ctx.root / "keywords.yml", lambda: Keywords.load(ctx.root))
    out += _loads(ctx, ctx.root / "triage", lambda: load_cue_files(ctx.root))
    out += _whole(ctx, [*so_far, *out])
    return out


def _loads(ctx: Context, path: Path, load: Callable[[], Any]) -> list[Finding]:
    """An error for each file the bot's own loader refuses."""
    try:
        load()
    except KnowledgeError as exc:
        return [ctx.from_error(exc, _language_of(ctx, exc))]
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        return [ctx.finding(ERROR, path, "(whole file)", f"could not be read ({exc})")]
    return []


def _language_of(ctx: Context, exc: KnowledgeError) -> str | None:
    """The language a keywords or triage error is about: triage/<lang>.yml, or the stop.<lang> key."""
    stem = Path(exc.path).stem
    if Path(exc.path).parent.name == "triage" and stem in ctx.languages:
        return stem
    parts = exc.key.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in ctx.languages else None


def _read_texts(ctx: Context, path: Path, lang: str) -> tuple[dict[str, str] | None, list[Finding]]:
    """The `texts` of one ui file (None when it cannot be used), and what is wrong with the file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(whole file)"
        return None, [ctx.finding(ERROR, path, where, f"is not valid YAML ({getattr(exc, 'problem', exc)})", lang)]
    except OSError as exc:
        return None, [ctx.finding(ERROR, path, "(whole file)", f"cannot be read ({exc.strerror})", lang)]
    texts = data.get("texts") if isinstance(data, dict) else None
    if not isinstance(texts, dict):
        return None, [ctx.finding(ERROR, path, "texts", "is missing: the file needs a 'texts:' section with one "
                                                        "'key: text' line per interface text", lang)]
    return {str(k): str(v).strip() for k, v in texts.items() if v is not None and str(v).strip()}, []


def placeholders(text: str) -> set[str]:
    """The {placeholder} names in an interface text (ValueError when a brace is unmatched)."""
    return {name for _literal, name, _spec, _conv in string.Formatter().parse(text) if name is not None}


def _ui(ctx: Context) -> list[Finding]:
    """Every English key translated (else warning) with exactly the English {placeholders} (else error)."""
    folder = ctx.root / "ui"
    english_path = folder / f"{REQUIRED_UI_LANGUAGE}.yml"
    if not english_path.exists():
        return [ctx.finding(ERROR, english_path, "(whole file)", "is missing: the bot needs the English interface "
                                                                 "texts", REQUIRED_UI_LANGUAGE)]
    english, out = _read_texts(ctx, english_path, REQUIRED_UI_LANGUAGE)
    if english is None:
        return out
    english_fields: dict[str, set[str]] = {}
    for key, text in english.items():
        try:
            english_fields[key] = placeholders(text)
        except ValueError:
            out.append(ctx.finding(ERROR, english_path, f"texts.{key}", "has a { or } that is not part of a "
                                                                        "{placeholder}", REQUIRED_UI_LANGUAGE))
    codes = sorted({*ctx.languages, *(p.stem for p in folder.glob("*.yml"))} - {REQUIRED_UI_LANGUAGE})
    for lang in codes:
        path = folder / f"{lang}.yml"
        if not path.exists():
            out.append(ctx.finding(WARNING, path, "(whole file)", f"is missing: people writing in {ctx.name(lang)} "
                                                                  "see every interface text in English", lang))
            continue
        texts, problems = _read_texts(ctx, path, lang)
        out += problems
        if texts is not None:
            out += _compare(ctx, path, lang, english, english_fields, texts)
    return out


def _compare(ctx: Context, path: Path, lang: str, english: dict[str, str], english_fields: dict[str, set[str]],
             texts: dict[str, str]) -> list[Finding]:
    out: list[Finding] = []
    name = ctx.name(lang)
    for key, source in english.items():
        if key not in texts:
            preview = source if len(source) <= 70 else source[:67] + "..."
            out.append(ctx.finding(WARNING, path, f"texts.{key}", f"is missing: people writing in {name} see the "
                                                                  f"English text here (\"{preview}\")", lang))
            continue
        try:
            found = placeholders(texts[key])
        except ValueError:
            out.append(ctx.finding(ERROR, path, f"texts.{key}", "has a { or } that is not part of a {placeholder}; "
                                                                "copy the {placeholders} exactly from ui/en.yml", lang))
            continue
        wanted = english_fields.get(key, set())
        for extra in sorted(found - wanted):
            out.append(ctx.finding(ERROR, path, f"texts.{key}", f"has {{{extra}}}, which the English text does not "
                                                                "have; the bot cannot fill it in. Copy the "
                                                                "{placeholders} exactly from ui/en.yml", lang))
        for lost in sorted(wanted - found):
            out.append(ctx.finding(ERROR, path, f"texts.{key}", f"lacks {{{lost}}}, which the English text has; "
                                                                "without it that information is never shown. Keep "
                                                                "every {placeholder} exactly as in ui/en.yml", lang))
    for key in sorted(set(texts) - set(english)):
        out.append(ctx.finding(WARNING, path, f"texts.{key}", "is not a key of ui/en.yml, so the bot never uses it "
                                                              "(a typo in the key?)", lang))
    return out


def _countries(ctx: Context) -> list[Finding]:
    """Every country needs at least one emergency number (the bot refuses the folder otherwise)."""
    path = ctx.root / "countries.yml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return []  # reported by the whole-folder load below
    entries = data.get("countries") if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        return [ctx.finding(ERROR, path, "countries", "is missing: the file needs a 'countries:' section")]
    return [ctx.finding(ERROR, path, f"countries.{code}.emergency", "needs at least one emergency number")
            for code, country in entries.items() if not isinstance(country, dict) or not country.get("emergency")]


def _whole(ctx: Context, so_far: list[Finding]) -> list[Finding]:
    """Whatever the bot's own loader refuses that no check above has reported yet (countries.yml, for instance)."""
    try:
        load_knowledge(ctx.root)
    except KnowledgeError as exc:
        finding = ctx.from_error(exc)
        if not any(f.level == ERROR and f.path == finding.path for f in so_far):
            return [finding]
    except (ValueError, TypeError, AttributeError) as exc:
        logger.debug("load_knowledge failed: %r", exc)
        if not any(f.level == ERROR for f in so_far):
            return [ctx.finding(ERROR, ctx.root, "(folder)", f"the bot cannot load this folder ({exc})")]
    return []
