"""Training the Rasa model only when its inputs changed, and finding the current model."""

from __future__ import annotations

import hashlib
import itertools
import logging
import os
import subprocess
import sys
from pathlib import Path

from bot.settings import ROOT

logger = logging.getLogger(__name__)

#: everything that goes into the model; articles' answers are read at run time and need no retraining, but their
#: example questions are topic training data (generated into var/training/articles.yml)
TRAINING_INPUTS = ("config.yml", "domain.yml", "nlu", "knowledge/languages", "nlu/language.py", "bot/languages.py")
FINGERPRINT_FILE = ".fingerprint"
ARTICLE_DATA = Path("var") / "training" / "articles.yml"


def article_training_data(knowledge_dir: Path, nlu_dir: Path, per_topic_language: int = 16) -> str:
    """Rasa NLU YAML: articles' example questions as examples of their topic intent, at most `per_topic_language`
    per topic and language (taken in turn from each article), so that topics with many articles do not drown
    the others; questions already in nlu/ are left out (no example is ever listed under two intents)."""
    from bot.knowledge import load_knowledge

    existing = {line.strip()[2:].strip().lower() for path in nlu_dir.glob("*/*.yml")
                for line in path.read_text(encoding="utf-8").splitlines() if line.strip().startswith("- ")}
    pools: dict[tuple[str, str], list[list[str]]] = {}
    for article in sorted(load_knowledge(knowledge_dir).articles.values(), key=lambda a: a.id):
        for lang, translation in article.translations.items():
            pools.setdefault((article.topic, lang), []).append(list(translation.questions))
    per_topic: dict[str, list[str]] = {}
    seen: set[str] = set()
    for (topic, _lang), questions in sorted(pools.items()):
        taken = 0
        for question in (q for row in itertools.zip_longest(*questions) for q in row if q):
            key = " ".join(question.lower().split())
            if taken >= per_topic_language:
                break
            if key and key not in existing and key not in seen:
                seen.add(key)
                per_topic.setdefault(topic, []).append(" ".join(question.split()))
                taken += 1
    lines = ['version: "3.1"', "# Generated from knowledge/articles/*/*.yml questions by bot/model.py: do not edit.",
             "nlu:"]
    for topic in sorted(per_topic):
        lines += [f"- intent: {topic}", "  examples: |"] + [f"    - {q}" for q in per_topic[topic]]
    return "\n".join(lines) + "\n"


def training_fingerprint(root: Path = ROOT) -> str:
    """SHA-256 over the training inputs (paths and contents)."""
    digest = hashlib.sha256()
    for name in TRAINING_INPUTS:
        path = root / name
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in (".yml", ".py")) \
            if path.is_dir() else [path]
        for file in files:
            if "__pycache__" in file.parts or not file.exists():
                continue
            digest.update(str(file.relative_to(root)).encode())
            digest.update(file.read_bytes())
    digest.update(article_training_data(root / "knowledge", root / "nlu").encode())
    return digest.hexdigest()


def current_model(model_dir: Path) -> Path | None:
    """The model trained from the current inputs, if there is one."""
    stamp = model_dir / FINGERPRINT_FILE
    if not stamp.is_file():
        return None
    fingerprint, _, name = stamp.read_text().strip().partition(" ")
    model = model_dir / name
    if fingerprint == training_fingerprint() and model.is_file():
        return model
    return None


def latest_model(model_dir: Path) -> Path | None:
    """The newest model file, current or not."""
    models = sorted(model_dir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


def rasa_environment() -> dict[str, str]:
    """Environment for Rasa subprocesses: no telemetry, quiet TensorFlow."""
    env = dict(os.environ)
    env.update({"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3", "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
                "PYTHONPATH": str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")})
    return env


def train(model_dir: Path, force: bool = False) -> Path:
    """Train unless the current model already matches the inputs; returns the model path."""
    if not force:
        model = current_model(model_dir)
        if model is not None:
            print(f"model is current: {model.name} (training skipped)", file=sys.stderr)
            return model
    model_dir.mkdir(parents=True, exist_ok=True)
    fingerprint = training_fingerprint()
    name = f"rafiq-{fingerprint[:12]}.tar.gz"
    print("training the model (a few minutes on 2 cores)...", file=sys.stderr)
    generated = ROOT / ARTICLE_DATA
    generated.parent.mkdir(parents=True, exist_ok=True)
    generated.write_text(article_training_data(ROOT / "knowledge", ROOT / "nlu"), encoding="utf-8")
    command = [sys.executable, "-m", "rasa", "train", "--config", "config.yml", "--domain", "domain.yml",
               "--data", "nlu", str(ARTICLE_DATA), "--out", str(model_dir),
               "--fixed-model-name", name.removesuffix(".tar.gz")]
    subprocess.run(command, cwd=ROOT, env=rasa_environment(), check=True, stdout=sys.stderr)
    (model_dir / FINGERPRINT_FILE).write_text(f"{fingerprint} {name}\n")
    for old in model_dir.glob("*.tar.gz"):
        if old.name != name:
            old.unlink()
    return model_dir / name
