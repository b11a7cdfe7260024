"""`rafiq kb check`: each check on a broken copy of a small real knowledge folder, and the shipped folder clean."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.kb_check import check
from bot.kb_common import Finding
from tests.kb_fixture import SHIPPED, TODAY, edit, make_knowledge

ASYLUM = "articles/asylum/asylum-right-to-seek.yml"
HEALTH = "articles/health/health-child-vaccination.yml"
WORKER = "articles/worker_rights/worker-unpaid-wages.yml"
LONG_TURKISH = ("Aşılar çocukları ağır hastalıklardan korur. Birçok ülkede genelde devlet sağlık merkezlerinde "
                "ücretsizdir. Aşı kartını saklayın ve her gidişte yanınızda götürün, kaybetmeyin.")


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    return make_knowledge(tmp_path)


def article(rel: str, change: Callable[[dict[str, Any]], Any]) -> Callable[[Path], None]:
    return lambda root: edit(root / rel, change)


def translation(rel: str, lang: str, key: str, value: Any) -> Callable[[Path], None]:
    return article(rel, lambda d: d["translations"][lang].__setitem__(key, value))


def review(rel: str, key: str, value: Any) -> Callable[[Path], None]:
    return article(rel, lambda d: d["review"].__setitem__(key, value))


def write(rel: str, text: str) -> Callable[[Path], None]:
    return lambda root: (root / rel).write_text(text, encoding="utf-8")


def copy_as(src: str, dest: str) -> Callable[[Path], None]:
    def run(root: Path) -> None:
        (root / dest).parent.mkdir(parents=True, exist_ok=True)
        (root / dest).write_bytes((root / src).read_bytes())
    return run


def ui(lang: str, change: Callable[[dict[str, str]], Any]) -> Callable[[Path], None]:
    return lambda root: edit(root / "ui" / f"{lang}.yml", lambda d: change(d["texts"]))


def first_cue_level(data: dict[str, Any]) -> None:
    data["cues"][0]["level"] = "very bad"


# (what is broken, level, file name, key, words the message must contain)
CASES: list[tuple[str, Callable[[Path], None], str, str, str, str]] = [
    ("yaml", write(ASYLUM, "id: asylum-right-to-seek\ntopic: [asylum\nrevision: 2\n"),
     "error", "asylum-right-to-seek.yml", "line 3", "not valid YAML"),
    ("empty title", translation(HEALTH, "fr", "title", ""),
     "error", "health-child-vaccination.yml", "translations.fr.title", "missing or empty"),
    ("source_revision not a number", translation(HEALTH, "ur", "source_revision", "two"),
     "error", "health-child-vaccination.yml", "translations.ur.source_revision", "whole number"),
    ("reviewed without reviewer", review(WORKER, "status", "reviewed"),
     "error", "worker-unpaid-wages.yml", "review.reviewer", "name of its reviewer"),
    ("file name is not the id", article(WORKER, lambda d: d.__setitem__("id", "worker-wages")),
     "error", "worker-unpaid-wages.yml", "id", "'worker-wages'"),
    ("folder is not the topic", article(HEALTH, lambda d: d.__setitem__("topic", "asylum")),
     "error", "health-child-vaccination.yml", "topic", "folder 'health/'"),
    ("duplicate id", copy_as(HEALTH, "articles/health/health-vaccines-copy.yml"),
     "error", "health-vaccines-copy.yml", "id", "health-child-vaccination.yml"),
    ("missing translation", article(ASYLUM, lambda d: d["translations"].pop("bn")),
     "error", "asylum-right-to-seek.yml", "translations.bn", "Bengali"),
    ("missing translation in a draft",
     article(ASYLUM, lambda d: (d["translations"].pop("bn"), d["review"].__setitem__("status", "draft"))),
     "warning", "asylum-right-to-seek.yml", "translations.bn", "draft"),
    ("stale translation", translation(ASYLUM, "fr", "source_revision", 1),
     "warning", "asylum-right-to-seek.yml", "translations.fr.source_revision", "revision 2"),
    ("unknown organisation", article(WORKER, lambda d: d["organisations"].append("helping-hands")),
     "error", "worker-unpaid-wages.yml", "organisations", "'helping-hands' is not in organisations.yml"),
    ("unknown country", article(WORKER, lambda d: d.__setitem__("jurisdiction", ["XX"])),
     "error", "worker-unpaid-wages.yml", "jurisdiction", "'XX' is not a country"),
    ("duplicate question", article(WORKER, lambda d: d["translations"]["en"]["questions"].append(
        "  Where can my BABY get   vaccines")),
     "error", "worker-unpaid-wages.yml", "translations.en.questions", "health-child-vaccination.yml"),
    ("too few questions", translation(WORKER, "id", "questions", ["gaji saya belum dibayar", "bos tidak bayar"]),
     "warning", "worker-unpaid-wages.yml", "translations.id.questions", "only 2 questions"),
    ("overdue review", review(HEALTH, "last_reviewed", "2026-01-10"),
     "warning", "health-child-vaccination.yml", "review.last_reviewed", "overdue"),
    ("short over the SMS budget", translation(HEALTH, "tr", "short", LONG_TURKISH),
     "error", "health-child-vaccination.yml", "translations.tr.short", "at most 134 characters"),
    ("ui text missing", ui("fr", lambda t: t.pop("goodbye")),
     "warning", "fr.yml", "texts.goodbye", "French"),
    ("ui placeholder added", ui("ar", lambda t: t.__setitem__("legal_note", t["legal_note"] + " {name}")),
     "error", "ar.yml", "texts.legal_note", "{name}"),
    ("ui placeholder lost", ui("tr", lambda t: t.__setitem__("source_line", "Kaynak: kaynaklar")),
     "error", "tr.yml", "texts.source_line", "{sources}"),
    ("keywords", lambda root: edit(root / "keywords.yml", lambda d: d["stop"].pop("en")),
     "error", "keywords.yml", "stop", "English"),
    ("triage", lambda root: edit(root / "triage" / "en.yml", first_cue_level),
     "error", "en.yml", "cues[1].level", "emergency"),
    ("country without emergency number", lambda root: edit(root / "countries.yml",
                                                           lambda d: d["countries"]["TR"].__setitem__("emergency", [])),
     "error", "countries.yml", "countries.TR.emergency", "number"),
]


def matching(findings: list[Finding], level: str, file_name: str, key: str) -> list[Finding]:
    return [f for f in findings if f.level == level and Path(f.path).name == file_name and f.key == key]


def test_the_fixture_is_clean(knowledge: Path) -> None:
    assert check(knowledge, TODAY) == []


@pytest.mark.parametrize(("breakage", "level", "file_name", "key", "words"),
                         [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_each_check_names_file_key_and_level(knowledge: Path, breakage: Callable[[Path], None], level: str,
                                             file_name: str, key: str, words: str) -> None:
    breakage(knowledge)
    findings = check(knowledge, TODAY)
    found = matching(findings, level, file_name, key)
    assert found, "\n".join(f"{f.level}: {f}" for f in findings)
    assert any(words in f.message for f in found), [f.message for f in found]
    assert all(file_name in str(f) and key in str(f) for f in found)


def test_sms_message_says_segments_alphabet_and_limit(knowledge: Path) -> None:
    translation(HEALTH, "tr", "short", LONG_TURKISH)(knowledge)
    [finding] = matching(check(knowledge, TODAY), "error", "health-child-vaccination.yml", "translations.tr.short")
    assert str(finding).startswith("knowledge/articles/health/health-child-vaccination.yml: "
                                   "translations.tr.short (Turkish): is 3 SMS segments long (UCS-2, ")
    assert "it must fit 2 segments: at most 134 characters for this alphabet" in finding.message
    assert (finding.language, finding.language_name) == ("tr", "Turkish")


def test_french_accent_that_forces_unicode_is_named(knowledge: Path) -> None:
    text = ("Les vaccins protègent les enfants de maladies graves. Dans beaucoup de pays, ils sont souvent gratuits "
            "dans les centres de santé publics. Gardez bien le carnet de vaccination, même si vous êtes en fuite.")
    translation(HEALTH, "fr", "short", text)(knowledge)
    [finding] = matching(check(knowledge, TODAY), "error", "health-child-vaccination.yml", "translations.fr.short")
    assert "ê" in finding.message and "306" in finding.message


def test_one_broken_file_does_not_hide_the_others(knowledge: Path) -> None:
    write(ASYLUM, "this: is: not yaml\n")(knowledge)
    translation(HEALTH, "ar", "title", "")(knowledge)
    translation(WORKER, "tr", "short", LONG_TURKISH)(knowledge)
    ui("fr", lambda t: t.pop("goodbye"))(knowledge)
    findings = check(knowledge, TODAY)
    errors = {Path(f.path).name for f in findings if f.level == "error"}
    assert {"asylum-right-to-seek.yml", "health-child-vaccination.yml", "worker-unpaid-wages.yml"} <= errors
    assert matching(findings, "warning", "fr.yml", "texts.goodbye")
    assert findings == sorted(findings, key=Finding.sort_key), "errors come first"


def test_the_shipped_knowledge_has_no_errors() -> None:
    errors = [str(f) for f in check(SHIPPED, dt.date.today()) if f.level == "error"]
    assert errors == []
