"""A Twilio webhook client for tests: form bodies signed with twilio's own RequestValidator."""

from __future__ import annotations

import itertools
import urllib.error
import urllib.request
from urllib.parse import urlencode

from multidict import MultiDict
from twilio.request_validator import RequestValidator

from tests.server.conftest import PUBLIC_URL, Stack

PATH = "/webhooks/twilio/webhook"
_sids = itertools.count(1)


def new_sid() -> str:
    """A fresh MessageSid."""
    return f"SM{next(_sids):08d}" + "a" * 24


def message_fields(sender: str, body: str, sid: str | None = None, **extra: str) -> list[tuple[str, str]]:
    """The form fields Twilio posts for an incoming message (with a few blank ones, as Twilio sends)."""
    to = "whatsapp:+15550002222" if sender.startswith("whatsapp:") else "+15550001111"
    fields = [("MessageSid", sid or new_sid()), ("AccountSid", "AC" + "f" * 32), ("From", sender), ("To", to),
              ("Body", body), ("NumMedia", "0"), ("FromCity", ""), ("FromZip", "")]
    fields = [(k, extra.pop(k) if k in extra else v) for k, v in fields]
    return fields + list(extra.items())


def sign(stack: Stack, fields: list[tuple[str, str]], path: str = PATH) -> str:
    """X-Twilio-Signature for these fields at the public URL, computed by twilio's own validator."""
    validator = RequestValidator(stack.env["TWILIO_AUTH_TOKEN"])
    return validator.compute_signature(PUBLIC_URL + path, MultiDict(fields))


def post(stack: Stack, fields: list[tuple[str, str]], signature: str | None = None, path: str = PATH,
         body: bytes | None = None) -> tuple[int, str]:
    """POST the form to the loopback server; returns (status, body)."""
    data = body if body is not None else urlencode(fields).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if signature is not None:
        headers["X-Twilio-Signature"] = signature
    request = urllib.request.Request(stack.url + path, data, headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def send(stack: Stack, sender: str, body: str, sid: str | None = None, **extra: str) -> tuple[int, str]:
    """A correctly signed incoming message."""
    fields = message_fields(sender, body, sid, **extra)
    return post(stack, fields, sign(stack, fields))
