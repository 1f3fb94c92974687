"""The report figures do not move: the contract review, track record and unit history of a small
demo world, as of a fixed instant, hash to pinned values (``data_sha256`` of the canonical report
data). A refactor of how the record is read must give the same bytes; a change that means to move
a figure updates the pins in the same commit, and says why.

The demo is deterministic for a fixed ``now`` and seed except for the ids the database makes: row
ids (UUIDv7, clock + random bits) are made deterministic here, and status-event ids (a sequence)
are renumbered from 1 in the report data, since PostgreSQL's sequence does not roll back with the
test's transaction; the audit head (salted secrets in the ledger's rows) is checked, not hashed.
"""

from __future__ import annotations

import itertools
import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fleet import audit, demo
from fleet import db as fleet_db
from fleet.models import Contract, StatusEvent, Ticket, Unit
from fleet.principal import SYSTEM
from reports.data import data_sha256, parse_report_data
from reports.gather import gather_contract_review, gather_track_record, gather_unit_history

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
AS_OF = datetime(2026, 5, 20, 9, 30, tzinfo=UTC)
START, END = date(2026, 1, 1), date(2026, 5, 1)

PINNED = {
    "contract_review": "25115d6ccf4e65b1940e09af3c9f3cbf8dcaa0506c817abb5cdfc1600c0291f1",
    "track_record": "832378aae0919944f9d84cd0beeff96aef2071af4c91287e99ba6fa5916e57ee",
    "unit_history": "3541c2b43c25cf436e0f527a415c4315a98c607c95417dc432b7adf9f251912e",
}


@pytest.fixture
def demo_world(session: Session, monkeypatch: pytest.MonkeyPatch) -> Session:
    ticks = itertools.count(1_700_000_000_000_000_000, 1_000_000)
    bits = itertools.count(1)
    monkeypatch.setattr(fleet_db.time, "time_ns", lambda: next(ticks))
    monkeypatch.setattr(fleet_db.secrets, "randbits", lambda _k: next(bits))
    monkeypatch.setattr(fleet_db, "_last_id", 0)  # ids are monotonic per process: start from this clock alone
    demo.load(session, SYSTEM, now=NOW, scale=0.04)
    session.flush()
    monkeypatch.undo()
    return session


def _renumbered(session: Session, data: Any) -> str:
    """``data_sha256`` of the report data with status-event ids counted from 1 and the audit head
    zeroed (the ledger proves rows holding salted password hashes and random key hashes, so the
    head differs from one load to the next: it is checked against the ledger instead)."""
    first = session.scalar(select(func.min(StatusEvent.id))) or 1

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: ([str(int(i) - first + 1) for i in v] if k == "status_events" else walk(v))
                    for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    assert data.audit_head == audit.head_as_of(session, AS_OF)
    raw = {**json.loads(data.model_dump_json()), "audit_head": "0" * 64}
    return data_sha256(parse_report_data(json.dumps(walk(raw))))


def figures(session: Session) -> dict[str, str]:
    contracts = session.scalars(select(Contract).order_by(Contract.number)).all()
    track = gather_track_record(session, SYSTEM, contract_ids=[c.id for c in contracts], start_date=START,
                                end_date=END, as_of=AS_OF)
    busiest = max(track.contracts, key=lambda r: (r.breached, r.number))
    contract = next(c for c in contracts if c.id == busiest.contract_id)
    unit_id = session.scalar(select(Ticket.unit_id).join(Unit, Unit.id == Ticket.unit_id)
                             .where(Ticket.contract_id == contract.id, Ticket.unit_down.is_(True),
                                    Ticket.reported_at >= datetime(2026, 1, 15, tzinfo=UTC))
                             .order_by(Unit.serial).limit(1))
    assert unit_id is not None
    review = gather_contract_review(session, SYSTEM, contract_id=contract.id, start_date=START, end_date=END,
                                    as_of=AS_OF)
    unit = gather_unit_history(session, SYSTEM, unit_id=unit_id, start_date=START, end_date=END, as_of=AS_OF)
    assert review.tickets and review.breaches and review.maintenance and unit.tickets and unit.downtime
    assert unit.work_logs
    print({k: len(v) for k, v in (("tickets", review.tickets), ("breaches", review.breaches),
                                  ("maintenance", review.maintenance), ("unit_tickets", unit.tickets),
                                  ("downtime", unit.downtime), ("work_logs", unit.work_logs))})
    return {"contract_review": _renumbered(session, review), "track_record": _renumbered(session, track),
            "unit_history": _renumbered(session, unit)}


def test_the_demo_reports_hash_to_the_pinned_figures(demo_world: Session) -> None:
    assert figures(demo_world) == PINNED
