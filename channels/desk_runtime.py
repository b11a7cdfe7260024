"""The one handoff desk of a Rasa server process, shared by every channel, and its timer."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sanic import Sanic

from bot import logsafe
from bot.case import Case
from bot.desk import Desk
from bot.settings import Settings
from bot.volunteer_commands import build_desk
from channels import rasa_speedups

logger = logging.getLogger(__name__)
_desks: dict[str, Desk] = {}


def shared_desk(settings: Settings) -> Desk:
    """The process's desk for this database (built on first use, when Rasa creates the channels)."""
    desk = _desks.get(settings.database_url)
    if desk is None:
        logsafe.install()  # the Rasa server's handlers exist by now: no personal data reaches its logs
        rasa_speedups.install()  # inside a Rasa server: validate action responses with a cached validator
        desk = _desks[settings.database_url] = build_desk(settings)
    return desk


def start_timer(app: Sanic, desk: Desk) -> None:
    """Start the desk's timer once per server (every channel that uses the desk calls this)."""
    logsafe.install()  # handlers added while the server started
    if getattr(app.ctx, "rafiq_desk_timer", None) is None:
        app.ctx.rafiq_desk_timer = asyncio.get_running_loop().create_task(desk.timer.run())
        logger.info("handoff desk timer started")


async def stop_timer(app: Sanic, desk: Desk) -> None:
    """Stop the timer and close the desk's connections (at shutdown)."""
    task: Any = getattr(app.ctx, "rafiq_desk_timer", None)
    if task is not None:
        task.cancel()
        app.ctx.rafiq_desk_timer = None
        await desk.aclose()


async def to_open_case(app: Sanic | None, desk: Desk, case: Case, text: str, understand: bool = True) -> None:
    """A person's message while their case is open: kept for the volunteer (relayed once assigned). Rasa's NLU
    reads it (no dialogue turn, so the bot stays silent) so that a danger cue re-prioritises the case."""
    parsed: dict[str, Any] = {}
    agent = getattr(app.ctx, "agent", None) if app is not None else None
    if understand and text and agent is not None:
        parsed = await agent.parse_message(text)
    urgency = parsed.get("urgency") or {}
    await desk.person_wrote(case, text or "(empty message)", urgency.get("level"), list(urgency.get("reasons") or []),
                            (parsed.get("intent") or {}).get("name"))
