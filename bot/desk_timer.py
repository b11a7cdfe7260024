"""The handoff desk's timer (one per Rasa server): sends the cards of cases the action server queued, widens cases
nobody claimed in time and tells the person what else they can do, and purges expired conversations hourly.

A turn that may have queued a case `kick`s it; under load nearly every turn does, so rounds run at most every
KICK_GAP seconds, and rounds between full ones look only at new cases.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from bot import replies
from bot.retention import purge
from bot.routing import office_hours

if TYPE_CHECKING:
    from bot.desk import Desk
    from bot.volunteers import Volunteer

logger = logging.getLogger(__name__)
TICK_SECONDS = 2.0
KICK_GAP = 0.25  # seconds: the shortest time between two timer rounds, however often turns kick
PURGE_SECONDS = 3600.0


class DeskTimer:
    """Offers, escalations and the retention purge of one desk, on a timer."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self._wake: asyncio.Event | None = None
        #: waiting cases nobody could be offered, with the volunteers and the minute of that attempt: each timer
        #: round retries them only when the volunteers changed or the clock reached a new minute (shifts start)
        self._unroutable: dict[int, tuple[tuple[Volunteer, ...], datetime]] = {}
        self._moment: tuple[tuple[Volunteer, ...], datetime] | None = None  # of the last full dispatch round
        self._next_full = datetime.min.replace(tzinfo=timezone.utc)
        self._newest = 0  # the highest case id any dispatch round saw

    async def dispatch(self) -> int:
        """Offer every waiting case nobody was offered yet (cases the action server queued); returns how many got a
        card. Rounds between full ones (every TICK_SECONDS, or when the volunteers or the minute changed) look only
        at cases newer than any seen, so a backlog nobody can take costs nothing per kick."""
        now = self.desk.clock()
        moment = (tuple(self.desk.volunteers.all()), now.replace(second=0, microsecond=0))
        full = moment != self._moment or now >= self._next_full
        fresh = self.desk.store.unoffered(after=0 if full else self._newest)
        self._newest = max([self._newest, *(case.id for case in fresh)])
        if full:
            self._moment, self._next_full = moment, now + timedelta(seconds=TICK_SECONDS)
            waiting = {case.id for case in fresh}
            self._unroutable = {case_id: seen for case_id, seen in self._unroutable.items() if case_id in waiting}
        offered = 0
        for case in fresh:
            if self._unroutable.get(case.id) == moment:
                continue
            if await self.desk.offer(case):
                offered += 1
            else:
                self._unroutable[case.id] = moment
        return offered

    async def escalate(self) -> int:
        """Widen cases unclaimed for too long to every on-duty volunteer and tell the person the fallback."""
        done = 0
        for stale in self.desk.store.due_for_escalation(self.desk.escalate_after):
            if not self.desk.store.mark_escalated(stale.id):
                continue  # another process got there first
            case = self.desk.store.require(stale.id)
            await self.desk.offer(case, widened=True, note="⏰ STILL WAITING: ")
            lines = [self.desk.person_text(case, "handoff_escalated")]
            hours = office_hours(self.desk.volunteers.all(), case.language)
            if hours:
                lines.append(self.desk.person_text(case, "handoff_office_hours", hours=hours))
            if self.desk.settings.handoff_hotline:
                lines.append(self.desk.person_text(case, "handoff_hotline", hotline=self.desk.settings.handoff_hotline))
            kb = self.desk.knowledge.get()
            if case.country in kb.countries:
                lines.append(replies.emergency_numbers(kb, case.language, str(case.country)).text)
            await self.desk.tell_person(case, [" ".join(lines)])
            done += 1
        return done

    async def tick(self) -> None:
        """One round of the timer."""
        await self.dispatch()
        await self.escalate()

    def kick(self) -> None:
        """Run the next timer round now (a turn may just have queued a case)."""
        if self._wake is not None:
            self._wake.set()

    async def run(self, interval: float = TICK_SECONDS) -> None:
        """The timer loop of the server (cancelled at shutdown): offers, escalations, and the hourly retention
        purge; an error is logged and the loop goes on."""
        self._wake = asyncio.Event()
        next_purge = last = 0.0
        while True:
            # Under load nearly every turn kicks: rounds run at most every KICK_GAP seconds, each one for all.
            await asyncio.sleep(max(0.0, last + KICK_GAP - time.monotonic()))
            last = time.monotonic()
            try:
                await self.tick()
                if time.monotonic() >= next_purge:
                    next_purge = time.monotonic() + PURGE_SECONDS
                    purge(self.desk.settings.database_url, timedelta(days=float(self.desk.settings.retention_days)))
            except Exception:
                logger.exception("handoff desk: a timer round failed")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), interval)
            self._wake.clear()
