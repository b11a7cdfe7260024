"""The web console's request handlers (see channels/console.py): sign-in, queue, case, claim, reply, close."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console_auth import CODE_MINUTES, Session
from bot.errors import RafiqError
from bot.handoff import State
from bot.text import COMMAND_GUARD, sanitize
from bot.volunteer_lines import line_of
from bot.volunteer_text import DELIVERY_NOTES
from bot.volunteers import Volunteer

if TYPE_CHECKING:
    from channels.console import VolunteerConsole

logger = logging.getLogger(__name__)
Handler = Callable[..., Coroutine[Any, Any, HTTPResponse]]
BASE = "/webhooks/console"
COOKIE, PRE_COOKIE = "rafiq_console", "rafiq_console_pre"
CSS = Path(__file__).parent / "static" / "console.css"
MAX_FORM_BYTES = 16_384
MAX_NAME_CHARS = 64
NOTICES = {"claimed": "Case {case} is yours. The person was told a volunteer is here.",
           "replied": "Sent to the person of case {case}.",
           "closed": "Case {case} is closed; the bot answers the person again. Thank you."}
SENT = "If this name is registered, a code was sent to your phone or Telegram. It is valid {minutes} minutes."
NOT_SENT = ("The code could not be sent: your channel is not configured on this server. Please tell your "
            "coordinator.")
WRONG_CODE = "That code is wrong or no longer valid. Check the latest message, or ask for a new code."
BAD_FORM = "This form has expired or did not come from the console. Go back, reload the page and try again."


def see(path: str) -> HTTPResponse:
    """Redirect after a POST (303: the browser follows with a GET)."""
    return response.redirect(BASE + path, status=303)


def notice_of(request: Request) -> str:
    """The notice a redirect asked for (only fixed texts: nothing from the query string is shown)."""
    done, case, note = (request.args.get(k, "") for k in ("done", "case", "note"))
    text = NOTICES[done].format(case=int(case)) if done in NOTICES and case.isdigit() else ""
    return f"{text} Note: {DELIVERY_NOTES[note]}." if note in DELIVERY_NOTES else text


def routes(c: VolunteerConsole) -> list[tuple[str, list[str], Handler]]:
    """(path, methods, handler) of every console route, bound to the console `c`."""

    def posted(request: Request, session: Session | None) -> HTTPResponse | None:
        """Refuse an oversized form, or one without the right CSRF token (None: go on)."""
        if len(request.body or b"") > MAX_FORM_BYTES:
            return c.message("Too large", "That form is too large.", 413)
        ok = session.csrf_ok(c.form(request, "csrf")) if session is not None else c.pre_ok(request)
        if not ok:
            logger.warning("console: refused a form without a valid CSRF token")
        return None if ok else c.message("Form expired", BAD_FORM, 403, session)

    def acting(request: Request) -> tuple[Session, Volunteer] | HTTPResponse:
        """The signed-in volunteer of a POST that carries their session's CSRF token, or the answer to give."""
        who = c.signed_in(request)
        if who is None:
            return see("/signin")
        refused = posted(request, who[0])
        return refused if refused is not None else who

    async def console_home(request: Request) -> HTTPResponse:
        return response.redirect(BASE + "/queue")

    async def console_css(request: Request) -> HTTPResponse:
        return response.text(CSS.read_text(encoding="utf-8"), content_type="text/css; charset=utf-8")

    async def signin_form(request: Request) -> HTTPResponse:
        if c.signed_in(request) is not None:
            return response.redirect(BASE + "/queue")
        token = c.pre_token(request)
        return c.cookie(c.page("signin.html", csrf=token), PRE_COOKIE, token)

    async def signin(request: Request) -> HTTPResponse:
        refused = posted(request, None)
        if refused is not None:
            return refused
        token, name = request.cookies[PRE_COOKIE], sanitize(c.form(request, "name"), MAX_NAME_CHARS)
        if not name:
            return c.page("signin.html", 400, csrf=token, error="Write your name as your coordinator registered it.")
        wait = c.auth.limit("code_request", name, c.client(request))
        if wait:
            return c.too_many(wait)
        volunteer = c.desk.volunteers.get(name)
        if volunteer is not None:
            line = line_of(c.desk.lines, volunteer)
            if line is None:
                logger.warning("console: volunteer %d asked for a code; their channel is not configured", volunteer.id)
                return c.page("signin.html", 503, csrf=token, error=NOT_SENT)
            c.send_code(volunteer, line, c.auth.issue_code(volunteer.id))
        return c.page("code.html", csrf=token, name=name, notice=SENT.format(minutes=CODE_MINUTES))

    async def code_form(request: Request) -> HTTPResponse:
        return response.redirect(BASE + "/signin")

    async def code(request: Request) -> HTTPResponse:
        refused = posted(request, None)
        if refused is not None:
            return refused
        token, name = request.cookies[PRE_COOKIE], sanitize(c.form(request, "name"), MAX_NAME_CHARS)
        wait = c.auth.limit("code_try", name, c.client(request))
        if wait:
            return c.too_many(wait)
        volunteer = c.desk.volunteers.get(name) if name else None
        if volunteer is None or not c.auth.check_code(volunteer.id, c.form(request, "code")[:16]):
            return c.page("code.html", 401, csrf=token, name=name, error=WRONG_CODE)
        session = c.auth.open_session(volunteer.id)
        logger.info("console: volunteer %d signed in", volunteer.id)
        resp = c.cookie(see("/queue"), COOKIE, session.token)
        return c.cookie(resp, PRE_COOKIE, "", delete=True)

    async def queue(request: Request) -> HTTPResponse:
        who = c.signed_in(request)
        return see("/signin") if who is None else c.queue(*who, notice=notice_of(request))

    async def case(request: Request, case_id: int) -> HTTPResponse:
        who = c.signed_in(request)
        return see("/signin") if who is None else c.case_page(*who, case_id, notice=notice_of(request))

    async def claim(request: Request, case_id: int) -> HTTPResponse:
        who = acting(request)
        if isinstance(who, HTTPResponse):
            return who
        session, volunteer = who
        try:
            await c.desk.claim(case_id, volunteer)
        except RafiqError as exc:
            return c.queue(session, volunteer, exc.status, error=f"Not done: {exc.message}.")
        logger.info("console: volunteer %d claimed case %d", volunteer.id, case_id)
        return see(f"/case/{case_id}?done=claimed&case={case_id}")

    async def reply(request: Request, case_id: int) -> HTTPResponse:
        who = acting(request)
        if isinstance(who, HTTPResponse):
            return who
        session, volunteer = who
        found = c.desk.store.get(case_id)
        if found is None or (found.state != State.WAITING.value and found.volunteer_id != volunteer.id):
            return c.case_page(session, volunteer, case_id)  # says "no such case" or "not your case"
        text = sanitize(c.form(request, "text"), c.max_chars).removeprefix(COMMAND_GUARD)
        if not text:
            return c.case_page(session, volunteer, case_id, 400, error="Write a message first.")
        try:
            outcome = await c.desk.reply(case_id, volunteer, text)
        except RafiqError as exc:
            return c.case_page(session, volunteer, case_id, exc.status, error=f"Not sent: {exc.message}.")
        return see(f"/case/{case_id}?done=replied&case={case_id}&note={outcome}")

    async def close(request: Request, case_id: int) -> HTTPResponse:
        who = acting(request)
        if isinstance(who, HTTPResponse):
            return who
        session, volunteer = who
        found = c.desk.store.get(case_id)
        if found is not None and found.state == State.WAITING.value:
            return c.case_page(session, volunteer, case_id, 409, error="Not closed: claim the case first.")
        if found is None or found.volunteer_id != volunteer.id or found.state != State.ASSIGNED.value:
            return c.case_page(session, volunteer, case_id)  # says "no such case" or "not your case"
        try:
            await c.desk.close(case_id, f"volunteer:{volunteer.name}", volunteer)
        except RafiqError as exc:
            after = c.desk.store.get(case_id)
            if after is None or after.state != State.CLOSED.value:
                return c.case_page(session, volunteer, case_id, exc.status, error=f"Not closed: {exc.message}.")
            logger.warning("console: case %d closed, but a follow-up failed (%s)", case_id, type(exc).__name__)
        logger.info("console: volunteer %d closed case %d", volunteer.id, case_id)
        return see(f"/queue?done=closed&case={case_id}")

    async def signout(request: Request) -> HTTPResponse:
        who = acting(request)
        if isinstance(who, HTTPResponse):
            return who
        c.auth.close_session(who[0].token)
        return c.cookie(see("/signin"), COOKIE, "", delete=True)

    case_path = "/case/<case_id:int>"
    return [("/", ["GET"], console_home), ("/console.css", ["GET"], console_css),
            ("/signin", ["GET"], signin_form), ("/signin", ["POST"], signin), ("/code", ["GET"], code_form),
            ("/code", ["POST"], code), ("/queue", ["GET"], queue), (case_path, ["GET"], case),
            (case_path + "/claim", ["POST"], claim), (case_path + "/reply", ["POST"], reply),
            (case_path + "/close", ["POST"], close), ("/signout", ["POST"], signout)]
