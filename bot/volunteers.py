"""The volunteer registry: who can take cases, in which languages, on which channel, and when they are on duty.

Managed by operators with `rafiq volunteer add|list|pause|resume|remove`; only a registered, active volunteer
can claim, reply to or close a case. A volunteer is reached on their own Telegram, SMS or WhatsApp.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa

from bot.db import create_tables
from bot.errors import BadInput
from bot.sealing import lookup_key, seal, unseal

CHANNELS = ("telegram", "sms", "whatsapp")
HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")
PHONE = re.compile(r"^\+[1-9]\d{7,14}$")
NAME = re.compile(r"^[\w][\w .'-]{0,63}$")
metadata = sa.MetaData()
volunteers = sa.Table(
    "volunteers", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("name_key", sa.String(64), nullable=False, unique=True),  # lower-cased: names are case-insensitive
    sa.Column("languages", sa.String(128), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("address", sa.String(255), nullable=False),  # sealed (bot/sealing.py)
    sa.Column("address_key", sa.String(64), nullable=False),  # keyed hash, to find a volunteer by number
    sa.Column("hours", sa.String(16)),
    sa.Column("tz", sa.String(64), nullable=False, default="UTC"),
    sa.Column("paused", sa.Boolean, nullable=False, default=False),
    sa.Column("max_open", sa.Integer, nullable=False, default=3),
    sa.Column("share_name", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("channel", "address_key", name="uq_volunteer_address"),
)


@dataclass(frozen=True)
class Volunteer:
    """One registered volunteer."""

    id: int
    name: str
    languages: tuple[str, ...]
    channel: str
    address: str
    hours: str | None
    tz: str
    paused: bool
    max_open: int
    share_name: bool

    @property
    def first_name(self) -> str:
        """What a person may be told, if the volunteer agreed (`share_name`)."""
        return self.name.split()[0]

    def speaks(self, language: str) -> bool:
        """True when the volunteer works in this language."""
        return language in self.languages

    def _window(self) -> tuple[time, time] | None:
        if not self.hours:
            return None
        m = HOURS.match(self.hours)
        assert m is not None  # validated on add
        end = time(23, 59, 59) if m[3] == "24" else time(int(m[3]), int(m[4]))
        return time(int(m[1]), int(m[2])), end

    def on_duty(self, now: datetime) -> bool:
        """Not paused, and within the on-duty hours in the volunteer's time zone (no hours: always)."""
        if self.paused:
            return False
        window = self._window()
        if window is None:
            return True
        local = now.astimezone(ZoneInfo(self.tz)).time()
        start, end = window
        return start <= local < end if start <= end else local >= start or local < end

    def next_start(self, now: datetime) -> datetime | None:
        """When the next shift starts (None when paused or always on duty)."""
        window = self._window()
        if self.paused or window is None:
            return None
        local = now.astimezone(ZoneInfo(self.tz))
        start = local.replace(hour=window[0].hour, minute=window[0].minute, second=0, microsecond=0)
        return start if start > local else start + timedelta(days=1)

    def public(self) -> dict[str, Any]:
        """For `rafiq volunteer list --json`: everything but the address, which is shown masked."""
        masked = self.address[:3] + "…" + self.address[-2:] if len(self.address) > 6 else "…"
        return {"name": self.name, "languages": list(self.languages), "channel": self.channel, "address": masked,
                "hours": self.hours, "timezone": self.tz, "paused": self.paused, "max_open": self.max_open,
                "share_name": self.share_name}


def normalise_address(channel: str, address: str) -> str:
    """A phone number in E.164 (+…) for SMS and WhatsApp, a numeric user id for Telegram; else BadInput."""
    address = address.strip()
    if channel not in CHANNELS:
        raise BadInput(f"channel must be one of {', '.join(CHANNELS)}, not {channel!r}")
    if channel == "telegram":
        if not re.fullmatch(r"-?\d{1,20}", address):
            raise BadInput("a Telegram address is the volunteer's numeric user id (ask them to message the "
                           "volunteer bot, or @userinfobot, to find it)")
        return address
    address = re.sub(r"[\s().-]", "", address.removeprefix("whatsapp:"))
    if not PHONE.match(address):
        raise BadInput("a phone number must be in international form, like +905321234567")
    return address


class VolunteerStore:
    """The volunteers table (same database as the other Rafiq stores)."""

    def __init__(self, database_url: str, pepper: str | None = None) -> None:
        self.engine = create_tables(database_url, metadata)
        self.pepper = pepper

    def add(self, name: str, languages: list[str], channel: str, address: str, hours: str | None = None,
            tz: str = "UTC", max_open: int = 3, share_name: bool = False) -> Volunteer:
        """Register a volunteer (BadInput on a bad field or a name/address already registered)."""
        name = " ".join(name.split())
        if not NAME.match(name):
            raise BadInput("the name must be 1-64 letters, digits, spaces, dots, apostrophes or hyphens")
        if not languages or not all(re.fullmatch(r"[a-z]{2,3}", lang) for lang in languages):
            raise BadInput("languages must be language codes separated by commas, like en,ar")
        if hours is not None and not HOURS.match(hours):
            raise BadInput("hours must look like 08:00-20:00 (24-hour clock; 22:00-06:00 spans midnight)")
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise BadInput(f"unknown time zone {tz!r} (use a name like Europe/Istanbul or UTC)") from exc
        if max_open < 1:
            raise BadInput("max open cases must be at least 1")
        address = normalise_address(channel, address)
        values = {"name": name, "name_key": name.lower(), "languages": ",".join(dict.fromkeys(languages)),
                  "channel": channel, "address": seal(self.pepper, address),
                  "address_key": lookup_key(self.pepper, address), "hours": hours, "tz": tz, "paused": False,
                  "max_open": max_open, "share_name": share_name, "created_at": datetime.now(timezone.utc)}
        try:
            with self.engine.begin() as conn:
                conn.execute(volunteers.insert().values(**values))
        except sa.exc.IntegrityError as exc:
            raise BadInput(f"a volunteer named {name!r} or with that {channel} address is already registered") from exc
        found = self.get(name)
        assert found is not None
        return found

    def all(self) -> list[Volunteer]:
        """Every registered volunteer, by name."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(volunteers)).all()
        return sorted((self._volunteer(r) for r in rows), key=lambda v: v.name.lower())  # the same on every database

    def get(self, name: str) -> Volunteer | None:
        """The volunteer with this name (case-insensitive), or None."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(volunteers).where(
                volunteers.c.name_key == " ".join(name.split()).lower())).first()
        return self._volunteer(row) if row is not None else None

    def by_id(self, volunteer_id: int) -> Volunteer | None:
        """The volunteer with this id, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(volunteers).where(volunteers.c.id == volunteer_id)).first()
        return self._volunteer(row) if row is not None else None

    def by_address(self, channel: str, address: str) -> Volunteer | None:
        """The volunteer writing from this address on this channel, or None (SMS and WhatsApp share numbers)."""
        try:
            address = normalise_address(channel, address)
        except BadInput:
            return None
        channels = ("sms", "whatsapp") if channel in ("sms", "whatsapp") else (channel,)
        with self.engine.connect() as conn:
            key = lookup_key(self.pepper, address)
            row = conn.execute(sa.select(volunteers).where(volunteers.c.channel.in_(channels),
                                                           volunteers.c.address_key == key)).first()
        return self._volunteer(row) if row is not None else None

    def set_paused(self, name: str, paused: bool) -> Volunteer:
        """Pause (no new cases are offered) or resume a volunteer."""
        volunteer = self.require(name)
        with self.engine.begin() as conn:
            conn.execute(volunteers.update().where(volunteers.c.id == volunteer.id).values(paused=paused))
        return self.require(name)

    def remove(self, name: str) -> Volunteer:
        """Delete a volunteer from the registry."""
        volunteer = self.require(name)
        with self.engine.begin() as conn:
            conn.execute(volunteers.delete().where(volunteers.c.id == volunteer.id))
        return volunteer

    def require(self, name: str) -> Volunteer:
        """The volunteer with this name, or BadInput naming the ones that exist."""
        volunteer = self.get(name)
        if volunteer is None:
            known = ", ".join(v.name for v in self.all()) or "none yet"
            raise BadInput(f"no volunteer named {name!r} (registered: {known})")
        return volunteer

    def _volunteer(self, row: Any) -> Volunteer:
        return Volunteer(int(row.id), row.name, tuple(row.languages.split(",")), row.channel,
                         unseal(self.pepper, row.address), row.hours, row.tz, bool(row.paused), int(row.max_open),
                         bool(row.share_name))
