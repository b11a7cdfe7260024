"""Sign-in for the volunteers' web console: one-time codes, sessions, CSRF tokens and rate limits, all in SQL.

A volunteer asks for a code by name; a 6-digit code goes to their own channel and is kept only as an HMAC.
A right code opens a session: a random token in the cookie (only its SHA-256 is stored) with its own CSRF
token and a sliding expiry. Rate limits count requests per volunteer name and per client address in SQL, so
they hold across processes and replicas. Plain Python over SQLAlchemy (SQLite or PostgreSQL), no Rasa.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from bot.db import create_tables

CODE_MINUTES = 10
CODE_TRIES = 5  # guesses per code, right or wrong; after 5 wrong ones the code is dead
WINDOW = timedelta(minutes=15)
# (action, scope) → how many are allowed per WINDOW
LIMITS: dict[tuple[str, str], int] = {("code_request", "name"): 5, ("code_request", "ip"): 20,
                                      ("code_try", "name"): 10, ("code_try", "ip"): 20}
metadata = sa.MetaData()
codes = sa.Table(
    "console_codes", metadata,
    sa.Column("volunteer_id", sa.Integer, primary_key=True),  # one live code per volunteer: a new one replaces it
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("tries", sa.Integer, nullable=False),
)
sessions = sa.Table(
    "console_sessions", metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("volunteer_id", sa.Integer, nullable=False, index=True),
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False, index=True),
)
attempts = sa.Table(
    "console_attempts", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("key", sa.String(64), nullable=False, index=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
)


@dataclass(frozen=True)
class Session:
    """A signed-in volunteer: the cookie token (only known at sign-in), their id and the form token."""

    token: str
    volunteer_id: int
    csrf: str
    expires_at: datetime

    def csrf_ok(self, given: str | None) -> bool:
        """True when a form carried this session's CSRF token (constant-time comparison)."""
        return bool(given) and hmac.compare_digest(str(given).encode("utf-8"), self.csrf.encode("utf-8"))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _aware(value: datetime) -> datetime:
    """SQLite returns naive datetimes: they are UTC."""
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


class ConsoleAuth:
    """Codes, sessions and rate limits of the console, over the shared database."""

    def __init__(self, database_url: str, pepper: str | None, session_minutes: float = 60,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.engine = create_tables(database_url, metadata)
        # Codes are stored as an HMAC under the pepper. Without one (development only: production refuses to
        # start without RAFIQ_PEPPER) a random key of this process is used, so codes only verify in the
        # process that issued them, and rate-limit keys are plain SHA-256 (still shared across processes).
        self._key = (pepper or secrets.token_hex(32)).encode("utf-8")
        self._limit_key = pepper.encode("utf-8") if pepper else None
        self.session_time = timedelta(minutes=float(session_minutes))
        self.clock = clock or (lambda: datetime.now(timezone.utc))

    # -- rate limits ------------------------------------------------------------------------------------------

    def _bucket(self, action: str, scope: str, value: str) -> str:
        raw = f"{action}:{scope}:{value}"
        if self._limit_key is None:
            return _sha256(raw)
        return hmac.new(self._limit_key, raw.encode("utf-8"), hashlib.sha256).hexdigest()

    def limit(self, action: str, name: str, ip: str) -> int:
        """Count one `action` for this name and address; 0 when allowed, else the minutes to wait."""
        now = self.clock()
        keys = {self._bucket(action, "name", " ".join(name.split()).lower()): LIMITS[(action, "name")],
                self._bucket(action, "ip", ip): LIMITS[(action, "ip")]}
        with self.engine.begin() as conn:
            conn.execute(attempts.delete().where(attempts.c.at <= now - WINDOW))
            ids = {key: int(conn.execute(attempts.insert().values(key=key, at=now)).inserted_primary_key[0])
                   for key in keys}
        wait = timedelta(0)
        with self.engine.connect() as conn:  # counted after inserting, so concurrent requests see each other
            for key, allowed in keys.items():
                times = sorted(_aware(r.at) for r in conn.execute(
                    sa.select(attempts.c.at).where(attempts.c.key == key, attempts.c.at > now - WINDOW)))
                if len(times) > allowed:  # the next one is allowed once enough of the earlier ones left the window
                    wait = max(wait, times[len(times) - allowed - 1] + WINDOW - now)
        if not wait:
            return 0
        with self.engine.begin() as conn:  # a refused request does not count
            conn.execute(attempts.delete().where(attempts.c.id.in_(list(ids.values()))))
        return max(1, math.ceil(wait.total_seconds() / 60))

    # -- one-time codes ---------------------------------------------------------------------------------------

    def _digest(self, volunteer_id: int, code: str) -> str:
        return hmac.new(self._key, f"{volunteer_id}:{code}".encode(), hashlib.sha256).hexdigest()

    def issue_code(self, volunteer_id: int) -> str:
        """A new 6-digit code for this volunteer (their earlier code stops working); valid CODE_MINUTES."""
        code = f"{secrets.randbelow(10**6):06d}"
        with self.engine.begin() as conn:
            conn.execute(codes.delete().where(codes.c.volunteer_id == volunteer_id))
            conn.execute(codes.insert().values(volunteer_id=volunteer_id, digest=self._digest(volunteer_id, code),
                                               expires_at=self.clock() + timedelta(minutes=CODE_MINUTES), tries=0))
        return code

    def check_code(self, volunteer_id: int, code: str) -> bool:
        """True once for the right, live code; every guess uses up one of the code's CODE_TRIES."""
        now = self.clock()
        code = "".join(code.split())
        with self.engine.begin() as conn:  # take the try first: concurrent guesses can never exceed the limit
            live = conn.execute(codes.update().where(codes.c.volunteer_id == volunteer_id, codes.c.expires_at > now,
                                                     codes.c.tries < CODE_TRIES)
                                .values(tries=codes.c.tries + 1)).rowcount
        if not live:
            with self.engine.begin() as conn:
                conn.execute(codes.delete().where(codes.c.volunteer_id == volunteer_id))
            return False
        digest = self._digest(volunteer_id, code)
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(codes).where(codes.c.volunteer_id == volunteer_id)).first()
            if row is not None and len(code) == 6 and hmac.compare_digest(row.digest, digest):
                return bool(conn.execute(codes.delete().where(codes.c.volunteer_id == volunteer_id,
                                                              codes.c.digest == digest)).rowcount)
            if row is not None and row.tries >= CODE_TRIES:
                conn.execute(codes.delete().where(codes.c.volunteer_id == volunteer_id))
        return False

    # -- sessions ---------------------------------------------------------------------------------------------

    def open_session(self, volunteer_id: int) -> Session:
        """Sign a volunteer in: a new session (expired sessions of anyone are swept)."""
        now = self.clock()
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        expires = now + self.session_time
        with self.engine.begin() as conn:
            conn.execute(sessions.delete().where(sessions.c.expires_at <= now))
            conn.execute(sessions.insert().values(token_hash=_sha256(token), volunteer_id=volunteer_id, csrf=csrf,
                                                  created_at=now, expires_at=expires))
        return Session(token, volunteer_id, csrf, expires)

    def session(self, token: str | None) -> Session | None:
        """The live session of this cookie token, its expiry pushed back; None when unknown or expired."""
        if not token:
            return None
        now, key = self.clock(), _sha256(token)
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(sessions).where(sessions.c.token_hash == key)).first()
            if row is None:
                return None
            if _aware(row.expires_at) <= now:
                conn.execute(sessions.delete().where(sessions.c.token_hash == key))
                return None
            expires = now + self.session_time
            conn.execute(sessions.update().where(sessions.c.token_hash == key).values(expires_at=expires))
        return Session(token, int(row.volunteer_id), row.csrf, expires)

    def close_session(self, token: str | None) -> None:
        """Sign out: the session is deleted."""
        if token:
            with self.engine.begin() as conn:
                conn.execute(sessions.delete().where(sessions.c.token_hash == _sha256(token)))

    def close_sessions_of(self, volunteer_id: int) -> None:
        """Sign a volunteer out everywhere (for example when they leave the registry)."""
        with self.engine.begin() as conn:
            conn.execute(sessions.delete().where(sessions.c.volunteer_id == volunteer_id))
