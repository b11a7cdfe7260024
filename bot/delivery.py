"""Sending to people on their channel: the provider interface, retries with backoff, opt-out and the
WhatsApp 24-hour window. Addresses never appear in logs."""

from __future__ import annotations

import abc
import asyncio
import functools
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.contacts import Contact
from bot.errors import DeliveryError
from bot.medium import Outgoing, Rendered

logger = logging.getLogger(__name__)
T = TypeVar("T")
ATTEMPTS = 4
BASE_DELAY = 0.5
MAX_DELAY = 30.0


async def with_retries(send: Callable[[], Awaitable[T]], what: str, attempts: int = ATTEMPTS,
                       base_delay: float = BASE_DELAY) -> T:
    """Run `send`, retrying transient provider errors with exponential backoff (or the provider's retry-after)."""
    for attempt in range(1, attempts + 1):
        try:
            return await send()
        except DeliveryError as exc:
            if not exc.transient or attempt == attempts:
                raise
            delay = min(MAX_DELAY, exc.retry_after if exc.retry_after is not None else base_delay * 2 ** (attempt - 1))
            logger.warning("%s: transient provider error (%s), retry %d in %.1fs", what, exc, attempt, delay)
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")


class Sender(abc.ABC):
    """One provider's way of sending a message to an address."""

    name = "provider"

    @abc.abstractmethod
    async def send_one(self, contact: Contact, message: Outgoing) -> None:
        """Send one message; raise DeliveryError on failure."""

    async def send_template(self, contact: Contact) -> None:
        """Send the pre-approved template used outside WhatsApp's 24-hour window."""
        raise DeliveryError(f"{self.name} has no template messages", transient=False)

    async def close(self) -> None:  # noqa: B027 (optional hook: most senders hold no connection)
        """Release connections."""

    async def send(self, contact: Contact, rendered: Rendered) -> int:
        """Send every message in order, each with retries; returns how many were delivered to the provider."""
        sent = 0
        for message in rendered.messages:
            try:
                await with_retries(functools.partial(self.send_one, contact, message), f"{self.name} {contact.medium}")
            except DeliveryError as exc:
                logger.error("%s %s: a message was not delivered (%s)", self.name, contact.medium, exc)
                return sent
            sent += 1
        return sent


async def deliver(sender: Sender, contact: Contact | None, rendered: Rendered,
                  clock: Callable[[], float] = time.time) -> str:
    """Send a message that is not a direct reply (a volunteer's relay, a follow-up), honouring STOP and the
    WhatsApp window; returns 'sent', 'template', 'opted_out', 'unknown' or 'failed'."""
    if contact is None:
        return "unknown"
    if contact.opted_out:
        logger.info("%s: not sent, the person wrote STOP", sender.name)
        return "opted_out"
    if contact.medium == "whatsapp" and not contact.in_session_window(clock()):
        try:
            await with_retries(lambda: sender.send_template(contact), f"{sender.name} template")
        except DeliveryError as exc:
            logger.error("%s: outside the 24-hour window and the template failed (%s)", sender.name, exc)
            return "failed"
        return "template"
    return "sent" if await sender.send(contact, rendered) == len(rendered.messages) else "failed"
