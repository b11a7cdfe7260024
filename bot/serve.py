"""Running the stack in the foreground: the action server and Rasa, stopped together on Ctrl-C or SIGTERM."""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from bot.model import rasa_environment
from bot.settings import ROOT, Settings

logger = logging.getLogger(__name__)


def commands(model: Path, host: str = "127.0.0.1", port: int = 5005, actions_port: int = 5055,
             endpoints: str = "endpoints.yml") -> list[list[str]]:
    """The action server and the Rasa server, both on loopback (Rasa's HTTP API stays off)."""
    return [
        [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(actions_port)],
        [sys.executable, "-m", "rasa", "run", "--model", str(model), "--endpoints", endpoints,
         "--credentials", "credentials.yml", "--interface", host, "--port", str(port)],
    ]


def endpoints_yaml(actions_port: int, database_url: str) -> str:
    """Rasa endpoints: our action server, and the SQL tracker store on RAFIQ_DATABASE_URL (SQLite or PostgreSQL)."""
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    store: dict[str, Any] = {"type": "SQL", "dialect": url.get_backend_name()}
    if store["dialect"] == "sqlite":
        store["db"] = str(Path(url.database or "var/rafiq.db").with_name("tracker.db"))
    else:
        store.update({"url": url.host or "127.0.0.1", "port": url.port or 5432, "db": url.database,
                      "username": url.username, "password": url.password})
    return yaml.safe_dump({"action_endpoint": {"url": f"http://127.0.0.1:{actions_port}/webhook"},
                           "tracker_store": store}, sort_keys=False)


def serve(model: Path, settings: Settings, host: str = "127.0.0.1", port: int = 5005,
          actions_port: int = 5055) -> int:
    """Start both servers, wait, and stop both when either exits or a signal arrives."""
    env = rasa_environment()
    env["SANIC_HOST"] = "127.0.0.1"  # rasa_sdk binds 0.0.0.0 without it
    (ROOT / "var").mkdir(exist_ok=True)
    endpoints = ROOT / "var" / "endpoints.yml"
    endpoints.write_text(endpoints_yaml(actions_port, settings.database_url), encoding="utf-8")
    endpoints.chmod(0o600)
    processes = [subprocess.Popen(cmd, cwd=ROOT, env=env)
                 for cmd in commands(model, host, port, actions_port, str(endpoints))]
    stopping = False

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"Rafiq: web chat at http://{host}:{port}/chat  (Ctrl-C stops)", file=sys.stderr)
    try:
        while not stopping and all(p.poll() is None for p in processes):
            time.sleep(0.2)
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + 15
        for process in processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
    codes = [p.returncode for p in processes]
    return 0 if stopping else next((c for c in codes if c), 0)
