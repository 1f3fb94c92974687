"""Tickets through HTTP: lifecycle, rejected sequences, corrections, work logs, ratings, retries."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from fleet.models import AuditEntry, IdempotencyRecord, Rating, Ticket, TicketEvent, WorkLog
from tests.builders import add_event, auth, make_agency, make_contract, make_key, make_ticket, make_unit

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def iso(h: int, m: int = 0, day: int = 2) -> str:
    return f"2026-03-{day:02d}T{h:02d}:{m:02d}:00Z"


@pytest.fixture
def eng(session):  # type: ignore[no-untyped-def]
    return auth(make_key(session, "engineer"))


@pytest.fixture
def mgr(session):  # type: ignore[no-untyped-def]
    return auth(make_key(session, "manager"))


def counts(session) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {m.__tablename__: session.scalar(select(func.count()).select_from(m))
            for m in (Ticket, TicketEvent, WorkLog, Rating, AuditEntry, IdempotencyRecord)}


def test_an_engineer_opens_a_ticket_with_a_contract_numbered_ticket_number(client, session, eng):
    unit = make_unit(session)
    r = client.post("/api/v1/tickets", headers=eng, json={
        "unit_id": unit.id, "priority": "P1", "summary": "Drone lost GPS", "reported_at": iso(14), "unit_down": True})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "open" and body["priority"] == "P1" and body["unit_id"] == unit.id
    assert body["number"].endswith("-000001") and body["reported_at"] == "2026-03-02T14:00:00Z"


def test_each_event_type_moves_the_ticket_through_its_lifecycle(client, session, eng):
    ticket = make_ticket(session)
    steps = [
        ({"type": "acknowledged", "occurred_at": iso(14, 10)}, "acknowledged"),
        ({"type": "priority_changed", "occurred_at": iso(14, 20), "priority": "P1", "reason": "plant stopped"},
         "acknowledged"),
        ({"type": "paused", "occurred_at": iso(14, 30), "reason": "waiting for site access"}, "paused"),
        ({"type": "resumed", "occurred_at": iso(15, 30)}, "acknowledged"),
        ({"type": "on_site", "occurred_at": iso(16)}, "on_site"),
        ({"type": "restored", "occurred_at": iso(17)}, "restored"),
        ({"type": "resolved", "occurred_at": iso(18)}, "resolved"),
        ({"type": "reopened", "occurred_at": iso(19)}, "on_site"),
        ({"type": "resolved", "occurred_at": iso(20)}, "resolved"),
        ({"type": "closed", "occurred_at": iso(21)}, "closed"),
    ]
    for event, status in steps:
        r = client.post(f"/api/v1/tickets/{ticket.id}/events", headers=eng, json=event)
        assert r.status_code == 201, (event, r.text)
        detail = client.get(f"/api/v1/tickets/{ticket.id}", headers=eng).json()
        assert detail["status"] == status, event
    assert detail["priority"] == "P1"
    assert [e["type"] for e in detail["events"]][-1] == "closed"


@pytest.mark.parametrize(("setup", "event", "fragment"), [
    ([], {"type": "acknowledged", "occurred_at": iso(13)}, "before the ticket was reported"),
    ([], {"type": "resumed", "occurred_at": iso(15)}, "not paused"),
    ([("acknowledged", 15)], {"type": "acknowledged", "occurred_at": iso(16)}, "already acknowledged"),
    ([("on_site", 15)], {"type": "acknowledged", "occurred_at": iso(16)}, "after on site"),
    ([], {"type": "closed", "occurred_at": iso(15)}, "resolved before it is closed"),
    ([("resolved", 15), ("closed", 16)], {"type": "resolved", "occurred_at": iso(17)}, "closed"),
    ([("resolved", 15), ("closed", 16)], {"type": "acknowledged", "occurred_at": iso(17)}, "closed"),
    ([], {"type": "reopened", "occurred_at": iso(15)}, "only a resolved"),
    ([("resolved", 15)], {"type": "paused", "occurred_at": iso(16), "reason": "x"}, "resolved"),
    ([], {"type": "priority_changed", "occurred_at": iso(15), "priority": "P2", "reason": "same"}, "must differ"),
    ([("restored", 15)], {"type": "on_site", "occurred_at": iso(16)}, "after restored"),
])
def test_an_impossible_event_is_rejected_with_a_clear_message_and_nothing_stored(
        client, session, eng, setup, event, fragment):
    ticket = make_ticket(session)
    for type_, hour in setup:
        add_event(session, ticket, type_, datetime(2026, 3, 2, hour, tzinfo=UTC))
    before = counts(session)
    r = client.post(f"/api/v1/tickets/{ticket.id}/events", headers=eng, json=event)
    assert r.status_code == 409, r.text
    assert r.json()["error"]["code"] == "impossible_event"
    assert fragment in r.json()["error"]["message"]
    assert counts(session) == before


@pytest.mark.parametrize("event", [
    {"type": "paused", "occurred_at": iso(15)},
    {"type": "exploded", "occurred_at": iso(15)},
    {"type": "acknowledged", "occurred_at": "2026-03-02T15:00:00"},
    {"type": "acknowledged", "occurred_at": 1772460000},
    {"type": "acknowledged", "occurred_at": iso(15), "priority": "P1"},
    {"type": "acknowledged", "occurred_at": "2099-01-01T00:00:00Z"},
])
def test_malformed_events_get_422_and_change_nothing(client, session, eng, event):
    ticket = make_ticket(session)
    before = counts(session)
    r = client.post(f"/api/v1/tickets/{ticket.id}/events", headers=eng, json=event)
    assert r.status_code == 422, r.text
    assert set(r.json()["error"]) == {"code", "message", "details"}
    assert counts(session) == before


def test_pausing_is_refused_when_the_contract_forbids_it(client, session, eng):
    unit = make_unit(session, contract=make_contract(session, pause_allowed=False))
    ticket = make_ticket(session, unit=unit)
    r = client.post(f"/api/v1/tickets/{ticket.id}/events", headers=eng,
                    json={"type": "paused", "occurred_at": iso(15), "reason": "customer asked"})
    assert r.status_code == 409 and "does not allow pausing" in r.json()["error"]["message"]


def test_an_earlier_milestone_logged_late_is_accepted_when_consistent(client, session, eng):
    ticket = make_ticket(session)
    add_event(session, ticket, "on_site", datetime(2026, 3, 2, 16, tzinfo=UTC))
    r = client.post(f"/api/v1/tickets/{ticket.id}/events", headers=eng,
                    json={"type": "acknowledged", "occurred_at": iso(14, 30)})
    assert r.status_code == 201, r.text
    assert client.get(f"/api/v1/tickets/{ticket.id}", headers=eng).json()["status"] == "on_site"


def test_a_correction_supersedes_the_event_and_keeps_the_original_in_the_history(client, session, eng, mgr):
    ticket = make_ticket(session)
    wrong = add_event(session, ticket, "acknowledged", datetime(2026, 3, 2, 18, tzinfo=UTC))
    r = client.post(f"/api/v1/tickets/{ticket.id}/corrections", headers=mgr, json={
        "event_id": wrong.id, "occurred_at": iso(14, 5), "reason": "engineer logged the wrong hour"})
    assert r.status_code == 201, r.text
    events = client.get(f"/api/v1/tickets/{ticket.id}", headers=eng).json()["events"]
    original = next(e for e in events if e["id"] == wrong.id)
    correction = next(e for e in events if e["type"] == "corrected")
    assert original["superseded"] is True and original["superseded_by"] == correction["id"]
    assert original["occurred_at"] == "2026-03-02T18:00:00Z"
    assert correction["occurred_at"] == "2026-03-02T14:05:00Z" and correction["reason"]


def test_engineers_cannot_correct_and_a_correction_that_breaks_the_timeline_is_refused(client, session, eng, mgr):
    ticket = make_ticket(session)
    ack = add_event(session, ticket, "acknowledged", datetime(2026, 3, 2, 15, tzinfo=UTC))
    add_event(session, ticket, "on_site", datetime(2026, 3, 2, 16, tzinfo=UTC))
    body = {"event_id": ack.id, "occurred_at": iso(17), "reason": "moved past on_site"}
    assert client.post(f"/api/v1/tickets/{ticket.id}/corrections", headers=eng, json=body).status_code == 403
    r = client.post(f"/api/v1/tickets/{ticket.id}/corrections", headers=mgr, json=body)
    assert r.status_code == 409, r.text


def test_a_voided_event_no_longer_counts(client, session, eng, mgr):
    ticket = make_ticket(session)
    wrong = add_event(session, ticket, "resolved", datetime(2026, 3, 2, 15, tzinfo=UTC))
    r = client.post(f"/api/v1/tickets/{ticket.id}/corrections", headers=mgr,
                    json={"event_id": wrong.id, "void": True, "reason": "resolved on the wrong ticket"})
    assert r.status_code == 201, r.text
    assert client.get(f"/api/v1/tickets/{ticket.id}", headers=eng).json()["status"] == "open"


def test_work_logs_record_time_and_parts(client, session, eng):
    ticket = make_ticket(session)
    r = client.post(f"/api/v1/tickets/{ticket.id}/work-logs", headers=eng, json={
        "started_at": iso(15), "ended_at": iso(16, 30), "engineer": "A. Smith", "activity": "repair",
        "notes": "replaced track", "parts": [{"part_number": "TRK-22", "quantity": 2}]})
    assert r.status_code == 201, r.text
    assert r.json()["minutes"] == 90.0 and r.json()["parts"] == [{"part_number": "TRK-22", "quantity": 2}]
    detail = client.get(f"/api/v1/tickets/{ticket.id}", headers=eng).json()
    assert detail["work_minutes"] == 90.0


def test_an_agency_opens_tickets_for_its_own_units_only(client, session):
    mine, theirs = make_agency(session), make_agency(session)
    my_unit = make_unit(session, contract=make_contract(session, agency=mine))
    their_unit = make_unit(session, contract=make_contract(session, agency=theirs))
    key = auth(make_key(session, "agency", agency=mine))
    body = {"priority": "P3", "summary": "Sensor drift", "reported_at": iso(9)}
    assert client.post("/api/v1/tickets", headers=key, json={**body, "unit_id": my_unit.id}).status_code == 201
    r = client.post("/api/v1/tickets", headers=key, json={**body, "unit_id": their_unit.id})
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    other = make_ticket(session, unit=their_unit)
    assert client.get(f"/api/v1/tickets/{other.id}", headers=key).status_code == 404
    listed = client.get("/api/v1/tickets", headers=key).json()["items"]
    assert {t["unit_id"] for t in listed} == {my_unit.id}


def test_rating_needs_a_resolved_ticket_and_happens_once(client, session):
    agency = make_agency(session)
    ticket = make_ticket(session, unit=make_unit(session, contract=make_contract(session, agency=agency)))
    key = auth(make_key(session, "agency", agency=agency))
    url = f"/api/v1/tickets/{ticket.id}/satisfaction"
    r = client.post(url, headers=key, json={"score": 5, "comment": "quick"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_resolved"
    add_event(session, ticket, "resolved", datetime(2026, 3, 2, 16, tzinfo=UTC))
    assert client.post(url, headers=key, json={"score": 5, "comment": "quick"}).status_code == 201
    assert client.post(url, headers=key, json={"score": 4}).status_code == 409
    assert client.post(url, headers=key, json={"score": 6}).status_code == 422


def test_the_same_idempotency_key_replays_the_ticket_and_a_different_body_conflicts(client, session, eng):
    unit = make_unit(session)
    body = {"unit_id": unit.id, "priority": "P2", "summary": "Arm jammed", "reported_at": iso(10)}
    headers = {**eng, "Idempotency-Key": "retry-123"}
    first = client.post("/api/v1/tickets", headers=headers, json=body)
    again = client.post("/api/v1/tickets", headers=headers, json=body)
    assert first.status_code == 201 and again.status_code == 201
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert session.scalar(select(func.count()).select_from(Ticket)) == 1
    clash = client.post("/api/v1/tickets", headers=headers, json={**body, "summary": "Other"})
    assert clash.status_code == 409 and clash.json()["error"]["code"] == "idempotency_key_reused"


def test_event_retries_with_a_key_record_one_event(client, session, eng):
    ticket = make_ticket(session)
    headers = {**eng, "Idempotency-Key": "ack-1"}
    for _ in range(3):
        r = client.post(f"/api/v1/tickets/{ticket.id}/events", headers=headers,
                        json={"type": "acknowledged", "occurred_at": iso(14, 10)})
        assert r.status_code == 201
    assert session.scalar(select(func.count()).select_from(TicketEvent)) == 1


def test_ticket_writes_are_audited(client, session, eng):
    ticket = make_ticket(session)
    client.post(f"/api/v1/tickets/{ticket.id}/events", headers=eng,
                json={"type": "acknowledged", "occurred_at": iso(14, 10)})
    actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)).all()
    assert actions[-2:] == ["ticket.create", "ticket.acknowledged"]


def test_the_ticket_list_filters_by_status_priority_and_period(client, session, eng):
    unit = make_unit(session)
    a = make_ticket(session, unit=unit, priority="P1", reported_at=datetime(2026, 3, 1, tzinfo=UTC))
    make_ticket(session, unit=unit, priority="P3", reported_at=datetime(2026, 4, 1, tzinfo=UTC))
    add_event(session, a, "acknowledged", datetime(2026, 3, 1, 1, tzinfo=UTC))
    got = client.get("/api/v1/tickets", headers=eng, params={"priority": "P1"}).json()["items"]
    assert [t["id"] for t in got] == [a.id]
    got = client.get("/api/v1/tickets", headers=eng, params={"status": "acknowledged"}).json()["items"]
    assert [t["id"] for t in got] == [a.id]
    got = client.get("/api/v1/tickets", headers=eng, params={
        "reported_from": "2026-03-15T00:00:00Z", "reported_to": "2026-05-01T00:00:00Z"}).json()["items"]
    assert [t["priority"] for t in got] == ["P3"]


def test_a_work_log_starting_before_the_ticket_was_reported_is_refused_and_changes_nothing(client, session, eng):
    ticket = make_ticket(session, reported_at=datetime(2026, 3, 2, 14, 0, 40, tzinfo=UTC))
    before = counts(session)
    r = client.post(f"/api/v1/tickets/{ticket.id}/work-logs", headers=eng, json={
        "started_at": iso(13, 59), "ended_at": iso(15), "engineer": "A. Smith", "activity": "travel"})
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "work_before_ticket" and "before the ticket was reported" in error["message"]
    assert error["details"][0]["field"] == "started_at"
    assert counts(session) == before
    # the minute it was reported counts (forms give minutes)
    r = client.post(f"/api/v1/tickets/{ticket.id}/work-logs", headers=eng, json={
        "started_at": iso(14), "ended_at": iso(15), "engineer": "A. Smith", "activity": "travel"})
    assert r.status_code == 201, r.text


def test_milestones_after_a_corrected_acknowledgement_are_recorded(client, session):
    """A correction makes the timeline irregular, so the next event replays it with its effective
    facts: each fact must carry every field of ``timeline.Fact`` (it once lacked ``actor``: 500)."""
    from datetime import UTC, datetime, timedelta

    from tests.builders import auth, make_key, make_unit

    headers = auth(make_key(session, "manager"))
    reported = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    ticket = client.post("/api/v1/tickets", headers=headers, json={
        "unit_id": make_unit(session).id, "priority": "P2", "summary": "Track slipping",
        "reported_at": reported.isoformat(), "unit_down": False}).json()
    url = f"/api/v1/tickets/{ticket['id']}"
    ack = client.post(f"{url}/events", headers=headers, json={
        "type": "acknowledged", "occurred_at": (reported + timedelta(minutes=10)).isoformat()}).json()
    moved = client.post(f"{url}/corrections", headers=headers, json={
        "event_id": ack["id"], "reason": "acknowledged a minute later than logged",
        "occurred_at": (reported + timedelta(minutes=11)).isoformat()})
    assert moved.status_code == 201, moved.text
    for minutes, kind in ((20, "on_site"), (30, "restored"), (40, "resolved")):
        r = client.post(f"{url}/events", headers=headers, json={
            "type": kind, "occurred_at": (reported + timedelta(minutes=minutes)).isoformat()})
        assert r.status_code == 201, r.text
    assert client.get(url, headers=headers).json()["status"] == "resolved"
