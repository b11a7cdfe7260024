"""Who is offered a case, and what the waiting person is told: pure functions over the case and the registry.

- routine and urgent cases go to the on-duty volunteers who speak the person's language and have room for
  another case, least busy first, `fanout` of them at a time;
- an emergency goes to every on-duty volunteer who speaks the language, however busy (to every on-duty
  volunteer when none speaks it);
- an escalated case (unclaimed for too long) goes to every on-duty volunteer.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.case import Case
from bot.knowledge import KnowledgeBase
from bot.volunteers import Volunteer


def recipients(case: Case, volunteers: Iterable[Volunteer], load: dict[int, int], now: datetime,
               fanout: int, widened: bool = False) -> list[Volunteer]:
    """The volunteers to send this case's card to, best first."""
    on_duty = [v for v in volunteers if v.on_duty(now)]
    speakers = [v for v in on_duty if v.speaks(case.language)]
    by_load = sorted(on_duty, key=lambda v: (not v.speaks(case.language), load.get(v.id, 0), v.name))
    if widened:
        return by_load
    if case.urgency == "emergency":
        return [v for v in by_load if v.speaks(case.language)] or by_load
    return [v for v in by_load if v in speakers and load.get(v.id, 0) < v.max_open][:fanout]


def format_start(moment: datetime) -> str:
    """A shift start as people read it: '08:00 (UTC+03:00)'."""
    offset = moment.strftime("%z")
    return f"{moment:%H:%M} (UTC{offset[:3]}:{offset[3:]})"


def queue_notice(kb: KnowledgeBase, lang: str, case: Case, position: int, volunteers: Iterable[Volunteer],
                 now: datetime, typical_wait: timedelta | None, escalate_after: timedelta) -> str:
    """What happens next and how long it may take, in the person's language, as one message."""
    speakers = [v for v in volunteers if v.speaks(case.language) and not v.paused]
    lines = [kb.text(lang, "handoff_recorded"), kb.text(lang, "handoff_position", position=position)]
    if any(v.on_duty(now) for v in speakers):
        wait = typical_wait if typical_wait is not None else escalate_after
        lines.append(kb.text(lang, "handoff_wait_minutes", minutes=max(1, math.ceil(wait.total_seconds() / 60))))
    else:
        starts = [s for s in (v.next_start(now) for v in speakers) if s is not None]
        if starts:
            lines.append(kb.text(lang, "handoff_wait_off_duty", time=format_start(min(starts))))
        else:
            lines.append(kb.text(lang, "handoff_wait_unknown"))
    lines.append(kb.text(lang, "handoff_quiet"))
    return " ".join(lines)


def office_hours(volunteers: Iterable[Volunteer], language: str) -> str | None:
    """The on-duty hours of the volunteers speaking `language`, e.g. '08:00-20:00 (Europe/Istanbul)'."""
    hours = sorted({f"{v.hours} ({v.tz})" for v in volunteers if v.speaks(language) and v.hours and not v.paused})
    return ", ".join(hours[:2]) or None


def local_time(moment: datetime, tz: str) -> str:
    """A time in a volunteer's zone, for case cards."""
    return format_start(moment.astimezone(ZoneInfo(tz)))
