"""Start a private Rafiq stack (action server + Rasa) on free loopback ports, for benchmarks."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from bot.model import rasa_environment, train
from bot.serve import commands, credentials_yaml, endpoints_yaml
from bot.settings import ROOT, load_settings


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def private_stack(extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """Yield the base URL of a fresh stack (channels whose secrets are in `extra_env` mounted); stop it afterwards."""
    model = train(ROOT / "models")
    tmp = Path(tempfile.mkdtemp(prefix="rafiq-bench-"))
    port, actions_port = _free_port(), _free_port()
    endpoints = tmp / "endpoints.yml"
    endpoints.write_text(endpoints_yaml(actions_port, f"sqlite:///{tmp / 'rafiq.db'}"))
    env = rasa_environment()
    env.update({"SANIC_HOST": "127.0.0.1", "RAFIQ_DATABASE_URL": f"sqlite:///{tmp / 'rafiq.db'}",
                **(extra_env or {})})
    credentials = tmp / "credentials.yml"
    credentials.write_text(credentials_yaml(load_settings(env, dotenv=tmp / "none.env")))
    log = (tmp / "stack.log").open("w")
    processes = [subprocess.Popen(c, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
                 for c in commands(model, port=port, actions_port=actions_port, endpoints=str(endpoints),
                                   credentials=str(credentials))]
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(url + "/webhooks/rest/", timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"stack did not start, see {tmp / 'stack.log'}") from None
                time.sleep(1)
        print(f"private stack at {url}", file=sys.stderr)
        yield url
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
