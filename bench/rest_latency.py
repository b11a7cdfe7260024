"""REST latency of the running stack: p50/p95/p99 over messages in the eight languages.

Usage: python bench/rest_latency.py [--url http://127.0.0.1:5005] [--per-language 64] [--spawn]
With --spawn the benchmark starts its own Rasa + action server on free ports (SQLite tracker store).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.request
import uuid
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import machine, percentile, sample_messages


def post(url: str, sender: str, text: str) -> list[dict]:
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(url + "/webhooks/rest/webhook", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as reply:
        return json.load(reply)


def run(url: str, per_language: int, turns: int) -> None:
    messages = sample_messages(per_language)
    senders: dict[str, str] = {}
    latencies: list[float] = []
    by_lang: dict[str, list[float]] = defaultdict(list)
    errors = 0
    for _ in range(8):  # warm-up, not counted
        post(url, f"warm-{uuid.uuid4().hex[:8]}", "hello")
    for i, (lang, text) in enumerate(messages):
        key = f"{lang}-{i // turns}"
        sender = senders.setdefault(key, f"bench-{uuid.uuid4().hex[:12]}")
        started = time.perf_counter()
        try:
            post(url, sender, text)
        except OSError:
            errors += 1
            continue
        elapsed = (time.perf_counter() - started) * 1000
        latencies.append(elapsed)
        by_lang[lang].append(elapsed)
        if (i + 1) % 100 == 0:
            print(f"  {i + 1}/{len(messages)}", file=sys.stderr)
    print(f"machine: {machine()}")
    print(f"REST latency, {len(latencies)} messages ({len(by_lang)} languages, conversations of {turns} turns), "
          f"sequential, errors: {errors}")
    print(f"  all: p50 {percentile(latencies, 50):.1f} ms  p95 {percentile(latencies, 95):.1f} ms  "
          f"p99 {percentile(latencies, 99):.1f} ms")
    for lang, values in sorted(by_lang.items()):
        print(f"  {lang}: p50 {percentile(values, 50):.1f} ms  p95 {percentile(values, 95):.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:5005")
    parser.add_argument("--per-language", type=int, default=64, help="messages per language (8 languages)")
    parser.add_argument("--turns", type=int, default=4, help="messages per conversation")
    parser.add_argument("--spawn", action="store_true", help="start a private stack on free ports")
    args = parser.parse_args()
    if not args.spawn:
        run(args.url, args.per_language, args.turns)
        return
    from bench.stack import private_stack

    with private_stack() as url:
        run(url, args.per_language, args.turns)


if __name__ == "__main__":
    main()
