"""Two Rafiq replicas on PostgreSQL and Redis: no lost or reordered turn; a replica killed under load loses nothing."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest
from multidict import MultiDict
from twilio.request_validator import RequestValidator

from bench.contention import run_tries
from bot.cluster import Cluster
from channels.fakes import FakeProviders
from tests.scale.conftest import PUBLIC_URL

pytestmark = pytest.mark.scale
PATH = "/webhooks/twilio/webhook"


def test_simultaneous_messages_on_two_replicas_lose_and_reorder_nothing(cluster: Cluster) -> None:
    counts = run_tries(cluster.replica_urls(), cluster.database_url, tries=20, parallel=2)
    assert counts.tries == 20
    assert (counts.errors, counts.lost, counts.duplicated, counts.reordered) == (0, 0, 0, 0), counts


class Provider:
    """Sends signed webhooks like Twilio (twilio's own RequestValidator) and retries any that is not acknowledged."""

    def __init__(self, cluster: Cluster, fakes: FakeProviders) -> None:
        self.url = cluster.url + PATH
        self.validator = RequestValidator(fakes.state.auth_token)
        self.account = fakes.state.account_sid
        self.retries = 0

    def send(self, number: str, sid: str, body: str, attempts: int = 8) -> bool:
        """POST until HTTP 200 (True) or out of attempts: the same MessageSid every time."""
        fields = [("MessageSid", sid), ("AccountSid", self.account), ("From", number), ("To", "+15550001111"),
                  ("Body", body), ("NumMedia", "0")]
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   "X-Twilio-Signature": self.validator.compute_signature(PUBLIC_URL + PATH, MultiDict(fields))}
        for attempt in range(attempts):
            if attempt:
                self.retries += 1
                time.sleep(0.5)
            try:
                with urllib.request.urlopen(urllib.request.Request(self.url, urlencode(fields).encode(), headers),
                                            timeout=15) as reply:
                    if reply.status == 200:
                        return True
            except (urllib.error.URLError, OSError):
                continue
        return False


def replies(fakes: FakeProviders, number: str) -> int:
    """How many messages the fake Twilio received for this number."""
    return sum(1 for m in list(fakes.state.sent) if m["to"] == number)


def last_upstream(access_log: Path, lines_before: int) -> str:
    """The replica (host:port) nginx used for the request logged after `lines_before` lines."""
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        lines = access_log.read_text().splitlines()
        if len(lines) > lines_before:
            return lines[-1].split("upstream=")[1].split()[0]
        time.sleep(0.005)
    raise AssertionError("nginx logged no line for the request")


def wait_for_replies(fakes: FakeProviders, numbers: list[str], count: int, timeout: float) -> dict[str, int]:
    """Replies per number once every number has `count` (or at the deadline)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(replies(fakes, n) < count for n in numbers):
        time.sleep(0.2)
    return {number: replies(fakes, number) for number in numbers}


def test_a_replica_killed_under_load_loses_no_acknowledged_message(cluster: Cluster,
                                                                   scale_fakes: FakeProviders) -> None:
    """Kill -9 the replica that just acknowledged a webhook; the survivor answers that message (inbox sweep, 60-90 s
    later), and every acknowledged message gets exactly one reply. The kill comes right after an acknowledgement,
    not at a random moment: a replica killed in the few milliseconds between sending a reply and marking the message
    done would have it answered twice (delivery is at least once; a provider's API takes no idempotency key)."""
    provider = Provider(cluster, scale_fakes)
    access_log = cluster.config.work / "nginx" / "access.log"
    victim = f"127.0.0.1:{cluster.ports[0]}"
    control = "+15558880000"  # how many messages one turn's reply is, on this very stack
    assert provider.send(control, "SM" + "c" * 32, "hello")
    per_turn = wait_for_replies(scale_fakes, [control], 1, 60)[control]
    time.sleep(2)
    per_turn = replies(scale_fakes, control)
    assert per_turn >= 1

    acknowledged: list[str] = []
    orphan: tuple[str, str] | None = None
    for i in range(24):
        number, sid = f"+1555777{i:04d}", f"SM{i:032d}"
        before = len(access_log.read_text().splitlines())
        if provider.send(number, sid, "hello"):
            acknowledged.append(number)
        if orphan is None and i >= 6 and (last_upstream(access_log, before) == victim or i == 16):
            cluster.kill("rasa-1")  # accepted a moment ago, not answered yet: only the inbox has it now
            orphan = (number, sid)
            assert provider.send(number, sid, "hello")  # a provider's retry, now on the survivor: a duplicate
        time.sleep(0.3)
    assert orphan is not None and cluster.exited() == ["rasa-1"]
    assert len(acknowledged) == 24, "every webhook is acknowledged in the end (nginx or the provider's retries)"

    got = wait_for_replies(scale_fakes, acknowledged, per_turn, timeout=150)  # the survivor's sweep: 60-90 s
    time.sleep(3)  # a second reply would come now
    got = {number: replies(scale_fakes, number) for number in acknowledged}
    assert got == dict.fromkeys(acknowledged, per_turn), (orphan, got)
    assert cluster.exited() == ["rasa-1"], "the survivor is still serving"
