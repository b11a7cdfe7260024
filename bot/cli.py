"""`rafiq`: a thin command line over the importable functions of bot/ (stdout machine-readable, progress on stderr).

Commands that need the trained model (classify, eval) load it through nlu.parser, the one adapter to Rasa.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from bot import logsafe
from bot.cli_handoff import add_commands
from bot.errors import RafiqError
from bot.settings import ROOT, Settings, load_settings

logger = logging.getLogger(__name__)


def _parser_for(settings: Settings) -> Any:
    """Load the current model (training it first if its inputs changed)."""
    from bot.model import train
    from nlu.parser import Parser

    model = train(Path(settings.model_dir))
    started = time.monotonic()
    parser = Parser(model, int(settings.max_message_chars))
    print(f"model loaded in {time.monotonic() - started:.1f}s", file=sys.stderr)
    return parser


def _read_jsonl(stream: TextIO) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise RafiqError(f"line {number} is not valid JSON: {exc.msg}") from exc
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            raise RafiqError(f'line {number} needs an object with a "text" string')
        yield number, row


def _progress(done: int, started: float) -> None:
    if done % 100 == 0:
        rate = done / max(time.monotonic() - started, 1e-9)
        print(f"  {done} messages ({rate:.0f}/s)", file=sys.stderr)


def cmd_classify(args: argparse.Namespace, settings: Settings) -> int:
    """JSON Lines {"id", "text"} in, {"id", "language", "topic", "urgency", "reasons"} out."""
    parser = _parser_for(settings)
    started = time.monotonic()
    done = 0
    for _number, row in _read_jsonl(sys.stdin):
        result = parser.classify(row["text"], settings.default_language)
        out = {"id": row.get("id"), "language": result["language"], "topic": result["topic"],
               "urgency": result["urgency"], "reasons": result["reasons"]}
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        done += 1
        _progress(done, started)
    elapsed = time.monotonic() - started
    print(f"classified {done} messages in {elapsed:.1f}s ({done / max(elapsed, 1e-9):.1f} messages/s)",
          file=sys.stderr)
    return 0


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    """Per-language accuracy table for a labelled file."""
    from bot.evaluation import evaluate, format_table

    parser = _parser_for(settings)
    rows = []
    started = time.monotonic()
    with open(args.file, encoding="utf-8") as stream:
        for _number, row in _read_jsonl(stream):
            row["pred"] = parser.classify(row["text"], settings.default_language)
            rows.append(row)
            _progress(len(rows), started)
    report = evaluate(rows)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(format_table(report))
    if args.errors:
        for row in rows:
            wrong = [k for k, g in (("language", "lang"), ("topic", "topic"), ("urgency", "urgency"))
                     if row["pred"][k] != row[g]]
            if wrong:
                print(json.dumps({"id": row.get("id"), "wrong": wrong, "text": row["text"],
                                  "gold": [row["lang"], row["topic"], row["urgency"]],
                                  "pred": [row["pred"]["language"], row["pred"]["topic"], row["pred"]["urgency"]]},
                                 ensure_ascii=False), file=sys.stderr)
    return 0


def cmd_train(args: argparse.Namespace, settings: Settings) -> int:
    """Train the model if its inputs changed (or always with --force)."""
    from bot.model import train

    print(train(Path(settings.model_dir), force=args.force))
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    """Train if needed, then serve Rasa and the action server in the foreground."""
    from bot.knowledge import load_knowledge
    from bot.model import train
    from bot.serve import serve

    load_knowledge(Path(settings.knowledge_dir))  # a broken knowledge file stops here, named in plain words
    model = train(Path(settings.model_dir))
    return serve(model, settings, port=args.port, actions_port=args.actions_port)


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    """A terminal conversation with the running bot (through the REST channel)."""
    url = settings.rasa_url.rstrip("/") + "/webhooks/rest/webhook"
    sender = f"cli-{uuid.uuid4().hex[:12]}"
    print("Type a message (Ctrl-D to quit).", file=sys.stderr)
    for line in sys.stdin:
        body = json.dumps({"sender": sender, "message": line.strip()}).encode()
        request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as reply:
            for message in json.load(reply):
                print("rafiq>", message.get("text", ""))
                for i, button in enumerate(message.get("buttons") or (), start=1):
                    print(f"   {i}. {button['title']}")
    return 0


def cmd_telegram_set_webhook(args: argparse.Namespace, settings: Settings) -> int:
    """Register the Telegram webhook (RAFIQ_PUBLIC_URL) with its secret token."""
    import asyncio

    from bot.telegram_api import set_webhook

    print(f"Telegram will send updates to {asyncio.run(set_webhook(settings, args.volunteers))}")
    return 0


def cmd_purge(args: argparse.Namespace, settings: Settings) -> int:
    """Delete conversations, addresses and closed cases idle for longer than --older-than (the server also
    does this every hour with RAFIQ_RETENTION_DAYS)."""
    from bot.retention import parse_age, purge

    try:
        age = parse_age(args.older_than or f"{settings.retention_days}d")
    except ValueError as exc:
        raise RafiqError(str(exc)) from exc
    print(f"deleted: {purge(settings.database_url, age)}")
    return 0


def cmd_kb_check(args: argparse.Namespace, settings: Settings) -> int:
    """Every problem in the knowledge folder; exit code 1 when there is an error."""
    from bot.kb_check import check

    findings = check(Path(settings.knowledge_dir), dt.date.today())
    for finding in findings:
        print(f"{finding.level}: {finding}")
    errors = sum(1 for f in findings if f.level == "error")
    print(f"{errors} errors, {len(findings) - errors} warnings")
    return 1 if errors else 0


def cmd_kb_show(args: argparse.Namespace, settings: Settings) -> int:
    """An article exactly as a person receives it on one channel."""
    from bot.kb_tools import show
    from bot.knowledge import load_knowledge

    print(show(load_knowledge(Path(settings.knowledge_dir)), args.id, args.lang, args.channel))
    return 0


def cmd_kb_report(args: argparse.Namespace, settings: Settings) -> int:
    """Write the HTML report and print its path."""
    from bot.kb_report import report

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report(Path(settings.knowledge_dir), dt.date.today()), encoding="utf-8")
    print(out)
    return 0


def cmd_kb_stats(args: argparse.Namespace, settings: Settings) -> int:
    """Counts of articles, translations, overdue reviews and texts over the SMS budget."""
    from bot.kb_tools import format_stats, stats

    figures = stats(Path(settings.knowledge_dir), dt.date.today())
    print(json.dumps(figures, indent=2) if args.json else format_stats(figures))
    return 0


def _add_kb(sub: Any) -> None:
    """`rafiq kb ...`: the editors' tools over knowledge/ (RAFIQ_KNOWLEDGE_DIR)."""
    kb = sub.add_parser("kb", help="editors' tools: check, show, report, stats").add_subparsers(dest="action",
                                                                                              required=True)
    kb.add_parser("check", help="list every problem in knowledge/ (exit code 1 on errors)").set_defaults(
        func=cmd_kb_check)
    p = kb.add_parser("show", help="an article exactly as a person receives it")
    p.add_argument("id", help="the article id (its file name without .yml)")
    p.add_argument("--lang", default="en", help="language code: en, ar, fa, ur, bn, fr, tr or id")
    p.add_argument("--channel", default="sms", choices=("sms", "whatsapp", "telegram", "web"))
    p.set_defaults(func=cmd_kb_show)
    p = kb.add_parser("report", help="write an HTML report on the knowledge folder")
    p.add_argument("--out", default=str(ROOT / "var" / "kb-report.html"), help="where to write it")
    p.set_defaults(func=cmd_kb_report)
    p = kb.add_parser("stats", help="translation, review and SMS figures")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.set_defaults(func=cmd_kb_stats)


def build_parser() -> argparse.ArgumentParser:
    """All commands and their options, wired in one place."""
    parser = argparse.ArgumentParser(prog="rafiq", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log at DEBUG level (never message text)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("classify", help="classify JSON Lines from stdin").set_defaults(func=cmd_classify)
    p = sub.add_parser("eval", help="accuracy table for a labelled JSON Lines file")
    p.add_argument("file")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.add_argument("--errors", action="store_true", help="list every wrong prediction on stderr")
    p.set_defaults(func=cmd_eval)
    p = sub.add_parser("train", help="train the model if its inputs changed")
    p.add_argument("--force", action="store_true")
    p.set_defaults(func=cmd_train)
    p = sub.add_parser("serve", help="serve Rasa (5005) and the action server (5055) on loopback")
    p.add_argument("--port", type=int, default=5005)
    p.add_argument("--actions-port", type=int, default=5055)
    p.set_defaults(func=cmd_serve)
    sub.add_parser("chat", help="chat with the running bot in the terminal").set_defaults(func=cmd_chat)
    telegram = sub.add_parser("telegram", help="Telegram bot set-up").add_subparsers(dest="action", required=True)
    p = telegram.add_parser("set-webhook", help="register RAFIQ_PUBLIC_URL/webhooks/telegram/webhook and its secret")
    p.add_argument("--volunteers", action="store_true",
                   help="the volunteers' bot instead (/webhooks/telegram_volunteers/webhook)")
    p.set_defaults(func=cmd_telegram_set_webhook)
    p = sub.add_parser("purge", help="delete everything idle for longer than the retention period")
    p.add_argument("--older-than", help="an age like 30d, 12h or 90m (default: RAFIQ_RETENTION_DAYS days)")
    p.set_defaults(func=cmd_purge)
    _add_kb(sub)
    add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `rafiq` command."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    logsafe.install()
    try:
        settings = load_settings()
        return int(args.func(args, settings))
    except RafiqError as exc:
        print(f"rafiq: {exc.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
