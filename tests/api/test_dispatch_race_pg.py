"""Engineers racing to take the same ticket (PostgreSQL, real commits): exactly one gets it, the
others are told who did, and one assignment fact is recorded. The assignment is read only after
the ledger head is locked, so two takes cannot both see the ticket unassigned."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.app import create_app
from api.migrate import upgrade
from api.settings import Settings
from fleet import audit, identity
from fleet.db import Database, make_engine
from fleet.models import TicketAssignment
from fleet.principal import SYSTEM
from tests.builders import auth, make_ticket, make_user, scratch_postgres_database

pytestmark = pytest.mark.postgres
PG_URL = os.environ.get("SLATRACK_TEST_DATABASE_URL", "")
RACERS = 6


@pytest.fixture(scope="module")
def committed_db() -> Iterator[Database]:
    if not PG_URL.startswith("postgresql"):
        pytest.skip("the take-it race needs PostgreSQL: set SLATRACK_TEST_DATABASE_URL")
    with scratch_postgres_database(PG_URL, "take") as url:
        upgrade(url)
        db = Database(make_engine(url, pool_size=RACERS + 4))
        try:
            yield db
        finally:
            db.engine.dispose()


def test_engineers_racing_to_take_a_ticket_leave_one_assignment(committed_db: Database, tmp_path: Path) -> None:
    with committed_db.transaction() as s:
        ticket_id = make_ticket(s).id
        tokens = {}
        for i in range(RACERS):
            name = f"racer-{i}"
            make_user(s, "engineer", username=name, team="North")
            tokens[name] = identity.create_key(s, SYSTEM, role="engineer", name=name)[1]
    url = committed_db.engine.url.render_as_string(hide_password=False)
    app = create_app(Settings(data_dir=tmp_path, database_url=url, secret_key="t").resolved(), db=committed_db)
    barrier = threading.Barrier(RACERS)

    def take(name: str):  # type: ignore[no-untyped-def]
        with TestClient(app, raise_server_exceptions=False) as client:
            barrier.wait(timeout=30)
            return name, client.post(f"/api/v1/tickets/{ticket_id}/assignment", json={"assignee": name},
                                     headers=auth(tokens[name]))

    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        results = list(pool.map(take, tokens))
    won = [name for name, r in results if r.status_code == 201]
    lost = [r for _, r in results if r.status_code != 201]
    assert len(won) == 1, [(n, r.status_code, r.text) for n, r in results]
    assert all(r.status_code == 409 and r.json()["error"]["code"] == "assigned_to_someone_else" for r in lost)
    with committed_db.transaction(write=False) as s:
        assert s.scalar(select(func.count()).select_from(TicketAssignment)) == 1
        assert s.scalar(select(TicketAssignment.assignee)) == won[0]
        assert audit.verify(s).ok
