"""Twenty concurrent requests with one Idempotency-Key make one ticket (real commits, PostgreSQL)."""

from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.app import create_app
from api.migrate import upgrade
from fleet.db import Database, make_engine
from fleet.models import Ticket
from tests.builders import auth, make_key, make_unit, scratch_postgres_database

pytestmark = pytest.mark.postgres


@pytest.fixture
def committed_db(database_url):  # type: ignore[no-untyped-def]
    """A scratch database of its own: this test commits, and must not leave rows for others."""
    if not database_url.startswith("postgresql"):
        pytest.skip("concurrency test needs PostgreSQL: set SLATRACK_TEST_DATABASE_URL")
    with scratch_postgres_database(database_url, "idem") as url:
        upgrade(url)
        db = Database(make_engine(url, pool_size=25))
        yield db
        db.engine.dispose()


def test_twenty_concurrent_requests_with_one_key_make_one_ticket(committed_db, settings):
    with committed_db.transaction() as s:
        unit = make_unit(s)
        token = make_key(s, "engineer")
        unit_id = unit.id
    app = create_app(settings, db=committed_db)
    body = {"unit_id": unit_id, "priority": "P1", "summary": "Concurrent retry", "reported_at": "2026-03-02T10:00:00Z"}
    headers = {**auth(token), "Idempotency-Key": f"k-{secrets.token_hex(4)}"}

    with TestClient(app, raise_server_exceptions=False) as client:
        def post(_: int):  # type: ignore[no-untyped-def]
            return client.post("/api/v1/tickets", headers=headers, json=body)

        with ThreadPoolExecutor(max_workers=20) as pool:
            responses = list(pool.map(post, range(20)))
    assert {r.status_code for r in responses} == {201}, [r.text for r in responses if r.status_code != 201]
    assert len({r.json()["id"] for r in responses}) == 1
    with committed_db.transaction(write=False) as s:
        assert s.scalar(select(func.count()).select_from(Ticket).where(Ticket.unit_id == unit_id)) == 1
