"""`rafiq serve` (what `make run` runs): serves on the given ports and stops both servers on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bot.settings import ROOT
from tests.server.conftest import free_port

pytestmark = pytest.mark.server


def _port_open(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.usefixtures("model_path")
def test_serve_answers_then_stops_both_servers_on_sigterm(tmp_path: Path) -> None:
    port, actions_port = free_port(), free_port()
    env = dict(os.environ, RAFIQ_DATABASE_URL=f"sqlite:///{tmp_path / 'rafiq.db'}")
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--port", str(port),
                                "--actions-port", str(actions_port)], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=(tmp_path / "serve.log").open("w"))
    try:
        deadline = time.monotonic() + 180
        while not _port_open(port) or not _port_open(actions_port):
            assert process.poll() is None, (tmp_path / "serve.log").read_text()[-2000:]
            assert time.monotonic() < deadline, "rafiq serve did not start"
            time.sleep(1)
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/chat", timeout=5) as reply:
                    assert reply.status == 200
                break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(1)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=40) == 0
        assert not _port_open(port) and not _port_open(actions_port)
        assert (tmp_path / "tracker.db").exists(), "the tracker store lives beside RAFIQ_DATABASE_URL"
    finally:
        if process.poll() is None:
            process.kill()
