"""The volunteers' web console on the real Rasa server: sign in with a code sent to the volunteer's Telegram, claim,
answer and close a case in a headless Chromium; CSRF, same answer for unknown names, dead codes, rate limits."""

from __future__ import annotations

import itertools
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from bot.case import Case
from bot.handoff import HandoffStore
from bot.volunteers import Volunteer, VolunteerStore
from tests.browser import headless_chromium
from tests.server.conftest import Stack

pytestmark = [pytest.mark.server, pytest.mark.browser]
CONSOLE = "/webhooks/console"
ASK_HUMAN = "I want to talk to a human volunteer"
_ids = itertools.count(7_300_001)


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    """Debian's chromium, headless, phone-sized (360x740)."""
    with headless_chromium(360, 740) as chrome:
        yield chrome


def register(stack: Stack, name: str) -> Volunteer:
    """A volunteer on the volunteers' Telegram bot, with a unique id (the session's stack is shared)."""
    user_id = str(next(_ids))
    store = VolunteerStore(stack.env["RAFIQ_DATABASE_URL"], stack.env.get("RAFIQ_PEPPER"))
    return store.add(f"{name} {user_id[-3:]}", ["en"], "telegram", user_id)


def open_case(stack: Stack) -> Case:
    """A web-chat person asks for a human; the case the bot queued."""
    sender = f"console-person-{next(_ids)}"
    stack.say(sender, ASK_HUMAN)
    case = HandoffStore(stack.env["RAFIQ_DATABASE_URL"]).open_for(sender)
    assert case is not None and case.state == "waiting"
    return case


def codes_for(stack: Stack, volunteer: Volunteer) -> list[str]:
    """Every console code the volunteers' bot sent this volunteer so far."""
    return [re.search(r"code: (\d{6})", m["body"] or "")[1]  # type: ignore[index]
            for m in list(stack.fakes.state.sent)
            if m["to"] == volunteer.address and m.get("bot") == "volunteers" and "console code" in (m["body"] or "")]


def next_code(stack: Stack, volunteer: Volunteer, before: int, timeout: float = 30) -> str:
    """Wait for a new code (it is sent in the background)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = codes_for(stack, volunteer)
        if len(found) > before:
            return found[-1]
        time.sleep(0.1)
    raise AssertionError("no console code was sent")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Client:
    """A cookie-keeping HTTP client that does not follow redirects (urllib's jar drops Secure cookies on http)."""

    def __init__(self, stack: Stack) -> None:
        self.url = stack.url + CONSOLE
        self.cookies: dict[str, str] = {}
        self.opener = urllib.request.build_opener(NoRedirect)

    def go(self, path: str, form: dict[str, str] | None = None) -> tuple[int, str, Any]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(self.url + path, data)
        if self.cookies:
            request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        try:
            with self.opener.open(request, timeout=60) as reply:
                status, body, headers = reply.status, reply.read().decode(), reply.headers
        except urllib.error.HTTPError as err:
            status, body, headers = err.code, err.read().decode(), err.headers
        for line in headers.get_all("Set-Cookie") or []:
            name, _, rest = line.partition("=")
            value = rest.split(";")[0].strip('"')
            if "max-age=0" in line.lower():
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return status, body, headers

    def csrf(self, path: str) -> str:
        status, body, _ = self.go(path)
        assert status == 200, body
        return hidden(body, "csrf")

    def ask_code(self, name: str) -> tuple[int, str]:
        status, body, _ = self.go("/signin", {"csrf": self.csrf("/signin"), "name": name})
        return status, body

    def sign_in(self, stack: Stack, volunteer: Volunteer) -> None:
        before = len(codes_for(stack, volunteer))
        status, page = self.ask_code(volunteer.name)
        assert status == 200, page
        code = next_code(stack, volunteer, before)
        status, _, headers = self.go("/code", {"csrf": hidden(page, "csrf"), "name": volunteer.name, "code": code})
        assert status == 303 and headers["Location"] == CONSOLE + "/queue"
        assert "rafiq_console" in self.cookies


def hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, page
    return match[1]


def test_a_volunteer_signs_in_claims_answers_and_closes_in_a_browser(stack: Stack, browser: webdriver.Chrome
                                                                      ) -> None:
    helper = register(stack, "Amina Console")
    case = open_case(stack)
    store = HandoffStore(stack.env["RAFIQ_DATABASE_URL"])
    browser.get(stack.url + CONSOLE + "/queue")
    assert browser.current_url.endswith(CONSOLE + "/signin"), "signed out: the queue sends you to sign in"
    before = len(codes_for(stack, helper))
    browser.find_element(By.ID, "name").send_keys(helper.name)
    browser.find_element(By.ID, "send-code").click()
    notice = WebDriverWait(browser, 30).until(lambda b: b.find_element(By.ID, "notice"))  # the sign-in page has none
    assert "If this name is registered, a code was sent" in notice.text
    browser.find_element(By.ID, "code").send_keys(next_code(stack, helper, before))
    browser.find_element(By.ID, "sign-in").click()
    card = WebDriverWait(browser, 30).until(lambda b: b.find_element(By.ID, f"case-{case.id}"))
    assert "asked for a person" in card.text or case.reasons[0] in card.text
    assert browser.current_url.endswith(CONSOLE + "/queue")
    cookie = next(c for c in browser.get_cookies() if c["name"] == "rafiq_console")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["secure"]
    assert cookie["path"] == CONSOLE + "/"
    assert browser.execute_script("return document.documentElement.scrollWidth") <= browser.execute_script(
        "return window.innerWidth"), "no sideways scrolling on a phone"

    browser.find_element(By.ID, f"claim-{case.id}").click()
    WebDriverWait(browser, 30).until(lambda b: f"/case/{case.id}?done=claimed" in b.current_url)
    assert f"Case {case.id} is yours" in browser.find_element(By.ID, "notice").text
    assert store.require(case.id).state == "assigned" and store.require(case.id).volunteer_id == helper.id
    said = browser.find_elements(By.CSS_SELECTOR, "#conversation .msg.person .text")
    assert any(ASK_HUMAN in s.text for s in said) and said[0].get_attribute("dir") == "auto"

    reply = "مرحبا، أنا أمينة. Hello, I am Amina: how can I help?"
    browser.find_element(By.ID, "text").send_keys(reply)
    browser.find_element(By.ID, "send").click()
    WebDriverWait(browser, 30).until(lambda b: "done=replied" in b.current_url)
    assert "Sent to the person" in browser.find_element(By.ID, "notice").text
    assert any(m.author == "volunteer" and m.text == reply for m in store.messages(case.id))
    shown = browser.find_elements(By.CSS_SELECTOR, "#conversation .msg.volunteer .text")
    assert shown[-1].text == reply and shown[-1].get_attribute("dir") == "auto"
    assert browser.execute_script("return getComputedStyle(arguments[0]).direction", shown[-1]) == "rtl"

    browser.find_element(By.ID, "close").click()
    WebDriverWait(browser, 30).until(lambda b: b.current_url.endswith(f"/queue?done=closed&case={case.id}"))
    assert f"Case {case.id} is closed" in browser.find_element(By.ID, "notice").text
    assert store.require(case.id).state == "closed"
    browser.get(stack.url + CONSOLE + f"/case/{case.id}")
    assert "not your case" in browser.find_element(By.ID, "message").text

    browser.get(stack.url + CONSOLE + "/queue")
    browser.find_element(By.ID, "signout").click()
    WebDriverWait(browser, 30).until(lambda b: b.current_url.endswith(CONSOLE + "/signin"))
    assert not any(c["name"] == "rafiq_console" for c in browser.get_cookies())


def test_posts_without_the_csrf_token_are_refused(stack: Stack) -> None:
    helper, case = register(stack, "Bilal Console"), open_case(stack)
    client = Client(stack)
    status, body, _ = client.go("/signin", {"name": helper.name})
    assert status == 403, "the sign-in form needs its token too"
    client.sign_in(stack, helper)
    status, page, headers = client.go("/queue")
    assert status == 200 and f'id="case-{case.id}"' in page
    assert "default-src 'self'" in headers["Content-Security-Policy"] and headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer" and headers["Cache-Control"] == "no-store"
    assert "<script" not in page
    for form in ({}, {"csrf": ""}, {"csrf": "forged-" + hidden(page, "csrf")}):
        status, body, _ = client.go(f"/case/{case.id}/claim", form)
        assert status == 403 and "did not come from the console" in body
    assert HandoffStore(stack.env["RAFIQ_DATABASE_URL"]).require(case.id).state == "waiting"
    status, _, headers = client.go(f"/case/{case.id}/claim", {"csrf": hidden(page, "csrf")})
    assert status == 303 and headers["Location"].startswith(f"{CONSOLE}/case/{case.id}")
    other = register(stack, "Chen Console")
    stranger = Client(stack)
    stranger.sign_in(stack, other)
    status, body, _ = stranger.go(f"/case/{case.id}")
    assert status == 403 and "not your case" in body
    token = hidden(stranger.go("/queue")[1], "csrf")
    status, body, _ = stranger.go(f"/case/{case.id}/reply", {"csrf": token, "text": "hi"})
    assert status == 403


def test_an_unknown_name_gets_the_same_answer_as_a_registered_one(stack: Stack) -> None:
    helper = register(stack, "Dalia Console")
    known_status, known = Client(stack).ask_code(helper.name)
    unknown_status, unknown = Client(stack).ask_code("Nobody Registered Here")

    def plain(page: str, name: str) -> str:
        return re.sub(r'value="[^"]*"', "", page.replace(name, "NAME"))

    assert known_status == unknown_status == 200
    assert plain(known, helper.name) == plain(unknown, "Nobody Registered Here")
    assert "If this name is registered, a code was sent" in known


def test_six_wrong_codes_kill_the_code(stack: Stack) -> None:
    helper = register(stack, "Emre Console")
    client = Client(stack)
    before = len(codes_for(stack, helper))
    status, page = client.ask_code(helper.name)
    code = next_code(stack, helper, before)
    token = hidden(page, "csrf")
    for _ in range(6):
        status, body, _ = client.go("/code", {"csrf": token, "name": helper.name,
                                              "code": f"{(int(code) + 1) % 10**6:06d}"})
        assert status == 401 and "wrong or no longer valid" in body
    status, body, _ = client.go("/code", {"csrf": token, "name": helper.name, "code": code})
    assert status == 401 and "rafiq_console" not in client.cookies


def test_signed_out_pages_redirect_and_requests_are_rate_limited(stack: Stack) -> None:
    client = Client(stack)
    for path in ("/queue", "/case/1"):
        status, _, headers = client.go(path)
        assert status == 303 and headers["Location"] == CONSOLE + "/signin"
    status, _, headers = client.go("/case/1/claim", {"csrf": "x"})
    assert status == 303 and headers["Location"] == CONSOLE + "/signin"
    for _ in range(5):
        assert client.ask_code("Flood Console Name")[0] == 200
    status, body = client.ask_code("flood console name")
    assert status == 429 and "Too many attempts, try again in 15 minutes" in body
