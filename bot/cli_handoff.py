"""`rafiq handoff …` and `rafiq volunteer …`: operators' commands over the handoff queue and the registry."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from bot.audit import AuditLog
from bot.case import Case
from bot.handoff import OPEN, HandoffStore, State
from bot.settings import Settings
from bot.volunteers import VolunteerStore

T = TypeVar("T")
STATES = (State.WAITING.value, State.ASSIGNED.value, State.CLOSED.value)


def _with_desk(settings: Settings, work: Callable[[Any], Awaitable[T]]) -> T:
    """Run `work(desk)` with a desk of its own (it reaches the providers directly), then close it."""
    from bot.volunteer_commands import build_desk

    async def go() -> T:
        desk = build_desk(settings)
        try:
            return await work(desk)
        finally:
            await desk.aclose()

    return asyncio.run(go())


def _row(case: Case, names: dict[int, str]) -> dict[str, Any]:
    return case.as_json(names.get(case.volunteer_id or -1))


def cmd_handoff_list(args: argparse.Namespace, settings: Settings) -> int:
    """Open cases in queue order (--all: closed ones too)."""
    store = HandoffStore(settings.database_url)
    names = {v.id: v.name for v in VolunteerStore(settings.database_url, settings.pepper).all()}
    cases = [_row(c, names) for c in store.cases(STATES if args.all else OPEN)]
    if args.json:
        print(json.dumps(cases, indent=2, ensure_ascii=False))
        return 0
    for c in cases:
        who = f" → {c['volunteer']}" if c["volunteer"] else ""
        print(f"#{c['id']:<5} {c['state']:<9} {c['urgency']:<10} {c['language']:<3} {c['topic'] or '-':<16} "
              f"{c['created_at'][:16]}{who}")
    print(f"{len(cases)} cases")
    return 0


def cmd_handoff_show(args: argparse.Namespace, settings: Settings) -> int:
    """One case with its transitions (who, when) and, with --messages, its conversation."""
    store = HandoffStore(settings.database_url)
    case = store.require(args.id)
    out = _row(case, {v.id: v.name for v in VolunteerStore(settings.database_url, settings.pepper).all()})
    out["events"] = [e.__dict__ for e in store.events(case.id)]
    audit = AuditLog(settings.database_url)
    audit.record("operator", "view messages" if args.messages else "view", case.id)
    if args.messages:
        out["messages"] = [m.__dict__ for m in store.messages(case.id)]
    out["audit"] = [e.__dict__ for e in audit.entries(case.id)]
    print(json.dumps(out, indent=2, ensure_ascii=False))
    return 0


def cmd_handoff_claim(args: argparse.Namespace, settings: Settings) -> int:
    """Claim a case for a registered volunteer (the person and the other volunteers are told)."""
    volunteer = VolunteerStore(settings.database_url, settings.pepper).require(args.volunteer)
    case = _with_desk(settings, lambda desk: desk.claim(args.id, volunteer))
    print(f"case {case.id} claimed by {volunteer.name}")
    return 0


def cmd_handoff_reply(args: argparse.Namespace, settings: Settings) -> int:
    """Send a message to the person of an assigned case, on their channel."""
    outcome = _with_desk(settings, lambda desk: desk.reply(args.id, None, args.text))
    print(f"case {args.id}: {outcome}")
    return 0 if outcome in ("sent", "stored") else 1


def cmd_handoff_close(args: argparse.Namespace, settings: Settings) -> int:
    """Close a case; the person is told the bot answers again."""
    case = _with_desk(settings, lambda desk: desk.close(args.id, "operator"))
    print(f"case {case.id} closed")
    return 0


def cmd_volunteer_add(args: argparse.Namespace, settings: Settings) -> int:
    """Register a volunteer."""
    languages = [lang.strip() for lang in args.languages.split(",") if lang.strip()]
    volunteer = VolunteerStore(settings.database_url, settings.pepper).add(
        args.name, languages, args.channel, args.address, args.hours, args.timezone, args.max_open, args.share_name)
    print(f"volunteer {volunteer.name} added ({', '.join(volunteer.languages)}, {volunteer.channel})")
    return 0


def cmd_volunteer_list(args: argparse.Namespace, settings: Settings) -> int:
    """The registry (addresses masked)."""
    volunteers = [v.public() for v in VolunteerStore(settings.database_url, settings.pepper).all()]
    if args.json:
        print(json.dumps(volunteers, indent=2, ensure_ascii=False))
        return 0
    for v in volunteers:
        state = "paused" if v["paused"] else "active"
        print(f"{v['name']:<20} {','.join(v['languages']):<12} {v['channel']:<9} {v['address']:<8} "
              f"{v['hours'] or 'any time'} {v['timezone']} {state}")
    print(f"{len(volunteers)} volunteers")
    return 0


def cmd_volunteer_pause(args: argparse.Namespace, settings: Settings) -> int:
    """Stop offering new cases to a volunteer (resume with `rafiq volunteer resume`)."""
    VolunteerStore(settings.database_url, settings.pepper).set_paused(args.name, not args.resume)
    print(f"volunteer {args.name} {'resumed' if args.resume else 'paused'}")
    return 0


def cmd_volunteer_remove(args: argparse.Namespace, settings: Settings) -> int:
    """Delete a volunteer from the registry."""
    volunteer = VolunteerStore(settings.database_url, settings.pepper).remove(args.name)
    print(f"volunteer {volunteer.name} removed")
    return 0


def add_commands(sub: Any) -> None:
    """Wire `rafiq handoff` and `rafiq volunteer` into the main parser."""
    handoff = sub.add_parser("handoff", help="the handoff queue").add_subparsers(dest="action", required=True)
    p = handoff.add_parser("list", help="open cases, most urgent first")
    p.add_argument("--json", action="store_true", help="print a JSON array")
    p.add_argument("--all", action="store_true", help="closed cases too")
    p.set_defaults(func=cmd_handoff_list)
    p = handoff.add_parser("show", help="one case with its transitions")
    p.add_argument("id", type=int)
    p.add_argument("--messages", action="store_true", help="include the conversation (sensitive)")
    p.set_defaults(func=cmd_handoff_show)
    p = handoff.add_parser("claim", help="claim a case for a volunteer")
    p.add_argument("id", type=int)
    p.add_argument("--volunteer", required=True, help="the volunteer's registered name")
    p.set_defaults(func=cmd_handoff_claim)
    p = handoff.add_parser("reply", help="send a message to the person of an assigned case")
    p.add_argument("id", type=int)
    p.add_argument("text")
    p.set_defaults(func=cmd_handoff_reply)
    p = handoff.add_parser("close", help="close a case (the bot answers the person again)")
    p.add_argument("id", type=int)
    p.set_defaults(func=cmd_handoff_close)

    volunteer = sub.add_parser("volunteer", help="the volunteer registry").add_subparsers(dest="action",
                                                                                         required=True)
    p = volunteer.add_parser("add", help="register a volunteer")
    p.add_argument("name")
    p.add_argument("--languages", required=True, help="language codes, like en,ar")
    p.add_argument("--channel", required=True, choices=("telegram", "sms", "whatsapp"))
    p.add_argument("--address", required=True, help="Telegram user id, or phone number like +905321234567")
    p.add_argument("--hours", help="on-duty hours like 08:00-20:00 (default: any time)")
    p.add_argument("--timezone", default="UTC", help="time zone of the hours, like Europe/Istanbul")
    p.add_argument("--max-open", type=int, default=3, help="most cases at once (default 3)")
    p.add_argument("--share-name", action="store_true", help="people may be told the volunteer's first name")
    p.set_defaults(func=cmd_volunteer_add)
    p = volunteer.add_parser("list", help="registered volunteers")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_volunteer_list)
    p = volunteer.add_parser("pause", help="offer no new cases to a volunteer")
    p.add_argument("name")
    p.set_defaults(func=cmd_volunteer_pause, resume=False)
    p = volunteer.add_parser("resume", help="offer cases to a paused volunteer again")
    p.add_argument("name")
    p.set_defaults(func=cmd_volunteer_pause, resume=True)
    p = volunteer.add_parser("remove", help="delete a volunteer from the registry")
    p.add_argument("name")
    p.set_defaults(func=cmd_volunteer_remove)
