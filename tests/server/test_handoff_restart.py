"""A waiting case survives a restart of every process: after it, the case is there and claim and relay work."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.handoff import HandoffStore
from bot.knowledge import KnowledgeBase
from bot.settings import ROOT
from bot.volunteers import VolunteerStore
from channels.fakes import FakeProviders
from tests.server import twilio_client
from tests.server.conftest import running, stack_env, wait_for
from tests.server.test_handoff import ASK_HUMAN, press_claim, volunteer_says

pytestmark = pytest.mark.server


def test_a_waiting_case_survives_a_restart_of_every_process(model_path: Path, tmp_path: Path, fakes: FakeProviders,
                                                            kb: KnowledgeBase) -> None:
    database, knowledge = tmp_path / "rafiq.db", tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", knowledge)
    env = stack_env(tmp_path, fakes, database, knowledge)
    helper = VolunteerStore(env["RAFIQ_DATABASE_URL"]).add("Restart Volunteer", ["en"], "telegram", "9300001")
    person = "+905551119001"
    with running(model_path, tmp_path, env, database, knowledge, fakes, tag="-1") as first:
        assert twilio_client.send(first, person, ASK_HUMAN)[0] == 200
        notice = wait_for(fakes, person, 1, settle=1)
        case_id = int(wait_for(fakes, helper.address, 1)[-1].split("CASE ")[1].split()[0])
    # every process is stopped now; the case waits in the database only
    assert HandoffStore(env["RAFIQ_DATABASE_URL"]).require(case_id).state == "waiting"
    with running(model_path, tmp_path, env, database, knowledge, fakes, tag="-2") as second:
        assert HandoffStore(env["RAFIQ_DATABASE_URL"]).require(case_id).state == "waiting"
        assert press_claim(second, helper.address, case_id) == 200
        assert wait_for(fakes, person, len(notice) + 1)[-1] == kb.text("en", "handoff_claimed")
        seen = len(wait_for(fakes, helper.address, 2))
        assert twilio_client.send(second, person, "are you still there")[0] == 200
        assert wait_for(fakes, helper.address, seen + 1)[-1] == f"[#{case_id}] are you still there"
        assert volunteer_says(second, helper.address, "Yes, I have your case.") == 200
        assert wait_for(fakes, person, len(notice) + 2)[-1] == "Yes, I have your case."
        assert [e.kind for e in HandoffStore(env["RAFIQ_DATABASE_URL"]).events(case_id)] == ["created", "claimed"]
