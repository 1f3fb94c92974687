"""A real slatrack server for browser tests and screenshots: uvicorn in a thread on a free
loopback port, over its own scratch database (a migrated SQLite file, or a scratch PostgreSQL
database), seeded through the services."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import uvicorn

from api.app import create_app
from api.migrate import upgrade
from api.settings import Settings
from fleet import identity
from fleet.db import Database, make_engine
from fleet.principal import SYSTEM

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
PASSWORD = "browser-test-pw"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Live:
    base_url: str
    db: Database
    settings: Settings


@contextmanager
def serve(database_url: str, data_dir: Path) -> Iterator[Live]:
    """Migrate ``database_url``, start uvicorn on it in a thread, stop it afterwards."""
    upgrade(database_url)
    settings = Settings(data_dir=data_dir, database_url=database_url, secret_key="browser-test-secret",
                        log_level="WARNING").resolved()
    engine = make_engine(database_url, pool_size=4)
    db = Database(engine)
    app = create_app(settings, db=db)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, name="slatrack-live", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield Live(f"http://127.0.0.1:{port}", db, settings)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        engine.dispose()


@dataclass(frozen=True)
class Seeded:
    ticket_id: str
    ticket_number: str
    contract_id: str
    contract_number: str
    other_ticket_id: str
    other_unit_id: str
    other_contract_id: str


def seed(db: Database) -> Seeded:
    """Two agencies, a contract each, a unit each, an open P1 ticket each; users for each role."""
    from tests.builders import make_agency, make_contract, make_ticket, make_unit

    now = datetime.now(UTC)
    with db.transaction() as s:
        navy = make_agency(s, code="NAVY", name="Navy facilities")
        army = make_agency(s, code="ARMY", name="Army engineers")
        end = date(now.year + 1, 12, 31)
        contract = make_contract(s, agency=navy, number="N00024-26-C-0001", start=date(2025, 1, 1), end=end)
        other = make_contract(s, agency=army, number="W912-26-C-0002", start=date(2025, 1, 1), end=end)
        unit = make_unit(s, contract=contract, serial="CRAWL-001", in_service_at=now - timedelta(days=300))
        other_unit = make_unit(s, contract=other, serial="ARMY-001", in_service_at=now - timedelta(days=300))
        ticket = make_ticket(s, unit=unit, priority="P1", reported_at=now - timedelta(minutes=10),
                             summary="Crawler lost adhesion on the hull", unit_down=True)
        other_ticket = make_ticket(s, unit=other_unit, priority="P1", reported_at=now - timedelta(minutes=30),
                                   summary="Army crawler stuck")
        for username, role, code in [("eng", "engineer", None), ("mgr", "manager", None), ("navy", "agency", "NAVY")]:
            identity.create_user(s, SYSTEM, role=role, username=username, password=PASSWORD, agency_code=code)
        return Seeded(ticket.id, ticket.number, contract.id, contract.number, other_ticket.id, other_unit.id,
                      other.id)
