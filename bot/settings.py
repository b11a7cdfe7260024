"""One declarative settings table, read once at start-up and passed explicitly (datasette style)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    """One configuration variable: its name, environment variable, default and help text."""

    name: str
    env: str
    default: str | None
    help: str
    secret: bool = False


SETTINGS: tuple[Setting, ...] = (
    Setting("env", "RAFIQ_ENV", "development", "development | production: production refuses to start without secrets"),
    Setting("database_url", "RAFIQ_DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'rafiq.db'}",
            "SQLAlchemy URL of the tracker and Rafiq stores (SQLite file under var/ by default)"),
    Setting("redis_url", "RAFIQ_REDIS_URL", None, "Redis URL of the lock store (scale-out profile only)"),
    Setting("pepper", "RAFIQ_PEPPER", None, "secret key for pseudonymous ids; required outside development", True),
    Setting("public_url", "RAFIQ_PUBLIC_URL", None, "public base URL, used to verify Twilio signatures"),
    Setting("knowledge_dir", "RAFIQ_KNOWLEDGE_DIR", str(ROOT / "knowledge"), "folder of the curated content"),
    Setting("model_dir", "RAFIQ_MODEL_DIR", str(ROOT / "models"), "folder of trained Rasa models"),
    Setting("rasa_url", "RAFIQ_RASA_URL", "http://127.0.0.1:5005", "where `rafiq chat` and the benchmarks reach Rasa"),
    Setting("default_language", "RAFIQ_DEFAULT_LANGUAGE", "en", "language used before anything is known"),
    Setting("max_message_chars", "RAFIQ_MAX_MESSAGE_CHARS", "2000",
            "longer messages are cut to this many characters before understanding (the rest is ignored)"),
    Setting("twilio_account_sid", "TWILIO_ACCOUNT_SID", None, "Twilio account SID", True),
    Setting("twilio_auth_token", "TWILIO_AUTH_TOKEN", None, "Twilio auth token (signs webhooks)", True),
    Setting("twilio_sms_from", "TWILIO_SMS_FROM", None, "Twilio number that sends SMS"),
    Setting("twilio_whatsapp_from", "TWILIO_WHATSAPP_FROM", None, "Twilio WhatsApp sender (whatsapp:+...)"),
    Setting("twilio_whatsapp_template_sid", "TWILIO_WHATSAPP_TEMPLATE_SID", None,
            "approved WhatsApp template (ContentSid, HX...) sent outside the 24-hour window"),
    Setting("twilio_api_base_url", "TWILIO_API_BASE_URL", "https://api.twilio.com", "Twilio API base URL"),
    Setting("telegram_bot_token", "TELEGRAM_BOT_TOKEN", None, "Telegram bot token", True),
    Setting("telegram_webhook_secret", "TELEGRAM_WEBHOOK_SECRET", None, "secret token Telegram sends back", True),
    Setting("telegram_api_base_url", "TELEGRAM_API_BASE_URL", "https://api.telegram.org/bot",
            "python-telegram-bot base_url"),
    Setting("inbox_retention", "RAFIQ_INBOX_RETENTION_HOURS", "72",
            "hours a processed webhook id is kept to recognise provider retries and replays"),
    Setting("telegram_volunteer_bot_token", "TELEGRAM_VOLUNTEER_BOT_TOKEN", None,
            "token of the volunteers' own Telegram bot (case cards, Claim buttons, relay)", True),
    Setting("telegram_volunteer_webhook_secret", "TELEGRAM_VOLUNTEER_WEBHOOK_SECRET", None,
            "secret token the volunteers' bot webhook must carry", True),
    Setting("telegram_volunteer_chat_id", "TELEGRAM_VOLUNTEER_CHAT_ID", None,
            "optional Telegram group of the volunteers: every case card is also posted there"),
    Setting("handoff_escalate_minutes", "RAFIQ_HANDOFF_ESCALATE_MINUTES", "15",
            "minutes a case may wait unclaimed before every on-duty volunteer is told and the person gets the "
            "fallback"),
    Setting("handoff_fanout", "RAFIQ_HANDOFF_FANOUT", "2",
            "how many matching volunteers a routine or urgent case is offered to at first (emergencies: all)"),
    Setting("handoff_hotline", "RAFIQ_HANDOFF_HOTLINE", None,
            "optional phone number of your own hotline, told to a person whose case waits too long"),
    Setting("retention_days", "RAFIQ_RETENTION_DAYS", "30",
            "days after which an idle conversation, its address and its closed cases are deleted (hourly purge)"),
    Setting("console_session_minutes", "RAFIQ_CONSOLE_SESSION_MINUTES", "60",
            "minutes a volunteer stays signed in to the web console without activity"),
    Setting("actions_url", "RAFIQ_ACTIONS_URL", None,
            "the action server's webhook when it runs on another host (containers: http://actions:5055/webhook); "
            "default: http://127.0.0.1:<actions port>/webhook"),
)


class Settings(Mapping[str, Any]):
    """Resolved settings: a read-only mapping from setting name to value."""

    def __init__(self, values: dict[str, str | None]) -> None:
        self._values = values

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __iter__(self) -> Any:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __getattr__(self, key: str) -> Any:
        try:
            return self._values[key]
        except KeyError as exc:
            raise AttributeError(key) from exc

    @property
    def is_production(self) -> bool:
        """True outside development: secrets become mandatory."""
        return (self._values.get("env") or "development") != "development"

    def require(self, name: str) -> str:
        """Return a setting that must be present, or fail closed with a clear message."""
        value = self._values.get(name)
        if not value:
            setting = next(s for s in SETTINGS if s.name == name)
            raise ConfigError(f"{setting.env} is not set: {setting.help}")
        return value

    def redacted(self) -> dict[str, str | None]:
        """The values with secrets masked, for start-up logs."""
        secret = {s.name for s in SETTINGS if s.secret}
        return {k: ("***" if k in secret and v else v) for k, v in self._values.items()}


ENV_EXAMPLE_HEADER = """\
# Rafiq configuration. Copy to .env (never commit .env) or set these in the environment.
# The environment wins over .env. Secrets have no default: a channel whose secrets are absent is not mounted,
# and outside development (RAFIQ_ENV=production) the service refuses to start without RAFIQ_PEPPER.
"""


def env_example() -> str:
    """The text of .env.example, generated from the settings table so that it documents every variable."""
    blocks = [ENV_EXAMPLE_HEADER]
    for s in SETTINGS:
        lines = [f"# {s.help}{' [secret]' if s.secret else ''}"]
        if s.default is None:
            lines.append(f"# {s.env}=")
        elif str(ROOT) in s.default:
            lines += [f"# default: {s.default.replace(str(ROOT), '<project>')}", f"# {s.env}="]
        else:
            lines.append(f"{s.env}={s.default}")
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


def read_dotenv(path: Path) -> dict[str, str]:
    """Parse a simple KEY=VALUE .env file (comments and blank lines ignored)."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip().strip('"').strip("'")
    return values


def load_settings(environ: Mapping[str, str] | None = None, dotenv: Path | None = None) -> Settings:
    """Read every setting once: the environment wins over `.env`, which wins over the default."""
    env = dict(os.environ if environ is None else environ)
    file_values = read_dotenv(dotenv if dotenv is not None else ROOT / ".env")
    values: dict[str, str | None] = {}
    for setting in SETTINGS:
        raw = env.get(setting.env) or file_values.get(setting.env) or setting.default
        values[setting.name] = raw if raw else None
    settings = Settings(values)
    if settings.is_production:
        settings.require("pepper")
    return settings
