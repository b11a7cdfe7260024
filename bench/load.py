"""Load generator: N concurrent conversations in the eight languages through the REST channel at a URL.

Each conversation sends one message, waits for the reply, sends the next (a closed loop, like people typing), and
starts over as a new conversation every `--turns` messages (or when the bot falls silent: a handoff began). The
messages are the shipped NLU examples that the triage cues call routine (`--all`: every one, emergencies too).
Reports messages/s, p50/p95/p99 and errors (any HTTP status but 200, or a failed connection).

    .venv/bin/python -m bench.load [--url http://127.0.0.1:5005] [--conversations 16] [--seconds 30] [--turns 6]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import LANGS, machine, percentile
from bot.settings import ROOT

PATH = "/webhooks/rest/webhook"
# Questions about rights in every language: no handoff request, after which a conversation's turns skip Rasa.
SKIPPED_INTENTS = ("human_handoff", "choose_language")


@dataclass
class Result:
    """What one load run measured."""

    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    empty: int = 0

    @property
    def rate(self) -> float:
        """Answered messages per second."""
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def line(self, label: str) -> str:
        """One table row."""
        ms = [v * 1000 for v in self.latencies] or [0.0]
        return (f"{label:<34} {self.rate:7.1f} {percentile(ms, 50):7.0f} {percentile(ms, 95):7.0f} "
                f"{percentile(ms, 99):7.0f} {len(self.latencies):7d} {self.errors:6d}")


HEADER = f"{'configuration':<34} {'msg/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'msgs':>7} {'errors':>6}"


def routine_messages(cache_dir: Path = ROOT / "var" / "bench") -> list[str]:
    """`messages()` without those the triage cues mark urgent or emergency (each of those opens a handoff case, as
    it should, and stock Rasa has no such turn to compare with); cached, building the cue matcher takes a while."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted([*(ROOT / "nlu").rglob("*.yml"), *(ROOT / "knowledge" / "triage").rglob("*.yml")]):
        digest.update(path.read_bytes())
    cache = cache_dir / f"routine-{digest.hexdigest()[:12]}.json"
    if cache.exists():
        return list(json.loads(cache.read_text(encoding="utf-8")))
    from bot.triage import build_triage

    print("selecting routine messages (once: the cue matcher takes about a minute to build)...", file=sys.stderr)
    triage = build_triage(ROOT / "knowledge")
    chosen = [text for text in messages() if triage.classify(text).level == "routine"]
    cache_dir.mkdir(parents=True, exist_ok=True)
    for old in cache_dir.glob("routine-*.json"):
        old.unlink()
    cache.write_text(json.dumps(chosen, ensure_ascii=False), encoding="utf-8")
    return chosen


def messages(nlu_dir: Path = ROOT / "nlu") -> list[str]:
    """Rights questions and small talk from the shipped NLU examples, interleaved over the eight languages."""
    import yaml

    per_language: list[list[str]] = []
    for lang in LANGS:
        texts = []
        for path in sorted((nlu_dir / lang).glob("*.yml")):
            if path.stem in SKIPPED_INTENTS:
                continue
            for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or ():
                texts += [line.strip()[2:] for line in str(block.get("examples") or "").splitlines()
                          if line.strip().startswith("- ")]
        per_language.append(texts[::7] or texts)  # a spread of topics, not one file's run of examples
    return [text for group in itertools.zip_longest(*per_language) for text in group if text]


async def _conversation(session: aiohttp.ClientSession, url: str, texts: list[str], offset: int, turns: int,
                        stop_at: float, result: Result, timeout: float) -> None:
    sender, turn = f"load-{uuid.uuid4().hex[:12]}", 0
    for i in itertools.count(offset * 37):
        if time.monotonic() >= stop_at:
            return
        if turn == turns:
            sender, turn = f"load-{uuid.uuid4().hex[:12]}", 0
        body = json.dumps({"sender": sender, "message": texts[i % len(texts)]})
        started = time.perf_counter()
        try:
            async with session.post(url + PATH, data=body, headers={"Content-Type": "application/json"},
                                    timeout=aiohttp.ClientTimeout(total=timeout)) as reply:
                payload = await reply.read()
                ok = reply.status == 200
        except (aiohttp.ClientError, asyncio.TimeoutError):
            ok, payload = False, b""
        turn += 1
        if not ok:
            result.errors += 1
            continue
        result.latencies.append(time.perf_counter() - started)
        if payload.strip() in (b"[]", b""):  # a handoff began: the bot is silent now, the person waits
            result.empty += 1
            turn = turns


async def run_load(url: str, conversations: int, seconds: float, turns: int = 6, warmup: float = 5.0,
                   timeout: float = 120.0, texts: list[str] | None = None) -> Result:
    """Warm up for `warmup` seconds (not counted), then measure for `seconds`."""
    texts = texts or routine_messages()
    connector = aiohttp.TCPConnector(limit=conversations + 4, force_close=True)
    async with aiohttp.ClientSession(connector=connector) as session:
        if warmup > 0:
            scratch = Result(warmup)
            stop = time.monotonic() + warmup
            await asyncio.gather(*(_conversation(session, url, texts, i, turns, stop, scratch, timeout)
                                   for i in range(conversations)))
        result = Result(seconds)
        started = time.monotonic()
        await asyncio.gather(*(_conversation(session, url, texts, i + conversations, turns, started + seconds,
                                             result, timeout) for i in range(conversations)))
        result.seconds = time.monotonic() - started  # the last replies arrive a little after the deadline
    return result


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:5005")
    parser.add_argument("--conversations", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--turns", type=int, default=6, help="messages per conversation before a new one starts")
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--all", action="store_true", help="urgent and emergency messages too (they open cases)")
    args = parser.parse_args()
    texts = messages() if args.all else routine_messages()
    result = asyncio.run(run_load(args.url, args.conversations, args.seconds, args.turns, args.warmup, texts=texts))
    print(f"machine: {machine()}")
    print(f"{args.conversations} concurrent conversations of {args.turns} turns, eight languages, "
          f"{result.seconds:.0f} s, {result.empty} empty replies")
    print(HEADER)
    print(result.line(args.url))


if __name__ == "__main__":
    main()
