"""Scheduled reviews (reports/schedule.py) and ``report.issued`` (reports/notify.py).

The world (in the past: a review cannot be read as of an instant still to come): one agency, one
contract from 1 November 2025 (New York, Mon–Fri 08:00–17:00, US holidays), a unit and a November
ticket; a manager's and the agency's e-mail contacts so that ``report.issued`` has recipients. The
schedule is put "on 25 November 2025" (the service's clock is pinned), so the first review it owes
is November's, due Monday 1 December 08:00 EST (13:00Z).
Most issues use a tiny stand-in PDF (rendering takes seconds); one renders and signs for real.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pypdf
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from fleet import audit
from fleet.models import Agency, Contract, Delivery, Notification, Report
from fleet.notify import deliveries, schedules
from fleet.notify.mail import MailChannel, MailSettings
from fleet.principal import SYSTEM
from fleet.schemas.schedules import ScheduleIn
from reports.gather import AnyReportData
from reports.notify import mail_attachment
from reports.schedule import issue_due, report_pdf
from reports.signing import SigningKey
from tests.builders import (
    add_event,
    auth,
    make_agency,
    make_contact,
    make_contract,
    make_key,
    make_ticket,
    make_unit,
)
from tests.reports.conftest import needs_weasyprint

MADE = datetime(2025, 11, 25, 15, tzinfo=UTC)
NOV_DUE = datetime(2025, 12, 1, 13, tzinfo=UTC)
DEC_DUE = datetime(2026, 1, 2, 13, tzinfo=UTC)  # 1 January is New Year's Day (a Thursday): Friday 2nd
JAN_DUE = datetime(2026, 2, 2, 13, tzinfo=UTC)  # 1 February is a Sunday: Monday 2nd
TICK = datetime(2025, 12, 1, 12, 59, 59, tzinfo=UTC)


def tiny_pdf(data: AnyReportData) -> bytes:
    """A one-page PDF naming the report (unique bytes per report, as the register wants)."""
    writer = pypdf.PdfWriter()
    writer.add_blank_page(72, 72)
    writer.add_metadata({"/Title": data.report_id})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@dataclass
class World:
    agency: Agency
    contract: Contract


@pytest.fixture
def world(session: Session, monkeypatch: pytest.MonkeyPatch) -> World:
    agency = make_agency(session)
    contract = make_contract(session, agency=agency, number="N00024-26-C-0042", start=date(2025, 11, 1),
                             end=date(2026, 10, 31))
    unit = make_unit(session, contract=contract, in_service_at=datetime(2025, 10, 1, tzinfo=UTC))
    ticket = make_ticket(session, unit=unit, priority="P2", reported_at=datetime(2025, 11, 10, 14, tzinfo=UTC))
    add_event(session, ticket, "acknowledged", datetime(2025, 11, 10, 15, tzinfo=UTC))
    make_contact(session, "manager", "manager@vendor.example")
    make_contact(session, "agency", "cor@agency.example.gov", agency=agency)
    monkeypatch.setattr(schedules, "utcnow", lambda: MADE)
    schedules.put(session, SYSTEM, contract.id, ScheduleIn(cadence="monthly", working_day=1))
    session.commit()
    return World(agency, contract)


def told(session: Session) -> list[Notification]:
    return list(session.scalars(select(Notification).where(Notification.type == "report.issued")
                                .order_by(Notification.created_at)).all())


def test_nothing_is_issued_before_the_due_instant(db, session: Session, world: World) -> None:
    assert issue_due(db, TICK, signer=None, renderer=tiny_pdf) == []
    assert session.scalar(select(Report.id)) is None
    assert told(session) == []


def test_the_month_just_ended_is_issued_once_as_of_its_due_instant_and_told_once(db, session: Session,
                                                                                  world: World) -> None:
    [report] = issue_due(db, NOV_DUE, signer=None, renderer=tiny_pdf)
    assert report.kind == "contract_review"
    assert report.parameters["contract_id"] == world.contract.id
    assert (report.parameters["from"], report.parameters["to"]) == ("2025-11-01", "2025-12-01")
    assert report.as_of == NOV_DUE
    assert report.created_by == "system:scheduler"
    assert issue_due(db, NOV_DUE, signer=None, renderer=tiny_pdf) == []  # a second call issues nothing
    assert issue_due(db, datetime(2025, 12, 20, tzinfo=UTC), signer=None, renderer=tiny_pdf) == []
    [note] = told(session)
    assert (note.dedupe_key, note.agency_id, note.contract_id, note.ticket_id) == (
        f"report.issued:{report.id}", world.agency.id, world.contract.id, None)
    data = note.data
    assert (data["report_id"], data["kind"], data["sha256"], data["path"]) == (
        report.id, "contract_review", report.sha256, f"/reports/{report.id}/pdf")
    assert (data["contract_number"], data["period"], data["as_of"]) == (
        "N00024-26-C-0042", {"from": "2025-11-01", "to": "2025-12-01"}, "2025-12-01T13:00:00Z")
    assert data["title"].startswith("Contract performance review") and data["as_of_local"].endswith("08:00 EST")
    targets = session.scalars(select(Delivery.target).where(Delivery.notification_id == note.id)
                              .order_by(Delivery.target)).all()
    assert targets == ["cor@agency.example.gov", "manager@vendor.example"]
    name, pdf = report_pdf(session, report.id) or ("", b"")
    assert name.startswith("contract-review_N00024-26-C-0042_2025-11-01_2025-11-30_") and pdf.startswith(b"%PDF")
    assert report_pdf(session, "no-such-report") is None
    assert audit.verify(session).ok


def test_the_next_review_waits_for_the_first_working_day_after_new_years_day(db, session: Session,
                                                                              world: World) -> None:
    issue_due(db, NOV_DUE, signer=None, renderer=tiny_pdf)
    assert issue_due(db, datetime(2026, 1, 2, 12, 59, tzinfo=UTC), signer=None, renderer=tiny_pdf) == []
    [december] = issue_due(db, datetime(2026, 1, 2, 13, 30, tzinfo=UTC), signer=None, renderer=tiny_pdf)
    assert (december.parameters["from"], december.as_of) == ("2025-12-01", DEC_DUE)
    assert len(told(session)) == 2


def test_a_stopped_worker_catches_up_every_review_owed_since_the_schedule_was_made(db, session: Session,
                                                                                    world: World) -> None:
    issued = issue_due(db, datetime(2026, 2, 10, tzinfo=UTC), signer=None, renderer=tiny_pdf)
    assert [(r.parameters["from"], r.as_of) for r in issued] == [
        ("2025-11-01", NOV_DUE), ("2025-12-01", DEC_DUE), ("2026-01-01", JAN_DUE)]
    assert len(told(session)) == 3


def test_a_deleted_schedule_issues_nothing(db, session: Session, world: World) -> None:
    schedules.delete(session, SYSTEM, world.contract.id)
    session.commit()
    assert issue_due(db, NOV_DUE, signer=None, renderer=tiny_pdf) == []


@needs_weasyprint
def test_a_scheduled_review_is_rendered_and_signed_and_a_manual_one_is_told_through_http(
        db, session: Session, world: World, client: Any, demo_keys: tuple[Path, Path]) -> None:
    signer = SigningKey(key_path=demo_keys[0], cert_path=demo_keys[1], signer_name="Demo Vendor")
    [report] = issue_due(db, NOV_DUE, signer=signer, vendor="Demo Vendor")
    assert report.signed and report.page_count >= 1
    # a manager issues a review by hand: told once, with its id; asking again tells nothing more
    manager = auth(make_key(session, "manager"))
    body = {"kind": "contract_review", "contract_id": world.contract.id, "from": "2025-11-01", "to": "2025-11-15",
            "as_of": "2025-11-20T12:00:00Z"}
    first = client.post("/api/v1/reports", headers=manager, json=body)
    assert first.status_code == 201, first.text
    assert client.post("/api/v1/reports", headers=manager, json=body).status_code == 200
    keys = [n.dedupe_key for n in told(session)]
    assert sorted(keys) == sorted([f"report.issued:{report.id}", f"report.issued:{first.json()['id']}"])


def test_a_review_issued_by_hand_for_the_period_is_not_issued_again_by_the_schedule(
        db, session: Session, world: World, client: Any) -> None:
    from reports import gather

    with db.transaction(write=False) as read, db.transaction() as write:
        manual = gather.produce(read, write, SYSTEM, gather.ReportRequest(
            kind="contract_review", start_date=date(2025, 11, 1), end_date=date(2025, 12, 1),
            contract_id=world.contract.id, as_of=datetime(2025, 12, 1, 9, tzinfo=UTC)), renderer=tiny_pdf,
            now=NOV_DUE).report
    assert issue_due(db, NOV_DUE, signer=None, renderer=tiny_pdf) == []
    assert [n.dedupe_key for n in told(session)] == [f"report.issued:{manual.id}"]


def test_the_mail_of_a_scheduled_review_says_which_and_carries_its_pdf(db, session: Session, world: World,
                                                                       tmp_path: Path) -> None:
    [report] = issue_due(db, NOV_DUE, signer=None, renderer=tiny_pdf)
    with db.transaction() as s:
        claimed = [c for c in deliveries.claim(s, worker="test", now=datetime.now(UTC)) if c.type == "report.issued"]
    assert {c.target for c in claimed} == {"manager@vendor.example", "cor@agency.example.gov"}
    channel = MailChannel(MailSettings(host=None, folder=tmp_path), base_url="https://sla.example",
                          attachment=mail_attachment(db))
    mail = channel.compose(claimed[0])
    assert "November 2025" in mail["Subject"] and "N00024-26-C-0042" in mail["Subject"]
    [attached] = list(mail.iter_attachments())
    assert attached.get_filename().startswith("contract-review_N00024-26-C-0042_2025-11-01_2025-11-30_")
    assert attached.get_content() == report_pdf(session, report.id)[1]  # type: ignore[index]
    assert f"https://sla.example/reports/{report.id}/pdf" in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
