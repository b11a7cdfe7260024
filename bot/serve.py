"""Running the stack in the foreground: the action server and Rasa, stopped together on Ctrl-C or SIGTERM."""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml

from bot.errors import ConfigError
from bot.model import rasa_environment
from bot.retention import tracker_database_url
from bot.settings import ROOT, SETTINGS, Settings

logger = logging.getLogger(__name__)


MESSAGING_CHANNELS = (
    ("channels.twilio.TwilioInput", ("twilio_account_sid", "twilio_auth_token")),
    ("channels.telegram.TelegramInput", ("telegram_bot_token", "telegram_webhook_secret")),
    ("channels.telegram_volunteers.VolunteerTelegramInput",
     ("telegram_volunteer_bot_token", "telegram_volunteer_webhook_secret")),
)
#: Rasa's SQL tracker store with less work per message (Rasa falls back to an in-memory store, silently, when a custom
#: store cannot be imported: tests/server checks that conversations survive a restart)
TRACKER_STORE = "channels.tracker_store.RafiqSQLTrackerStore"


def commands(model: Path, host: str = "127.0.0.1", port: int = 5005, actions_port: int = 5055,
             endpoints: str = "endpoints.yml", credentials: str = "credentials.yml") -> list[list[str]]:
    """The action server and the Rasa server, both on loopback (Rasa's HTTP API stays off)."""
    return [
        [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(actions_port)],
        [sys.executable, "-m", "rasa", "run", "--model", str(model), "--endpoints", endpoints,
         "--credentials", credentials, "--interface", host, "--port", str(port)],
    ]


def lock_store_endpoint(redis_url: str) -> dict[str, Any]:
    """The atomic Redis lock store (channels/lock_store.py) for RAFIQ_REDIS_URL (redis://[:password@]host:port/db)."""
    parts = urlsplit(redis_url)
    if parts.scheme not in ("redis", "rediss"):
        raise ConfigError(f"RAFIQ_REDIS_URL must start with redis:// or rediss://, not {parts.scheme or 'nothing'}")
    store: dict[str, Any] = {"type": "channels.lock_store.AtomicRedisLockStore", "url": parts.hostname or "127.0.0.1",
                             "port": parts.port or 6379, "db": int(parts.path.strip("/") or 0), "key_prefix": "rafiq"}
    if parts.password:
        store["password"] = unquote(parts.password)
    if parts.username:
        store["username"] = unquote(parts.username)
    if parts.scheme == "rediss":
        store["use_ssl"] = True
    return store


def endpoints_yaml(actions_port: int, database_url: str, redis_url: str | None = None,
                   actions_url: str | None = None) -> str:
    """Rasa endpoints: our action server, the SQL tracker store on RAFIQ_DATABASE_URL (SQLite or PostgreSQL; Rasa's
    tables, written by channels/tracker_store.py), and, when RAFIQ_REDIS_URL is set (the scale-out profile), the
    atomic Redis lock store shared by every replica."""
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    store: dict[str, Any] = {"type": TRACKER_STORE, "dialect": url.get_backend_name()}
    if store["dialect"] == "sqlite":
        store["db"] = str(make_url(tracker_database_url(database_url)).database)
    else:
        store.update({"url": url.host or "127.0.0.1", "port": url.port or 5432, "db": url.database,
                      "username": url.username, "password": url.password})
    endpoints: dict[str, Any] = {"action_endpoint": {"url": actions_url or f"http://127.0.0.1:{actions_port}/webhook"},
                                 "tracker_store": store}
    if redis_url:
        endpoints["lock_store"] = lock_store_endpoint(redis_url)
    return yaml.safe_dump(endpoints, sort_keys=False)


def credentials_yaml(settings: Settings) -> str:
    """credentials.yml plus each messaging channel whose secrets are set (they read them from the settings)."""
    channels = yaml.safe_load((ROOT / "credentials.yml").read_text(encoding="utf-8")) or {}
    for channel, secrets in MESSAGING_CHANNELS:
        if all(settings[name] for name in secrets):
            channels[channel] = {}
        elif any(settings[name] for name in secrets):
            missing = [s.env for s in SETTINGS if s.name in secrets and not settings[s.name]]
            raise ConfigError(f"{channel.split('.')[1]} is half configured: set {', '.join(missing)} too")
    return yaml.safe_dump(channels, sort_keys=False)


def serve(model: Path, settings: Settings, host: str = "127.0.0.1", port: int = 5005,
          actions_port: int = 5055) -> int:
    """Start both servers, wait, and stop both when either exits or a signal arrives."""
    env = rasa_environment()
    env["SANIC_HOST"] = "127.0.0.1"  # rasa_sdk binds 0.0.0.0 without it
    (ROOT / "var").mkdir(exist_ok=True)
    endpoints = ROOT / "var" / "endpoints.yml"
    endpoints.write_text(endpoints_yaml(actions_port, settings.database_url, settings.redis_url),
                         encoding="utf-8")
    endpoints.chmod(0o600)
    credentials = ROOT / "var" / "credentials.yml"
    credentials.write_text(credentials_yaml(settings), encoding="utf-8")
    processes = [subprocess.Popen(cmd, cwd=ROOT, env=env)
                 for cmd in commands(model, host, port, actions_port, str(endpoints), str(credentials))]
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
