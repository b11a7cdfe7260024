"""Handoff end to end on the embedded default (SQLite): N people on SMS ask for a volunteer, a volunteer on the
volunteers' Telegram bot claims each case, and messages are relayed both ways. Reports, per step, how long
until the other side's provider has the message: the case card at the volunteer, the "a volunteer is with you"
notice at the person, a person's message at the volunteer, and a volunteer's reply at the person.

    .venv/bin/python -m bench.handoff_latency [--cases 30]
"""

from __future__ import annotations

import argparse
import json
import socket
import tempfile
import time
import urllib.request
from collections.abc import Callable
from urllib.parse import urlencode

from multidict import MultiDict
from twilio.request_validator import RequestValidator

from bench.common import machine, percentile
from bench.stack import private_stack
from channels.fakes import FakeProviders, FakeState

PUBLIC = "https://rafiq.example.org"
VOLUNTEER = "9500001"
SECRET = "bench-volunteer-secret"


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _until(state: FakeState, to: str, count: int, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        bodies = [m["body"] or "" for m in list(state.sent) if m["to"] == to]
        if len(bodies) >= count:
            return bodies[count - 1]
        time.sleep(0.002)
    raise TimeoutError(f"nothing arrived for {to}")


def _timed(step: Callable[[], None], arrived: Callable[[], object]) -> float:
    started = time.perf_counter()
    step()
    arrived()
    return time.perf_counter() - started


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=30)
    args = parser.parse_args()
    state = FakeState("AC" + "c" * 32, "bench-token", "1:bench", "2:bench-volunteers")
    fakes = FakeProviders(state, _port()).start()
    env = {"RAFIQ_PUBLIC_URL": PUBLIC, "TWILIO_ACCOUNT_SID": state.account_sid, "TWILIO_AUTH_TOKEN": "bench-token",
           "TWILIO_SMS_FROM": "+15550001111", "TWILIO_API_BASE_URL": fakes.url,
           "TELEGRAM_API_BASE_URL": fakes.url + "/bot", "TELEGRAM_VOLUNTEER_BOT_TOKEN": state.volunteer_bot_token,
           "TELEGRAM_VOLUNTEER_WEBHOOK_SECRET": SECRET,
           "RAFIQ_DATABASE_URL": f"sqlite:///{tempfile.mkdtemp(prefix='rafiq-handoff-')}/rafiq.db"}
    validator = RequestValidator("bench-token")
    figures: dict[str, list[float]] = {"card at the volunteer": [], "claim notice at the person": [],
                                       "person → volunteer": [], "volunteer → person": []}
    try:
        with private_stack(env) as url:
            from bot.volunteers import VolunteerStore

            VolunteerStore(env["RAFIQ_DATABASE_URL"]).add("Bench Volunteer", ["en"], "telegram", VOLUNTEER,
                                                          max_open=args.cases + 1)

            def sms(number: str, text: str, sid: str) -> None:
                fields = [("MessageSid", sid), ("From", number), ("To", "+15550001111"), ("Body", text),
                          ("NumMedia", "0")]
                urllib.request.urlopen(urllib.request.Request(url + "/webhooks/twilio/webhook",
                                                              urlencode(fields).encode(), {
                    "X-Twilio-Signature": validator.compute_signature(PUBLIC + "/webhooks/twilio/webhook",
                                                                      MultiDict(fields)),
                    "Content-Type": "application/x-www-form-urlencoded"}), timeout=30).close()

            def volunteer(update: dict[str, object]) -> None:
                urllib.request.urlopen(urllib.request.Request(
                    url + "/webhooks/telegram_volunteers/webhook", json.dumps(update).encode(),
                    {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}),
                    timeout=30).close()

            cards = 0
            for i in range(args.cases):
                number = f"+1666{i:07d}"
                cards += 1
                figures["card at the volunteer"].append(_timed(
                    lambda n=number, i=i: sms(n, "I want to talk to a human volunteer please", f"SMa{i:031d}"),
                    lambda c=cards: _until(state, VOLUNTEER, c)))
                case_id = int(_until(state, VOLUNTEER, cards).split("CASE ")[1].split()[0])
                person_seen = len([m for m in state.sent if m["to"] == number])
                chat = {"id": int(VOLUNTEER), "type": "private"}
                sender = {"id": int(VOLUNTEER), "is_bot": False, "first_name": "B"}
                press = {"update_id": 10 * i + 1, "callback_query": {
                    "id": str(i), "chat_instance": "1", "data": f"claim:{case_id}", "from": sender,
                    "message": {"message_id": 1, "date": int(time.time()), "text": "CASE", "chat": chat}}}
                figures["claim notice at the person"].append(_timed(
                    lambda p=press: volunteer(p), lambda n=number, c=person_seen: _until(state, n, c + 1)))
                seen = len([m for m in state.sent if m["to"] == VOLUNTEER])
                cards = seen + 1  # the next card is the next message the volunteer gets after the relay
                figures["person → volunteer"].append(_timed(
                    lambda n=number, i=i: sms(n, "are you there?", f"SMb{i:031d}"),
                    lambda s=seen: _until(state, VOLUNTEER, s + 1)))
                reply = {"update_id": 10 * i + 2, "message": {
                    "message_id": 2, "date": int(time.time()), "chat": chat, "from": sender,
                    "text": f"#{case_id} Yes, I am here."}}
                figures["volunteer → person"].append(_timed(
                    lambda r=reply: volunteer(r), lambda n=number, c=person_seen: _until(state, n, c + 2)))
    finally:
        fakes.stop()
    print(machine())
    print(f"{args.cases} handoffs, one at a time (SQLite, one Rasa process)")
    for name, values in figures.items():
        print(f"{name:28} p50 {1000 * percentile(values, 50):6.0f} ms   p95 {1000 * percentile(values, 95):6.0f} ms"
              f"   max {1000 * max(values):6.0f} ms")


if __name__ == "__main__":
    main()
