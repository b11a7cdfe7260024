"""The volunteers' web console at /webhooks/console/: sign in with a one-time code, see the queue, claim a case,
read and answer its conversation, close it. Server-rendered HTML, no JavaScript.

Only registered volunteers act. A code goes to the volunteer's own channel (Telegram, SMS or WhatsApp); the
session lives in an HttpOnly, SameSite=Strict cookie; every POST carries a CSRF token; sign-in requests and
code guesses are rate-limited per name and per client address (behind a proxy, set SANIC_PROXIES_COUNT or
SANIC_REAL_IP_HEADER so the client address is the real one). Codes, tokens, names and texts are never logged.
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console_auth import CODE_MINUTES, ConsoleAuth, Session
from bot.handoff import State
from bot.routing import local_time
from bot.settings import Settings, load_settings
from bot.volunteer_lines import VolunteerLine
from bot.volunteer_text import language_name
from bot.volunteers import Volunteer
from channels.console_routes import BASE, COOKIE, PRE_COOKIE, Handler, routes
from channels.desk_runtime import shared_desk, start_timer, stop_timer

logger = logging.getLogger(__name__)
TEMPLATES = Path(__file__).parent / "templates" / "console"
TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)
CODE_TEXT = ("Your Rafiq console code: {code} (valid {minutes} minutes). If you did not ask for it, ignore this "
             "message.")
HEADERS = {"Content-Security-Policy": "default-src 'self'; form-action 'self'; frame-ancestors 'none'; "
                                      "base-uri 'none'; object-src 'none'",
           "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store",
           "X-Content-Type-Options": "nosniff"}


def _secured(handler: Handler) -> Handler:
    """Add the security headers to every answer; an unexpected error becomes a plain 500 page."""

    @functools.wraps(handler)
    async def wrapper(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
        try:
            resp = await handler(request, *args, **kwargs)
        except Exception as exc:
            logger.error("console: a request failed (%s)", type(exc).__name__)
            resp = response.text("Something went wrong. Please try again.", status=500)
        for name, value in HEADERS.items():
            resp.headers[name] = value
        return resp

    return wrapper


class VolunteerConsole(InputChannel):
    """Web pages for registered volunteers: sign-in, queue, case (conversation, reply, close), sign-out."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.desk = shared_desk(settings)
        self.auth = ConsoleAuth(settings.database_url, settings.pepper, float(settings.console_session_minutes))
        self.secure = str(settings.public_url or "").startswith("https")
        self.max_chars = int(settings.max_message_chars)
        self.pages = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True)
        self.pages.filters["when"] = local_time
        self.pages.globals.update(base=BASE, language_name=language_name, max_chars=self.max_chars)
        self._sending: set[asyncio.Task[None]] = set()

    @classmethod
    def name(cls) -> str:
        """Served at /webhooks/console/."""
        return "console"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> VolunteerConsole:
        """Nothing in credentials.yml: the console reads the settings table."""
        return cls(load_settings())

    # -- helpers ----------------------------------------------------------------------------------------------

    def page(self, template: str, status: int = 200, **values: Any) -> HTTPResponse:
        """A rendered page (Jinja2 autoescapes every value)."""
        return response.html(self.pages.get_template(template).render(**values), status=status)

    def message(self, title: str, text: str, status: int, session: Session | None = None) -> HTTPResponse:
        """A short page that only says something (errors, refusals)."""
        return self.page("message.html", status, title=title, text=text, session=session)

    def cookie(self, resp: HTTPResponse, name: str, value: str, delete: bool = False) -> HTTPResponse:
        """Set (or delete) a console cookie: HttpOnly, SameSite=Strict, only under the console's path."""
        resp.cookies[name] = value
        resp.cookies[name]["path"] = BASE + "/"
        resp.cookies[name]["httponly"] = True
        resp.cookies[name]["samesite"] = "Strict"
        if self.secure:
            resp.cookies[name]["secure"] = True
        if delete:
            resp.cookies[name]["max-age"] = 0
        return resp

    def signed_in(self, request: Request) -> tuple[Session, Volunteer] | None:
        """The session and volunteer of this request; None when signed out, expired or no longer registered."""
        session = self.auth.session(request.cookies.get(COOKIE))
        if session is None:
            return None
        volunteer = self.desk.volunteers.by_id(session.volunteer_id)
        if volunteer is None:
            self.auth.close_sessions_of(session.volunteer_id)
            return None
        return session, volunteer

    @staticmethod
    def form(request: Request, field: str) -> str:
        """One field of a posted form ('' when absent)."""
        value = request.form.get(field) if request.form else None
        return value if isinstance(value, str) else ""

    @staticmethod
    def client(request: Request) -> str:
        """The client's address (the proxy's forwarded one when Sanic is told to trust it)."""
        return str(request.remote_addr or request.ip or "unknown")

    def pre_token(self, request: Request) -> str:
        """The sign-in forms' CSRF token: the one in the pre-session cookie, or a new one."""
        given = request.cookies.get(PRE_COOKIE, "")
        return given if TOKEN.fullmatch(given) else secrets.token_urlsafe(32)

    def pre_ok(self, request: Request) -> bool:
        """True when a sign-in form carries the token of its own pre-session cookie (double submit)."""
        cookie, field = request.cookies.get(PRE_COOKIE, ""), self.form(request, "csrf")
        return bool(TOKEN.fullmatch(cookie)) and hmac.compare_digest(cookie.encode(), field.encode())

    def too_many(self, minutes: int) -> HTTPResponse:
        """The rate limit's answer."""
        unit = "minute" if minutes == 1 else "minutes"
        return self.message("Too many attempts", f"Too many attempts, try again in {minutes} {unit}.", 429)

    def send_code(self, volunteer: Volunteer, line: VolunteerLine, code: str) -> None:
        """Send the code in the background, so a registered name answers as fast as an unknown one."""

        async def send() -> None:
            try:
                await line.send(volunteer.address, CODE_TEXT.format(code=code, minutes=CODE_MINUTES))
                logger.info("console: a sign-in code was sent to volunteer %d", volunteer.id)
            except Exception as exc:
                logger.error("console: the sign-in code to volunteer %d was not delivered (%s)", volunteer.id,
                             type(exc).__name__)

        task = asyncio.get_running_loop().create_task(send())
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    # -- pages ------------------------------------------------------------------------------------------------

    def queue(self, session: Session, volunteer: Volunteer, status: int = 200, error: str = "",
              notice: str = "") -> HTTPResponse:
        """The volunteer's own cases, then the waiting ones (their languages first, then queue order)."""
        mine = self.desk.store.cases((State.ASSIGNED.value,), volunteer_id=volunteer.id)
        waiting = sorted(self.desk.store.cases((State.WAITING.value,)), key=lambda c: not volunteer.speaks(c.language))
        return self.page("queue.html", status, session=session, volunteer=volunteer, mine=mine, waiting=waiting,
                         error=error, notice=notice, refresh=15)

    def case_page(self, session: Session, volunteer: Volunteer, case_id: int, status: int = 200, error: str = "",
                  notice: str = "") -> HTTPResponse:
        """A waiting case (its card and Claim) or one of the volunteer's cases (conversation, reply, close)."""
        case = self.desk.store.get(case_id)
        if case is None:
            return self.message("No such case", f"There is no case {case_id}.", 404, session)
        mine = case.state == State.ASSIGNED.value and case.volunteer_id == volunteer.id
        if case.state != State.WAITING.value and not mine:
            return self.message("Not your case", f"Case {case_id} is not your case.", 403, session)
        said = self.desk.store.messages(case.id) if mine else []
        self.desk.audit.record(f"volunteer:{volunteer.name}", "console conversation" if mine else "console card",
                               case.id)
        return self.page("case.html", status, session=session, volunteer=volunteer, case=case, mine=mine,
                         messages=said, error=error, notice=notice, refresh=0 if mine else 15)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The console's routes (nothing here reaches Rasa)."""
        bp = Blueprint("rafiq_console", __name__)
        for path, methods, handler in routes(self):
            bp.add_route(_secured(handler), path, methods=methods, name=handler.__name__)

        @bp.listener("after_server_start")
        async def start(app: Sanic, _loop: Any) -> None:
            start_timer(app, self.desk)

        @bp.listener("before_server_stop")
        async def stop(app: Sanic, _loop: Any) -> None:
            await stop_timer(app, self.desk)

        return bp

