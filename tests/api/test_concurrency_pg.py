"""Concurrent writers never fork the audit chain (PostgreSQL, real commits).

This needs committed transactions, so it cannot use the rolled-back ``client``. It runs in its
own scratch database ``<name>_conc`` (created, migrated, dropped here): rows committed to the
shared test database would show up in every later test's lists and audit chain.
"""

from __future__ import annotations

import itertools
import os
import secrets
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from api.migrate import upgrade
from api.settings import Settings
from fleet import audit, identity
from fleet.db import Database, make_engine
from fleet.models import Agency, AuditEntry
from fleet.principal import SYSTEM
from tests.builders import agency_body, auth, scratch_postgres_database

pytestmark = pytest.mark.postgres

PG_URL = os.environ.get("SLATRACK_TEST_DATABASE_URL", "")
WRITERS = 20


@pytest.fixture(scope="module")
def committed_db() -> Iterator[Database]:
    if not PG_URL.startswith("postgresql"):
        pytest.skip("concurrent-writer test needs PostgreSQL: set SLATRACK_TEST_DATABASE_URL")
    with scratch_postgres_database(PG_URL, "conc") as url:
        upgrade(url)
        db = Database(make_engine(url, pool_size=WRITERS + 5))
        try:
            yield db
        finally:
            db.engine.dispose()


@pytest.fixture
def app(committed_db: Database, tmp_path: Path):  # type: ignore[no-untyped-def]
    url = committed_db.engine.url.render_as_string(hide_password=False)
    settings = Settings(data_dir=tmp_path, database_url=url, secret_key="test-secret").resolved()
    return create_app(settings, db=committed_db)


@pytest.fixture
def token(committed_db: Database) -> str:
    with committed_db.transaction() as s:
        _, tok = identity.create_key(s, SYSTEM, role="manager", name=f"writer-{secrets.token_hex(3)}")
    return tok


def _head(db: Database) -> int:
    with db.transaction(write=False) as s:
        return s.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1)).first() or 0


def _fire(app, requests: list[tuple[str, dict]], headers: dict[str, str]) -> list:  # type: ignore[no-untyped-def]
    """POST every (path, body) at once, each from its own thread and client."""
    barrier = threading.Barrier(len(requests))

    def post(item: tuple[str, dict]):  # type: ignore[no-untyped-def]
        path, body = item
        with TestClient(app, raise_server_exceptions=False) as client:
            barrier.wait(timeout=30)
            return client.post(path, json=body, headers=headers)

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(post, requests))


def _assert_one_unbroken_chain(db: Database, since: int) -> list[AuditEntry]:
    """The chain verifies, and the entries after ``since`` form one line: consecutive seqs, each
    linked to the one before, no two sharing a predecessor."""
    with db.transaction(write=False) as s:
        check = audit.verify(s)
        assert check.ok, check.problem
        entries = list(s.scalars(select(AuditEntry).where(AuditEntry.seq > since).order_by(AuditEntry.seq)))
        s.expunge_all()
    assert [e.seq for e in entries] == list(range(since + 1, since + 1 + len(entries)))
    assert len({e.prev_hash for e in entries}) == len(entries), "two entries share a predecessor: a fork"
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    assert check.entries == entries[-1].seq
    return entries


def test_twenty_concurrent_writers_extend_one_chain(app, committed_db, token):
    since = _head(committed_db)
    run = secrets.token_hex(3).upper()
    bodies = [("/api/v1/agencies", agency_body(code=f"C{run}-{i}")) for i in range(WRITERS)]

    responses = _fire(app, bodies, auth(token))

    assert [r.status_code for r in responses] == [201] * WRITERS, [r.text for r in responses if r.status_code != 201]
    created = {r.json()["id"] for r in responses}
    entries = _assert_one_unbroken_chain(committed_db, since)
    agency_entries = [e for e in entries if e.action == "agency.create"]
    assert {e.entity_id for e in agency_entries} == created
    assert len(agency_entries) == WRITERS
    with TestClient(app) as client:
        verified = client.get("/api/v1/audit/verify", headers=auth(token)).json()
    assert verified["ok"] is True and verified["entries"] >= since + WRITERS


def test_racing_duplicates_make_one_agency_and_the_rest_409(app, committed_db, token):
    since = _head(committed_db)
    code = f"DUP{secrets.token_hex(3).upper()}"
    responses = _fire(app, [("/api/v1/agencies", agency_body(code=code)) for _ in range(10)], auth(token))

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 9, [r.text for r in responses]
    assert all(r.json()["error"]["code"] in ("duplicate_agency", "conflict") for r in responses
               if r.status_code == 409)
    with committed_db.transaction(write=False) as s:
        assert len(s.scalars(select(Agency.id).where(Agency.code == code)).all()) == 1
    entries = _assert_one_unbroken_chain(committed_db, since)
    assert [e.action for e in entries if e.action == "agency.create"] == ["agency.create"]


def test_concurrent_ticket_creates_on_one_contract_get_unique_consecutive_numbers(app, committed_db, token):
    """Creates take their number after the audit head lock (fleet.tickets.create_ticket): twenty at
    once on one contract still get twenty distinct numbers, 1..20 in commit order, and one chain."""
    from fleet.models import Contract, Ticket
    from tests.builders import make_unit

    with committed_db.transaction() as s:
        unit = make_unit(s)
        unit_id, contract_id = unit.id, unit.contract_id
    since = _head(committed_db)
    body = {"unit_id": unit_id, "priority": "P2", "summary": "Concurrent create", "reported_at": "2026-03-02T10:00:00Z"}
    responses = _fire(app, [("/api/v1/tickets", body) for _ in range(WRITERS)], auth(token))

    assert [r.status_code for r in responses] == [201] * WRITERS, [r.text for r in responses if r.status_code != 201]
    with committed_db.transaction(write=False) as s:
        rows = s.execute(select(Ticket.seq, Ticket.number, Ticket.id).where(Ticket.contract_id == contract_id)
                         .order_by(Ticket.seq)).all()
        number = s.scalar(select(Contract.number).where(Contract.id == contract_id))
        counter = s.scalar(select(Contract.ticket_seq).where(Contract.id == contract_id))
    assert [r.seq for r in rows] == list(range(1, WRITERS + 1))
    assert [r.number for r in rows] == [f"{number}-{n:06d}" for n in range(1, WRITERS + 1)]
    assert counter == WRITERS
    assert {r.id for r in rows} == {r.json()["id"] for r in responses}
    entries = [e for e in _assert_one_unbroken_chain(committed_db, since) if e.action == "ticket.create"]
    assert [e.entity_id for e in entries] == [r.id for r in rows], "numbers follow the order of the chain"
