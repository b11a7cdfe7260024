"""Addresses and pending payloads are encrypted at rest: the raw rows never hold a phone number or chat id."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bot.contacts import ContactStore
from bot.db import engine
from bot.errors import ConfigError
from bot.inbox import Inbox
from bot.sealing import lookup_key, seal, unseal
from bot.volunteers import VolunteerStore

PHONE = "+905551234567"


def raw_rows(database_url: str, table: str) -> str:
    with engine(database_url).connect() as conn:
        return repr(conn.execute(sa.text(f"SELECT * FROM {table}")).all())


def test_a_sealed_value_opens_only_with_its_pepper() -> None:
    sealed = seal("pepper-one", PHONE)
    assert PHONE not in sealed and sealed != seal("pepper-one", PHONE), "a fresh IV every time"
    assert unseal("pepper-one", sealed) == PHONE
    with pytest.raises(ConfigError, match="RAFIQ_PEPPER changed"):
        unseal("pepper-two", sealed)
    assert lookup_key("pepper-one", PHONE) == lookup_key("pepper-one", PHONE) != lookup_key("pepper-two", PHONE)


def test_contacts_store_the_address_sealed(database_url: str) -> None:
    contacts = ContactStore(database_url, pepper="p")
    contacts.seen("conv", "whatsapp", f"whatsapp:{PHONE}")
    assert PHONE[1:] not in raw_rows(database_url, "contacts")
    found = contacts.get("conv")
    assert found is not None and found.address == f"whatsapp:{PHONE}"


def test_pending_payloads_are_sealed_and_erased_when_done(database_url: str) -> None:
    inbox = Inbox(database_url, pepper="p")
    item = inbox.accept("twilio", "SM1", "conv", {"address": PHONE, "text": "my passport P1234567 was taken"})
    assert item is not None
    assert PHONE[1:] not in raw_rows(database_url, "inbox") and "passport" not in raw_rows(database_url, "inbox")
    assert inbox.unfinished(-1)[0].payload["address"] == PHONE
    inbox.finish(item)
    assert inbox.unfinished(-1) == []


def test_volunteer_numbers_are_sealed_and_still_found(database_url: str) -> None:
    registry = VolunteerStore(database_url, pepper="p")
    registry.add("Amina", ["ar"], "sms", PHONE)
    assert PHONE[1:] not in raw_rows(database_url, "volunteers")
    found = registry.by_address("whatsapp", f"whatsapp:{PHONE}")
    assert found is not None and found.address == PHONE


def test_production_refuses_to_start_without_a_pepper(tmp_path: object) -> None:
    import os
    import subprocess
    import sys

    from bot.settings import ROOT

    env = {k: v for k, v in os.environ.items() if k != "RAFIQ_PEPPER"}
    env.update(RAFIQ_ENV="production", RAFIQ_DATABASE_URL=f"sqlite:///{tmp_path}/r.db")
    done = subprocess.run([sys.executable, "-m", "bot.cli", "serve"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2 and "RAFIQ_PEPPER is not set" in done.stderr
