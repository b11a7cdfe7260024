"""Loopback fakes of the Twilio Messages API and the Telegram Bot API, for tests and a local demo.

    python -m channels.fakes --port 8099
    TWILIO_API_BASE_URL=http://127.0.0.1:8099  TELEGRAM_API_BASE_URL=http://127.0.0.1:8099/bot

They check credentials like the real APIs (HTTP basic auth with the account SID and auth token; the bot token
in the path), record every message sent, and can be told to fail the next calls (GET /_fake/messages lists what
was sent; POST /_fake/fail {"api": "twilio"|"telegram", "status": 429, "times": 1} injects failures).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

STATE: web.AppKey[FakeState] = web.AppKey("state")


@dataclass
class FakeState:
    """What the fakes received, and failures still to inject per API."""

    account_sid: str
    auth_token: str
    bot_token: str
    volunteer_bot_token: str = "4343:test-volunteer-bot-token"
    sent: list[dict[str, Any]] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)
    failures: dict[str, list[int]] = field(default_factory=lambda: {"twilio": [], "telegram": []})
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_failure(self, api: str) -> int | None:
        """A status to fail this call with, if one was injected."""
        with self.lock:
            return self.failures[api].pop(0) if self.failures[api] else None


async def twilio_messages(request: web.Request) -> web.Response:
    """POST /2010-04-01/Accounts/{sid}/Messages.json"""
    state: FakeState = request.app[STATE]
    expected = "Basic " + base64.b64encode(f"{state.account_sid}:{state.auth_token}".encode()).decode()
    if request.match_info["sid"] != state.account_sid or request.headers.get("Authorization") != expected:
        return web.json_response({"code": 20003, "message": "Authenticate", "status": 401}, status=401)
    form = await request.post()
    status = state.next_failure("twilio")
    if status is not None:
        code = 20429 if status == 429 else 21211 if status == 400 else 20500
        return web.json_response({"code": code, "message": "injected failure", "status": status}, status=status)
    if not form.get("To") or not (form.get("Body") or form.get("ContentSid")):
        return web.json_response({"code": 21602, "message": "Message body is required.", "status": 400}, status=400)
    sid = f"SM{next(state.ids):032d}"
    record = {"api": "twilio", "to": form.get("To"), "from": form.get("From"), "body": form.get("Body"),
              "content_sid": form.get("ContentSid"), "sid": sid, "at": time.time()}
    with state.lock:
        state.sent.append(record)
    return web.json_response({"sid": sid, "account_sid": state.account_sid, "to": record["to"],
                              "from": record["from"], "body": record["body"], "status": "queued",
                              "num_segments": "1", "direction": "outbound-api"}, status=201)


async def telegram_method(request: web.Request) -> web.Response:
    """Any Bot API method at /bot{token}/{method}: getMe, sendMessage, answerCallbackQuery, setWebhook..."""
    state: FakeState = request.app[STATE]
    if request.match_info["token"] not in (state.bot_token, state.volunteer_bot_token):
        return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
    bot = "volunteers" if request.match_info["token"] == state.volunteer_bot_token else "people"
    method = request.match_info["method"]
    params: dict[str, Any] = dict(await request.post()) if request.can_read_body else {}
    if request.content_type == "application/json":
        params = await request.json()
    with state.lock:
        state.calls.append({"method": method, "bot": bot, **params})
    status = state.next_failure("telegram") if method == "sendMessage" else None
    if status == 429:
        return web.json_response({"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1",
                                  "parameters": {"retry_after": 1}}, status=429)
    if status is not None:
        return web.json_response({"ok": False, "error_code": status, "description": "Forbidden: bot was blocked"},
                                 status=status)
    if method == "getMe":
        result: Any = {"id": 424242, "is_bot": True, "first_name": "Rafiq", "username": "rafiq_test_bot",
                       "can_join_groups": False, "can_read_all_group_messages": False,
                       "supports_inline_queries": False}
    elif method == "sendMessage":
        message_id = next(state.ids)
        record = {"api": "telegram", "bot": bot, "to": str(params.get("chat_id")), "body": params.get("text"),
                  "reply_markup": params.get("reply_markup"), "message_id": message_id, "at": time.time()}
        with state.lock:
            state.sent.append(record)
        result = {"message_id": message_id, "date": int(time.time()), "text": params.get("text"),
                  "chat": {"id": int(params.get("chat_id") or 0), "type": "private"}}
    elif method == "editMessageText":
        with state.lock:
            for record in state.sent:
                if record.get("message_id") == int(params.get("message_id") or 0):
                    record.update(body=params.get("text"), reply_markup=params.get("reply_markup"), edited=True)
        result = {"message_id": int(params.get("message_id") or 0), "date": int(time.time()),
                  "text": params.get("text"), "chat": {"id": int(params.get("chat_id") or 0), "type": "private"}}
    else:
        result = True
    return web.json_response({"ok": True, "result": result})


async def list_sent(request: web.Request) -> web.Response:
    """GET /_fake/messages: everything sent so far."""
    state: FakeState = request.app[STATE]
    with state.lock:
        return web.json_response({"sent": state.sent, "calls": state.calls})


async def inject_failure(request: web.Request) -> web.Response:
    """POST /_fake/fail {"api", "status", "times"}: the next calls fail with that status."""
    state: FakeState = request.app[STATE]
    body = await request.json()
    with state.lock:
        state.failures[str(body["api"])].extend([int(body["status"])] * int(body.get("times", 1)))
    return web.json_response({"ok": True})


def make_app(state: FakeState) -> web.Application:
    """The aiohttp application serving both fakes."""
    app = web.Application()
    app[STATE] = state
    app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", twilio_messages)
    app.router.add_route("*", "/bot{token}/{method}", telegram_method)
    app.router.add_get("/_fake/messages", list_sent)
    app.router.add_post("/_fake/fail", inject_failure)
    return app


class FakeProviders:
    """Both fakes in a background thread (for tests): `start()`, read `state.sent`, `stop()`."""

    def __init__(self, state: FakeState, port: int) -> None:
        self.state = state
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None

    def start(self) -> FakeProviders:
        """Serve on 127.0.0.1:port until stop()."""
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self

    async def _start(self) -> None:
        self._runner = web.AppRunner(make_app(self.state), access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    def stop(self) -> None:
        """Shut the server down."""
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)


def main(argv: list[str] | None = None) -> int:
    """Run both fakes in the foreground for a local demo."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--account-sid", default="AC" + "0" * 32)
    parser.add_argument("--auth-token", default="fake-auth-token")
    parser.add_argument("--bot-token", default="123456:fake-bot-token")
    parser.add_argument("--volunteer-bot-token", default="654321:fake-volunteer-bot-token")
    args = parser.parse_args(argv)
    state = FakeState(args.account_sid, args.auth_token, args.bot_token, args.volunteer_bot_token)
    print(f"fake Twilio and Telegram APIs on http://127.0.0.1:{args.port} (Ctrl-C stops)")
    web.run_app(make_app(state), host="127.0.0.1", port=args.port, access_log=None, print=None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
