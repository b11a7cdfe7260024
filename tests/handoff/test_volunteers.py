"""The volunteer registry: what operators type, who is on duty when, who a number belongs to."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot.errors import BadInput
from bot.volunteers import VolunteerStore


@pytest.fixture
def registry(database_url: str) -> VolunteerStore:
    return VolunteerStore(database_url)


def test_add_list_pause_resume_remove(registry: VolunteerStore) -> None:
    registry.add("Amina Haddad", ["ar", "en"], "telegram", "5001", "08:00-20:00", "Asia/Amman", 2, True)
    registry.add("Bilal", ["ur"], "sms", "+92 300 123 4567")
    assert [v.name for v in registry.all()] == ["Amina Haddad", "Bilal"]
    assert registry.get("bilal") is not None and registry.require("BILAL").address == "+923001234567"
    assert registry.set_paused("Bilal", True).paused
    assert not registry.set_paused("Bilal", False).paused
    registry.remove("Bilal")
    assert [v.name for v in registry.all()] == ["Amina Haddad"]
    with pytest.raises(BadInput, match="registered: Amina Haddad"):
        registry.remove("Bilal")


@pytest.mark.parametrize(("fields", "problem"), [
    ({"name": ""}, "name"),
    ({"languages": []}, "languages"),
    ({"languages": ["Arabic"]}, "languages"),
    ({"channel": "pigeon"}, "channel"),
    ({"address": "@amina"}, "numeric user id"),
    ({"channel": "sms", "address": "0532 123 45 67"}, "international form"),
    ({"hours": "8-20"}, "08:00-20:00"),
    ({"tz": "Mars/Olympus"}, "time zone"),
    ({"max_open": 0}, "at least 1"),
])
def test_bad_fields_are_refused_in_plain_words(registry: VolunteerStore, fields: dict[str, object],
                                               problem: str) -> None:
    values: dict[str, object] = {"name": "Chen", "languages": ["en"], "channel": "telegram", "address": "42",
                                 "hours": None, "tz": "UTC", "max_open": 3}
    values.update(fields)
    with pytest.raises(BadInput, match=problem):
        registry.add(**values)  # type: ignore[arg-type]
    assert registry.all() == []


def test_a_name_or_address_is_registered_once(registry: VolunteerStore) -> None:
    registry.add("Dana", ["fr"], "whatsapp", "+33612345678")
    with pytest.raises(BadInput, match="already registered"):
        registry.add("dana", ["fr"], "telegram", "77")
    with pytest.raises(BadInput, match="already registered"):
        registry.add("Other", ["fr"], "whatsapp", "+33 6 12 34 56 78")


def test_a_number_finds_its_volunteer_on_sms_and_whatsapp(registry: VolunteerStore) -> None:
    registry.add("Eren", ["tr"], "whatsapp", "+905321234567")
    assert registry.by_address("whatsapp", "whatsapp:+905321234567") is not None
    assert registry.by_address("sms", "+905321234567") is not None
    assert registry.by_address("sms", "+905321234568") is None
    assert registry.by_address("telegram", "+905321234567") is None


@pytest.mark.parametrize(("hours", "tz", "utc_hour", "on_duty"), [
    (None, "UTC", 3, True),
    ("08:00-20:00", "UTC", 7, False),
    ("08:00-20:00", "UTC", 8, True),
    ("08:00-20:00", "UTC", 20, False),
    ("08:00-20:00", "Europe/Istanbul", 6, True),   # 09:00 in Istanbul (UTC+3)
    ("08:00-20:00", "Europe/Istanbul", 18, False),  # 21:00 in Istanbul
    ("22:00-06:00", "UTC", 23, True),
    ("22:00-06:00", "UTC", 5, True),
    ("22:00-06:00", "UTC", 12, False),
    ("00:00-24:00", "UTC", 23, True),
])
def test_on_duty_hours_in_the_volunteers_time_zone(registry: VolunteerStore, hours: str | None, tz: str,
                                                   utc_hour: int, on_duty: bool) -> None:
    volunteer = registry.add("Farid", ["fa"], "telegram", "9", hours, tz)
    assert volunteer.on_duty(datetime(2026, 11, 24, utc_hour, 30, tzinfo=timezone.utc)) is on_duty


def test_a_paused_volunteer_is_off_duty_and_the_next_shift_is_known(registry: VolunteerStore) -> None:
    volunteer = registry.add("Gul", ["ur"], "telegram", "10", "09:00-17:00", "Asia/Karachi")
    now = datetime(2026, 11, 24, 13, 0, tzinfo=timezone.utc)  # 18:00 in Karachi
    start = volunteer.next_start(now)
    assert start is not None and start.isoformat() == "2026-11-25T09:00:00+05:00"
    assert not registry.set_paused("Gul", True).on_duty(datetime(2026, 11, 24, 6, tzinfo=timezone.utc))


def test_the_public_listing_masks_the_address(registry: VolunteerStore) -> None:
    registry.add("Hana", ["id"], "sms", "+6281234567890")
    listed = registry.all()[0].public()
    assert "+6281234567890" not in str(listed) and listed["channel"] == "sms"
