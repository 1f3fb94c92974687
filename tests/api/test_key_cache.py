"""The per-process API key cache (``fleet.identity.PrincipalCache``): a request need not look its
caller up in the database each time, yet a revoked key is refused within the cache's bound, at once
when the revocation goes through this process, and ``last_used_at`` is still written at most once
a minute."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text, update

from fleet import identity
from fleet.db import utcnow
from fleet.models import ApiKey
from fleet.principal import SYSTEM, Principal
from tests.builders import assert_error, auth, make_key

API = "/api/v1"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _key_id(session, token: str) -> str:
    return session.scalars(text("SELECT id FROM api_keys WHERE prefix = :p"), {"p": token[:12]}).one()


def test_a_key_revoked_by_another_process_is_refused_once_the_cache_bound_has_passed(app, client, session):
    clock = FakeClock()
    app.state.principal_cache = identity.PrincipalCache(ttl=identity.AUTH_CACHE_SECONDS, clock=clock)
    token = make_key(session, "admin")
    assert client.get(f"{API}/agencies", headers=auth(token)).status_code == 200

    # Another process (the CLI on another host, another worker) revokes it: this process is not told.
    session.execute(update(ApiKey).where(ApiKey.id == _key_id(session, token)).values(revoked_at=utcnow()))
    session.flush()
    assert client.get(f"{API}/agencies", headers=auth(token)).status_code == 200  # still within the bound

    clock.now += identity.AUTH_CACHE_SECONDS + 0.01
    assert_error(client.get(f"{API}/agencies", headers=auth(token)), 401, "unauthenticated")
    clock.now += 3600  # and it stays refused: revoked keys are never cached
    assert_error(client.get(f"{API}/agencies", headers=auth(token)), 401, "unauthenticated")


def test_a_key_revoked_through_this_process_is_refused_at_once(app, client, session):
    clock = FakeClock()
    app.state.principal_cache = identity.PrincipalCache(clock=clock)
    token = make_key(session, "admin")
    assert client.get(f"{API}/agencies", headers=auth(token)).status_code == 200

    identity.revoke_key(session, SYSTEM, _key_id(session, token))
    assert_error(client.get(f"{API}/agencies", headers=auth(token)), 401, "unauthenticated")


def test_the_cache_answers_for_a_key_without_looking_it_up_again(app, client, session):
    clock = FakeClock()
    app.state.principal_cache = identity.PrincipalCache(clock=clock)
    token = make_key(session, "admin")
    assert client.get(f"{API}/agencies", headers=auth(token)).status_code == 200
    # Deleting the row shows the second request was answered from memory, not from the database.
    session.execute(text("DELETE FROM api_keys WHERE prefix = :p"), {"p": token[:12]})
    assert client.get(f"{API}/agencies", headers=auth(token)).status_code == 200
    clock.now += identity.AUTH_CACHE_SECONDS + 0.01
    assert_error(client.get(f"{API}/agencies", headers=auth(token)), 401, "unauthenticated")


def test_last_used_is_recorded_at_most_once_a_minute_through_the_cache(app, client, session):
    clock = FakeClock()
    app.state.principal_cache = identity.PrincipalCache(clock=clock)
    token = make_key(session, "admin")
    key_id = _key_id(session, token)

    def last_used():  # type: ignore[no-untyped-def]
        session.expire_all()
        return session.get(ApiKey, key_id).last_used_at  # type: ignore[union-attr]

    assert last_used() is None
    client.get(f"{API}/agencies", headers=auth(token))
    first = last_used()
    assert first is not None
    for _ in range(3):  # cache refreshed from the database each time: not stale, not touched again
        clock.now += identity.AUTH_CACHE_SECONDS + 0.01
        client.get(f"{API}/agencies", headers=auth(token))
    assert last_used() == first

    past = first - timedelta(minutes=2)
    session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=past))
    client.get(f"{API}/agencies", headers=auth(token))  # still cached: no database write
    assert last_used() == past
    clock.now += identity.AUTH_CACHE_SECONDS + 0.01
    client.get(f"{API}/agencies", headers=auth(token))
    assert last_used() > past


def test_the_cache_keeps_no_unknown_tokens_and_stays_bounded():
    clock = FakeClock()
    cache = identity.PrincipalCache(max_entries=3, clock=clock)
    for i in range(10):
        p = Principal(id=f"k{i}", name="k", role="admin", agency_id=None, kind="key")
        cache.put(f"slt_{i}", identity.KeyAuth(p, stale=True))
        assert cache.get(f"slt_{i}") is not None
        assert cache.get(f"slt_{i}").stale is False  # type: ignore[union-attr]
    assert len(cache._entries) <= 3
    assert cache.get("slt_unknown") is None
    cache.forget_key("k9")
    assert cache.get("slt_9") is None
