"""The scale-out profile's configuration: endpoints, nginx and Redis files, the schema step, the Rasa speed-up."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from bot.cluster_config import PROXY_READ_TIMEOUT, nginx_conf, redis_conf
from bot.errors import ConfigError
from bot.serve import endpoints_yaml
from channels.lock_store import MAX_HOLD
from tests import pg

pytestmark = pytest.mark.scale
PG_URL = "postgresql://rafiq:secret@127.0.0.1:5433/rafiq"


def test_the_lock_store_is_written_only_with_a_redis_url() -> None:
    assert "lock_store" not in yaml.safe_load(endpoints_yaml(5055, "sqlite:////tmp/rafiq.db"))
    endpoints = yaml.safe_load(endpoints_yaml(5055, PG_URL, "redis://:p%40ss@127.0.0.1:6380/2"))
    assert endpoints["tracker_store"]["dialect"] == "postgresql"
    assert endpoints["lock_store"] == {"type": "channels.lock_store.AtomicRedisLockStore", "url": "127.0.0.1",
                                       "port": 6380, "db": 2, "key_prefix": "rafiq", "password": "p@ss"}
    assert yaml.safe_load(endpoints_yaml(5055, PG_URL, "rediss://redis.internal"))["lock_store"]["use_ssl"] is True
    with pytest.raises(ConfigError, match="RAFIQ_REDIS_URL"):
        endpoints_yaml(5055, PG_URL, "http://127.0.0.1:6379")


def test_the_proxy_listens_on_loopback_and_retries_only_unsent_posts(tmp_path: Path) -> None:
    conf = nginx_conf(tmp_path, "127.0.0.1:5005", ["127.0.0.1:5101", "127.0.0.1:5102"])
    assert "listen 127.0.0.1:5005;" in conf
    assert "server 127.0.0.1:5101 " in conf and "server 127.0.0.1:5102 " in conf
    assert "proxy_next_upstream error timeout;" in conf and "non_idempotent" not in conf
    assert "X-Forwarded-For" in conf and "X-Forwarded-Proto" in conf
    assert PROXY_READ_TIMEOUT > MAX_HOLD  # the proxy never gives up on a turn that still holds its lock
    assert "$request_uri" not in conf and "$args" not in conf  # no query string (sender ids) in the access log


def test_redis_listens_on_loopback_without_persistence(tmp_path: Path) -> None:
    conf = redis_conf(6380, tmp_path)
    assert "bind 127.0.0.1" in conf and "protected-mode yes" in conf
    assert 'save ""' in conf and "appendonly no" in conf and "maxmemory-policy noeviction" in conf


def test_the_schema_step_creates_rasa_and_rafiq_tables(postgres_server: pg.Server) -> None:
    from channels.schema import create_schema

    with postgres_server.database() as url:
        tables = create_schema(url)
        assert {"events", "inbox", "contacts", "handoff_cases", "volunteers"} <= set(tables)
        assert create_schema(url) == tables  # again: nothing to do, no error
        with sa.create_engine(url, poolclass=sa.pool.NullPool).connect() as conn:
            present = set(sa.inspect(conn).get_table_names())
        assert set(tables) <= present


def test_action_responses_are_validated_as_strictly_with_the_cached_validator() -> None:
    from jsonschema import ValidationError
    from rasa.core.actions.action import RemoteAction

    from channels.rasa_speedups import install

    assert install()
    assert getattr(RemoteAction._validate_action_result, "rafiq_cached", False)
    action = RemoteAction("action_x", None)
    assert action._validate_action_result({"events": [{"event": "slot", "name": "a", "value": 1}],
                                           "responses": [{"text": "hi"}]})
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": "not a list"})


def test_events_read_back_with_the_cached_type_lookup_are_the_same_events() -> None:
    from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SlotSet, UserUttered

    from channels.rasa_speedups import install

    assert install()
    assert getattr(Event.resolve_by_type, "rafiq_cached", False)
    events = [UserUttered("hi", {"name": "greet", "confidence": 0.9}), ActionExecuted("action_answer"),
              SlotSet("language", "ar"), BotUttered("مرحبا")]
    for _ in range(2):  # the second time from the cache
        assert [Event.from_parameters(e.as_dict()) for e in events] == events
    assert Event.resolve_by_type("no_such_event", default=SlotSet) is SlotSet
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no_such_event")


def _responses() -> list[object]:
    """Action server responses, valid and broken in the ways a buggy action server could break them."""
    from rasa.shared.core.events import (
        ActionExecuted,
        ActiveLoop,
        AllSlotsReset,
        BotUttered,
        FollowupAction,
        Restarted,
        SessionStarted,
        SlotSet,
        UserUttered,
    )

    good = [e.as_dict() for e in (UserUttered("hi", {"name": "greet", "confidence": 0.9}), ActionExecuted("a"),
                                  SlotSet("language", "ar"), SlotSet("last_article", {"id": "x", "revision": 2}),
                                  BotUttered("مرحبا", {"buttons": [{"title": "1", "payload": "1"}]}),
                                  FollowupAction("action_listen"), ActiveLoop(None), AllSlotsReset(), Restarted(),
                                  SessionStarted())]
    broken = [{"event": "slot", "name": 3, "value": 1}, {"event": "no_such_event"}, {"name": "x"},
              {"event": "bot", "text": 5}, {"event": "action", "name": None, "timestamp": "now"}, "not an event",
              {"event": "followup"}, {"event": "user", "parse_data": []}]
    responses: list[object] = [{"events": good, "responses": [{"text": "hi"}]}, {"events": [], "responses": []}, {},
                               {"events": "x"}, {"responses": "x"}, {"responses": [1]}, [], "text"]
    responses += [{"events": [*good[:2], bad, *good[2:]]} for bad in broken]
    return responses


@pytest.mark.parametrize("response", _responses())
def test_the_fast_response_check_agrees_with_the_whole_schema(response: object) -> None:
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    from channels.rasa_speedups import _response_checker

    spec = RemoteAction.action_response_format_spec()
    assert _response_checker(spec)(response) == validator_for(spec)(spec).is_valid(response)
