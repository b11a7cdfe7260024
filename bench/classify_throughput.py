"""`rafiq classify` throughput: messages per second through the trained model, one process; and the time
`bot.redact` takes per message (it runs on every text a volunteer or a log could see).

Usage: python bench/classify_throughput.py [--per-language 128]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import machine, sample_messages
from bot.model import train
from bot.redact import redact
from bot.settings import ROOT


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per-language", type=int, default=128)
    args = parser.parse_args()
    from nlu.parser import Parser

    started = time.perf_counter()
    classifier = Parser(train(ROOT / "models"))
    load = time.perf_counter() - started
    messages = sample_messages(args.per_language, seed=11)
    for _, text in messages[:16]:
        classifier.classify(text)
    started = time.perf_counter()
    for _, text in messages:
        classifier.classify(text)
    elapsed = time.perf_counter() - started
    print(f"machine: {machine()}")
    print(f"classify: {len(messages)} messages in {elapsed:.1f}s = {len(messages) / elapsed:.0f} messages/s "
          f"(one process; model load {load:.1f}s)")
    plain = [text for _, text in messages]
    with_contact = [f"{text} my number is +90 532 111 22 33, passport U12345678" for text in plain]
    for name, texts in (("plain", plain), ("with a phone and an ID number", with_contact)):
        redact(texts[0])
        started = time.perf_counter()
        for _ in range(5):
            for text in texts:
                redact(text)
        per_message = (time.perf_counter() - started) / (5 * len(texts))
        print(f"redact, {name}: {per_message * 1000:.3f} ms per message ({len(texts)} messages, 5 rounds)")


if __name__ == "__main__":
    main()
