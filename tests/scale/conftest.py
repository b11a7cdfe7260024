"""Fixtures of the scale tests: a real Redis server for the session (PostgreSQL comes from tests/conftest.py) and
a cluster of two Rafiq replicas behind nginx, as `make cluster` runs it."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cluster import Cluster, ClusterConfig
from bot.db import dispose
from channels.fakes import FakeProviders, FakeState
from tests import pg
from tests.pg import free_port
from tests.scale import redisd

PUBLIC_URL = "https://rafiq.example.org"  # what Twilio signs: the public URL, not the loopback one behind nginx


@pytest.fixture(scope="session")
def redis_server() -> Iterator[redisd.RedisServer]:
    """A throwaway redis-server on 127.0.0.1 (fails when not installed: run scripts/redis-deps)."""
    server = redisd.start(redisd.require_redis_server())
    yield server
    server.stop()


@pytest.fixture(scope="module")
def scale_fakes() -> Iterator[FakeProviders]:
    """Loopback fakes of the Twilio and Telegram APIs."""
    state = FakeState(account_sid="AC" + "e" * 32, auth_token="scale-twilio-auth-token", bot_token="4242:scale-bot")
    providers = FakeProviders(state, free_port()).start()
    yield providers
    providers.stop()


@pytest.fixture(scope="module")
def cluster(model_path: Path, postgres_server: pg.Server, redis_server: redisd.RedisServer,
            scale_fakes: FakeProviders, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """Two Rafiq replicas, the action server and nginx on free loopback ports, over a new PostgreSQL database and
    the test Redis, with the Twilio channel on the fakes (nginx must be installed: scripts/nginx-deps)."""
    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        pytest.fail("nginx not found: run `bash scripts/nginx-deps`", pytrace=False)
    name = f"scale_{uuid.uuid4().hex[:12]}"
    postgres_server.admin(f'CREATE DATABASE "{name}"')
    work = tmp_path_factory.mktemp("cluster")
    env = {"RAFIQ_PUBLIC_URL": PUBLIC_URL, "TWILIO_ACCOUNT_SID": scale_fakes.state.account_sid,
           "TWILIO_AUTH_TOKEN": scale_fakes.state.auth_token, "TWILIO_SMS_FROM": "+15550001111",
           "TWILIO_API_BASE_URL": scale_fakes.url, "RAFIQ_HANDOFF_ESCALATE_MINUTES": "600"}
    config = ClusterConfig(model=model_path, work=work, port=free_port(), actions_port=free_port(),
                           replica_ports=[free_port(), free_port()], database_url=postgres_server.url(name),
                           redis_url=redis_server.url, env=env, dotenv=work / "none.env")
    with Cluster(config) as running:
        yield running
    dispose(postgres_server.url(name))
    postgres_server.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
