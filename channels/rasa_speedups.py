"""Two places where Rasa 3.6 redoes, on every message, work whose answer never changes. Profiled under load
(bench/scale.py, py-spy), they cost a Rafiq replica a large share of its CPU:

- every action server response is checked with `jsonschema.validate`, which first checks the schema itself against
  jsonschema 4.17's draft 2020-12 metaschema, on every call (about half of the CPU before this fix), then tries each
  event against all 23 event schemas;
- every event read from the tracker store or an action server finds its class by walking all subclasses of `Event`
  (`Event.resolve_by_type`), several times per event.

`install` builds the validators once, checks each event against its own type's schema only, and remembers each
event type's class. An invalid response still goes through Rasa's own code, so its error is unchanged, and an
unknown event type still gets Rasa's own answer. Installed by `channels/desk_runtime.py` when Rasa builds Rafiq's
channels (never at import).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)


def install() -> bool:
    """Patch RemoteAction._validate_action_result and Event.resolve_by_type once, in a process that runs Rasa;
    True when patched."""
    module = sys.modules.get("rasa.core.actions.action")
    if module is None:  # not a Rasa server (the action server, the CLI): nothing to do
        return False
    _cache_event_types()
    remote = module.RemoteAction
    if getattr(remote._validate_action_result, "rafiq_cached", False):
        return True
    spec = remote.action_response_format_spec()
    is_valid = _response_checker(spec)
    original = remote._validate_action_result

    def validate_action_result(self: Any, result: dict[str, Any]) -> bool:
        if is_valid(result):
            return True
        return bool(original(self, result))  # raises Rasa's own ValidationError with its message

    validate_action_result.rafiq_cached = True  # type: ignore[attr-defined]
    remote._validate_action_result = validate_action_result
    logger.debug("action server responses validated with a cached JSON schema validator")
    return True


def _response_checker(spec: dict[str, Any]) -> Callable[[Any], bool]:
    """A validity check for action server responses, built once. The schema says each event must match exactly one
    of 23 alternatives, each fixing a different `event` value; checking an event against only the alternative of its
    own `event` value gives the same answer, 23 alternatives faster (falls back to the whole schema when the schema
    is not of that shape)."""
    from jsonschema.validators import validator_for

    validator_class = validator_for(spec)
    validator_class.check_schema(spec)
    whole = validator_class(spec)
    try:
        items = spec["properties"]["events"]["items"]
        base = {k: v for k, v in items.items() if k != "oneOf"}
        consts = [branch["properties"]["event"]["const"] for branch in items["oneOf"]]
    except (KeyError, TypeError):
        return whole.is_valid
    if len(set(consts)) != len(consts):
        return whole.is_valid
    outer = validator_class({**spec, "properties": {**spec["properties"], "events": {"type": "array"}}})
    by_type = {const: validator_class({"allOf": [base, branch]}) for const, branch in zip(consts, items["oneOf"],
                                                                                         strict=True)}

    def is_valid(result: Any) -> bool:
        if not outer.is_valid(result):
            return False
        for event in result.get("events") or ():
            checker = by_type.get(event.get("event")) if isinstance(event, dict) else None
            if checker is None or not checker.is_valid(event):
                return False
        return True

    return is_valid


def _cache_event_types() -> None:
    """Event.resolve_by_type with each known type name's class remembered (misses and defaults are not cached)."""
    from rasa.shared.core.events import Event

    if getattr(Event.resolve_by_type, "rafiq_cached", False):
        return
    original = Event.resolve_by_type
    known: dict[str, type[Event]] = {}

    def resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
        found = known.get(type_name)
        if found is None:
            found = original(type_name, default)
            if found is not None and found is not default:
                known[type_name] = found
        return found

    resolve_by_type.rafiq_cached = True  # type: ignore[attr-defined]
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign,assignment]
