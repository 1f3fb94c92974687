"""Sign-in that resists abuse: the failed sign-in throttle, server-side sessions (sign-out, disabled
users, idle and absolute lifetimes), the web users' rate limit, argon2 off the request threads."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.app import create_app
from api.web import SESSION_COOKIE
from fleet import identity
from fleet.models import SignInThrottle, User, WebSession
from fleet.principal import SYSTEM
from tests.builders import row_counts
from tests.web.conftest import PASSWORD, World, csrf_of, login, signed_in

LOCKED_ACCOUNT = "Too many failed sign-ins for this account; try again in 15 minutes."


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture
def clock(app: Any) -> Clock:
    clock = Clock()
    app.state.web.clock = clock
    return clock


def _app(settings: Any, db: Any, clock: Clock, **changes: Any) -> Any:
    app = create_app(settings.model_copy(update=changes), db=db)
    app.state.web.clock = clock
    return app


def _fail(client: TestClient, username: str, times: int) -> list[int]:
    return [login(client, username, "not the password").status_code for _ in range(times)]


def _counts_but_throttle(session: Session) -> dict[str, int]:
    return {k: v for k, v in row_counts(session).items() if k != "signin_throttle"}


# --- the throttle ---------------------------------------------------------------------------------
def test_five_wrong_passwords_lock_the_account_with_a_429_a_retry_after_and_a_clear_message(
        client: TestClient, world: World, clock: Clock, session: Session) -> None:
    before = _counts_but_throttle(session)
    assert _fail(client, "eng", 4) == [400] * 4
    locked = login(client, "eng", "not the password")
    assert locked.status_code == 429
    assert locked.headers["retry-after"] == "900"
    assert LOCKED_ACCOUNT in locked.text and "text/html" in locked.headers["content-type"]
    clock.advance(minutes=11, seconds=30)
    again = login(client, "eng", "not the password")
    assert again.status_code == 429 and again.headers["retry-after"] == "210"
    assert "try again in 4 minutes" in again.text
    assert _counts_but_throttle(session) == before  # no session, no audit entry, nothing else
    assert client.get("/work", follow_redirects=False).status_code == 303


def test_the_right_password_is_refused_while_the_account_is_locked_and_accepted_after_the_window(
        client: TestClient, world: World, clock: Clock) -> None:
    _fail(client, "eng", 5)
    refused = login(client, "eng")
    assert refused.status_code == 429 and LOCKED_ACCOUNT in refused.text
    assert client.get("/work", follow_redirects=False).status_code == 303
    clock.advance(minutes=15)
    assert login(client, "eng").status_code == 303
    assert client.get("/work").status_code == 200


def test_a_successful_sign_in_clears_the_usernames_failures(client: TestClient, world: World,
                                                            clock: Clock) -> None:
    assert _fail(client, "eng", 4) == [400] * 4
    assert login(client, "eng").status_code == 303
    client.cookies.clear()
    assert _fail(client, "eng", 4) == [400] * 4  # counted afresh: the fifth would lock


def test_another_user_from_the_same_address_is_refused_after_the_per_address_limit(
        settings: Any, db: Any, world: World) -> None:
    app = _app(settings, db, Clock(), signin_failures_per_address=6)
    client = TestClient(app)
    assert _fail(client, "eng", 3) + _fail(client, "nobody", 2) == [400] * 5
    assert login(client, "navy", "not the password").status_code == 429
    refused = login(client, "mgr")  # another user, the right password, the same address
    assert refused.status_code == 429
    assert "Too many failed sign-ins from this network address; try again in 15 minutes." in refused.text


def test_an_unknown_username_is_throttled_exactly_like_a_real_one(client: TestClient, world: World,
                                                                  clock: Clock) -> None:
    real = _fail(client, "eng", 6)
    unknown = _fail(client, "nobody-here", 6)
    assert real == unknown == [400, 400, 400, 400, 429, 429]
    assert LOCKED_ACCOUNT in login(client, "nobody-here").text


def test_an_unknown_or_disabled_user_costs_one_argon2_verification_like_a_real_one(
        client: TestClient, world: World, session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = identity._hasher

    class Counting:
        def hash(self, password: str) -> str:
            return real.hash(password)

        def verify(self, hash_: str, password: str) -> bool:
            calls.append(hash_)
            return real.verify(hash_, password)

    monkeypatch.setattr(identity, "_hasher", Counting())
    session.add(User(username="gone", password_hash=real.hash(PASSWORD), role="engineer",
                     disabled_at=datetime(2026, 1, 1, tzinfo=UTC)))
    session.commit()
    for username in ("eng", "nobody", "gone"):
        assert login(client, username, "not the password").status_code == 400
    assert len(calls) == 3 and calls[1] == calls[2] != calls[0]  # the dummy hash for both


def test_failures_are_counted_across_worker_processes_through_the_database(
        settings: Any, db: Any, world: World, session: Session) -> None:
    clock = Clock()
    one, two = TestClient(_app(settings, db, clock)), TestClient(_app(settings, db, clock))
    assert _fail(one, "eng", 2) + _fail(two, "eng", 2) == [400] * 4
    assert login(one, "eng", "not the password").status_code == 429
    assert login(two, "eng").status_code == 429
    assert session.scalar(select(SignInThrottle.failures).where(SignInThrottle.kind == "user")) == 5


def test_failures_are_stored_as_hashes_and_rows_of_past_windows_are_deleted(
        client: TestClient, world: World, clock: Clock, session: Session) -> None:
    _fail(client, "eng", 2)
    rows = session.scalars(select(SignInThrottle)).all()
    assert {r.kind for r in rows} == {"user", "address"} and all(len(r.key) == 64 for r in rows)
    assert not any("eng" in r.key for r in rows)
    clock.advance(minutes=16)
    _fail(client, "mgr", 1)
    session.expire_all()
    assert [r.failures for r in session.scalars(select(SignInThrottle)).all()] == [1, 1]


def test_sign_in_work_runs_on_its_own_thread_not_the_request_threads(
        client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[str] = []
    matches = identity.password_matches

    def recording(user: Any, password: str) -> bool:
        threads.append(threading.current_thread().name)
        return matches(user, password)

    monkeypatch.setattr(identity, "password_matches", recording)
    login(client, "eng", "not the password")
    login(client, "eng")
    assert len(threads) == 2 and all(name.startswith("slatrack-signin") for name in threads)


# --- server-side sessions -------------------------------------------------------------------------
def _with_cookie(app: Any, cookie: str) -> TestClient:
    c = TestClient(app)
    c.cookies.set(SESSION_COOKIE, cookie)
    return c


def test_a_cookie_captured_before_logout_is_refused_after_logout(app: Any, world: World,
                                                                 session: Session) -> None:
    engineer = signed_in(app, "eng")
    captured = engineer.cookies[SESSION_COOKIE]
    assert _with_cookie(app, captured).get("/work").status_code == 200
    out = engineer.post("/logout", data={"csrf_token": csrf_of(engineer.get("/work").text)}, follow_redirects=False)
    assert out.status_code == 303
    replay = _with_cookie(app, captured).get("/work", follow_redirects=False)
    assert replay.status_code == 303 and replay.headers["location"] == "/login?next=/work"
    ended = session.scalars(select(WebSession)).one()
    assert ended.ended_at is not None and ended.end_reason == "signed_out"


def test_the_cookie_carries_a_token_whose_hash_alone_is_stored(app: Any, world: World, session: Session) -> None:
    from tests.reliability.test_authz_matrix import _session_data

    token = _session_data(signed_in(app, "eng").cookies[SESSION_COOKIE])["sid"]
    stored = session.scalars(select(WebSession)).one()
    assert stored.id != token and token not in stored.id and len(stored.id) == 64


def test_disabling_a_user_ends_every_session_of_theirs(app: Any, world: World, session: Session) -> None:
    phone, desk, other = signed_in(app, "eng"), signed_in(app, "eng"), signed_in(app, "mgr")
    identity.disable_user(session, SYSTEM, "eng", datetime.now(UTC))
    session.commit()
    assert phone.get("/work", follow_redirects=False).status_code == 303
    assert desk.get("/work", follow_redirects=False).status_code == 303
    assert other.get("/contracts").status_code == 200
    eng = session.scalars(select(User).where(User.username == "eng")).one()
    ended = session.scalars(select(WebSession).where(WebSession.user_id == eng.id)).all()
    assert len(ended) == 2 and {s.end_reason for s in ended} == {"user_disabled"}


def test_the_cli_disables_a_user_and_ends_their_sessions(cli: Any, app: Any, world: World) -> None:
    engineer = signed_in(app, "eng")
    result = cli("users", "disable", "eng")
    assert result.exit_code == 0, result.output
    assert engineer.get("/work", follow_redirects=False).status_code == 303
    assert login(TestClient(app), "eng").status_code == 400


def test_a_session_ends_after_the_idle_lifetime_without_a_page_view(app: Any, world: World,
                                                                    clock: Clock) -> None:
    engineer = signed_in(app, "eng")
    for _ in range(3):  # busy: each view within the idle lifetime keeps it going
        clock.advance(minutes=119)
        assert engineer.get("/work").status_code == 200
    clock.advance(minutes=120)
    assert engineer.get("/work", follow_redirects=False).status_code == 303


def test_a_session_ends_at_its_absolute_lifetime_however_busy(app: Any, world: World, clock: Clock,
                                                              session: Session) -> None:
    engineer = signed_in(app, "eng")
    for _ in range(11):
        clock.advance(minutes=60)
        assert engineer.get("/work").status_code == 200
    clock.advance(minutes=59)
    assert engineer.get("/work").status_code == 200
    clock.advance(minutes=1)
    assert engineer.get("/work", follow_redirects=False).status_code == 303
    assert session.scalars(select(WebSession.end_reason)).one() == "expired"


def test_last_seen_is_written_at_most_once_a_minute(app: Any, world: World, clock: Clock, session: Session) -> None:
    engineer = signed_in(app, "eng")
    started = clock.now

    def last_seen() -> datetime:
        session.expire_all()
        return session.scalars(select(WebSession.last_seen_at)).one()

    clock.advance(seconds=50)
    engineer.get("/work")
    assert last_seen() == started
    clock.advance(seconds=20)
    engineer.get("/work")
    assert last_seen() == clock.now


# --- the web users' rate limit --------------------------------------------------------------------
def test_a_web_user_is_rate_limited_with_a_429_page_and_retry_after(settings: Any, db: Any, world: World) -> None:
    app = create_app(settings.model_copy(update={"rate_limit_per_minute": 3}), db=db)
    engineer = signed_in(app, "eng")
    assert [engineer.get("/work").status_code for _ in range(3)] == [200] * 3
    refused = engineer.get("/work")
    assert refused.status_code == 429 and "text/html" in refused.headers["content-type"]
    assert refused.headers["retry-after"] == "20"
    assert "Too many requests from your account (at most 3 a minute)" in refused.text
    assert signed_in(app, "mgr").get("/contracts").status_code == 200  # another user's own allowance
