"""Training the Rasa model only when its inputs changed, and finding the current model."""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
from pathlib import Path

from bot.settings import ROOT

logger = logging.getLogger(__name__)

#: everything that goes into the model. knowledge/ is read at run time: an edited answer needs no retraining, and
#: articles' example questions choose among a topic's articles (bot/article_select.py) as soon as they are saved.
#: Measured: adding them to the topic model's training data lowered dev topic macro-F1 (0.932 -> 0.918).
TRAINING_INPUTS = ("config.yml", "domain.yml", "nlu", "knowledge/languages", "nlu/language.py", "bot/languages.py")
FINGERPRINT_FILE = ".fingerprint"


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
    command = [sys.executable, "-m", "rasa", "train", "--config", "config.yml", "--domain", "domain.yml",
               "--data", "nlu", "--out", str(model_dir),
               "--fixed-model-name", name.removesuffix(".tar.gz")]
    subprocess.run(command, cwd=ROOT, env=rasa_environment(), check=True, stdout=sys.stderr)
    (model_dir / FINGERPRINT_FILE).write_text(f"{fingerprint} {name}\n")
    for old in model_dir.glob("*.tar.gz"):
        if old.name != name:
            old.unlink()
    return model_dir / name
