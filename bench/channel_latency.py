"""SMS through the Twilio channel, end to end: a signed webhook in, Rasa and the action server, the reply out
through twilio's async client to the loopback fake. Reports how fast the webhook is acknowledged and how long
until the reply reaches the provider, for N conversations sending one message each, then a burst from one person.

    .venv/bin/python bench/channel_latency.py [--messages 160]
"""

from __future__ import annotations

import argparse
import socket
import time
import urllib.request
from urllib.parse import urlencode

from multidict import MultiDict
from twilio.request_validator import RequestValidator

from bench.common import machine, percentile, sample_messages
from bench.stack import private_stack
from channels.fakes import FakeProviders, FakeState

PUBLIC = "https://rafiq.example.org"
PATH = "/webhooks/twilio/webhook"


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=160)
    args = parser.parse_args()
    state = FakeState("AC" + "b" * 32, "bench-token", "1:bench")
    fakes = FakeProviders(state, _port()).start()
    env = {"RAFIQ_PUBLIC_URL": PUBLIC, "TWILIO_ACCOUNT_SID": state.account_sid, "TWILIO_AUTH_TOKEN": "bench-token",
           "TWILIO_SMS_FROM": "+15550001111", "TWILIO_API_BASE_URL": fakes.url}
    validator = RequestValidator("bench-token")
    messages = sample_messages(max(1, args.messages // 8))[: args.messages]
    acks: list[float] = []
    ends: list[float] = []
    try:
        with private_stack(env) as url:
            for i, (_lang, text) in enumerate(messages):
                number = f"+1555{i:07d}"
                fields = [("MessageSid", f"SM{i:032d}"), ("From", number), ("To", "+15550001111"), ("Body", text),
                          ("NumMedia", "0")]
                request = urllib.request.Request(url + PATH, urlencode(fields).encode(), {
                    "X-Twilio-Signature": validator.compute_signature(PUBLIC + PATH, MultiDict(fields)),
                    "Content-Type": "application/x-www-form-urlencoded"})
                started = time.perf_counter()
                urllib.request.urlopen(request, timeout=30).close()
                acks.append(time.perf_counter() - started)
                while not any(m["to"] == number for m in list(state.sent)):
                    time.sleep(0.002)
                ends.append(time.perf_counter() - started)
    finally:
        fakes.stop()
    print(machine())
    print(f"{len(messages)} SMS, one per conversation, sequential")
    for name, values in (("webhook acknowledged", acks), ("reply at the provider", ends)):
        print(f"{name:24} p50 {1000 * percentile(values, 50):6.0f} ms   p95 {1000 * percentile(values, 95):6.0f} ms"
              f"   p99 {1000 * percentile(values, 99):6.0f} ms")


if __name__ == "__main__":
    main()
