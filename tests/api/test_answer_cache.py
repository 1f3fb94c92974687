"""The answer cache (fleet/answers.py) through HTTP: a closed period's availability and compliance,
asked for as the record stands now, come from the cache until a write changes them, and are then
the same figures a fresh computation gives (``as_of`` given: never cached)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from fleet import answers
from fleet.models import AuditEntry
from tests.builders import (
    add_event,
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

MARCH = {"from": "2026-03-01", "to": "2026-04-01"}
JAN_1 = datetime(2026, 1, 1, tzinfo=UTC)
INSTANTS = ("as_of", "at")


def t(day: int, hour: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def z(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


@pytest.fixture
def mgr(session):  # type: ignore[no-untyped-def]
    return auth(make_key(session, "manager"))


@pytest.fixture
def cache(app) -> answers.AnswerCache:  # type: ignore[no-untyped-def]
    found: answers.AnswerCache = app.state.answers
    return found


def utc_contract(session: Session):  # type: ignore[no-untyped-def]
    return make_contract(session, calendar=make_calendar(session, timezone="UTC"))


def figures(client, headers, kind: str, contract_id: str, **params: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = client.get(f"/api/v1/contracts/{contract_id}/{kind}", headers=headers, params={**MARCH, **params})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def without_instants(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in INSTANTS}


def fresh(client, headers, kind: str, contract_id: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The figures computed now (``as_of`` given: the cache is not asked)."""
    return figures(client, headers, kind, contract_id, as_of=z(datetime.now(UTC)))


@pytest.mark.parametrize("kind", ["availability", "compliance"])
def test_a_closed_period_asked_twice_is_answered_from_the_cache_with_a_new_as_of(client, session, mgr, cache, kind):
    contract = utc_contract(session)
    unit = make_unit(session, contract=contract, in_service_at=JAN_1)
    add_statuses(session, unit, [(t(10, 10), "down"), (t(10, 16), "up")])
    make_ticket(session, unit=unit, reported_at=t(12, 9))
    first = figures(client, mgr, kind, contract.id)
    second = figures(client, mgr, kind, contract.id)
    assert (cache.misses, cache.hits) == (1, 1)
    assert without_instants(second) == without_instants(first)
    assert second["as_of"] > first["as_of"] and second["at"] == second["as_of"]


def test_a_status_event_in_the_period_changes_the_answer(client, session, mgr, cache):
    contract = utc_contract(session)
    unit = make_unit(session, contract=contract, in_service_at=JAN_1)
    assert figures(client, mgr, "availability", contract.id)["downtime_minutes"] == 0
    r = client.post("/api/v1/status-events", headers=mgr, json={"events": [
        status_event(unit.id, "2026-03-20T10:00:00Z", "down"), status_event(unit.id, "2026-03-20T11:00:00Z", "up")]})
    assert r.status_code == 200, r.text
    assert figures(client, mgr, "availability", contract.id)["downtime_minutes"] == 60
    assert cache.hits == 0


def test_writes_after_the_period_or_on_another_contract_keep_the_answer(client, session, mgr, cache):
    contract, other = utc_contract(session), utc_contract(session)
    unit, elsewhere = make_unit(session, contract=contract), make_unit(session, contract=other)
    make_ticket(session, unit=unit, reported_at=t(3, 9))
    first = {kind: figures(client, mgr, kind, contract.id) for kind in ("availability", "compliance")}
    now = datetime.now(UTC)
    r = client.post("/api/v1/status-events", headers=mgr, json={"events": [
        status_event(unit.id, z(now - timedelta(minutes=3)), "down")]})  # today: after March
    assert r.status_code == 200, r.text
    make_ticket(session, unit=unit, reported_at=now - timedelta(hours=1), unit_down=True)  # after March
    make_ticket(session, unit=elsewhere, reported_at=t(5, 9), unit_down=True)  # March, another contract
    add_statuses(session, elsewhere, [(t(6), "down")])
    for kind in ("availability", "compliance"):
        assert without_instants(figures(client, mgr, kind, contract.id)) == without_instants(first[kind])
    assert cache.hits == 2


@pytest.mark.parametrize("kind", ["availability", "compliance"])
def test_a_ticket_reported_in_the_period_changes_both_answers(client, session, mgr, cache, kind):
    contract = utc_contract(session)
    unit = make_unit(session, contract=contract, in_service_at=JAN_1)
    before = figures(client, mgr, kind, contract.id)
    r = client.post("/api/v1/tickets", headers=mgr, json={
        "unit_id": unit.id, "priority": "P1", "summary": "stalled", "reported_at": "2026-03-09T08:00:00Z",
        "unit_down": True})
    assert r.status_code == 201, r.text
    after = figures(client, mgr, kind, contract.id)
    assert without_instants(after) != without_instants(before)
    assert without_instants(after) == without_instants(fresh(client, mgr, kind, contract.id))
    assert cache.hits == 0


def test_an_event_logged_today_on_a_march_ticket_changes_its_compliance(client, session, mgr, cache):
    contract = utc_contract(session)
    ticket = make_ticket(session, unit=make_unit(session, contract=contract), priority="P1", reported_at=t(9, 8))
    before = figures(client, mgr, "compliance", contract.id)
    r = client.post(f"/api/v1/tickets/{ticket.id}/events", headers=mgr,
                    json={"type": "acknowledged", "occurred_at": "2026-03-09T08:30:00Z"})
    assert r.status_code == 201, r.text
    after = figures(client, mgr, "compliance", contract.id)
    response = next(m for m in after["metrics"] if m["metric"] == "response")
    assert response["met"] == 1 and without_instants(after) != without_instants(before)
    assert cache.hits == 0


def test_a_correction_and_a_maintenance_window_change_the_answers(client, session, mgr, cache):
    contract = utc_contract(session)
    unit = make_unit(session, contract=contract, in_service_at=JAN_1)
    ticket = make_ticket(session, unit=unit, priority="P1", reported_at=t(9, 8), unit_down=True)
    restored = add_event(session, ticket, "restored", t(9, 12))
    assert figures(client, mgr, "availability", contract.id)["downtime_minutes"] == 240
    r = client.post(f"/api/v1/tickets/{ticket.id}/corrections", headers=mgr,
                    json={"event_id": restored.id, "occurred_at": "2026-03-09T10:00:00Z", "reason": "log typo"})
    assert r.status_code == 201, r.text
    assert figures(client, mgr, "availability", contract.id)["downtime_minutes"] == 120
    make_window(session, contract=contract, starts_at=t(9, 8), ends_at=t(9, 9))
    assert figures(client, mgr, "availability", contract.id)["excluded_minutes"] == 60
    assert cache.hits == 0


def test_a_unit_registered_with_a_past_service_date_joins_the_answer(client, session, mgr, cache):
    contract = utc_contract(session)
    make_unit(session, contract=contract, in_service_at=JAN_1)
    assert len(figures(client, mgr, "availability", contract.id)["units"]) == 1
    make_unit(session, contract=contract, in_service_at=t(15))
    assert len(figures(client, mgr, "availability", contract.id)["units"]) == 2
    assert cache.hits == 0


def test_a_running_clock_reaching_its_due_time_recomputes_compliance(client, session, mgr, cache, monkeypatch):
    """November's P1 ticket with a 60-day restore target is pending today; once the clock is
    due the same record says breached, with no write in between."""
    contract = make_contract(session, calendar=make_calendar(session, timezone="UTC"), start=JAN_1.date(),
                             targets=[{"priority": "P1", "metric": "restore", "minutes": 60 * 1440, "clock": "24x7"}])
    reported = datetime(2026, 11, 20, 9, tzinfo=UTC)
    make_ticket(session, unit=make_unit(session, contract=contract), priority="P1", reported_at=reported)
    november = {"from": "2026-11-01", "to": "2026-12-01"}
    r = client.get(f"/api/v1/contracts/{contract.id}/compliance", headers=mgr, params=november)
    assert r.status_code == 200 and r.json()["metrics"][0]["pending"] == 1, r.text
    due = reported + timedelta(days=60)
    monkeypatch.setattr(answers, "utcnow", lambda: due - timedelta(minutes=1))
    r = client.get(f"/api/v1/contracts/{contract.id}/compliance", headers=mgr, params=november)
    assert r.json()["metrics"][0]["pending"] == 1 and cache.hits == 1
    monkeypatch.setattr(answers, "utcnow", lambda: due + timedelta(minutes=1))
    r = client.get(f"/api/v1/contracts/{contract.id}/compliance", headers=mgr, params=november)
    row = r.json()["metrics"][0]
    assert (row["pending"], row["breached"], cache.hits, cache.misses) == (0, 1, 1, 2)


def test_a_period_not_yet_over_or_given_instants_are_computed_every_time(client, session, mgr, cache):
    contract = utc_contract(session)
    make_unit(session, contract=contract)
    today = datetime.now(UTC).date()
    current = {"from": today.replace(day=1).isoformat(), "to": (today + timedelta(days=1)).isoformat()}
    for _ in range(2):
        for kind in ("availability", "compliance"):
            assert client.get(f"/api/v1/contracts/{contract.id}/{kind}", headers=mgr, params=current).status_code == 200
            figures(client, mgr, kind, contract.id, as_of=z(datetime.now(UTC)))
            figures(client, mgr, kind, contract.id, at="2026-04-15T00:00:00Z")
    assert (cache.hits, cache.misses) == (0, 0)


def test_a_cached_answer_is_never_shown_to_another_agency(client, session, mgr, cache):
    contract = utc_contract(session)
    make_unit(session, contract=contract)
    figures(client, mgr, "availability", contract.id)
    outsider = auth(make_key(session, "agency", agency=make_agency(session)))
    r = client.get(f"/api/v1/contracts/{contract.id}/availability", headers=outsider, params=MARCH)
    assert r.status_code == 404 and contract.number not in r.text
    assert cache.hits == 0


def test_an_answer_from_another_ledger_is_not_used(client, session, mgr, cache):
    """The kept answer names its ledger entry by hash: a chain that differs there (a rolled back
    write, another database) never matches."""
    contract = utc_contract(session)
    unit = make_unit(session, contract=contract)
    figures(client, mgr, "availability", contract.id)
    (kept,) = cache._answers.values()
    session.execute(update(AuditEntry).where(AuditEntry.seq == kept.seq).values(hash="f" * 64))
    make_ticket(session, unit=unit, reported_at=datetime.now(UTC) - timedelta(hours=1))  # after March
    figures(client, mgr, "availability", contract.id)
    assert (cache.hits, cache.misses) == (0, 2)


def test_the_cache_can_be_turned_off(client, session, mgr, app):
    app.state.answers = answers.AnswerCache(size=0)
    contract = utc_contract(session)
    make_unit(session, contract=contract)
    for _ in range(2):
        figures(client, mgr, "availability", contract.id)
    assert app.state.answers.hits == 0 and not app.state.answers._answers


def test_after_any_mix_of_writes_the_cached_answer_is_the_computed_one(client, session, mgr, cache):
    """Random writes inside and outside March, on this contract and another, through HTTP;
    after each, both answers equal a fresh computation."""
    rnd = random.Random(4)
    contract, other = utc_contract(session), utc_contract(session)
    units = [make_unit(session, contract=contract, in_service_at=JAN_1) for _ in range(3)]
    units.append(make_unit(session, contract=other, in_service_at=JAN_1))
    now = datetime.now(UTC)
    open_tickets: list[tuple[str, datetime]] = []
    for step in range(24):
        unit = rnd.choice(units)
        when = rnd.choice([t(rnd.randint(1, 31), rnd.randint(0, 23)), now - timedelta(minutes=rnd.randint(10, 600))])
        action = rnd.choice(["status", "ticket", "event"])
        if action == "event" and open_tickets:
            ticket_id, reported = open_tickets.pop(rnd.randrange(len(open_tickets)))
            r = client.post(f"/api/v1/tickets/{ticket_id}/events", headers=mgr, json={
                "type": rnd.choice(["acknowledged", "restored", "resolved"]),
                "occurred_at": z(reported + timedelta(minutes=rnd.randint(5, 900)))})
            assert r.status_code == 201, r.text
        elif action == "ticket":
            r = client.post("/api/v1/tickets", headers=mgr, json={
                "unit_id": unit.id, "priority": rnd.choice(["P1", "P2"]), "summary": f"step {step}",
                "reported_at": z(when), "unit_down": rnd.random() < 0.5})
            assert r.status_code == 201, r.text
            if when < now - timedelta(days=1):
                open_tickets.append((r.json()["id"], when))
        else:
            r = client.post("/api/v1/status-events", headers=mgr, json={"events": [
                status_event(unit.id, z(when), rnd.choice(["up", "down", "maintenance"]))]})
            assert r.status_code == 200, r.text
        for kind in ("availability", "compliance"):
            assert without_instants(figures(client, mgr, kind, contract.id)) == \
                without_instants(fresh(client, mgr, kind, contract.id)), (step, action, kind)
    assert cache.hits > 0 and cache.misses > 0


class FakeClock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_a_business_clock_exactly_at_its_target_after_closing_is_not_kept(client, session, mgr, cache, monkeypatch):
    """P2 response, 240 business minutes (Mon–Fri 08–17), reported Tuesday 13:00: due 17:00 sharp.
    Read at 02:00 the clock sits at its target (pending); at 10:00 the same record says breached."""
    from fleet import audit, sla_service, tickets, uptime

    clock = FakeClock(datetime.now(UTC))
    for module in (answers, audit, sla_service, tickets, uptime):
        monkeypatch.setattr(module, "utcnow", clock)
    contract = make_contract(session, calendar=make_calendar(session, timezone="UTC", holiday_country=None),
                             start=JAN_1.date(), end=datetime(2028, 12, 31).date(),
                             targets=[{"priority": "P2", "metric": "response", "minutes": 240, "clock": "calendar"}])
    unit = make_unit(session, contract=contract, in_service_at=JAN_1)
    day = datetime.now(UTC).date() + timedelta(days=7)
    day += timedelta(days=(1 - day.weekday()) % 7)  # a Tuesday a week or more ahead

    def at(hour: int, days: int = 0) -> datetime:
        return datetime(day.year, day.month, day.day, hour, tzinfo=UTC) + timedelta(days=days)

    clock.now = at(13) + timedelta(minutes=1)
    make_ticket(session, unit=unit, priority="P2", reported_at=at(13))
    period = {"from": day.isoformat(), "to": (day + timedelta(days=1)).isoformat()}

    def response_row() -> dict[str, Any]:
        r = client.get(f"/api/v1/contracts/{contract.id}/compliance", headers=mgr, params=period)
        assert r.status_code == 200, r.text
        row: dict[str, Any] = next(m for m in r.json()["metrics"] if m["metric"] == "response")
        return row

    clock.now = at(2, days=1)
    for _ in range(2):
        row = response_row()
        assert (row["pending"], row["breached"]) == (1, 0)
    assert (cache.hits, cache.misses) == (0, 2)
    clock.now = at(10, days=1)
    row = response_row()
    assert (row["pending"], row["breached"]) == (0, 1)


def test_an_answer_is_not_kept_while_a_ledger_entry_is_stamped_after_its_now(client, session, mgr, cache,
                                                                             monkeypatch):
    """A writer whose clock runs 30 s ahead records a March ticket, then a writer with the right
    clock records something else: the answer computed now leaves the ticket out (recorded after
    now), so it must not be kept, or it would miss the ticket once the clocks agree."""
    from fleet import audit, tickets

    real = datetime.now(UTC)
    contract = utc_contract(session)
    unit = make_unit(session, contract=contract, in_service_at=JAN_1)
    ahead = FakeClock(real + timedelta(seconds=30))
    monkeypatch.setattr(tickets, "utcnow", ahead)
    monkeypatch.setattr(audit, "utcnow", ahead)
    make_ticket(session, unit=unit, reported_at=t(9, 8))
    monkeypatch.setattr(audit, "utcnow", lambda: datetime.now(UTC))
    make_key(session, "engineer")  # an unrelated write, stamped by the right clock: the newest entry
    assert figures(client, mgr, "compliance", contract.id)["tickets"] == 0
    assert not cache._answers
    monkeypatch.setattr(answers, "utcnow", lambda: real + timedelta(minutes=5))
    assert figures(client, mgr, "compliance", contract.id)["tickets"] == 1
