"""Pseudonymous ids: stores and logs see an HMAC of the channel address, never the address itself."""

from __future__ import annotations

import hashlib
import hmac

DEVELOPMENT_PEPPER = "rafiq-development-pepper-not-secret"


def pseudonym(pepper: str | None, address: str) -> str:
    """HMAC-SHA256(pepper, address), hex; the development pepper is used only outside production."""
    key = (pepper or DEVELOPMENT_PEPPER).encode("utf-8")
    return hmac.new(key, address.encode("utf-8"), hashlib.sha256).hexdigest()[:32]
