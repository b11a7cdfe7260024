"""Phone numbers and chat ids stay out of Rasa: the tracker store and the logs only see pseudonyms."""

from __future__ import annotations

import json

from tests.server import twilio_client as tw
from tests.server.conftest import Stack, wait_for
from tests.server.test_telegram import post, update

CANARY_PHONE = "+15559876543"
CANARY_CHAT = "987654321"
CANARY_TEXT = "my passport number is K7733221 and my employer keeps it"


def test_no_phone_number_or_chat_id_in_the_tracker_store_or_logs(stack: Stack) -> None:
    tw.send(stack, CANARY_PHONE, CANARY_TEXT)
    assert post(stack, update(CANARY_CHAT, CANARY_TEXT)) == 200
    assert wait_for(stack.fakes, CANARY_PHONE, 1) and wait_for(stack.fakes, CANARY_CHAT, 1)
    tracker = (stack.database.with_name("tracker.db")).read_bytes()
    for needle in (CANARY_PHONE, CANARY_PHONE[1:], CANARY_CHAT):
        assert needle.encode() not in tracker
        for log in stack.logs:
            assert needle not in log.read_text(errors="replace"), log
    for log in stack.logs:
        assert "K7733221" not in log.read_text(errors="replace")
    assert json.dumps(CANARY_TEXT) not in stack.database.read_bytes().decode(errors="replace")
