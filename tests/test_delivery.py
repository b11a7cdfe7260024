"""Proactive messages through the real twilio and python-telegram-bot clients, to the loopback fakes: the WhatsApp
24-hour window with a frozen clock, STOP, and provider failures."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.contacts import ContactStore
from bot.delivery import deliver
from bot.medium import Outgoing, Rendered
from bot.settings import load_settings
from bot.telegram_api import TelegramSender
from bot.twilio_api import TwilioSender
from channels.fakes import FakeProviders, FakeState

HOUR = 3600.0


@pytest.fixture(scope="module")
def fakes() -> Iterator[FakeProviders]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    providers = FakeProviders(FakeState("AC" + "e" * 32, "token", "99:bot-token"), port).start()
    yield providers
    providers.stop()


def settings(fakes: FakeProviders, **extra: str) -> object:
    env = {"TWILIO_ACCOUNT_SID": fakes.state.account_sid, "TWILIO_AUTH_TOKEN": fakes.state.auth_token,
           "TWILIO_API_BASE_URL": fakes.url, "TWILIO_SMS_FROM": "+15550001111",
           "TWILIO_WHATSAPP_FROM": "whatsapp:+15550002222", "TELEGRAM_BOT_TOKEN": fakes.state.bot_token,
           "TELEGRAM_API_BASE_URL": fakes.url + "/bot", **extra}
    return load_settings(env, dotenv=Path("/nonexistent"))


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


MESSAGE = Rendered([Outgoing("A volunteer has answered your question.")], [])


def run(coro: object) -> object:
    return asyncio.run(coro)  # type: ignore[arg-type]


def test_whatsapp_outside_24_hours_sends_only_the_template(fakes: FakeProviders, tmp_path: Path) -> None:
    clock = Clock()
    contacts = ContactStore(f"sqlite:///{tmp_path / 'r.db'}", clock)
    contact = contacts.seen("c1", "whatsapp", "whatsapp:+15550000101")
    sender = TwilioSender(settings(fakes, TWILIO_WHATSAPP_TEMPLATE_SID="HX" + "1" * 32))  # type: ignore[arg-type]

    async def both() -> tuple[object, object]:
        clock.now += 23 * HOUR
        inside = await deliver(sender, contact, MESSAGE, clock)
        clock.now += 2 * HOUR
        outside = await deliver(sender, contact, MESSAGE, clock)
        await sender.close()
        return inside, outside

    assert run(both()) == ("sent", "template")
    records = [m for m in fakes.state.sent if m["to"] == "whatsapp:+15550000101"]
    assert records[0]["body"] == MESSAGE.messages[0].text and records[0]["content_sid"] is None
    assert records[1]["body"] is None and records[1]["content_sid"] == "HX" + "1" * 32


def test_outside_the_window_without_a_template_nothing_is_sent(fakes: FakeProviders, tmp_path: Path) -> None:
    clock = Clock()
    contact = ContactStore(f"sqlite:///{tmp_path / 'r.db'}", clock).seen("c", "whatsapp", "whatsapp:+15550000102")
    clock.now += 30 * HOUR
    sender = TwilioSender(settings(fakes))  # type: ignore[arg-type]
    assert run(deliver(sender, contact, MESSAGE, clock)) == "failed"
    assert not [m for m in fakes.state.sent if m["to"] == "whatsapp:+15550000102"]


def test_nothing_goes_to_a_person_who_wrote_stop(fakes: FakeProviders, tmp_path: Path) -> None:
    contacts = ContactStore(f"sqlite:///{tmp_path / 'r.db'}")
    contacts.seen("c", "sms", "+15550000103")
    contacts.set_opted_out("c", True)
    sender = TwilioSender(settings(fakes))  # type: ignore[arg-type]
    assert run(deliver(sender, contacts.get("c"), MESSAGE)) == "opted_out"
    assert not [m for m in fakes.state.sent if m["to"] == "+15550000103"]


def test_a_permanent_twilio_error_is_not_retried_and_does_not_raise(fakes: FakeProviders, tmp_path: Path,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    contact = ContactStore(f"sqlite:///{tmp_path / 'r.db'}").seen("c", "sms", "+15550000104")
    fakes.state.failures["twilio"].extend([400])
    sender = TwilioSender(settings(fakes))  # type: ignore[arg-type]
    assert run(deliver(sender, contact, MESSAGE)) == "failed"
    assert fakes.state.failures["twilio"] == []  # consumed once, no retry
    assert "+15550000104" not in caplog.text


def test_a_blocked_telegram_bot_is_logged_without_the_chat_id(fakes: FakeProviders, tmp_path: Path,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    contact = ContactStore(f"sqlite:///{tmp_path / 'r.db'}").seen("c", "telegram", "5550000105")
    fakes.state.failures["telegram"].extend([403])
    sender = TelegramSender(settings(fakes))  # type: ignore[arg-type]

    async def go() -> str:
        try:
            return await deliver(sender, contact, MESSAGE)
        finally:
            await sender.close()

    assert run(go()) == "failed"
    assert "5550000105" not in caplog.text and "Telegram refused" in caplog.text
