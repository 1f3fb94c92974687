"""Availability, MTBF/MTTR and unit timelines through HTTP, against hand-computed figures.

Unless a test says otherwise the contract calendar is UTC and the period is March 2026:
31 days = 44,640 minutes.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from fleet import tickets
from fleet.principal import SYSTEM
from fleet.schemas.tickets import CorrectionIn
from tests.builders import (
    add_event,
    add_status,
    add_statuses,
    auth,
    make_agency,
    make_calendar,
    make_contract,
    make_key,
    make_ticket,
    make_unit,
    make_window,
    status_event,
)

MARCH = 31 * 1440
JAN_1 = datetime(2026, 1, 1, tzinfo=UTC)


def t(day: int, hour: int = 0, minute: int = 0, month: int = 3, second: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


def z(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


@pytest.fixture
def mgr(session):  # type: ignore[no-untyped-def]
    return auth(make_key(session, "manager"))


def contract_with(session: Session, *, exclude: bool = True, target: str = "98", tz: str = "UTC"):  # type: ignore[no-untyped-def]
    return make_contract(session, calendar=make_calendar(session, timezone=tz), exclude_maintenance=exclude,
                         availability_target=target)


def availability(client, headers, contract_id: str, frm: str = "2026-03-01", to: str = "2026-04-01",  # type: ignore[no-untyped-def]
                 **params: str):
    query = "&".join(f"{k}={v}" for k, v in {"from": frm, "to": to, **params}.items())
    r = client.get(f"/api/v1/contracts/{contract_id}/availability?{query}", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def pct(up: float, denominator: float) -> float:
    return pytest.approx(100 * up / denominator, abs=1e-4)  # type: ignore[no-any-return]


# --- one unit, hand-computed --------------------------------------------------------------------
def test_a_unit_down_and_up_inside_the_period(client, session, mgr):
    contract = contract_with(session)
    unit = make_unit(session, contract=contract, in_service_at=JAN_1)
    add_statuses(session, unit, [(t(10, 10), "down"), (t(10, 16), "up")])
    body = availability(client, mgr, contract.id)
    assert body["period_minutes"] == MARCH and body["downtime_minutes"] == 360 and body["excluded_minutes"] == 0
    assert body["failures"] == 1 and body["mtbf_hours"] == (MARCH - 360) / 60 and body["mttr_hours"] == 6
    assert body["availability_percent"] == pct(MARCH - 360, MARCH)
    assert body["target_percent"] == 98 and body["passed"] is True
    assert body["from"] == "2026-03-01" and body["to"] == "2026-04-01"
    assert body["period_start"] == "2026-03-01T00:00:00Z" and body["period_end"] == "2026-04-01T00:00:00Z"
    assert [(u["unit_id"], u["downtime_minutes"], u["failures"]) for u in body["units"]] == [(unit.id, 360, 1)]
    assert body["monthly"] == [{"month": "2026-03", "availability_percent": pct(MARCH - 360, MARCH),
                                "downtime_minutes": 360, "failures": 1, "period_minutes": MARCH,
                                "excluded_minutes": 0}]


def test_outages_across_the_period_boundaries_are_cut_and_counted_where_they_began(client, session, mgr):
    contract = contract_with(session)
    unit = make_unit(session, contract=contract, in_service_at=JAN_1)
    add_statuses(session, unit, [(t(28, 20, month=2), "down"), (t(1, 4), "up"), (t(31, 22), "down")])
    march = availability(client, mgr, contract.id)
    assert (march["downtime_minutes"], march["failures"]) == (240 + 120, 1)
    both = availability(client, mgr, contract.id, frm="2026-02-01")
    assert [(m["month"], m["downtime_minutes"], m["failures"], m["period_minutes"]) for m in both["monthly"]] == [
        ("2026-02", 240, 1, 28 * 1440), ("2026-03", 360, 1, MARCH)]
    assert (both["downtime_minutes"], both["failures"], both["period_minutes"]) == (600, 2, 59 * 1440)
    april = availability(client, mgr, contract.id, frm="2026-04-01", to="2026-05-01")
    assert (april["availability_percent"], april["downtime_minutes"], april["failures"]) == (0, 30 * 1440, 0)
    assert april["mtbf_hours"] is None and april["passed"] is False


def test_a_unit_put_in_service_mid_period_counts_from_then_and_the_fleet_is_period_weighted(client, session, mgr):
    contract = contract_with(session, target="99")
    old = make_unit(session, contract=contract, in_service_at=JAN_1)
    new = make_unit(session, contract=contract, in_service_at=t(16))
    make_unit(session, contract=contract, in_service_at=t(2, month=4))
    add_statuses(session, new, [(t(20), "down"), (t(20, 12), "up")])
    body = availability(client, mgr, contract.id)
    units = {u["unit_id"]: u for u in body["units"]}
    assert set(units) == {old.id, new.id}
    assert units[new.id]["period_minutes"] == 16 * 1440 and units[new.id]["availability_percent"] == 96.875
    assert units[old.id]["availability_percent"] == 100 and units[old.id]["failures"] == 0
    assert body["period_minutes"] == MARCH + 16 * 1440 and body["downtime_minutes"] == 720
    assert body["availability_percent"] == pct(MARCH + 16 * 1440 - 720, MARCH + 16 * 1440)
    assert body["passed"] is False  # 98.94 % < 99 %


def test_a_unit_without_events_was_up_the_whole_period(client, session, mgr):
    contract = contract_with(session)
    make_unit(session, contract=contract, in_service_at=JAN_1)
    body = availability(client, mgr, contract.id)
    assert (body["availability_percent"], body["failures"], body["mtbf_hours"], body["mttr_hours"]) == (
        100, 0, None, None)


def test_passed_is_exact_when_availability_equals_the_target(client, session, mgr):
    contract = contract_with(session, target="98.5")
    unit = make_unit(session, contract=contract, in_service_at=JAN_1)
    add_statuses(session, unit, [(t(10), "down"), (t(10, 11, 9, second=36), "up")])  # 669.6 min = 1.5 % of March
    body = availability(client, mgr, contract.id)
    assert body["availability_percent"] == pytest.approx(98.5) and body["passed"] is True


# --- maintenance --------------------------------------------------------------------------------
def _maintenance_case(session: Session, *, exclude: bool):  # type: ignore[no-untyped-def]
    contract = contract_with(session, exclude=exclude)
    unit = make_unit(session, contract=contract, in_service_at=JAN_1)
    make_window(session, contract=contract, unit=unit, starts_at=t(5, 8), ends_at=t(5, 12))
    make_window(session, contract=contract, starts_at=t(20), ends_at=t(20, 2))  # the whole contract
    add_statuses(session, unit, [(t(5, 10), "down"), (t(5, 13), "up"), (t(6, 8), "maintenance"), (t(6, 9), "up")])
    return contract


def test_scheduled_and_reported_maintenance_are_excluded_when_the_contract_says_so(client, session, mgr):
    body = availability(client, mgr, _maintenance_case(session, exclude=True).id)
    assert body["definition"] == "maintenance excluded" and body["exclude_scheduled_maintenance"] is True
    assert body["excluded_minutes"] == 240 + 60 + 120
    assert body["downtime_minutes"] == 60  # down 10:00-13:00, but 10:00-12:00 is inside the window
    assert body["failures"] == 1
    assert body["availability_percent"] == pct(MARCH - 420 - 60, MARCH - 420)
    assert body["monthly"][0]["excluded_minutes"] == 420


def test_maintenance_counts_as_downtime_under_operational_availability(client, session, mgr):
    body = availability(client, mgr, _maintenance_case(session, exclude=False).id)
    assert body["definition"] == "Ao" and body["excluded_minutes"] == 0
    assert body["downtime_minutes"] == 300 + 60 + 120  # 08:00-13:00 on the 5th, 1 h on the 6th, 2 h on the 20th
    assert body["failures"] == 1
    assert body["availability_percent"] == pct(MARCH - 480, MARCH)


def test_a_down_spell_wholly_inside_a_window_is_neither_downtime_nor_a_failure(client, session, mgr):
    contract = contract_with(session)
    unit = make_unit(session, contract=contract, in_service_at=JAN_1)
    make_window(session, contract=contract, unit=unit, starts_at=t(5, 8), ends_at=t(5, 12))
    add_statuses(session, unit, [(t(5, 9), "down"), (t(5, 11), "up")])
    body = availability(client, mgr, contract.id)
    assert (body["downtime_minutes"], body["failures"], body["excluded_minutes"]) == (0, 0, 240)


# --- tickets ------------------------------------------------------------------------------------
def test_unit_down_tickets_merge_with_telemetry_downtime(client, session, mgr):
    contract = contract_with(session)
    unit = make_unit(session, contract=contract, in_service_at=JAN_1)
    add_statuses(session, unit, [(t(10, 10), "down"), (t(10, 12), "up")])
    overlapping = make_ticket(session, unit=unit, reported_at=t(10, 11), unit_down=True)
    add_event(session, overlapping, "restored", t(10, 14))
    add_event(session, overlapping, "resolved", t(10, 15))
    remote = make_ticket(session, unit=unit, reported_at=t(15, 8), unit_down=True)
    add_event(session, remote, "resolved", t(15, 9))
    make_ticket(session, unit=unit, reported_at=t(12, 8), unit_down=False)
    make_ticket(session, unit=unit, reported_at=t(31, 20), unit_down=True)  # still open at the period end
    body = availability(client, mgr, contract.id)
    assert body["downtime_minutes"] == 240 + 60 + 240  # 10:00-14:00 merged, 1 h until resolved, 4 h open
    assert body["failures"] == 3 and body["mttr_hours"] == 3


def test_ticket_downtime_follows_the_ticket_as_it_stood_at_as_of(client, session, mgr):
    contract = contract_with(session)
    unit = make_unit(session, contract=contract, in_service_at=JAN_1, registered_at=JAN_1)
    ticket = make_ticket(session, unit=unit, reported_at=t(10, 10), unit_down=True)
    ticket.recorded_at = t(10, 10, 5)
    restored = add_event(session, ticket, "restored", t(10, 12))
    restored.recorded_at = t(3, month=4)
    session.flush()
    correction = tickets.correct_event(session, SYSTEM, ticket.id, CorrectionIn(
        event_id=restored.id, occurred_at=t(10, 11), reason="engineer logged the wrong hour"))
    correction.recorded_at = t(7, month=4)
    late = make_ticket(session, unit=unit, reported_at=t(20, 10), unit_down=True)
    late.recorded_at = t(10, month=4)
    session.flush()

    def downtime(as_of: datetime) -> float:
        return availability(client, mgr, contract.id, as_of=z(as_of), at=z(t(1, month=4)))["downtime_minutes"]

    assert downtime(t(1, month=4)) == (21 * 24 + 14) * 60  # not restored yet as the record stood
    assert downtime(t(5, month=4)) == 120
    assert downtime(t(8, month=4)) == 60  # the correction applies
    assert downtime(t(11, month=4)) == 60 + (11 * 24 + 14) * 60  # the late ticket is in the record now


# --- as_of and at -------------------------------------------------------------------------------
def test_as_of_leaves_out_status_events_recorded_later(client, session, mgr):
    contract = contract_with(session)
    unit = make_unit(session, contract=contract, in_service_at=JAN_1, registered_at=JAN_1)
    add_status(session, unit, t(10, 10), "down", recorded_at=t(10, 10, 1))
    add_status(session, unit, t(10, 16), "up", recorded_at=t(5, month=4))
    then = availability(client, mgr, contract.id, as_of=z(t(1, month=4)))
    assert then["downtime_minutes"] == (21 * 24 + 14) * 60 and then["as_of"] == "2026-04-01T00:00:00Z"
    now = availability(client, mgr, contract.id)
    assert now["downtime_minutes"] == 360


def test_at_ends_the_period_and_ignores_later_events(client, session, mgr):
    contract = contract_with(session)
    unit = make_unit(session, contract=contract, in_service_at=JAN_1)
    add_statuses(session, unit, [(t(10, 10), "down"), (t(10, 16), "up")])
    body = availability(client, mgr, contract.id, at=z(t(10, 12)))
    assert body["period_end"] == "2026-03-10T12:00:00Z" and body["at"] == "2026-03-10T12:00:00Z"
    assert (body["period_minutes"], body["downtime_minutes"], body["failures"]) == ((9 * 24 + 12) * 60, 120, 1)


def test_a_unit_registered_after_as_of_is_not_counted_as_of_then(client, session, mgr):
    contract = contract_with(session)
    old = make_unit(session, contract=contract, in_service_at=JAN_1, registered_at=JAN_1)
    new = make_unit(session, contract=contract, in_service_at=JAN_1, registered_at=t(5, month=4))
    # both units' telemetry is on record by as_of: only the registration time tells them apart
    for unit, when, state in [(old, t(10, 10), "down"), (old, t(10, 16), "up"), (new, t(20, 10), "down"),
                              (new, t(20, 12), "up")]:
        add_status(session, unit, when, state, recorded_at=when)
    then = availability(client, mgr, contract.id, as_of=z(t(1, month=4)))
    assert [u["unit_id"] for u in then["units"]] == [old.id]
    assert (then["period_minutes"], then["downtime_minutes"], then["failures"]) == (MARCH, 360, 1)
    assert then["monthly"][0]["period_minutes"] == MARCH and then["monthly"][0]["downtime_minutes"] == 360
    now = availability(client, mgr, contract.id)  # as of now both are on record
    assert {u["unit_id"] for u in now["units"]} == {old.id, new.id}
    assert (now["period_minutes"], now["downtime_minutes"], now["failures"]) == (2 * MARCH, 360 + 120, 2)
    query = "from=2026-03-01&to=2026-04-01&as_of=2026-04-01T00:00:00Z"
    unit_then = client.get(f"/api/v1/units/{new.id}/availability?{query}", headers=mgr).json()
    assert (unit_then["period_minutes"], unit_then["availability_percent"], unit_then["failures"]) == (0, None, 0)
    assert client.get(f"/api/v1/units/{new.id}/timeline?{query}", headers=mgr).json()["intervals"] == []
    unit_now = client.get(f"/api/v1/units/{new.id}/availability?from=2026-03-01&to=2026-04-01", headers=mgr).json()
    assert (unit_now["period_minutes"], unit_now["downtime_minutes"]) == (MARCH, 120)


def test_a_cancelled_window_is_excluded_only_as_of_before_its_cancellation(client, session, mgr):
    contract = contract_with(session)
    unit = make_unit(session, contract=contract, in_service_at=JAN_1, registered_at=JAN_1)
    window = make_window(session, contract=contract, unit=unit, starts_at=t(5, 8), ends_at=t(5, 12))
    window.recorded_at = t(1)
    window.cancelled_at = t(2, month=4)
    late = make_window(session, contract=contract, unit=unit, starts_at=t(6), ends_at=t(7))
    late.recorded_at = t(10, month=4)
    session.flush()
    add_status(session, unit, t(5, 8), "down", recorded_at=t(5, 8))
    add_status(session, unit, t(5, 10), "up", recorded_at=t(5, 10))

    def figures(as_of: datetime) -> tuple[float, float, int]:
        b = availability(client, mgr, contract.id, as_of=z(as_of), at=z(t(1, month=4)))
        return b["excluded_minutes"], b["downtime_minutes"], b["failures"]

    assert figures(t(1, month=4)) == (240, 0, 0)
    assert figures(t(3, month=4)) == (0, 120, 1)
    assert figures(t(11, month=4)) == (1440, 120, 1)


# --- delivery order -----------------------------------------------------------------------------
def test_out_of_order_and_duplicate_delivery_give_the_same_figures(client, session, mgr):
    contract = contract_with(session)
    in_order = make_unit(session, contract=contract, in_service_at=JAN_1)
    shuffled = make_unit(session, contract=contract, in_service_at=JAN_1)
    rng = random.Random(5)
    changes = []
    when = t(1, 3)
    for i in range(120):
        changes.append((when, ("down", "up", "maintenance", "up", "up")[i % 5]))
        when = when.replace(hour=(when.hour + 5) % 24) if when.hour < 19 else when.replace(day=when.day + 1, hour=3)
    telemetry = auth(make_key(session, "telemetry"))
    ordered = [status_event(in_order.id, z(w), s, event_id=f"o{i}") for i, (w, s) in enumerate(changes)]
    client.post("/api/v1/status-events", headers=telemetry, json={"events": ordered})
    events = [status_event(shuffled.id, z(w), s, event_id=f"s{i}") for i, (w, s) in enumerate(changes)]
    deliveries = events + rng.sample(events, 40)
    rng.shuffle(deliveries)
    results = [client.post("/api/v1/status-events", headers=telemetry, json={"events": deliveries[i:i + 50]}).json()
               for i in range(0, len(deliveries), 50)]
    assert sum(r["accepted"] for r in results) == 120 and sum(r["duplicates"] for r in results) == 40
    body = availability(client, mgr, contract.id)
    a, b = ({k: v for k, v in u.items() if k not in ("unit_id", "serial")} for u in body["units"])
    assert a == b and a["failures"] > 0 and a["excluded_minutes"] > 0


# --- calendars and series -----------------------------------------------------------------------
def test_the_monthly_series_adds_up_to_the_period(client, session, mgr):
    contract = contract_with(session)
    unit = make_unit(session, contract=contract, in_service_at=JAN_1)
    add_statuses(session, unit, [(t(15, 1, month=1), "down"), (t(15, 3, month=1), "up"), (t(10, month=2), "down"),
                                 (t(10, 6, month=2), "up"), (t(31, 23), "down"), (t(1, 1, month=4), "up")])
    body = availability(client, mgr, contract.id, frm="2026-01-01")
    assert [(m["month"], m["period_minutes"], m["downtime_minutes"], m["failures"]) for m in body["monthly"]] == [
        ("2026-01", 31 * 1440, 120, 1), ("2026-02", 28 * 1440, 360, 1), ("2026-03", MARCH, 60, 1)]
    assert (body["period_minutes"], body["downtime_minutes"], body["failures"]) == (90 * 1440, 540, 3)
    assert body["mttr_hours"] == 3 and body["mtbf_hours"] == pytest.approx((90 * 1440 - 540) / 60 / 3)


def test_the_period_follows_the_contract_calendars_time_zone(client, session, mgr):
    contract = contract_with(session, tz="America/New_York")
    unit = make_unit(session, contract=contract, in_service_at=JAN_1)
    add_statuses(session, unit, [(t(1, 4), "down"), (t(1, 6), "up")])  # 23:00-01:00 local, across midnight
    body = availability(client, mgr, contract.id)
    assert body["timezone"] == "America/New_York"
    assert body["period_start"] == "2026-03-01T05:00:00Z" and body["period_end"] == "2026-04-01T04:00:00Z"
    assert body["period_minutes"] == MARCH - 60  # clocks went forward on 8 March
    assert (body["downtime_minutes"], body["failures"]) == (60, 0)
    feb = availability(client, mgr, contract.id, frm="2026-02-01", to="2026-03-01")
    assert (feb["downtime_minutes"], feb["failures"], feb["monthly"][0]["month"]) == (60, 1, "2026-02")


# --- the unit endpoints -------------------------------------------------------------------------
def test_a_units_availability_is_judged_against_its_contract(client, session, mgr):
    contract = contract_with(session, target="99.5")
    unit = make_unit(session, contract=contract, in_service_at=JAN_1)
    add_statuses(session, unit, [(t(10, 10), "down"), (t(10, 16), "up")])
    r = client.get(f"/api/v1/units/{unit.id}/availability?from=2026-03-01&to=2026-04-01", headers=mgr)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["unit_id"], body["contract_id"], body["serial"]) == (unit.id, contract.id, unit.serial)
    assert (body["downtime_minutes"], body["failures"], body["passed"], body["definition"]) == (
        360, 1, False, "maintenance excluded")
    assert [m["month"] for m in body["monthly"]] == ["2026-03"]


def test_a_units_timeline_tiles_the_period_with_merged_states_as_of_an_instant(client, session, mgr):
    contract = contract_with(session)
    unit = make_unit(session, contract=contract, in_service_at=JAN_1, registered_at=JAN_1)
    for when, state in [(t(10, 10), "down"), (t(10, 16), "up")]:
        add_status(session, unit, when, state, recorded_at=when)
    add_status(session, unit, t(11, 10), "down", recorded_at=t(5, month=4))
    window = make_window(session, contract=contract, unit=unit, starts_at=t(12, 8), ends_at=t(12, 10))
    ticket = make_ticket(session, unit=unit, reported_at=t(10, 15), unit_down=True)
    restored = add_event(session, ticket, "restored", t(10, 18))
    window.recorded_at, ticket.recorded_at, restored.recorded_at = t(1), t(10, 15), t(10, 18)
    session.flush()
    url = f"/api/v1/units/{unit.id}/timeline?from=2026-03-01&to=2026-04-01"
    then = client.get(f"{url}&as_of=2026-04-02T00:00:00Z", headers=mgr)
    assert then.status_code == 200, then.text
    assert then.json()["period_end"] == "2026-04-01T00:00:00Z"
    assert [(i["start"], i["end"], i["state"]) for i in then.json()["intervals"]] == [
        ("2026-03-01T00:00:00Z", "2026-03-10T10:00:00Z", "up"),
        ("2026-03-10T10:00:00Z", "2026-03-10T18:00:00Z", "down"),  # telemetry 10-16 and the ticket 15-18
        ("2026-03-10T18:00:00Z", "2026-03-12T08:00:00Z", "up"),
        ("2026-03-12T08:00:00Z", "2026-03-12T10:00:00Z", "maintenance"),
        ("2026-03-12T10:00:00Z", "2026-04-01T00:00:00Z", "up"),
    ]
    now = client.get(url, headers=mgr).json()["intervals"]
    assert [(i["start"], i["state"]) for i in now][3:] == [
        ("2026-03-11T10:00:00Z", "down"), ("2026-03-12T08:00:00Z", "maintenance"), ("2026-03-12T10:00:00Z", "down")]


# --- tenancy and input --------------------------------------------------------------------------
def test_an_agency_reads_its_own_availability_and_not_another_agencys(client, session):
    agency = make_agency(session)
    mine = make_unit(session, contract=make_contract(session, agency=agency), in_service_at=JAN_1)
    theirs = make_unit(session, in_service_at=JAN_1)
    key = auth(make_key(session, "agency", agency=agency))
    period = "from=2026-03-01&to=2026-04-01"
    assert client.get(f"/api/v1/contracts/{mine.contract_id}/availability?{period}", headers=key).status_code == 200
    assert client.get(f"/api/v1/units/{mine.id}/timeline?{period}", headers=key).status_code == 200
    for url in (f"/api/v1/contracts/{theirs.contract_id}/availability", f"/api/v1/units/{theirs.id}/availability",
                f"/api/v1/units/{theirs.id}/timeline", "/api/v1/units/no-such-unit/timeline"):
        r = client.get(f"{url}?{period}", headers=key)
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found", url


@pytest.mark.parametrize(("query", "code"), [
    ("from=2026-04-01&to=2026-03-01", "invalid_period"),
    ("from=2026-03-01&to=2026-03-01", "invalid_period"),
    ("to=2026-04-01", "validation_error"),
    ("from=2026-3-1&to=2026-04-01", "validation_error"),
    ("from=2026-03-01&to=2026-04-01&as_of=2026-04-01T00:00:00", "validation_error"),
    ("from=2026-03-01&to=2026-04-01&at=noon", "validation_error"),
])
def test_a_malformed_period_is_refused(client, session, mgr, query, code):
    contract = contract_with(session)
    r = client.get(f"/api/v1/contracts/{contract.id}/availability?{query}", headers=mgr)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == code
