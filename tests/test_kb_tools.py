"""`rafiq kb stats`, `rafiq kb show` and the exit codes of `rafiq kb check`, on real knowledge folders."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from bot.errors import BadInput
from bot.kb_tools import show, stats
from bot.knowledge import load_knowledge
from bot.replies import TOPICS
from bot.settings import ROOT
from bot.sms import encoding_of, segments
from tests.conftest import LANGS
from tests.kb_fixture import TODAY, edit, make_knowledge

RAFIQ = str(ROOT / ".venv" / "bin" / "rafiq")
ASYLUM = "articles/asylum/asylum-right-to-seek.yml"
HEALTH = "articles/health/health-child-vaccination.yml"
WORKER = "articles/worker_rights/worker-unpaid-wages.yml"


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    return make_knowledge(tmp_path)


def rafiq(*args: str, knowledge_dir: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "RAFIQ_KNOWLEDGE_DIR"}
    if knowledge_dir is not None:
        env["RAFIQ_KNOWLEDGE_DIR"] = str(knowledge_dir)
    return subprocess.run([RAFIQ, *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)


def test_stats_shape_and_counts(knowledge: Path) -> None:
    figures = stats(knowledge, TODAY)
    assert set(figures) == {"articles", "languages", "topics", "overdue_reviews", "over_sms_budget"}
    assert figures["articles"] == 3
    assert list(figures["languages"]) == list(LANGS)
    assert all(counts == {"translated": 3, "stale": 0, "missing": 0} for counts in figures["languages"].values())
    assert figures["topics"] == {**dict.fromkeys(TOPICS, 0), "asylum": 1, "health": 1, "worker_rights": 1}
    assert (figures["overdue_reviews"], figures["over_sms_budget"]) == (0, 0)


def test_stats_count_stale_missing_overdue_and_over_budget(knowledge: Path) -> None:
    edit(knowledge / ASYLUM, lambda d: d["translations"]["fr"].__setitem__("source_revision", 1))
    edit(knowledge / HEALTH, lambda d: d["translations"].pop("bn"))
    edit(knowledge / WORKER, lambda d: d["review"].__setitem__("last_reviewed", "2025-01-01"))
    edit(knowledge / WORKER, lambda d: d["translations"]["ar"].__setitem__("short", "ب" * 135))
    figures = stats(knowledge, TODAY)
    assert figures["languages"]["fr"] == {"translated": 2, "stale": 1, "missing": 0}
    assert figures["languages"]["bn"] == {"translated": 2, "stale": 0, "missing": 1}
    assert figures["languages"]["en"] == {"translated": 3, "stale": 0, "missing": 0}
    assert (figures["overdue_reviews"], figures["over_sms_budget"]) == (1, 1)


def test_show_sms_prints_the_short_with_its_segments(knowledge: Path) -> None:
    kb = load_knowledge(knowledge)
    short = kb.articles["health-child-vaccination"].translations["ar"].short
    out = show(kb, "health-child-vaccination", "ar", "sms")
    assert short in out
    count = segments(short)
    assert count == 2
    assert f"--- SMS 1 of 1 · {count} segments · {encoding_of(short).name} ---" in out
    assert "UCS-2" in out


def test_show_whatsapp_has_title_long_text_sources_and_legal_note(knowledge: Path) -> None:
    kb = load_knowledge(knowledge)
    article = kb.articles["worker-unpaid-wages"]
    out = show(kb, "worker-unpaid-wages", "fr", "whatsapp")
    tr = article.translations["fr"]
    assert tr.long and tr.long in out
    assert f"*{tr.title}*" in out
    assert kb.text("fr", "legal_note") in out
    assert re.search(r"--- WhatsApp message 1 of \d+ · \d+ characters ---", out)


def test_show_a_missing_translation_sends_english_with_a_note(knowledge: Path) -> None:
    edit(knowledge / HEALTH, lambda d: d["translations"].pop("bn"))
    kb = load_knowledge(knowledge)
    out = show(kb, "health-child-vaccination", "bn", "sms")
    assert kb.articles["health-child-vaccination"].translations["en"].short in out
    assert kb.text("bn", "translation_missing") in out


@pytest.mark.parametrize(("article_id", "lang", "channel", "words"), [
    ("health-child-vacination", "ar", "sms", "did you mean health-child-vaccination"),
    ("no-such-article", "ar", "sms", "no article with the id 'no-such-article'"),
    ("health-child-vaccination", "xx", "sms", "'xx' is not one of Rafiq's languages"),
    ("health-child-vaccination", "ar", "fax", "'fax' is not a channel"),
])
def test_show_rejects_unknown_ids_languages_and_channels(knowledge: Path, article_id: str, lang: str, channel: str,
                                                         words: str) -> None:
    with pytest.raises(BadInput, match=re.escape(words)):
        show(load_knowledge(knowledge), article_id, lang, channel)


def test_kb_check_exit_code_is_0_on_the_shipped_folder() -> None:
    result = rafiq("kb", "check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^0 errors, \d+ warnings$", result.stdout, re.MULTILINE)


def test_kb_check_exit_code_is_1_on_a_broken_copy(knowledge: Path) -> None:
    edit(knowledge / WORKER, lambda d: d["organisations"].append("helping-hands"))
    result = rafiq("kb", "check", knowledge_dir=knowledge)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "worker-unpaid-wages.yml: organisations: 'helping-hands'" in result.stdout
    assert result.stdout.rstrip().endswith("1 errors, 0 warnings")


def test_kb_stats_json_and_show_through_the_cli(knowledge: Path) -> None:
    result = rafiq("kb", "stats", "--json", knowledge_dir=knowledge)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["articles"] == 3
    result = rafiq("kb", "show", "asylum-right-to-seek", "--lang", "tr", "--channel", "sms", knowledge_dir=knowledge)
    assert result.returncode == 0, result.stderr
    assert "--- SMS 1 of 1 · " in result.stdout
    result = rafiq("kb", "show", "nothing-here", "--lang", "tr", knowledge_dir=knowledge)
    assert result.returncode == 2
    assert "no article with the id 'nothing-here'" in result.stderr


def test_kb_report_writes_the_page_and_prints_its_path(knowledge: Path, tmp_path: Path) -> None:
    out = tmp_path / "report" / "kb.html"
    result = rafiq("kb", "report", "--out", str(out), knowledge_dir=knowledge)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(out)
    assert out.read_text(encoding="utf-8").startswith("<!doctype html>")
