"""Late records (DESIGN.md principle 9): the contract's reporting window bounds how late a fact may
be recorded; what staff record late carries a reason and is flagged wherever it is shown."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from fleet import demo
from fleet.principal import SYSTEM
from reports.compose import render_report
from reports.gather import gather_contract_review
from slas import lateness
from tests.builders import (
    agency_body,
    assert_error,
    auth,
    calendar_body,
    contract_body,
    make_agency,
    make_contract,
    make_key,
    make_unit,
    row_counts,
    status_event,
)

NOW = datetime.now(UTC)
CREDITS = {"per_breach_amount": "250.00", "aql_miss_percent": "1.5"}


def since_now(minutes: float) -> tuple[float, float]:
    """The bounds a delay of ``minutes`` before :data:`NOW` has when recorded now: at least that,
    at most that plus the time the suite took to get here (NOW is read once, at import)."""
    return minutes, minutes + (datetime.now(UTC) - NOW).total_seconds() / 60 + 1


def z(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


@pytest.fixture
def world(session):  # type: ignore[no-untyped-def]
    """A contract with the default 72-hour window, one unit, keys for the agency and the vendor's staff."""
    agency = make_agency(session)
    contract = make_contract(session, agency=agency, reporting_window_hours=72, start=date(2025, 1, 1),
                             end=date(NOW.year + 1, 12, 31), service_credits=CREDITS)
    unit = make_unit(session, contract=contract, in_service_at=NOW - timedelta(days=600))
    keys = {role: auth(make_key(session, role, agency=agency if role == "agency" else None))
            for role in ("agency", "manager", "engineer", "telemetry")}
    return {"agency_row": agency, "contract": contract, "unit": unit, **keys}


def ticket_body(unit_id: str, reported_at: datetime, **extra: Any) -> dict[str, Any]:
    return {"unit_id": unit_id, "priority": "P1", "summary": "Unit down: drive motor failure",
            "reported_at": z(reported_at), "unit_down": True, **extra}


def test_an_agency_key_cannot_open_a_ticket_reported_ten_months_ago_and_nothing_is_stored(client, session, world):
    before = row_counts(session)
    r = client.post("/api/v1/tickets", headers=world["agency"],
                    json=ticket_body(world["unit"].id, NOW - timedelta(days=300)))
    body = assert_error(r, 422, "outside_reporting_window")
    assert "72 hours" in body["message"] and "days" in body["message"]
    assert body["details"][0]["window_hours"] == 72
    assert row_counts(session) == before


def test_an_agency_ticket_within_the_window_is_accepted_and_not_flagged(client, world):
    r = client.post("/api/v1/tickets", headers=world["agency"],
                    json=ticket_body(world["unit"].id, NOW - timedelta(hours=70)))
    assert r.status_code == 201, r.text
    assert r.json()["recorded_late"] is False and r.json()["late_by_minutes"] is None
    detail = client.get(f"/api/v1/tickets/{r.json()['id']}", headers=world["agency"]).json()
    assert detail["recorded_late"] is False


def test_an_agency_cannot_even_with_a_reason(client, session, world):
    before = row_counts(session)
    r = client.post("/api/v1/tickets", headers=world["agency"], json=ticket_body(
        world["unit"].id, NOW - timedelta(days=5), late_reason="we forgot to send it"))
    assert_error(r, 422, "outside_reporting_window")
    assert row_counts(session) == before


def test_an_agency_cannot_post_an_event_four_days_late_or_at_all(client, session, world):
    ticket = client.post("/api/v1/tickets", headers=world["agency"],
                         json=ticket_body(world["unit"].id, NOW - timedelta(hours=2))).json()
    before = row_counts(session)
    r = client.post(f"/api/v1/tickets/{ticket['id']}/events", headers=world["agency"],
                    json={"type": "acknowledged", "occurred_at": z(NOW - timedelta(days=4))})
    assert r.status_code in (403, 409, 422)
    assert row_counts(session) == before


def test_staff_posting_an_event_four_days_late_need_a_reason(client, session, world):
    ticket = client.post("/api/v1/tickets", headers=world["manager"], json=ticket_body(
        world["unit"].id, NOW - timedelta(days=5), late_reason="Phoned in during the storm")).json()
    before = row_counts(session)
    r = client.post(f"/api/v1/tickets/{ticket['id']}/events", headers=world["engineer"],
                    json={"type": "acknowledged", "occurred_at": z(NOW - timedelta(days=4))})
    body = assert_error(r, 422, "late_reason_required")
    assert "72 hours" in body["message"] and "late_reason" in body["message"]
    assert row_counts(session) == before
    r = client.post(f"/api/v1/tickets/{ticket['id']}/events", headers=world["engineer"],
                    json={"type": "acknowledged", "occurred_at": z(NOW - timedelta(days=4)),
                          "late_reason": "Tablet offline at the remote site; synced on return"})
    assert r.status_code == 201, r.text
    low, high = since_now(4 * 1440)
    assert r.json()["recorded_late"] is True and low <= r.json()["late_by_minutes"] <= high


def test_an_event_within_the_window_is_accepted_and_not_flagged(client, world):
    ticket = client.post("/api/v1/tickets", headers=world["agency"],
                         json=ticket_body(world["unit"].id, NOW - timedelta(hours=3))).json()
    r = client.post(f"/api/v1/tickets/{ticket['id']}/events", headers=world["engineer"],
                    json={"type": "acknowledged", "occurred_at": z(NOW - timedelta(hours=2))})
    assert r.status_code == 201, r.text
    assert r.json()["recorded_late"] is False and r.json()["late_by_minutes"] is None


def test_a_manager_without_a_reason_is_refused_naming_the_window(client, session, world):
    before = row_counts(session)
    r = client.post("/api/v1/tickets", headers=world["manager"],
                    json=ticket_body(world["unit"].id, NOW - timedelta(days=300)))
    body = assert_error(r, 422, "late_reason_required")
    assert "reporting window of 72 hours" in body["message"]
    assert row_counts(session) == before


def test_a_manager_with_a_reason_records_it_flagged_with_its_delay_in_the_ticket_detail(client, world):
    reported = NOW - timedelta(days=300)
    r = client.post("/api/v1/tickets", headers=world["manager"], json=ticket_body(
        world["unit"].id, reported, late_reason="Ticket phoned in, entered after the storm"))
    assert r.status_code == 201, r.text
    assert r.json()["recorded_late"] is True
    detail = client.get(f"/api/v1/tickets/{r.json()['id']}", headers=world["agency"]).json()
    assert detail["recorded_late"] is True and detail["late_reason"] == "Ticket phoned in, entered after the storm"
    low, high = since_now(300 * 1440)
    assert low <= detail["late_by_minutes"] <= high
    assert detail["reported_at"] == z(reported)  # existing fields unchanged


def test_a_correction_moving_an_event_beyond_the_window_is_flagged_in_the_detail(client, world):
    ticket = client.post("/api/v1/tickets", headers=world["manager"], json=ticket_body(
        world["unit"].id, NOW - timedelta(days=10), late_reason="Entered from the paper log")).json()
    event = client.post(f"/api/v1/tickets/{ticket['id']}/events", headers=world["manager"], json={
        "type": "acknowledged", "occurred_at": z(NOW - timedelta(days=9)), "late_reason": "From the paper log"}).json()
    r = client.post(f"/api/v1/tickets/{ticket['id']}/corrections", headers=world["manager"], json={
        "event_id": event["id"], "occurred_at": z(NOW - timedelta(days=9, hours=2)),
        "reason": "The paper log had the time two hours off"})
    assert r.status_code == 201, r.text
    events = {e["id"]: e for e in client.get(f"/api/v1/tickets/{ticket['id']}", headers=world["manager"])
              .json()["events"]}
    assert events[r.json()["id"]]["recorded_late"] is True
    assert events[event["id"]]["late_reason"] == "From the paper log" and events[event["id"]]["superseded"]


def test_telemetry_recorded_days_late_is_accepted(client, world):
    r = client.post("/api/v1/status-events", headers=world["telemetry"], json={"events": [
        status_event(world["unit"].id, z(NOW - timedelta(days=6)), "down")]})
    assert r.status_code == 200 and r.json()["accepted"] == 1, r.text


def test_the_contract_term_defaults_to_72_hours_and_is_answered(client, session):
    admin = auth(make_key(session, "admin"))
    agency = client.post("/api/v1/agencies", headers=admin, json=agency_body()).json()
    calendar = client.post("/api/v1/calendars", headers=admin, json=calendar_body()).json()
    plain = client.post("/api/v1/contracts", headers=admin, json=contract_body(agency["id"], calendar["id"]))
    assert plain.status_code == 201 and plain.json()["reporting_window_hours"] == 72
    wide = client.post("/api/v1/contracts", headers=admin, json=contract_body(
        agency["id"], calendar["id"], reporting_window_hours=120))
    assert client.get(f"/api/v1/contracts/{wide.json()['id']}", headers=admin).json()["reporting_window_hours"] == 120
    assert_error(client.post("/api/v1/contracts", headers=admin, json=contract_body(
        agency["id"], calendar["id"], reporting_window_hours=0)), 422)


def _same_history(client, headers: dict[str, str], unit_id: str, reported: datetime, **late: Any) -> None:  # type: ignore[no-untyped-def]
    t = client.post("/api/v1/tickets", headers=headers, json=ticket_body(unit_id, reported, **late))
    assert t.status_code == 201, t.text
    for kind, after in (("acknowledged", 95), ("on_site", 400), ("restored", 900)):  # response breached
        r = client.post(f"/api/v1/tickets/{t.json()['id']}/events", headers=headers, json={
            "type": kind, "occurred_at": z(reported + timedelta(minutes=after)), **late})
        assert r.status_code == 201, r.text


def test_the_contract_review_lists_late_records_and_its_figures_equal_those_without_the_flag(client, session, world):
    """The same history on two contracts: one with a 72-hour window (recorded late), one with a
    ten-year window (on time). The review lists the late facts; every figure is the same."""
    mgr = world["manager"]
    reported = datetime(NOW.year, NOW.month, 1, 9, tzinfo=UTC) - timedelta(days=40)
    reason = {"late_reason": "Ticket phoned in, entered after the storm"}
    _same_history(client, mgr, world["unit"].id, reported, **reason)
    wide = make_contract(session, agency=world["agency_row"], start=date(2025, 1, 1), end=date(NOW.year + 1, 12, 31),
                         service_credits=CREDITS)
    twin = make_unit(session, contract=wide, in_service_at=world["unit"].in_service_at)
    _same_history(client, mgr, twin.id, reported)
    for unit_id in (world["unit"].id, twin.id):  # telemetry buffered for weeks: accepted, counted as late
        r = client.post("/api/v1/status-events", headers=world["telemetry"], json={"events": [
            status_event(unit_id, z(reported + timedelta(days=2)), "down"),
            status_event(unit_id, z(reported + timedelta(days=2, hours=3)), "up")]})
        assert r.json()["accepted"] == 2, r.text
    month = date(reported.year, reported.month, 1)
    to = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    late = gather_contract_review(session, SYSTEM, contract_id=world["contract"].id, start_date=month, end_date=to,
                                  as_of=None)
    plain = gather_contract_review(session, SYSTEM, contract_id=wide.id, start_date=month, end_date=to, as_of=None)
    assert late.late_records is not None and plain.late_records is not None
    assert [f.fact for f in late.late_records.facts] == ["reported", "acknowledged", "on_site", "restored"]
    assert all(f.reason == reason["late_reason"] and f.actor == "key:test key" for f in late.late_records.facts)
    assert late.late_records.window_hours == 72 and late.late_records.ticket_facts == 4
    assert plain.late_records.facts == []
    assert [(u.unit_serial, u.count) for u in late.late_records.status_events] == [(world["unit"].serial, 2)]
    assert plain.late_records.status_events == []

    def figures(d: Any) -> Any:
        return ([(r.priority, r.metric, r.met, r.breached, r.percent_met) for r in d.compliance],
                d.credits.total, d.availability.availability_percent, d.availability.downtime_minutes,
                len(d.breaches))

    assert figures(late) == figures(plain)
    assert late.credits.total > 0 and len(late.breaches) > 0  # figures that could have moved
    html = render_report(late).html
    assert "6. Records entered late" in html and late.late_records.facts[0].ticket_number in html
    assert "Ticket phoned in, entered after the storm" in html and "What is counted" in html


def test_the_pure_rule_counts_a_gap_of_exactly_the_window_as_on_time() -> None:
    t = datetime(2026, 3, 1, tzinfo=UTC)
    assert not lateness.is_late(t, t + timedelta(hours=72), 72)
    assert lateness.late_by_minutes(t, t + timedelta(hours=72, minutes=1), 72) == 72 * 60 + 1
    assert lateness.describe(timedelta(days=4, hours=2, minutes=5)) == "4 days 2 hours"
    assert lateness.describe(timedelta(hours=1, minutes=1)) == "1 hour 1 minute"


def test_the_demo_has_late_records_entered_by_the_manager_with_a_reason(session):
    from fleet.models import Contract

    demo.load(session, SYSTEM, now=NOW, scale=0.1)
    listed, total = [], 0
    for c in session.query(Contract).all():
        d = gather_contract_review(session, SYSTEM, contract_id=c.id, start_date=(NOW - timedelta(days=360)).date(),
                                   end_date=NOW.date(), as_of=None)
        assert d.late_records is not None
        assert d.late_records.status_events == []  # the demo's telemetry arrives within a day
        listed += d.late_records.facts
        total += d.late_records.ticket_facts
    assert listed, "the demo shows a few late records"
    assert all(f.actor == "user:manager" and f.reason in demo.LATE_REASONS for f in listed)
    assert len(listed) < total / 20  # a few, not the whole record
