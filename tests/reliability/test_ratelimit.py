"""Rate limiting per key: a token bucket, 429 in the one error shape with ``Retry-After``."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.errors import TooManyRequests
from api.ratelimit import RateLimiter, limiter_for
from tests.builders import assert_error, auth, make_key


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_key_may_burst_up_to_its_minute_allowance_then_is_refused_with_the_wait():
    clock = FakeClock()
    limiter = RateLimiter(3, clock=clock)
    for _ in range(3):
        limiter.check("k1")
    with pytest.raises(TooManyRequests) as refused:
        limiter.check("k1")
    assert refused.value.retry_after == 20  # one token every 60/3 s
    assert "3 requests a minute" in refused.value.message


def test_tokens_come_back_at_the_configured_rate():
    clock = FakeClock()
    limiter = RateLimiter(60, clock=clock)
    for _ in range(60):
        limiter.check("k1")
    with pytest.raises(TooManyRequests) as refused:
        limiter.check("k1")
    assert refused.value.retry_after == 1
    clock.now += 1.0
    limiter.check("k1")
    with pytest.raises(TooManyRequests):
        limiter.check("k1")


def test_one_keys_bucket_does_not_touch_anothers():
    limiter = RateLimiter(1, clock=FakeClock())
    limiter.check("k1")
    limiter.check("k2")
    with pytest.raises(TooManyRequests):
        limiter.check("k1")


def test_forgotten_buckets_are_only_the_full_ones():
    clock = FakeClock()
    limiter = RateLimiter(2, clock=clock, max_keys=2)
    limiter.check("busy")
    limiter.check("busy")
    limiter.check("quiet")
    clock.now += 30.0  # quiet refilled; busy has 1 token of 2
    limiter.check("new")
    assert set(limiter._buckets) == {"busy", "new"}
    limiter.check("busy")
    with pytest.raises(TooManyRequests):
        limiter.check("busy")


def test_zero_installs_no_limiter():
    assert limiter_for(0) is None
    assert isinstance(limiter_for(5), RateLimiter)
    with pytest.raises(ValueError):
        RateLimiter(0)


def test_the_app_answers_429_in_the_error_shape_with_retry_after(settings, db, session):
    token = make_key(session, "admin")
    other = make_key(session, "admin", name="other key")
    app = create_app(settings.model_copy(update={"rate_limit_per_minute": 2}), db=db)
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/api/v1/agencies", headers=auth(token)).status_code == 200
        assert client.get("/api/v1/agencies", headers=auth(token)).status_code == 200
        refused = client.get("/api/v1/agencies", headers=auth(token))
        error = assert_error(refused, 429, "rate_limited")
        assert refused.headers["retry-after"] == "30"
        assert token not in error["message"]
        assert refused.headers["x-request-id"]
        assert client.get("/api/v1/agencies", headers=auth(other)).status_code == 200
        # unauthenticated requests are not counted against (or blocked by) any key
        assert_error(client.get("/api/v1/agencies"), 401)


def test_with_the_limit_off_a_key_is_never_refused(settings, db, session):
    token = make_key(session, "admin")
    app = create_app(settings.model_copy(update={"rate_limit_per_minute": 0}), db=db)
    assert app.state.rate_limiter is None
    with TestClient(app, raise_server_exceptions=False) as client:
        for _ in range(30):
            assert client.get("/api/v1/agencies", headers=auth(token)).status_code == 200
