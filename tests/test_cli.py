"""The `rafiq` command line: classify and eval through the trained model, clear errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import ROOT

RAFIQ = [sys.executable, "-m", "bot.cli"]


def rafiq(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([*RAFIQ, *args], input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=600)


@pytest.mark.usefixtures("model_path")
def test_classify_writes_one_json_line_per_input() -> None:
    lines = [{"id": "a", "text": "my boss keeps my passport and does not pay me"},
             {"id": "b", "text": "میں مرنا چاہتا ہوں، آج رات سب ختم کر دوں گا"},
             {"id": "c", "text": "bonjour"}]
    result = rafiq("classify", stdin="\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n")
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == ["a", "b", "c"]
    assert set(out[0]) == {"id", "language", "topic", "urgency", "reasons"}
    assert (out[0]["language"], out[0]["topic"]) == ("en", "worker_rights")
    assert (out[1]["language"], out[1]["urgency"]) == ("ur", "emergency")
    assert out[1]["reasons"]
    assert (out[2]["language"], out[2]["topic"], out[2]["urgency"]) == ("fr", "greeting", "routine")
    assert "messages/s" in result.stderr


@pytest.mark.usefixtures("model_path")
def test_classify_rejects_a_bad_line_with_its_number() -> None:
    result = rafiq("classify", stdin='{"id": 1, "text": "hi"}\nnot json\n')
    assert result.returncode == 2
    assert "line 2" in result.stderr


@pytest.mark.usefixtures("model_path")
def test_eval_prints_per_language_figures(tmp_path: Path) -> None:
    labelled = tmp_path / "set.jsonl"
    rows = [{"id": "1", "text": "where can i register with unhcr", "lang": "en", "script": "native",
             "topic": "asylum", "urgency": "routine"},
            {"id": "2", "text": "polis kocamı gözaltına aldı, şimdi karakolda", "lang": "tr", "script": "native",
             "topic": "detention", "urgency": "urgent"}]
    labelled.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    result = rafiq("eval", str(labelled), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["en"]["language_accuracy"] == 1.0
    assert report["tr"]["n"] == 1
    assert report["all"]["topic_macro_f1"] is not None


def test_env_example_documents_every_setting() -> None:
    from bot.settings import ROOT, SETTINGS, env_example

    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    assert text == env_example(), "regenerate: .venv/bin/python -c 'from bot.settings import env_example; ...'"
    assert all(s.env in text for s in SETTINGS)


def test_serve_refuses_to_start_on_a_broken_knowledge_file(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "knowledge", tmp_path / "knowledge")
    article = next((tmp_path / "knowledge" / "articles" / "health").glob("*.yml"))
    article.write_text(article.read_text(encoding="utf-8").replace("topic: health", "topic: [health"), "utf-8")
    env = {**os.environ, "RAFIQ_KNOWLEDGE_DIR": str(tmp_path / "knowledge")}
    result = subprocess.run([sys.executable, "-m", "bot.cli", "serve", "--port", "1"], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert article.name in result.stderr and "not valid YAML" in result.stderr
