"""A real Rasa server and action server on loopback, started once for the whole test session."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.model import rasa_environment
from bot.serve import commands, credentials_yaml, endpoints_yaml
from bot.settings import ROOT, load_settings
from channels.fakes import FakeProviders, FakeState

PUBLIC_URL = "https://rafiq.example.org"
VOLUNTEER_SECRET = "test-volunteer-secret"  # what Twilio signs: the public URL, not the loopback one behind a proxy


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Stack:
    """The running servers and a small REST client."""

    url: str
    logs: list[Path]
    env: dict[str, str]
    database: Path
    knowledge: Path
    fakes: FakeProviders

    def post(self, path: str, body: bytes, content_type: str = "application/json") -> tuple[int, Any]:
        """POST raw bytes; return (status, parsed JSON or text)."""
        request = urllib.request.Request(self.url + path, body, {"Content-Type": content_type})
        try:
            with urllib.request.urlopen(request, timeout=60) as reply:
                raw = reply.read().decode()
                status = reply.status
        except urllib.error.HTTPError as err:
            raw, status = err.read().decode(), err.code
        try:
            return status, json.loads(raw)
        except json.JSONDecodeError:
            return status, raw

    def say(self, sender: str, message: str) -> list[dict[str, Any]]:
        """Send one message through the REST channel; return the bot's replies."""
        status, replies = self.post("/webhooks/rest/webhook",
                                    json.dumps({"sender": sender, "message": message}).encode())
        assert status == 200, replies
        return list(replies)


@pytest.fixture(scope="session")
def fakes() -> Iterator[FakeProviders]:
    """Loopback fakes of the Twilio and Telegram APIs, for the whole session."""
    state = FakeState(account_sid="AC" + "f" * 32, auth_token="test-twilio-auth-token",
                      bot_token="4242:test-telegram-bot-token")
    providers = FakeProviders(state, free_port()).start()
    yield providers
    providers.stop()


def stack_env(tmp: Path, fakes: FakeProviders, database: Path, knowledge: Path) -> dict[str, str]:
    """The environment of a test stack: own SQLite files and knowledge copy, every channel on the fakes."""
    env = rasa_environment()
    env.update({"SANIC_HOST": "127.0.0.1", "RAFIQ_DATABASE_URL": f"sqlite:///{database}",
                "RAFIQ_PUBLIC_URL": PUBLIC_URL, "RAFIQ_KNOWLEDGE_DIR": str(knowledge),
                "TWILIO_ACCOUNT_SID": fakes.state.account_sid, "TWILIO_AUTH_TOKEN": fakes.state.auth_token,
                "TWILIO_SMS_FROM": "+15550001111", "TWILIO_WHATSAPP_FROM": "whatsapp:+15550002222",
                "TWILIO_API_BASE_URL": fakes.url,
                "TELEGRAM_BOT_TOKEN": fakes.state.bot_token, "TELEGRAM_WEBHOOK_SECRET": "test-telegram-secret",
                "TELEGRAM_API_BASE_URL": fakes.url + "/bot",
                "TELEGRAM_VOLUNTEER_BOT_TOKEN": fakes.state.volunteer_bot_token,
                "TELEGRAM_VOLUNTEER_WEBHOOK_SECRET": VOLUNTEER_SECRET,
                "RAFIQ_HANDOFF_ESCALATE_MINUTES": "600", "RAFIQ_HANDOFF_FANOUT": "50"})
    return env


@contextlib.contextmanager
def running(model_path: Path, tmp: Path, env: dict[str, str], database: Path, knowledge: Path,
            fakes: FakeProviders, tag: str = "") -> Iterator[Stack]:
    """Start the action server and Rasa with `env` on free ports; stop both (SIGTERM) on exit."""
    port, actions_port = free_port(), free_port()
    endpoints = tmp / f"endpoints{tag}.yml"
    endpoints.write_text(endpoints_yaml(actions_port, env["RAFIQ_DATABASE_URL"]))
    credentials = tmp / f"credentials{tag}.yml"
    credentials.write_text(credentials_yaml(load_settings(env, dotenv=tmp / "none.env")))
    logs = [tmp / f"actions{tag}.log", tmp / f"rasa{tag}.log"]
    processes = []
    for command, log in zip(commands(model_path, port=port, actions_port=actions_port, endpoints=str(endpoints),
                                     credentials=str(credentials)), logs, strict=True):
        processes.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"),
                                          stderr=subprocess.STDOUT))
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    try:
        while True:
            try:
                with urllib.request.urlopen(url + "/webhooks/rest/", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
                    raise RuntimeError("the stack did not start:\n" + "\n".join(
                        log.read_text()[-3000:] for log in logs)) from None
                time.sleep(1)
        yield Stack(url, logs, env, database, knowledge, fakes)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="session")
def stack(model_path: Path, tmp_path_factory: pytest.TempPathFactory, fakes: FakeProviders) -> Iterator[Stack]:
    """The session's stack: own ports, own SQLite files, a copy of knowledge/, every channel on the fakes."""
    tmp = tmp_path_factory.mktemp("stack")
    database = tmp / "rafiq.db"
    knowledge = tmp / "knowledge"  # a copy, so that tests can edit answers while the bot runs
    shutil.copytree(ROOT / "knowledge", knowledge)
    with running(model_path, tmp, stack_env(tmp, fakes, database, knowledge), database, knowledge, fakes) as up:
        yield up


@pytest.fixture(scope="session", autouse=True)
def _quiet_env() -> None:
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")


def wait_for(fakes: FakeProviders, to: str, count: int, timeout: float = 60.0, settle: float = 0.0) -> list[str]:
    """Bodies sent to `to` once at least `count` have arrived (then `settle` seconds more, to catch extras)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        bodies = [m["body"] or "" for m in list(fakes.state.sent) if m["to"] == to]
        if len(bodies) >= count:
            break
        time.sleep(0.1)
    time.sleep(settle)
    return [m["body"] or "" for m in list(fakes.state.sent) if m["to"] == to]


def sent_to(fakes: FakeProviders, to: str) -> list[dict[str, Any]]:
    """Every record the fakes hold for `to`."""
    return [m for m in list(fakes.state.sent) if m["to"] == to]
