"""Web page tests: a small world of two agencies and signed-in clients for each role."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fleet import identity
from fleet.models import Agency, Contract, Ticket, Unit, User
from tests.builders import make_agency, make_contract, make_ticket, make_unit

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_KEY = re.compile(r'name="form_key" value="([^"]+)"')


@functools.cache
def _password_hash() -> str:
    """One argon2 hash for every test user (hashing is slow on purpose; the users are stored
    directly so each test does not pay for four)."""
    return identity._hasher.hash(PASSWORD)


@dataclass
class World:
    agency: Agency
    other_agency: Agency
    contract: Contract
    other_contract: Contract
    unit: Unit
    other_unit: Unit
    ticket: Ticket
    other_ticket: Ticket


@pytest.fixture
def world(session: Session) -> World:
    now = datetime.now(UTC)
    end = date(now.year + 1, 12, 31)
    agency = make_agency(session, code="NAVY1", name="Navy facilities")
    other = make_agency(session, code="ARMY1", name="Army engineers")
    contract = make_contract(session, agency=agency, number="N-0001", start=date(2025, 1, 1), end=end)
    other_contract = make_contract(session, agency=other, number="W-0002", start=date(2025, 1, 1), end=end)
    unit = make_unit(session, contract=contract, serial="CRAWL-001", in_service_at=now - timedelta(days=400))
    other_unit = make_unit(session, contract=other_contract, serial="ARMY-001", in_service_at=now - timedelta(days=400))
    ticket = make_ticket(session, unit=unit, priority="P1", reported_at=now - timedelta(minutes=20),
                         summary="Crawler lost adhesion", unit_down=True)
    other_ticket = make_ticket(session, unit=other_unit, priority="P2", reported_at=now - timedelta(hours=1),
                               summary="Army unit camera drift")
    for username, role, agency_id in [("eng", "engineer", None), ("mgr", "manager", None),
                                      ("navy", "agency", agency.id), ("robot", "telemetry", None)]:
        session.add(User(username=username, password_hash=_password_hash(), role=role, agency_id=agency_id))
    session.commit()
    return World(agency, other, contract, other_contract, unit, other_unit, ticket, other_ticket)


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def form_keys(html: str) -> list[str]:
    return _KEY.findall(html)


def login(client: TestClient, username: str, password: str = PASSWORD) -> Any:
    page = client.get("/login")
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf_of(page.text)}, follow_redirects=False)


def signed_in(app: Any, username: str) -> TestClient:
    c = TestClient(app, raise_server_exceptions=False)
    response = login(c, username)
    assert response.status_code == 303, response.text
    return c


@pytest.fixture
def engineer(app: Any, world: World) -> TestClient:
    return signed_in(app, "eng")


@pytest.fixture
def manager(app: Any, world: World) -> TestClient:
    return signed_in(app, "mgr")


@pytest.fixture
def navy(app: Any, world: World) -> TestClient:
    return signed_in(app, "navy")
