"""A real Rasa server and action server on loopback, started once for the whole test session."""

from __future__ import annotations

import json
import os
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
from bot.serve import commands, endpoints_yaml
from bot.settings import ROOT


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
def stack(model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Start the action server and Rasa (own ports, own SQLite files); stop both at the end."""
    tmp = tmp_path_factory.mktemp("stack")
    port, actions_port = free_port(), free_port()
    endpoints = tmp / "endpoints.yml"
    endpoints.write_text(endpoints_yaml(actions_port, f"sqlite:///{tmp / 'rafiq.db'}"))
    env = rasa_environment()
    env.update({"SANIC_HOST": "127.0.0.1", "RAFIQ_DATABASE_URL": f"sqlite:///{tmp / 'rafiq.db'}"})
    logs = [tmp / "actions.log", tmp / "rasa.log"]
    processes = []
    for command, log in zip(commands(model_path, port=port, actions_port=actions_port, endpoints=str(endpoints)),
                            logs, strict=True):
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
        yield Stack(url, logs)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="session", autouse=True)
def _quiet_env() -> None:
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
