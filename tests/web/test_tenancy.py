"""An agency user sees only its own agency's data on every page; another agency's object is a 404 page."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fleet.db import utcnow
from fleet.models import Report
from tests.web.conftest import World


def _report(session: Session, agency_id: str, contract_id: str) -> Report:
    """A registered report row (the register is what the pages read; rendering is tested elsewhere)."""
    digest = hashlib.sha256(contract_id.encode()).hexdigest()
    row = Report(id=f"r-{digest[:12]}", kind="contract_review", agency_id=agency_id,
                 parameters={"contract_id": contract_id, "from": "2026-03-01", "to": "2026-04-01"},
                 as_of=datetime(2026, 4, 2, tzinfo=UTC), audit_head="0" * 64, sha256=digest,
                 data_sha256=digest[::-1], page_count=3, size_bytes=100, signed=False, created_at=utcnow(),
                 created_by="user:mgr", pdf=b"%PDF-1.7 test")
    session.add(row)
    session.flush()
    return row


def test_an_agency_user_gets_404_pages_for_another_agencys_ticket_unit_contract_and_report(
        navy: TestClient, world: World, session: Session) -> None:
    theirs = _report(session, world.other_agency.id, world.other_contract.id)
    for path in (f"/tickets/{world.other_ticket.id}", f"/units/{world.other_unit.id}",
                 f"/contracts/{world.other_contract.id}", f"/reports/{theirs.id}/pdf"):
        response = navy.get(path)
        assert response.status_code == 404, path
        assert "text/html" in response.headers["content-type"]
        assert "ARMY" not in response.text and "W-0002" not in response.text


def test_an_agency_user_reads_its_own_pages(navy: TestClient, world: World, session: Session) -> None:
    ours = _report(session, world.agency.id, world.contract.id)
    for path in (f"/tickets/{world.ticket.id}", f"/units/{world.unit.id}", f"/contracts/{world.contract.id}"):
        assert navy.get(path).status_code == 200, path
    assert navy.get(f"/reports/{ours.id}/pdf").content == b"%PDF-1.7 test"


def test_an_agency_user_never_sees_another_agency_in_lists(navy: TestClient, world: World, session: Session) -> None:
    _report(session, world.other_agency.id, world.other_contract.id)
    ours = _report(session, world.agency.id, world.contract.id)
    work = navy.get("/work").text
    assert world.ticket.number in work and world.other_ticket.number not in work
    contracts = navy.get("/contracts").text
    assert world.contract.number in contracts and world.other_contract.number not in contracts
    reports = navy.get("/reports").text
    assert ours.sha256 in reports and world.other_contract.number not in reports
    assert reports.count("/pdf\"") == 1
    assert world.other_contract.number not in navy.get("/reports").text


def test_posting_to_another_agencys_ticket_is_a_404_and_stores_nothing(navy: TestClient, world: World,
                                                                        session: Session) -> None:
    from tests.builders import row_counts
    from tests.web.conftest import csrf_of

    before = row_counts(session)
    token = csrf_of(navy.get("/work").text)
    response = navy.post(f"/tickets/{world.other_ticket.id}/events",
                         data={"csrf_token": token, "type": "acknowledged", "form_key": "k"})
    assert response.status_code == 404
    assert row_counts(session) == before


def test_the_manager_sees_every_agency(manager: TestClient, world: World) -> None:
    html = manager.get("/contracts").text
    assert world.contract.number in html and world.other_contract.number in html
