"""Reports through HTTP: issue, list, read, download, verify, on the test's database.

The world (``world`` fixture): agency A's contract (UTC calendar, Mon–Fri 08:00–17:00) with two
units and five tickets in March 2026 (met, breached, paused, still running), telemetry downtime,
a contract-wide maintenance window, a rating and a work log; agency B's contract with one unit
and one ticket. Reports cover March 2026 as of an instant taken after the world was recorded.
The PDFs must print the figures ``GET …/compliance`` and ``GET …/availability`` give for the
same contract, period and ``as_of``.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

import pypdf
import pytest
from sqlalchemy.orm import Session

from fleet import tickets
from fleet.db import utcnow
from fleet.models import Agency, Contract, Unit
from fleet.principal import SYSTEM, Principal
from fleet.schemas.tickets import RatingIn, WorkLogIn
from tests.builders import (
    add_event,
    add_statuses,
    assert_error,
    auth,
    make_agency,
    make_calendar,
    make_contract,
    make_key,
    make_ticket,
    make_unit,
    make_window,
    row_counts,
)
from tests.reports.conftest import needs_weasyprint

pytestmark = needs_weasyprint
MARCH = {"from": "2026-03-01", "to": "2026-04-01"}
INJECTED = '<img src="http://127.0.0.1:9/x.png"> & <b>not bold</b>'


def t(day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def z(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class World:
    agency_a: Agency
    agency_b: Agency
    contract_a: Contract
    contract_b: Contract
    unit_a1: Unit
    unit_a2: Unit
    unit_b: Unit
    as_of: str
    manager: dict[str, str]


def build_world(session: Session) -> World:
    agency_a, agency_b = make_agency(session, name="Naval Facilities"), make_agency(session, name="Army Corps")
    contract_a = make_contract(session, agency=agency_a, calendar=make_calendar(session, timezone="UTC"),
                               service_credits={"per_breach_amount": "100.00", "aql_miss_percent": "1",
                                                "cap_percent": "5"})
    contract_b = make_contract(session, agency=agency_b, calendar=make_calendar(session, timezone="UTC"))
    a1 = make_unit(session, contract=contract_a, serial="RPT-A-0001")
    a2 = make_unit(session, contract=contract_a, serial="RPT-A-0002")
    b1 = make_unit(session, contract=contract_b, serial="RPT-B-0001")
    # A: met P1 (unit down 90 min), breached P1 response, paused P2, breached P2 response, open P2
    t1 = make_ticket(session, unit=a2, priority="P1", reported_at=t(5, 8), unit_down=True, summary="Tether breach")
    for kind, when in (("acknowledged", t(5, 8, 30)), ("restored", t(5, 9, 30)), ("resolved", t(5, 10)),
                       ("closed", t(5, 11))):
        add_event(session, t1, kind, when)
    t2 = make_ticket(session, unit=a1, priority="P1", reported_at=t(10, 10), summary="Drive motor failure")
    add_event(session, t2, "acknowledged", t(10, 11, 30))
    add_event(session, t2, "restored", t(10, 13))
    add_event(session, t2, "resolved", t(10, 13, 30))
    t3 = make_ticket(session, unit=a1, priority="P2", reported_at=t(11, 9), summary="Camera gimbal drifting")
    add_event(session, t3, "acknowledged", t(11, 10))
    add_event(session, t3, "paused", t(11, 10, 30), reason="Awaiting site access")
    add_event(session, t3, "resumed", t(12, 9))
    add_event(session, t3, "on_site", t(12, 10))
    add_event(session, t3, "resolved", t(12, 12))
    tickets.add_work_log(session, SYSTEM, t3.id, WorkLogIn.model_validate({
        "started_at": z(t(12, 10)), "ended_at": z(t(12, 11, 45)), "engineer": "J. Chen", "activity": "repair",
        "notes": "Replaced the gimbal motor", "parts": [{"part_number": "CAM-4K-07", "quantity": 1}]}))
    t4 = make_ticket(session, unit=a2, priority="P2", reported_at=t(20, 16), summary=INJECTED)
    add_event(session, t4, "acknowledged", t(23, 12))
    add_event(session, t4, "on_site", t(23, 13))
    add_event(session, t4, "resolved", t(23, 15))
    make_ticket(session, unit=a1, priority="P2", reported_at=t(30, 9), summary="Battery will not hold charge")
    tickets.rate(session, Principal(id="cor", name="cor", role="agency", agency_id=agency_a.id, kind="user"), t1.id,
                 RatingIn(score=4, comment="Quick fix"))
    add_statuses(session, a1, [(t(10, 10), "down"), (t(10, 14), "up")])
    make_window(session, contract=contract_a, starts_at=t(20, 0), ends_at=t(20, 2), reason="Quarterly service")
    tb = make_ticket(session, unit=b1, priority="P1", reported_at=t(3, 9), summary="Sensor fault")
    add_event(session, tb, "acknowledged", t(3, 9, 20))
    session.flush()
    as_of = utcnow()
    return World(agency_a, agency_b, contract_a, contract_b, a1, a2, b1, z(as_of),
                 auth(make_key(session, "manager")))


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


def issue(client: Any, headers: dict[str, str], **body: Any) -> Any:
    return client.post("/api/v1/reports", headers=headers, json={**MARCH, **body})


def pdf_of(client: Any, headers: dict[str, str], report_id: str) -> bytes:
    r = client.get(f"/api/v1/reports/{report_id}/pdf", headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    return bytes(r.content)


def text_of(pdf: bytes) -> str:
    return "".join("".join((p.extract_text() or "").split()) for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def embedded(pdf: bytes) -> bytes:
    data: bytes = pypdf.PdfReader(io.BytesIO(pdf)).attachments["report-data.json"][0]
    return data


def down(value: float | None, places: int) -> str:
    """What the PDF prints for an API percentage: rounded down."""
    assert value is not None
    return f"{Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN)}%"


REPORT_KEYS = {"id", "kind", "agency_id", "parameters", "as_of", "audit_head", "sha256", "data_sha256",
               "page_count", "size_bytes", "signed", "created_at", "created_by", "download_url"}


# --- the figures ------------------------------------------------------------------------------
def test_a_contract_review_prints_the_figures_the_api_gives(client, world: World) -> None:
    h, cid = world.manager, world.contract_a.id
    r = issue(client, h, kind="contract_review", contract_id=cid, as_of=world.as_of)
    assert r.status_code == 201, r.text
    body = r.json()
    assert set(body) == REPORT_KEYS
    assert body["kind"] == "contract_review" and body["agency_id"] == world.agency_a.id
    assert body["parameters"] == {"at": None, "contract_id": cid, **MARCH} and body["signed"] is False
    assert body["download_url"] == f"/api/v1/reports/{body['id']}/pdf" and body["page_count"] >= 5
    query = {**MARCH, "as_of": world.as_of}
    comp = client.get(f"/api/v1/contracts/{cid}/compliance", headers=h, params=query).json()
    avail = client.get(f"/api/v1/contracts/{cid}/availability", headers=h, params=query).json()

    r = client.get(body["download_url"], headers=h)
    assert r.headers["content-type"] == "application/pdf"
    disposition = r.headers["content-disposition"]
    assert disposition.startswith("attachment;") and world.contract_a.number in disposition
    assert f"2026-03-01_2026-03-31_{body['id'][:8]}.pdf" in disposition
    pdf = r.content
    assert hashlib.sha256(pdf).hexdigest() == body["sha256"]
    text = text_of(pdf)
    assert world.contract_a.number in text and "NavalFacilities" in text
    assert len(comp["metrics"]) == 5
    for m in comp["metrics"]:  # every row of the compliance table, in order, with the API's counts
        decided = m["met"] + m["breached"]
        assert f"{m['met']}/{decided}{down(m['percent_met'], 1)}" in text, m
    met = sum(m["met"] for m in comp["metrics"])
    decided = sum(m["met"] + m["breached"] for m in comp["metrics"])
    assert f"{met}of{decided}metoverall" in text
    assert f"Availability{down(avail['availability_percent'], 2)}againstatargetof98.00%" in text
    assert comp["service_credits"]["total"] != "0.00"
    assert f"Totalowed${Decimal(comp['service_credits']['total']):,}" in text
    for u in avail["units"]:
        assert f"{u['serial']}" in text and down(u["availability_percent"], 2) in text
    assert INJECTED.replace(" ", "") in text  # user text printed as text, not markup

    raw = embedded(pdf)
    assert hashlib.sha256(raw).hexdigest() == body["data_sha256"]
    data = json.loads(raw)
    assert data["report_id"] == body["id"] and data["as_of"] == world.as_of
    assert Decimal(data["availability"]["availability_percent"]).quantize(Decimal("0.0001")) == \
        Decimal(repr(avail["availability_percent"]))
    assert Decimal(data["availability"]["downtime_minutes"]) == Decimal(repr(avail["downtime_minutes"]))
    assert data["availability"]["failures"] == avail["failures"] == 2
    assert [(c["priority"], c["metric"], c["met"], c["breached"], c["pending"]) for c in data["compliance"]] == \
        [(m["priority"], m["metric"], m["met"], m["breached"], m["pending"]) for m in comp["metrics"]]
    breach = next(b for b in data["breaches"] if b["metric"] == "response" and b["priority"] == "P1")
    assert breach["elapsed_minutes"] == "90.000000" and breach["target_minutes"] == 60
    assert breach["sources"]["tickets"] == [breach["ticket_id"]] and len(breach["sources"]["ticket_events"]) == 3
    assert data["availability"]["sources"]["status_events"] and data["availability"]["sources"]["maintenance_windows"]
    assert data["csat"]["responses"] == 1 and data["csat"]["sources"]["ratings"]
    assert len(data["tickets"]) == comp["tickets"] == 5


def test_pauses_appear_with_their_reason_and_running_breaches_as_still_running(client, world: World) -> None:
    body = issue(client, world.manager, kind="contract_review", contract_id=world.contract_a.id,
                 as_of=world.as_of).json()
    data = json.loads(embedded(pdf_of(client, world.manager, body["id"])))
    running = [b for b in data["breaches"] if b["stopped_at"] is None]
    assert {b["metric"] for b in running} == {"response", "on_site", "resolve"}
    paused = [tk for tk in data["tickets"] if any(o["paused_minutes"] != "0.000000" for o in tk["outcomes"])]
    assert len(paused) == 1
    on_site = next(o for o in paused[0]["outcomes"] if o["metric"] == "on_site")
    assert on_site["paused_minutes"] == "450.000000" and on_site["elapsed_minutes"] == "150.000000"
    events = [e for e in data["events"] if e["ticket_id"] == paused[0]["id"]]
    assert [e["reason"] for e in events if e["type"] == "paused"] == ["Awaiting site access"]
    assert all(e["actor"] == "system:cli" for e in events)


def test_same_parameters_and_as_of_give_the_same_report_and_regenerate_the_same_bytes(client, db, world: World
                                                                                       ) -> None:
    from reports import gather
    from reports.data import data_sha256, parse_report_data, report_data_json
    from reports.pdf import render_pdf

    h = world.manager
    first = issue(client, h, kind="contract_review", contract_id=world.contract_a.id, as_of=world.as_of)
    again = issue(client, h, kind="contract_review", contract_id=world.contract_a.id, as_of=world.as_of)
    assert first.status_code == 201 and again.status_code == 200 and again.json() == first.json()
    body = first.json()
    stored = pdf_of(client, h, body["id"])
    # a fact recorded after as_of changes nothing as of then
    with db.transaction() as s:
        open_ticket = s.get_one(Unit, world.unit_a1.id)
        late = make_ticket(s, unit=open_ticket, priority="P1", reported_at=t(31, 9), summary="Recorded later")
        add_event(s, late, "acknowledged", t(31, 9, 10))
    with db.transaction(write=False) as s:
        resolved = gather.resolve(s, SYSTEM, gather.ReportRequest(
            kind="contract_review", start_date=date(2026, 3, 1), end_date=date(2026, 4, 1),
            contract_id=world.contract_a.id, as_of=datetime.fromisoformat(world.as_of)))
        assert resolved.report_id == body["id"]
        data = gather.gather(s, SYSTEM, resolved)
    assert data_sha256(data) == body["data_sha256"]
    assert parse_report_data(report_data_json(data)) == data  # the attachment reads back as the same data
    assert render_pdf(data) == stored  # unsigned: byte for byte
    later = issue(client, h, kind="contract_review", contract_id=world.contract_a.id)
    assert later.status_code == 201 and later.json()["id"] != body["id"]
    assert later.json()["data_sha256"] != body["data_sha256"]


def test_a_unit_registered_after_as_of_changes_nothing_in_a_report_as_of_then(client, db, world: World) -> None:
    from reports import gather
    from reports.data import data_sha256

    h = world.manager
    first = issue(client, h, kind="contract_review", contract_id=world.contract_a.id, as_of=world.as_of).json()
    with db.transaction() as s:  # registered now, after as_of, with telemetry dated in the period
        late = make_unit(s, contract=s.get_one(Contract, world.contract_a.id), serial="RPT-A-0003",
                         in_service_at=datetime(2026, 1, 1, tzinfo=UTC))
        add_statuses(s, late, [(t(15, 8), "down"), (t(15, 20), "up")])
        late_id = late.id
    request = gather.ReportRequest(kind="contract_review", start_date=date(2026, 3, 1), end_date=date(2026, 4, 1),
                                   contract_id=world.contract_a.id, as_of=datetime.fromisoformat(world.as_of))
    with db.transaction(write=False) as s:
        data = gather.gather(s, SYSTEM, gather.resolve(s, SYSTEM, request))
        now = gather.gather_contract_review(s, SYSTEM, contract_id=world.contract_a.id, start_date=date(2026, 3, 1),
                                            end_date=date(2026, 4, 1), as_of=None)
    assert data_sha256(data) == first["data_sha256"]
    assert [u.serial for u in data.units] == ["RPT-A-0001", "RPT-A-0002"]
    assert [u.serial for u in now.units] == ["RPT-A-0001", "RPT-A-0002", "RPT-A-0003"]
    assert now.availability.downtime_minutes == data.availability.downtime_minutes + 720
    api_then = client.get(f"/api/v1/contracts/{world.contract_a.id}/availability?from=2026-03-01&to=2026-04-01"
                          f"&as_of={world.as_of}", headers=h).json()
    assert late_id not in {u["unit_id"] for u in api_then["units"]}
    again = issue(client, h, kind="contract_review", contract_id=world.contract_a.id, as_of=world.as_of)
    assert again.status_code == 200 and again.json()["data_sha256"] == first["data_sha256"]


def test_a_unit_history_as_of_before_the_unit_was_registered_is_not_found(client, session, world: World) -> None:
    late = make_unit(session, contract=world.contract_a, serial="RPT-A-0004")
    r = issue(client, world.manager, kind="unit_history", unit_id=late.id, as_of=world.as_of)
    assert_error(r, 404, "unit_not_on_record")


def test_track_record_and_unit_history_are_issued_with_their_figures(client, world: World) -> None:
    h = world.manager
    unit = issue(client, h, kind="unit_history", unit_id=world.unit_a1.id, as_of=world.as_of)
    assert unit.status_code == 201, unit.text
    assert unit.json()["agency_id"] == world.agency_a.id
    pdf = pdf_of(client, h, unit.json()["id"])
    text = text_of(pdf)
    avail = client.get(f"/api/v1/units/{world.unit_a1.id}/availability", headers=h,
                       params={**MARCH, "as_of": world.as_of}).json()
    assert "RPT-A-0001" in text and "CAM-4K-07" in text and "Awaiting" not in text
    assert f"Availability{down(avail['availability_percent'], 2)}againstatargetof98.00%" in text
    data = json.loads(embedded(pdf))
    assert [(d["cause"], d["counted"], d["minutes"]) for d in data["downtime"]] == [
        ("telemetry_down", True, "240.000000"), ("maintenance", False, "120.000000")]
    assert data["downtime"][0]["sources"]["status_events"] and data["downtime"][1]["sources"]["maintenance_windows"]
    assert data["parts"] == [{"part_number": "CAM-4K-07", "quantity": 1,
                              "sources": {**data["parts"][0]["sources"]}}]

    track = issue(client, h, kind="track_record", contract_ids=[world.contract_a.id, world.contract_b.id],
                  as_of=world.as_of)
    assert track.status_code == 201, track.text
    assert track.json()["agency_id"] is None
    assert track.json()["parameters"]["contract_ids"] == sorted([world.contract_a.id, world.contract_b.id])
    text = text_of(pdf_of(client, h, track.json()["id"]))
    assert world.contract_a.number in text and world.contract_b.number in text
    assert "vendor'sownrecord" in text
    one = issue(client, h, kind="track_record", contract_ids=[world.contract_a.id], as_of=world.as_of)
    assert one.status_code == 201 and one.json()["agency_id"] == world.agency_a.id


# --- tenancy and roles ------------------------------------------------------------------------
def test_an_agency_sees_its_own_reports_and_not_another_agencys(client, session, world: World) -> None:
    h = world.manager
    mine = issue(client, h, kind="contract_review", contract_id=world.contract_a.id, as_of=world.as_of).json()
    theirs = issue(client, h, kind="contract_review", contract_id=world.contract_b.id, as_of=world.as_of).json()
    both = issue(client, h, kind="track_record", contract_ids=[world.contract_a.id, world.contract_b.id],
                 as_of=world.as_of).json()
    agency_a = auth(make_key(session, "agency", agency=world.agency_a))
    listed = client.get("/api/v1/reports", headers=agency_a).json()
    assert [r["id"] for r in listed["items"]] == [mine["id"]] and listed["next_cursor"] is None
    assert client.get(f"/api/v1/reports/{mine['id']}", headers=agency_a).json()["id"] == mine["id"]
    assert pdf_of(client, agency_a, mine["id"])[:5] == b"%PDF-"
    for other in (theirs, both):
        assert_error(client.get(f"/api/v1/reports/{other['id']}", headers=agency_a), 404, "not_found")
        assert_error(client.get(f"/api/v1/reports/{other['id']}/pdf", headers=agency_a), 404, "not_found")
    everything = client.get("/api/v1/reports?limit=2", headers=h).json()
    assert len(everything["items"]) == 2 and everything["next_cursor"]
    rest = client.get(f"/api/v1/reports?limit=2&cursor={everything['next_cursor']}", headers=h).json()
    assert {r["id"] for r in everything["items"] + rest["items"]} == {mine["id"], theirs["id"], both["id"]}
    assert [r["id"] for r in client.get("/api/v1/reports?kind=track_record", headers=h).json()["items"]] == \
        [both["id"]]


def test_an_agency_cannot_issue_reports_about_another_agency(client, session, world: World) -> None:
    agency_a = auth(make_key(session, "agency", agency=world.agency_a))
    assert_error(issue(client, agency_a, kind="contract_review", contract_id=world.contract_a.id), 403, "forbidden")


def test_roles_that_may_not_issue_get_403_and_nothing_is_stored(client, session, world: World) -> None:
    before = row_counts(session)
    engineer = auth(make_key(session, "engineer"))
    before = row_counts(session)
    r = issue(client, engineer, kind="contract_review", contract_id=world.contract_a.id)
    assert_error(r, 403, "forbidden")
    assert row_counts(session) == before
    telemetry = auth(make_key(session, "telemetry"))
    assert_error(client.get("/api/v1/reports", headers=telemetry), 403, "forbidden")
    files = {"file": ("x.pdf", b"%PDF-1.7 nothing", "application/pdf")}
    assert_error(client.post("/api/v1/reports/verify", headers=telemetry, files=files), 403, "forbidden")
    assert client.post("/api/v1/reports/verify", headers=engineer, files=files).status_code == 200


@pytest.mark.parametrize("change, status, code", [
    ({"to": "2026-02-01"}, 422, "validation_error"),
    ({"to": "2026-03-01"}, 422, "validation_error"),
    ({"contract_id": None}, 422, "validation_error"),
    ({"contract_id": "00000000-0000-7000-8000-000000000000"}, 404, "not_found"),
    ({"kind": "unit_history"}, 422, "validation_error"),
    ({"kind": "monthly_report"}, 422, "validation_error"),
    ({"unit_id": "x"}, 422, "validation_error"),
    ({"as_of": "2099-01-01T00:00:00Z"}, 422, "as_of_in_future"),
    ({"as_of": "2026-03-01T00:00:00"}, 422, "validation_error"),
    ({"from": "03/01/2026"}, 422, "validation_error"),
])
def test_bad_requests_get_the_error_shape_and_store_nothing(client, session, world: World, change: dict[str, Any],
                                                            status: int, code: str) -> None:
    body = {"kind": "contract_review", "contract_id": world.contract_a.id, **MARCH, **change}
    body = {k: v for k, v in body.items() if v is not None}
    before = row_counts(session)
    assert_error(client.post("/api/v1/reports", headers=world.manager, json=body), status, code)
    assert row_counts(session) == before


def test_a_track_record_of_another_agencys_contract_is_404_for_that_unknown_contract(client, session,
                                                                                    world: World) -> None:
    r = issue(client, world.manager, kind="track_record", contract_ids=[world.contract_a.id, "no-such-contract"])
    assert_error(r, 404, "not_found")
    assert_error(issue(client, world.manager, kind="track_record", contract_ids=[]), 422, "validation_error")


def test_a_renderer_that_fails_answers_503_and_stores_nothing(client, session, world: World, monkeypatch) -> None:
    from reports import gather
    from reports.errors import RenderFailed

    def broken(*_a: Any, **_k: Any) -> bytes:
        raise RenderFailed("rendering report x took longer than 1 s and was stopped", code="render_timeout")

    monkeypatch.setattr(gather, "render_pdf", broken)
    before = row_counts(session)
    assert_error(issue(client, world.manager, kind="contract_review", contract_id=world.contract_a.id), 503,
                 "render_timeout")
    assert row_counts(session) == before


# --- verify -----------------------------------------------------------------------------------
def verify(client: Any, headers: dict[str, str], pdf: bytes) -> dict[str, Any]:
    r = client.post("/api/v1/reports/verify", headers=headers, files={"file": ("report.pdf", pdf, "application/pdf")})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    assert set(body) == {"valid", "report_id", "status", "reasons", "issued_revision", "additions"}
    return body


def flip(pdf: bytes, at: int) -> bytes:
    return pdf[:at] + bytes([pdf[at] ^ 0x01]) + pdf[at + 1:]


def test_verify_says_valid_for_the_issued_pdf_and_why_not_after_a_one_byte_change(client, world: World) -> None:
    h = world.manager
    body = issue(client, h, kind="contract_review", contract_id=world.contract_a.id, as_of=world.as_of).json()
    pdf = pdf_of(client, h, body["id"])
    ok = verify(client, h, pdf)
    assert ok["valid"] is True and ok["report_id"] == body["id"] and ok["status"] == "valid"
    bad = verify(client, h, flip(pdf, len(pdf) // 2))
    assert bad["valid"] is False and bad["status"] in ("altered", "data_mismatch")
    assert bad["reasons"] and any("altered" in r or "mismatch" in r for r in bad["reasons"])
    assert verify(client, h, b"not a pdf at all")["status"] == "not_pdf"
    missing = client.post("/api/v1/reports/verify", headers=h)
    assert_error(missing, 422, "validation_error")


def test_another_agencys_report_verifies_exactly_as_a_report_never_issued_here(
        client, session, world: World) -> None:
    # Issue 15: the old answer (the verdict with redacted reasons) told an agency that another
    # agency's report exists; now the register is scoped to the caller, so the answer is the one
    # for a report that was never issued, field for field.
    from sqlalchemy import delete

    from fleet.models import Report

    h = world.manager
    theirs = issue(client, h, kind="contract_review", contract_id=world.contract_b.id, as_of=world.as_of).json()
    pdf = pdf_of(client, h, theirs["id"])
    appended = pdf + b"\n% appended by someone\n"
    agency_a = auth(make_key(session, "agency", agency=world.agency_a))
    agency_b = auth(make_key(session, "agency", agency=world.agency_b))
    assert verify(client, agency_b, pdf)["valid"] is True
    full = verify(client, agency_b, appended)
    assert (full["status"], full["issued_revision"]["byte_length"]) == ("altered", len(pdf))
    as_other = [verify(client, agency_a, copy) for copy in (pdf, appended)]

    session.execute(delete(Report).where(Report.id == theirs["id"]))
    session.flush()
    never_issued = [verify(client, h, copy) for copy in (pdf, appended)]
    assert as_other == never_issued
    assert [b["status"] for b in as_other] == ["unknown", "unknown"]
    assert all(b["issued_revision"] is None and b["additions"] == [] for b in as_other)
    assert theirs["sha256"] not in json.dumps(as_other[1])  # nothing from the register


def test_signed_reports_verify_with_the_configured_certificate(session, settings, db, world: World, tmp_path
                                                               ) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from reports.signing import make_demo_signing_key

    key, cert = make_demo_signing_key(tmp_path / "signing")
    app = create_app(settings.model_copy(update={"signing_key": key, "signing_cert": cert}), db=db)
    with TestClient(app, raise_server_exceptions=False) as client:
        body = issue(client, world.manager, kind="unit_history", unit_id=world.unit_a2.id, as_of=world.as_of).json()
        assert body["signed"] is True
        pdf = pdf_of(client, world.manager, body["id"])
        assert b"/ByteRange" in pdf
        assert hashlib.sha256(embedded(pdf)).hexdigest() == body["data_sha256"]
        result = verify(client, world.manager, pdf)
        assert result["valid"] is True
        assert verify(client, world.manager, flip(pdf, len(pdf) // 2))["valid"] is False
    assert timedelta(0) < utcnow() - datetime.fromisoformat(body["created_at"])


def test_report_verification_accepts_uploads_larger_than_the_json_body_limit(app, client, session):
    from tests.builders import auth, make_key

    token = make_key(session, "manager")
    big = b"%PDF-1.7\n" + b"0" * (17 * 1024 * 1024)
    r = client.post("/api/v1/reports/verify", headers=auth(token), files={"file": ("big.pdf", big, "application/pdf")})
    assert r.status_code == 200, r.text[:300]
    assert r.json()["valid"] is False
    json_too_big = client.post("/api/v1/agencies", headers={**auth(token), "content-type": "application/json"},
                               content=b"{" + b" " * (17 * 1024 * 1024) + b"}")
    assert json_too_big.status_code == 413 and json_too_big.json()["error"]["code"] == "payload_too_large"
