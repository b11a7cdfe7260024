"""Shared helpers for the benchmarks: sample messages, machine facts, percentiles."""

from __future__ import annotations

import os
import platform
import random
from pathlib import Path

from bot.languages import load_examples
from bot.settings import ROOT

LANGS = ("en", "ar", "fa", "ur", "bn", "fr", "tr", "id")


def sample_messages(per_language: int, seed: int = 7) -> list[tuple[str, str]]:
    """(language, text) pairs drawn from the shipped NLU examples, spread evenly over the eight languages."""
    rng = random.Random(seed)
    examples = load_examples(ROOT / "nlu", LANGS)
    pairs: list[tuple[str, str]] = []
    for lang in LANGS:
        pool = examples[lang]
        pairs.extend((lang, rng.choice(pool)) for _ in range(per_language))
    rng.shuffle(pairs)
    return pairs


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, int(round(pct / 100 * len(ordered))))
    return ordered[min(rank, len(ordered)) - 1]


def machine() -> str:
    """One line describing the machine."""
    mem = 0
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        first = meminfo.read_text().splitlines()[0].split()
        mem = int(first[1]) // (1024 * 1024)
    return f"{os.cpu_count()} cores, {mem} GiB RAM, {platform.machine()}, Python {platform.python_version()}"
