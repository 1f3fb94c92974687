"""The PostgreSQL pool pings a connection before use only when it sat idle (``fleet.db.IDLE_PING_SECONDS``):
a pooled connection the server dropped while it was idle is replaced without the caller noticing,
and a connection back in the pool moments ago is used without a round trip."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

import fleet.db
from fleet.db import make_engine

pytestmark = pytest.mark.postgres


@pytest.fixture
def engine(database_url):  # type: ignore[no-untyped-def]
    if not database_url.startswith("postgresql"):
        pytest.skip("pool ping test needs PostgreSQL: set SLATRACK_TEST_DATABASE_URL")
    engine = make_engine(database_url, pool_size=1)
    yield engine
    engine.dispose()


def _drop_pooled_connection(engine: Engine) -> int:
    """Use the pool's one connection, return it, then have the server terminate it."""
    with engine.connect() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
    with make_engine(str(engine.url.render_as_string(hide_password=False))).connect() as admin:
        assert admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
    return int(pid)


def test_an_idle_pooled_connection_the_server_dropped_is_replaced_before_use(engine, monkeypatch):
    monkeypatch.setattr(fleet.db, "IDLE_PING_SECONDS", 0.0)  # every return to the pool counts as idle
    dropped = _drop_pooled_connection(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() != dropped


def test_a_connection_used_moments_ago_is_not_pinged(engine, monkeypatch):
    monkeypatch.setattr(fleet.db, "IDLE_PING_SECONDS", 3600.0)
    _drop_pooled_connection(engine)
    # No ping: the dead connection is handed out and the statement fails (a 503 in a request) …
    with pytest.raises(Exception, match=r"terminat|closed|connection"), engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    # … and that disconnect discards it, so the next use reconnects.
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar_one() == 1
