"""Rasa 3.6 validates every action server response with `jsonschema.validate`, which first checks the schema itself
against jsonschema 4.17's draft 2020-12 metaschema, on every call. Profiled under load (bench/scale.py, py-spy), that
was about half of a Rafiq replica's CPU time (Rafiq makes two or three action calls per message). `install` gives
`RemoteAction` the same validation with the validator built once; an invalid response still goes through Rasa's own
code, so its error is unchanged. Installed by `channels/desk_runtime.py` when Rasa builds Rafiq's channels.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

logger = logging.getLogger(__name__)


def install() -> bool:
    """Patch RemoteAction._validate_action_result once, in a process that runs Rasa; True when patched."""
    module = sys.modules.get("rasa.core.actions.action")
    if module is None:  # not a Rasa server (the action server, the CLI): nothing to do
        return False
    remote = module.RemoteAction
    if getattr(remote._validate_action_result, "rafiq_cached", False):
        return True
    from jsonschema.exceptions import best_match
    from jsonschema.validators import validator_for

    spec = remote.action_response_format_spec()
    validator_class = validator_for(spec)
    validator_class.check_schema(spec)
    validator = validator_class(spec)
    original = remote._validate_action_result

    def validate_action_result(self: Any, result: dict[str, Any]) -> bool:
        if best_match(validator.iter_errors(result)) is None:
            return True
        return bool(original(self, result))  # raises Rasa's own ValidationError with its message

    validate_action_result.rafiq_cached = True  # type: ignore[attr-defined]
    remote._validate_action_result = validate_action_result
    logger.debug("action server responses validated with a cached JSON schema validator")
    return True
