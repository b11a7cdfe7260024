"""Sign-in of the volunteers' console: one-time codes, rate limits, sliding sessions, CSRF (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from bot.console_auth import CODE_TRIES, LIMITS, ConsoleAuth, codes, sessions


class Clock:
    """A frozen clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def auth(database_url: str, clock: Clock) -> ConsoleAuth:
    return ConsoleAuth(database_url, "test-pepper", session_minutes=60, clock=clock)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_a_code_is_six_digits_works_once_and_is_not_stored(auth: ConsoleAuth) -> None:
    code = auth.issue_code(7)
    assert len(code) == 6 and code.isdigit()
    with auth.engine.connect() as conn:
        stored = conn.execute(sa.select(codes)).all()
    assert len(stored) == 1 and code not in stored[0].digest
    assert not auth.check_code(8, code), "a code belongs to one volunteer"
    assert auth.check_code(7, code)
    assert not auth.check_code(7, code), "used once"


def test_a_new_code_replaces_the_old_one(auth: ConsoleAuth) -> None:
    first = auth.issue_code(7)
    second = auth.issue_code(7)
    assert first == second or not auth.check_code(7, first)
    assert auth.check_code(7, second)


def test_a_code_expires_after_ten_minutes(auth: ConsoleAuth, clock: Clock) -> None:
    code = auth.issue_code(7)
    clock.advance(minutes=9, seconds=59)
    early = auth.issue_code(8)
    assert auth.check_code(7, code)
    clock.advance(minutes=10)
    assert not auth.check_code(8, early)


def test_five_wrong_tries_kill_the_code(auth: ConsoleAuth) -> None:
    code = auth.issue_code(7)
    for _ in range(CODE_TRIES - 1):
        assert not auth.check_code(7, wrong(code))
    assert auth.check_code(7, code), "still alive after 4 wrong tries"
    code = auth.issue_code(7)
    for _ in range(CODE_TRIES):
        assert not auth.check_code(7, wrong(code))
    assert not auth.check_code(7, code), "dead after 5 wrong tries"
    with auth.engine.connect() as conn:
        assert conn.execute(sa.select(codes)).all() == []


def test_code_requests_are_limited_per_name(auth: ConsoleAuth, clock: Clock) -> None:
    allowed = LIMITS[("code_request", "name")]
    for i in range(allowed):
        assert auth.limit("code_request", "Amina  Test", f"10.0.0.{i}") == 0
    assert auth.limit("code_request", "amina test", "10.0.1.1") == 15, "same name, any spacing or case"
    assert auth.limit("code_request", "Someone Else", "10.0.1.1") == 0
    assert auth.limit("code_try", "Amina Test", "10.0.1.1") == 0, "code tries are counted apart"
    clock.advance(minutes=6)
    assert auth.limit("code_request", "Amina Test", "10.0.1.2") == 9
    clock.advance(minutes=9)
    assert auth.limit("code_request", "Amina Test", "10.0.1.2") == 0, "the window slid past the first requests"


def test_code_requests_are_limited_per_address(auth: ConsoleAuth, clock: Clock) -> None:
    allowed = LIMITS[("code_request", "ip")]
    for i in range(allowed):
        assert auth.limit("code_request", f"name {i}", "192.0.2.7") == 0
        clock.advance(seconds=10)
    wait = auth.limit("code_request", "another name", "192.0.2.7")
    assert wait == 12  # the first request leaves the window 15 min after it, 200 s ago → 11.7 min
    assert auth.limit("code_request", "another name", "192.0.2.8") == 0, "a refused request did not count"


def test_code_tries_are_limited_per_name_and_address(auth: ConsoleAuth) -> None:
    for _ in range(LIMITS[("code_try", "name")]):
        assert auth.limit("code_try", "Amina", "192.0.2.1") == 0
    assert auth.limit("code_try", "Amina", "192.0.2.2") > 0
    for i in range(LIMITS[("code_try", "ip")] - LIMITS[("code_try", "name")]):
        assert auth.limit("code_try", f"other {i}", "192.0.2.1") == 0
    assert auth.limit("code_try", "fresh name", "192.0.2.1") > 0


def test_rate_limits_hold_across_processes(database_url: str, clock: Clock) -> None:
    first = ConsoleAuth(database_url, "test-pepper", clock=clock)
    second = ConsoleAuth(database_url, "test-pepper", clock=clock)
    for i in range(LIMITS[("code_request", "name")]):
        assert (first if i % 2 else second).limit("code_request", "Amina", f"10.0.0.{i}") == 0
    assert first.limit("code_request", "Amina", "10.9.9.9") > 0


def test_sessions_slide_and_expire(auth: ConsoleAuth, clock: Clock) -> None:
    session = auth.open_session(7)
    assert len(session.token) >= 40 and session.csrf and session.csrf != session.token
    with auth.engine.connect() as conn:
        row = conn.execute(sa.select(sessions)).one()
    assert session.token not in row.token_hash
    clock.advance(minutes=50)
    again = auth.session(session.token)
    assert again is not None and again.volunteer_id == 7 and again.csrf == session.csrf
    clock.advance(minutes=50)
    assert auth.session(session.token) is not None, "activity 50 minutes ago pushed the expiry back"
    clock.advance(minutes=60, seconds=1)
    assert auth.session(session.token) is None, "an hour without activity"
    assert auth.session(None) is None and auth.session("made-up") is None


def test_sign_out_deletes_the_session(auth: ConsoleAuth) -> None:
    session, other = auth.open_session(7), auth.open_session(7)
    auth.close_session(session.token)
    assert auth.session(session.token) is None
    assert auth.session(other.token) is not None, "other devices stay signed in"
    auth.close_sessions_of(7)
    assert auth.session(other.token) is None


def test_csrf_token_check(auth: ConsoleAuth) -> None:
    session, other = auth.open_session(7), auth.open_session(8)
    assert session.csrf_ok(session.csrf)
    assert not session.csrf_ok(None) and not session.csrf_ok("")
    assert not session.csrf_ok(other.csrf)
    assert not session.csrf_ok(session.csrf[:-1])


def test_without_a_pepper_codes_still_work_in_the_process(database_url: str, clock: Clock) -> None:
    auth = ConsoleAuth(database_url, None, clock=clock)
    code = auth.issue_code(3)
    assert auth.check_code(3, code)
    assert auth.limit("code_request", "x", "127.0.0.1") == 0
