"""Encryption at rest of what would identify a person: phone numbers and chat ids, and webhook payloads until
they are answered. Fernet (AES-128-CBC + HMAC-SHA256, from the `cryptography` package) with a key derived
from RAFIQ_PEPPER by HKDF, so one secret protects both the pseudonyms and the sealed values."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.errors import ConfigError
from bot.privacy import DEVELOPMENT_PEPPER

PREFIX = "f1:"  # marks a sealed value (and its format version)


@functools.lru_cache(maxsize=8)
def _fernet(pepper: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"rafiq-sealing", info=b"addresses-v1"
               ).derive(pepper.encode("utf-8"))
    return Fernet(base64.urlsafe_b64encode(key))


def seal(pepper: str | None, value: str) -> str:
    """The value encrypted under the pepper (the development pepper outside production)."""
    return PREFIX + _fernet(pepper or DEVELOPMENT_PEPPER).encrypt(value.encode("utf-8")).decode("ascii")


def unseal(pepper: str | None, sealed: str) -> str:
    """The value back; ConfigError when it was sealed under another pepper (the pepper changed)."""
    if not sealed.startswith(PREFIX):
        return sealed  # written before sealing existed
    try:
        return _fernet(pepper or DEVELOPMENT_PEPPER).decrypt(sealed[len(PREFIX):].encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise ConfigError("a stored address cannot be decrypted: RAFIQ_PEPPER changed since it was stored") from exc


def lookup_key(pepper: str | None, value: str) -> str:
    """A keyed hash to find a sealed value by equality (e.g. which volunteer owns this number)."""
    key = hashlib.sha256(b"lookup:" + (pepper or DEVELOPMENT_PEPPER).encode("utf-8")).digest()
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()
