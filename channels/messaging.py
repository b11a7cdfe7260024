"""What every messaging channel (Twilio SMS/WhatsApp, Telegram) shares, between the webhook and Rasa.

A webhook is authenticated by the subclass, then `accept` records the message durably (a repeated provider id
is a duplicate: no second reply) and acknowledges at once. Messages of one conversation are processed one at a
time, in the order they arrived; keywords (STOP, START, HELP), media and numbered options are handled here, the
rest goes to Rasa, and the turn's replies are fitted to the medium and sent with retries. Rasa, the stores and
the logs only ever see the conversation's pseudonym, never the phone number or chat id.
"""

from __future__ import annotations

import abc
import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, Sanic, response
from sanic.request import Request

from bot.contacts import Contact, ContactStore
from bot.country import dial_country
from bot.delivery import Sender
from bot.inbox import Inbox, InboxItem
from bot.keywords import Keyword, KeywordMatch, Keywords
from bot.knowledge import KnowledgeStore
from bot.medium import chosen_option, render
from bot.privacy import pseudonym
from bot.redact import redact
from bot.retention import erase
from bot.settings import Settings
from bot.volunteer_commands import handle
from bot.volunteer_lines import line_of
from bot.volunteers import Volunteer
from channels.desk_runtime import shared_desk, start_timer, stop_timer, to_open_case

logger = logging.getLogger(__name__)
TEXT, MEDIA, CALLBACK = "text", "media", "callback"
SWEEP_SECONDS = 30.0
PURGE_EVERY_SWEEPS = 120  # about once an hour
KEYWORD_TEXTS = {Keyword.STOP: "keyword_stop", Keyword.START: "keyword_start", Keyword.HELP: "keyword_help"}


@dataclass(frozen=True)
class Inbound:
    """One authenticated webhook message, before anything else reads it."""

    message_id: str
    medium: str
    address: str
    text: str
    kind: str = TEXT


class ConversationQueues:
    """One queue per conversation: its messages are handled one at a time, in arrival order."""

    def __init__(self, handle: Callable[[InboxItem], Awaitable[None]]) -> None:
        self._handle = handle
        self._queues: dict[str, asyncio.Queue[InboxItem]] = {}
        self._queued: set[tuple[str, str]] = set()

    def put(self, item: InboxItem) -> None:
        """Queue an item (an item already queued is ignored)."""
        key = (item.channel, item.message_id)
        if key in self._queued:
            return
        self._queued.add(key)
        queue = self._queues.get(item.conversation)
        if queue is None:
            queue = self._queues[item.conversation] = asyncio.Queue()
            asyncio.get_running_loop().create_task(self._drain(item.conversation, queue))
        queue.put_nowait(item)

    async def _drain(self, conversation: str, queue: asyncio.Queue[InboxItem]) -> None:
        while True:
            try:
                item = queue.get_nowait()
            except asyncio.QueueEmpty:
                del self._queues[conversation]
                return
            try:
                await self._handle(item)
            finally:
                self._queued.discard((item.channel, item.message_id))

    async def idle(self, timeout: float) -> None:
        """Wait until every queue is empty (at shutdown), at most `timeout` seconds."""
        deadline = asyncio.get_running_loop().time() + timeout
        while self._queues and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)


class MessagingInput(InputChannel, abc.ABC):
    """Base of the Twilio and Telegram input channels: subclasses authenticate and parse webhooks."""

    def __init__(self, settings: Settings, sender: Sender) -> None:
        self.settings = settings
        self.sender = sender
        self.max_chars = int(settings.max_message_chars)
        self.inbox = Inbox(settings.database_url, pepper=settings.pepper)
        self.contacts = ContactStore(settings.database_url, pepper=settings.pepper)
        self.keywords = Keywords.load(Path(settings.knowledge_dir))
        self.knowledge = KnowledgeStore(Path(settings.knowledge_dir))
        self.queues = ConversationQueues(self._process)
        self.desk = shared_desk(settings)
        self._on_new_message: Callable[[UserMessage], Awaitable[Any]] | None = None
        self._app: Sanic | None = None

    @abc.abstractmethod
    def routes(self, blueprint: Blueprint) -> None:
        """Add the webhook route(s) to the channel's blueprint (GET / answers the health check)."""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The webhook routes, plus recovery of unfinished messages once the server runs."""
        self._on_new_message = on_new_message
        blueprint = Blueprint(f"rafiq_{self.name()}", __name__)

        @blueprint.route("/", methods=["GET"])
        async def health(request: Request) -> response.HTTPResponse:
            return response.json({"status": "ok"})

        self.routes(blueprint)

        @blueprint.listener("after_server_start")
        async def recover(app: Sanic, _loop: Any) -> None:
            self._app = app
            app.add_task(self._sweep())
            start_timer(app, self.desk)

        @blueprint.listener("before_server_stop")
        async def drain(app: Sanic, _loop: Any) -> None:
            await self.queues.idle(timeout=10)
            await self.sender.close()
            await stop_timer(app, self.desk)

        return blueprint

    def conversation_of(self, medium: str, address: str) -> str:
        """The pseudonym Rasa and every store know this person by."""
        return pseudonym(self.settings.pepper, f"{medium}:{address}")

    def accept(self, inbound: Inbound) -> bool:
        """Record the message durably and queue it; False for a duplicate (already accepted once)."""
        conversation = self.conversation_of(inbound.medium, inbound.address)
        volunteer = self._volunteer(inbound)
        if volunteer is None:  # a person's phone numbers, names and ID numbers never go further than this
            inbound = replace(inbound, text=redact(inbound.text))
        item = self.inbox.accept(self.name(), inbound.message_id, conversation, asdict(inbound))
        if item is None:
            logger.info("%s: duplicate message id ignored", self.name())
            return False
        if volunteer is None:  # a volunteer's number is not a person's contact
            self.contacts.seen(conversation, inbound.medium, inbound.address)
        self.queues.put(item)
        return True

    async def _sweep(self) -> None:
        """After start-up, then every SWEEP_SECONDS: queue messages accepted but never answered."""
        older_than, sweeps = 0.0, 0
        retention = float(self.settings.inbox_retention) * 3600
        while True:
            agent = getattr(self._app.ctx, "agent", None) if self._app else None
            if agent is not None and agent.is_ready():
                for item in self.inbox.unfinished(older_than):
                    self.queues.put(item)
                if sweeps % PURGE_EVERY_SWEEPS == 0:
                    logger.info("%s: %d expired message ids purged", self.name(), self.inbox.purge(retention))
                older_than, sweeps = 2 * SWEEP_SECONDS, sweeps + 1
            await asyncio.sleep(SWEEP_SECONDS if older_than else 1.0)

    async def _process(self, item: InboxItem) -> None:
        """Answer one message; on failure it goes back to the inbox for a retry."""
        if not self.inbox.claim(item):
            return
        try:
            erased = await self._answer(Inbound(**item.payload), item.conversation)
        except Exception:
            logger.exception("%s: a message could not be processed", self.name())
            self.inbox.release(item)
            return
        self.inbox.finish(item)
        if erased:  # not even the id of the DELETE message stays
            erase(self.settings.database_url, item.conversation)

    def _volunteer(self, inbound: Inbound) -> Volunteer | None:
        """The registered volunteer writing from this SMS/WhatsApp number (volunteers use their own Telegram bot)."""
        if inbound.medium == "telegram":
            return None
        return self.desk.volunteers.by_address(inbound.medium, inbound.address)

    async def _from_volunteer(self, volunteer: Volunteer, inbound: Inbound) -> None:
        """A volunteer's command or reply (CLAIM 12, #12 text, CLOSE 12): carried out by the desk, never by Rasa."""
        answer = await handle(self.desk, volunteer, inbound.text, sms=True) if inbound.kind != MEDIA else (
            "Only text can be relayed to the person.")
        line = line_of(self.desk.lines, volunteer)
        if answer and line is not None:
            await line.send(volunteer.address, answer)

    async def _erase(self, conversation: str, contact: Contact, keyword: KeywordMatch) -> None:
        """DELETE: everything about the person goes, in every store; then the confirmation."""
        language = keyword.reply_language(await self._language(conversation, contact.language))
        await self.desk.forget(conversation)
        text = self.knowledge.get().text(language, "keyword_erase")
        await self.sender.send(contact, render([{"text": text}], contact.medium))  # the address is only in memory

    async def _answer(self, inbound: Inbound, conversation: str) -> bool:
        """Answer (or stay silent, or relay); True when the person's data was erased."""
        volunteer = self._volunteer(inbound)
        if volunteer is not None:
            await self._from_volunteer(volunteer, inbound)
            return False
        contact = self.contacts.get(conversation)
        if contact is None:
            return False
        keyword = self.keywords.match(inbound.text) if inbound.kind != MEDIA else None
        case = self.desk.store.open_for(conversation)
        if keyword is not None and keyword.keyword is Keyword.ERASE:
            await self._erase(conversation, contact, keyword)
            return True
        if case is not None and (keyword is None or keyword.keyword is not Keyword.STOP):
            text = inbound.text if inbound.kind != MEDIA else "(a photo, voice note or file: not forwarded)"
            await to_open_case(self._app, self.desk, case, text, understand=inbound.kind == TEXT)
            return False
        if case is not None:  # STOP during a handoff: the person wants no more messages, from anyone
            await self.desk.close(case.id, "person:STOP", tell_person=False, reason=" (the person wrote STOP)")
        if keyword is not None:
            if keyword.keyword is Keyword.STOP:
                self.contacts.set_opted_out(conversation, True)
            elif keyword.keyword is Keyword.START:
                self.contacts.set_opted_out(conversation, False)
            language = keyword.reply_language(await self._language(conversation, contact.language))
            self.contacts.set_language(conversation, language)
            messages = [{"text": self.knowledge.get().text(language, KEYWORD_TEXTS[keyword.keyword])}]
            logger.info("%s: keyword %s", self.name(), keyword.keyword.value)
        elif contact.opted_out:
            logger.info("%s: message from a person who wrote STOP: no reply", self.name())
            return False
        elif inbound.kind == MEDIA or not inbound.text:
            language = await self._language(conversation, contact.language)
            key = "media_unsupported" if inbound.kind == MEDIA else "empty_message"
            messages = [{"text": self.knowledge.get().text(language, key)}]
        else:
            text = chosen_option(inbound.text, contact.options) or inbound.text
            collector = CollectingOutputChannel()
            assert self._on_new_message is not None
            suggestion = dial_country(inbound.address, self.knowledge.get()) if inbound.medium != "telegram" else None
            metadata = {"dial_country": suggestion} if suggestion else None  # the country code, never the number
            await self._on_new_message(UserMessage(text, collector, conversation, input_channel=inbound.medium,
                                                   metadata=metadata))
            messages = collector.messages
            self.desk.timer.kick()  # the turn may have queued a case: its cards go out now
        rendered = render(messages, inbound.medium)
        self.contacts.set_options(conversation, rendered.options)
        await self.sender.send(contact, rendered)
        return False

    async def _language(self, conversation: str, fallback: str | None) -> str:
        """The conversation's language from the tracker store, else `fallback`, else the default."""
        agent = getattr(self._app.ctx, "agent", None) if self._app else None
        tracker = await agent.tracker_store.retrieve(conversation) if agent and agent.tracker_store else None
        language = tracker.get_slot("language") if tracker is not None else None
        return str(language or fallback or self.settings.default_language)
