"""SLA clocks and compliance through HTTP, against hand-computed figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.builders import add_event, auth, make_agency, make_contract, make_key, make_ticket, make_unit


def z(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture
def eng(session):  # type: ignore[no-untyped-def]
    return auth(make_key(session, "engineer"))


def metric(body: dict, name: str) -> dict:  # type: ignore[type-arg]
    return next(m for m in body["metrics"] if m["metric"] == name)


def test_business_hours_clocks_read_as_computed_by_hand(client, session, eng):
    # Mon 2026-03-02 09:00 EST reported; acknowledged 11:00 EST; read at 15:00 EST.
    ticket = make_ticket(session, priority="P2", reported_at=z("2026-03-02T14:00:00Z"))
    add_event(session, ticket, "acknowledged", z("2026-03-02T16:00:00Z"))
    r = client.get(f"/api/v1/tickets/{ticket.id}/sla", headers=eng, params={"at": "2026-03-02T20:00:00Z"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["priority"] == "P2" and body["policy_version"] == 1
    response = metric(body, "response")
    assert (response["state"], response["elapsed_minutes"], response["stopped_at"]) == (
        "met", 120.0, "2026-03-02T16:00:00Z")
    on_site = metric(body, "on_site")
    # 960 business minutes from Mon 09:00: Mon 480 + Tue 480 → Tue 16:00 EST
    assert (on_site["state"], on_site["elapsed_minutes"], on_site["due_at"]) == (
        "running", 360.0, "2026-03-03T21:00:00Z")
    resolve = metric(body, "resolve")
    # 2400: Mon 480, Tue 540, Wed 540, Thu 540 = 2100 → Fri 08:00 + 300 min = 13:00 EST
    assert resolve["due_at"] == "2026-03-06T18:00:00Z" and resolve["breached"] is False


def test_a_priority_change_switches_targets_and_keeps_elapsed_time(client, session, eng):
    ticket = make_ticket(session, priority="P2", reported_at=z("2026-03-02T14:00:00Z"))
    add_event(session, ticket, "priority_changed", z("2026-03-02T14:30:00Z"), priority="P1", reason="line down")
    body = client.get(f"/api/v1/tickets/{ticket.id}/sla", headers=eng,
                      params={"at": "2026-03-02T15:30:00Z"}).json()
    assert body["priority"] == "P1"
    response = metric(body, "response")
    assert (response["target_minutes"], response["clock"], response["elapsed_minutes"], response["state"]) == (
        60, "24x7", 90.0, "breached")


def test_compliance_counts_met_breached_pending_and_prices_the_miss(client, session, eng):
    contract = make_contract(session, aql="90", service_credits={
        "per_breach_amount": "500.00", "aql_miss_percent": "2", "cap_percent": "10"})
    unit = make_unit(session, contract=contract)
    t1 = make_ticket(session, unit=unit, priority="P1", reported_at=z("2026-03-10T10:00:00Z"))
    add_event(session, t1, "acknowledged", z("2026-03-10T10:30:00Z"))
    add_event(session, t1, "restored", z("2026-03-10T12:00:00Z"))
    t2 = make_ticket(session, unit=unit, priority="P1", reported_at=z("2026-03-11T10:00:00Z"))
    add_event(session, t2, "acknowledged", z("2026-03-11T11:30:00Z"))
    add_event(session, t2, "restored", z("2026-03-11T13:00:00Z"))
    make_ticket(session, unit=unit, priority="P1", reported_at=z("2026-03-12T10:00:00Z"))
    make_ticket(session, unit=unit, priority="P1", reported_at=z("2026-04-01T10:00:00Z"))  # outside the period

    r = client.get(f"/api/v1/contracts/{contract.id}/compliance", headers=eng,
                   params={"from": "2026-03-01", "to": "2026-04-01", "at": "2026-03-12T11:00:00Z"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["from"] == "2026-03-01" and body["to"] == "2026-04-01" and body["tickets"] == 3
    rows = {(m["priority"], m["metric"]): m for m in body["metrics"]}
    resp = rows[("P1", "response")]
    assert (resp["total"], resp["met"], resp["breached"], resp["pending"], resp["percent_met"], resp["passed"]) == (
        3, 1, 1, 1, 50.0, False)
    restore = rows[("P1", "restore")]
    assert (restore["met"], restore["pending"], restore["percent_met"], restore["passed"]) == (2, 1, 100.0, True)
    assert body["passed"] is False
    credits = body["service_credits"]
    # March = 31 of 365 days of 1,200,000.00 → 101,917.81; 2 % → 2,038.36; plus one breach at 500.00
    assert credits["period_value"] == "101917.81"
    assert credits["total"] == "2538.36" and credits["capped"] is False
    assert {(ln["reason"], ln["amount"]) for ln in credits["lines"]} == {("per_breach", "500.00"),
                                                                         ("aql_missed", "2038.36")}


def test_percent_met_is_null_when_nothing_was_decided(client, session, eng):
    contract = make_contract(session)
    make_ticket(session, unit=make_unit(session, contract=contract), priority="P1",
                reported_at=z("2026-03-10T10:00:00Z"))
    body = client.get(f"/api/v1/contracts/{contract.id}/compliance", headers=eng,
                      params={"from": "2026-03-01", "to": "2026-04-01", "at": "2026-03-10T10:10:00Z"}).json()
    row = next(m for m in body["metrics"] if m["metric"] == "response")
    assert row["percent_met"] is None and row["passed"] is None and row["pending"] == 1


def test_as_of_reproduces_the_figures_before_a_late_correction(client, session, eng, monkeypatch):
    import fleet.tickets

    contract = make_contract(session)
    unit = make_unit(session, contract=contract)
    monkeypatch.setattr(fleet.tickets, "utcnow", lambda: z("2026-03-20T00:00:00Z"))
    ticket = make_ticket(session, unit=unit, priority="P1", reported_at=z("2026-03-10T10:00:00Z"))
    ack = add_event(session, ticket, "acknowledged", z("2026-03-10T12:00:00Z"))
    params = {"from": "2026-03-01", "to": "2026-04-01", "as_of": "2026-04-02T00:00:00Z"}
    before = client.get(f"/api/v1/contracts/{contract.id}/compliance", headers=eng, params=params).json()

    monkeypatch.setattr(fleet.tickets, "utcnow", lambda: z("2026-05-05T00:00:00Z"))
    from fleet import tickets
    from fleet.principal import SYSTEM
    from fleet.schemas.tickets import CorrectionIn

    tickets.correct_event(session, SYSTEM, ticket.id, CorrectionIn(
        event_id=ack.id, occurred_at=z("2026-03-10T10:20:00Z"), reason="clock on the tablet was wrong"))
    again = client.get(f"/api/v1/contracts/{contract.id}/compliance", headers=eng, params=params).json()
    now = client.get(f"/api/v1/contracts/{contract.id}/compliance", headers=eng,
                     params={"from": "2026-03-01", "to": "2026-04-01"}).json()
    row = lambda b: next(m for m in b["metrics"] if m["metric"] == "response")  # noqa: E731
    assert row(before)["breached"] == 1 and row(again) == row(before)
    assert row(now)["met"] == 1 and row(now)["breached"] == 0


def test_a_ticket_is_not_visible_as_of_before_it_was_recorded(client, session, eng, monkeypatch):
    import fleet.tickets

    monkeypatch.setattr(fleet.tickets, "utcnow", lambda: z("2026-03-20T00:00:00Z"))
    ticket = make_ticket(session, reported_at=z("2026-03-10T10:00:00Z"))
    r = client.get(f"/api/v1/tickets/{ticket.id}/sla", headers=eng, params={"as_of": "2026-03-15T00:00:00Z"})
    assert r.status_code == 404


def test_at_risk_lists_running_clocks_past_the_warning_threshold_soonest_first(client, session, eng):
    unit = make_unit(session)
    now = datetime.now(UTC)
    risky = make_ticket(session, unit=unit, priority="P1", reported_at=now - timedelta(minutes=50))
    calm = make_ticket(session, unit=unit, priority="P1", reported_at=now - timedelta(minutes=5))
    late = make_ticket(session, unit=unit, priority="P1", reported_at=now - timedelta(minutes=70))
    done = make_ticket(session, unit=unit, priority="P1", reported_at=now - timedelta(minutes=55))
    add_event(session, done, "acknowledged", now - timedelta(minutes=1))
    r = client.get("/api/v1/tickets", headers=eng, params={"at_risk": "true"})
    assert r.status_code == 200, r.text
    ids = [t["ticket_id"] for t in r.json()["items"]]
    assert late.id in ids and risky.id in ids and calm.id not in ids
    assert ids.index(late.id) < ids.index(risky.id)


@pytest.mark.parametrize("params", [
    {"from": "2026-04-01", "to": "2026-03-01"},
    {"from": "2026-03-01"},
    {"from": "03/01/2026", "to": "2026-04-01"},
    {"from": "2026-03-01", "to": "2026-04-01", "as_of": "2026-04-01T00:00:00"},
    {"from": "2026-03-01", "to": "2026-04-01", "as_of": "2999-01-01T00:00:00Z"},
])
def test_bad_compliance_parameters_get_422_in_the_error_shape(client, session, eng, params):
    contract = make_contract(session)
    r = client.get(f"/api/v1/contracts/{contract.id}/compliance", headers=eng, params=params)
    assert r.status_code == 422, r.text
    assert set(r.json()["error"]) == {"code", "message", "details"}


def test_an_agency_cannot_read_another_agencys_compliance_or_clocks(client, session):
    mine, theirs = make_agency(session), make_agency(session)
    their_contract = make_contract(session, agency=theirs)
    their_ticket = make_ticket(session, unit=make_unit(session, contract=their_contract))
    key = auth(make_key(session, "agency", agency=mine))
    r = client.get(f"/api/v1/contracts/{their_contract.id}/compliance", headers=key,
                   params={"from": "2026-03-01", "to": "2026-04-01"})
    assert r.status_code == 404
    assert client.get(f"/api/v1/tickets/{their_ticket.id}/sla", headers=key).status_code == 404
    assert client.get("/api/v1/tickets", headers=key, params={"at_risk": "true"}).json()["items"] == []


def test_a_target_version_recorded_later_does_not_change_figures_as_of_before_it(client, session, eng):
    from fleet import registry
    from fleet.principal import SYSTEM
    from fleet.schemas.registry import SlaPolicyIn

    contract = make_contract(session)
    ticket = make_ticket(session, unit=make_unit(session, contract=contract), priority="P1",
                         reported_at=z("2026-03-10T10:00:00Z"))
    add_event(session, ticket, "acknowledged", z("2026-03-10T10:45:00Z"))  # 45 min: met under the 60-min target
    as_of = datetime.now(UTC)
    registry.add_sla_policy(session, SYSTEM, contract.id, SlaPolicyIn.model_validate({
        "effective_from": "2026-03-01T00:00:00Z", "reason": "tightened after review",
        "sla_targets": [{"priority": "P1", "metric": "response", "minutes": 30, "clock": "24x7"}]}))
    then = client.get(f"/api/v1/tickets/{ticket.id}/sla", headers=eng,
                      params={"as_of": as_of.isoformat().replace("+00:00", "Z")}).json()
    now = client.get(f"/api/v1/tickets/{ticket.id}/sla", headers=eng).json()
    assert (then["policy_version"], metric(then, "response")["state"]) == (1, "met")
    assert (now["policy_version"], metric(now, "response")["state"]) == (2, "breached")


def test_a_target_version_recorded_after_a_reading_applies_to_the_next_one(client, session, eng):
    """The calendar and target versions are kept per process (fleet.sla_service._clock_parts):
    a version recorded after a reading must still be read by the next request."""
    from fleet import registry
    from fleet.principal import SYSTEM
    from fleet.schemas.registry import SlaPolicyIn

    contract = make_contract(session)
    ticket = make_ticket(session, unit=make_unit(session, contract=contract), priority="P1",
                         reported_at=z("2026-03-10T10:00:00Z"))
    add_event(session, ticket, "acknowledged", z("2026-03-10T10:45:00Z"))
    before = client.get(f"/api/v1/tickets/{ticket.id}/sla", headers=eng).json()
    as_of = datetime.now(UTC)
    registry.add_sla_policy(session, SYSTEM, contract.id, SlaPolicyIn.model_validate({
        "effective_from": "2026-03-01T00:00:00Z", "reason": "tightened after review",
        "sla_targets": [{"priority": "P1", "metric": "response", "minutes": 30, "clock": "24x7"}]}))
    after = client.get(f"/api/v1/tickets/{ticket.id}/sla", headers=eng).json()
    then = client.get(f"/api/v1/tickets/{ticket.id}/sla", headers=eng,
                      params={"as_of": as_of.isoformat().replace("+00:00", "Z")}).json()
    assert (before["policy_version"], metric(before, "response")["state"]) == (1, "met")
    assert (after["policy_version"], metric(after, "response")["state"]) == (2, "breached")
    assert (then["policy_version"], metric(then, "response")["state"]) == (1, "met")
