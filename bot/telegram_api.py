"""The Telegram Bot API through python-telegram-bot: sending with inline keyboards, and webhook registration."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from bot.contacts import Contact
from bot.delivery import Sender
from bot.errors import DeliveryError
from bot.medium import Outgoing
from bot.settings import Settings

logger = logging.getLogger(__name__)
WEBHOOK_PATH = "/webhooks/telegram/webhook"
VOLUNTEER_WEBHOOK_PATH = "/webhooks/telegram_volunteers/webhook"
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
CALLBACK_DATA_BYTES = 64


def make_bot(settings: Settings) -> Any:
    """A python-telegram-bot Bot on TELEGRAM_API_BASE_URL (a loopback fake in tests)."""
    from telegram import Bot

    return Bot(settings.require("telegram_bot_token"), base_url=str(settings.telegram_api_base_url))


def keyboard(buttons: tuple[tuple[str, str], ...]) -> Any:
    """One inline button per row; a payload too long for callback data is sent as its option number."""
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    rows = [[InlineKeyboardButton(title, callback_data=payload if len(payload.encode()) <= CALLBACK_DATA_BYTES
                                  else str(i))] for i, (title, payload) in enumerate(buttons, 1)]
    return InlineKeyboardMarkup(rows)


def _seconds(value: Any) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramSender(Sender):
    """Sends through one Bot; RetryAfter is honoured, a blocked bot is not retried."""

    name = "telegram"

    def __init__(self, settings: Settings, bot: Any = None) -> None:
        self.bot = bot if bot is not None else make_bot(settings)
        self._ready = False

    async def _call(self, method: str, **kwargs: Any) -> Any:
        from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

        try:
            if not self._ready:
                await self.bot.initialize()
                self._ready = True
            return await getattr(self.bot, method)(**kwargs)
        except RetryAfter as exc:
            raise DeliveryError("Telegram asked to slow down", transient=True,
                                retry_after=_seconds(exc.retry_after)) from exc
        except (Forbidden, BadRequest) as exc:
            raise DeliveryError(f"Telegram refused ({type(exc).__name__})", transient=False) from exc
        except NetworkError as exc:
            raise DeliveryError(f"Telegram unreachable ({type(exc).__name__})", transient=True) from exc
        except TelegramError as exc:
            raise DeliveryError(f"Telegram error ({type(exc).__name__})", transient=False) from exc

    async def send_one(self, contact: Contact, message: Outgoing) -> None:
        """One text message, with an inline keyboard when it has buttons."""
        markup = keyboard(message.buttons) if message.buttons else None
        await self._call("send_message", chat_id=int(contact.address), text=message.text, reply_markup=markup)

    async def answer_callback(self, callback_id: str) -> None:
        """Stop the button's spinner on the person's phone."""
        await self._call("answer_callback_query", callback_query_id=callback_id)

    async def close(self) -> None:
        """Close the bot's HTTP connections."""
        if self._ready:
            await self.bot.shutdown()
            self._ready = False


async def set_webhook(settings: Settings, volunteers: bool = False) -> str:
    """Register RAFIQ_PUBLIC_URL + the webhook path with its secret token (the people's bot, or with
    `volunteers` the volunteers' bot); returns the URL."""
    from telegram import Bot

    path, token, secret = (WEBHOOK_PATH, "telegram_bot_token", "telegram_webhook_secret") if not volunteers else (
        VOLUNTEER_WEBHOOK_PATH, "telegram_volunteer_bot_token", "telegram_volunteer_webhook_secret")
    url = settings.require("public_url").rstrip("/") + path
    bot = Bot(settings.require(token), base_url=str(settings.telegram_api_base_url))
    async with bot:
        await bot.set_webhook(url=url, secret_token=settings.require(secret), allowed_updates=ALLOWED_UPDATES,
                              drop_pending_updates=False)
    return url
