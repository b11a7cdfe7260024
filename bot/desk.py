"""The handoff desk: offers cases to volunteers, claims, relays both ways, closes, escalates.

Plain asyncio over the stores; the Rasa server runs one desk (its timer, bot/desk_timer.py, sends the cards of
cases queued by the action server and escalates cases nobody claimed), and `rafiq handoff …` builds its own.
Everything it knows is in SQL, so any process can pick up where another stopped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from bot import replies
from bot.audit import AuditLog
from bot.case import Case, more_urgent
from bot.contacts import ContactStore
from bot.country import stated_country
from bot.delivery import Sender, deliver
from bot.desk_timer import DeskTimer
from bot.errors import DeliveryError
from bot.handoff import Conflict, HandoffStore, State
from bot.knowledge import KnowledgeStore
from bot.medium import render
from bot.retention import erase
from bot.routing import recipients
from bot.settings import Settings
from bot.volunteer_lines import VolunteerLine, line_of
from bot.volunteer_text import card, claimed_card, relayed, welcome_case
from bot.volunteers import Volunteer, VolunteerStore

logger = logging.getLogger(__name__)
GROUP_CARD = 0  # the volunteer id under which the volunteers' group card is recorded



class Desk:
    """Everything that happens to a case after the bot queued it."""

    def __init__(self, settings: Settings, knowledge: KnowledgeStore, store: HandoffStore,
                 volunteers: VolunteerStore, contacts: ContactStore, people: dict[str, Sender],
                 lines: dict[str, VolunteerLine], clock: Callable[[], datetime] | None = None) -> None:
        self.settings = settings
        self.knowledge = knowledge
        self.store = store
        self.volunteers = volunteers
        self.contacts = contacts
        self.people = people
        self.lines = lines
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.escalate_after = timedelta(minutes=float(settings.handoff_escalate_minutes))
        self.fanout = int(settings.handoff_fanout)
        self.audit = AuditLog(settings.database_url, self.clock)
        self.timer = DeskTimer(self)

    # -- the person's side ------------------------------------------------------------------------------------

    async def tell_person(self, case: Case, texts: list[str], author: str = "bot") -> str:
        """Write to the person on their channel (a web chat reads it from the case); returns the outcome."""
        for text in texts:
            self.store.add_message(case.id, author, text)
        if case.medium == "web":
            return "stored"
        sender = self.people.get(case.medium)
        if sender is None:
            logger.error("case %d: no %s sender configured", case.id, case.medium)
            return "unconfigured"
        rendered = render([{"text": t} for t in texts], case.medium)
        return await deliver(sender, self.contacts.get(case.conversation), rendered)

    def person_text(self, case: Case, key: str, **values: object) -> str:
        """An interface text in the language of the case's person."""
        return self.knowledge.get().text(case.language, key, **values)

    async def person_wrote(self, case: Case, text: str, urgency: str | None = None,
                           reasons: list[str] | None = None, intent: str | None = None) -> None:
        """A message from a person whose case is open: kept for the volunteer, relayed once assigned; a danger
        cue while waiting moves the case up and alerts the volunteers again. The bot says nothing else."""
        self.store.add_message(case.id, "person", text)
        await self._country_answer(case, text, intent)
        raised = bool(urgency and more_urgent(urgency, case.urgency) and case.state == State.WAITING.value
                      and self.store.raise_urgency(case.id, str(urgency), reasons or [], "person"))
        if raised:
            case = self.store.require(case.id)
            logger.info("case %d raised to %s while waiting", case.id, case.urgency)
            lines = [r.text for r in replies.emergency(self.knowledge.get(), case.language, case.country)[:1]
                     ] if case.urgency == "emergency" else []
            await self.tell_person(case, [*lines, self.person_text(case, "handoff_raised")])
            await self.offer(case, again=True, note="⚠ RAISED: ")
        if case.state == State.ASSIGNED.value and case.volunteer_id is not None:
            flag = "⚠ danger cue: " if urgency in ("emergency", "urgent") else ""
            await self._to_volunteer(case.volunteer_id, relayed(case.id, flag + text))

    async def _country_answer(self, case: Case, text: str, intent: str | None) -> None:
        """An emergency case asked 'Which country are you in?' (or 'Are you in Türkiye?'): the answer still gets
        that country's emergency numbers, although the bot is otherwise quiet while the case waits."""
        kb = self.knowledge.get()
        if case.urgency != "emergency" or case.state != State.WAITING.value:
            return
        code = stated_country(text, kb, asked=len(text.split()) <= 4)
        if code is None and intent == "affirm" and case.country in kb.countries and not case.country_confirmed:
            code = case.country
        if code is not None and code != (case.country if case.country_confirmed else None):
            self.store.set_country(case.id, code)
            name = replies.country_name(kb, code, case.language)
            await self.tell_person(case, [f"{self.person_text(case, 'country_set', country=name)} "
                                          f"{replies.emergency_numbers(kb, case.language, code).text}"])

    # -- the volunteers' side ---------------------------------------------------------------------------------

    def load(self) -> dict[int, int]:
        """Open (assigned) cases per volunteer id."""
        counts: dict[int, int] = {}
        for case in self.store.cases((State.ASSIGNED.value,)):
            if case.volunteer_id is not None:
                counts[case.volunteer_id] = counts.get(case.volunteer_id, 0) + 1
        return counts

    async def _to_volunteer(self, volunteer_id: int, text: str) -> bool:
        volunteer = self.volunteers.by_id(volunteer_id)
        line = line_of(self.lines, volunteer) if volunteer else None
        if volunteer is None or line is None:
            return False
        try:
            await line.send(volunteer.address, text)
        except DeliveryError as exc:
            logger.error("a message to volunteer %d was not delivered (%s)", volunteer_id, exc)
            return False
        return True

    async def offer(self, case: Case, widened: bool = False, again: bool = False, note: str = "") -> int:
        """Send the case card to the volunteers routing picks; returns how many got it."""
        everyone = self.volunteers.all()
        targets = recipients(case, everyone, self.load(), self.clock(), self.fanout,
                             widened=widened or (again and case.urgency == "emergency"))
        sent = 0
        for volunteer in targets:
            line = line_of(self.lines, volunteer)
            if line is None or not (self.store.reserve_card(case.id, volunteer.id) or again):
                continue
            try:
                ref = await line.send(volunteer.address, card(case, volunteer, line.sms, note), claim_case=case.id)
            except DeliveryError as exc:
                logger.error("case %d: the card to volunteer %d was not delivered (%s)", case.id, volunteer.id, exc)
                continue
            self.store.set_card_ref(case.id, volunteer.id, ref)
            self.audit.record(f"volunteer:{volunteer.name}", "card", case.id)
            sent += 1
        group, line = self.settings.telegram_volunteer_chat_id, self.lines.get("telegram")
        if group and line is not None and self.store.reserve_card(case.id, GROUP_CARD):
            stand_in = Volunteer(GROUP_CARD, "group", (), "telegram", str(group), None, "UTC", False, 0, False)
            ref = await line.send(str(group), card(case, stand_in, False, note), claim_case=case.id)
            self.store.set_card_ref(case.id, GROUP_CARD, ref)
        logger.info("case %d offered to %d volunteers%s", case.id, sent, " (widened)" if widened else "")
        return sent

    async def _update_cards(self, case: Case, text: str, skip: int | None = None) -> None:
        for volunteer_id, ref in self.store.cards(case.id).items():
            volunteer = self.volunteers.by_id(volunteer_id)
            address = str(self.settings.telegram_volunteer_chat_id) if volunteer_id == GROUP_CARD else (
                volunteer.address if volunteer else None)
            line = self.lines.get("telegram") if volunteer_id == GROUP_CARD else (
                line_of(self.lines, volunteer) if volunteer else None)
            if volunteer_id == skip or address is None or line is None:
                continue
            try:
                await line.edit(address, ref, text)
            except DeliveryError as exc:
                logger.warning("case %d: a card could not be updated (%s)", case.id, exc)

    async def claim(self, case_id: int, volunteer: Volunteer) -> Case:
        """First claim wins (Conflict for the others); the person is told, the other cards say who took it."""
        mine = self.load().get(volunteer.id, 0)
        if mine >= volunteer.max_open:
            raise Conflict(f"you already have {mine} open cases, your maximum: close one first")
        case = self.store.claim(case_id, volunteer.id, f"volunteer:{volunteer.name}")
        key, values = ("handoff_claimed_named", {"name": volunteer.first_name}) if volunteer.share_name else (
            "handoff_claimed", {})
        await self.tell_person(case, [self.person_text(case, key, **values)])
        await self._update_cards(case, claimed_card(case, volunteer.first_name), skip=volunteer.id)
        line = line_of(self.lines, volunteer)
        if line is not None:
            said = [m.text for m in self.store.messages(case.id) if m.author == "person"]
            ref = self.store.cards(case.id).get(volunteer.id)
            try:
                if ref:
                    await line.edit(volunteer.address, ref, claimed_card(case, "you"))
                await line.send(volunteer.address, welcome_case(case, line.sms, said))
                self.audit.record(f"volunteer:{volunteer.name}", "transcript", case.id)
            except DeliveryError as exc:
                logger.warning("case %d: the claim confirmation was not delivered (%s)", case.id, exc)
        return case

    async def reply(self, case_id: int, volunteer: Volunteer | None, text: str) -> str:
        """A volunteer's (or operator's) message to the person; returns the delivery outcome."""
        case = self.store.require(case_id)
        if case.state != State.ASSIGNED.value:
            raise Conflict(f"case {case_id} is {case.state}: claim it first")
        if volunteer is not None and case.volunteer_id != volunteer.id:
            raise Conflict(f"case {case_id} is not yours")
        return await self.tell_person(case, [text], author="volunteer")

    async def close(self, case_id: int, actor: str, volunteer: Volunteer | None = None,
                    tell_person: bool = True, reason: str = "") -> Case:
        """End the case; the person is told the bot is back, and the bot answers again."""
        case = self.store.require(case_id)
        if volunteer is not None and case.volunteer_id != volunteer.id:
            raise Conflict(f"case {case_id} is not yours")
        case = self.store.close(case_id, actor)
        if tell_person:
            await self.tell_person(case, [self.person_text(case, "handoff_closed")])
        self.store.resumed(case.id)
        await self._update_cards(case, f"CASE {case.id} is closed.", skip=case.volunteer_id)
        if case.volunteer_id is not None:
            await self._to_volunteer(case.volunteer_id, f"CASE {case.id} is closed{reason}. Thank you.")
            helper = self.volunteers.by_id(case.volunteer_id)
            if helper is not None:
                await self.offer_next(helper)
        return case

    async def forget(self, conversation: str) -> None:
        """DELETE: close the person's open case (its volunteer is told why), then erase them from every store."""
        case = self.store.open_for(conversation)
        if case is not None:
            await self.close(case.id, "person:DELETE", tell_person=False,
                             reason=" (the person asked for their data to be erased)")
        erase(self.settings.database_url, conversation)

    async def offer_next(self, volunteer: Volunteer) -> Case | None:
        """Offer the volunteer who just freed up the first waiting case in their languages they have not seen."""
        line = line_of(self.lines, volunteer)
        if line is None or not volunteer.on_duty(self.clock()):
            return None
        for case in self.store.cases((State.WAITING.value,)):
            if volunteer.speaks(case.language) and self.store.reserve_card(case.id, volunteer.id):
                try:
                    ref = await line.send(volunteer.address, card(case, volunteer, line.sms, "Next in the queue: "),
                                          claim_case=case.id)
                except DeliveryError as exc:
                    logger.warning("case %d: the next-case card was not delivered (%s)", case.id, exc)
                    return None
                self.store.set_card_ref(case.id, volunteer.id, ref)
                self.audit.record(f"volunteer:{volunteer.name}", "card", case.id)
                return case
        return None

    async def aclose(self) -> None:
        """Close the providers' connections."""
        for sender in {id(s): s for s in self.people.values()}.values():
            await sender.close()
        for line in self.lines.values():
            await line.close()
