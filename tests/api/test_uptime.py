"""Status events and maintenance windows through HTTP: bulk ingest, safe retries, whole-batch
rejection, strict input, roles and tenancy."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from fleet.canonical import canonical_json, sha256_hex
from fleet.models import Agency, AuditEntry, Contract, MaintenanceWindow, StatusEvent
from tests.builders import (
    auth,
    make_agency,
    make_contract,
    make_key,
    make_unit,
    make_window,
    status_event,
)

URL = "/api/v1/status-events"
IN_SERVICE = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def telemetry(session):  # type: ignore[no-untyped-def]
    return auth(make_key(session, "telemetry"))


@pytest.fixture
def mgr(session):  # type: ignore[no-untyped-def]
    return auth(make_key(session, "manager"))


@pytest.fixture
def unit(session):  # type: ignore[no-untyped-def]
    return make_unit(session, in_service_at=IN_SERVICE)


def counts(session) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {m.__tablename__: session.scalar(select(func.count()).select_from(m))
            for m in (StatusEvent, MaintenanceWindow, AuditEntry)}


def stored(session, unit_id: str) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    rows = session.execute(select(StatusEvent.event_id, StatusEvent.state, StatusEvent.occurred_at)
                           .where(StatusEvent.unit_id == unit_id).order_by(StatusEvent.occurred_at))
    return [(e, s, t.isoformat()) for e, s, t in rows]


# --- ingest -----------------------------------------------------------------------------------
def test_a_batch_of_events_is_stored_once_each_and_counted(client, session, telemetry, unit):
    events = [status_event(unit.id, "2026-03-02T10:00:00Z", "down", event_id="a"),
              status_event(unit.id, "2026-03-02T12:30:00+02:00", "up", event_id="b"),
              status_event(unit.id, "2026-03-03T08:00:00Z", "maintenance", event_id="c")]
    r = client.post(URL, headers=telemetry, json={"events": events})
    assert r.status_code == 200, r.text
    assert r.json() == {"accepted": 3, "duplicates": 0}
    assert stored(session, unit.id) == [("a", "down", "2026-03-02T10:00:00+00:00"),
                                        ("b", "up", "2026-03-02T10:30:00+00:00"),
                                        ("c", "maintenance", "2026-03-03T08:00:00+00:00")]


def test_event_ids_are_stored_exactly_whatever_characters_they_hold(client, session, telemetry, unit):
    odd = ['q"uote', "back\\slash", "com,ma", "{brace}", "tab\tand\nnewline", "ünïcødé ✓", "NULL", " "]
    events = [status_event(unit.id, f"2026-03-02T10:0{i}:00Z", "up", event_id=e) for i, e in enumerate(odd)]
    r = client.post(URL, headers=telemetry, json={"events": events})
    assert r.status_code == 200, r.text
    assert [e for e, _, _ in stored(session, unit.id)] == odd
    assert client.post(URL, headers=telemetry, json={"events": events}).json() == {"accepted": 0, "duplicates": 8}


def test_a_nul_character_in_an_event_id_refuses_the_batch_and_stores_nothing(client, session, telemetry, unit):
    before = counts(session)
    events = [status_event(unit.id, "2026-03-02T10:00:00Z", "up", event_id="fine"),
              status_event(unit.id, "2026-03-02T11:00:00Z", "down", event_id="nul\x00here")]
    r = client.post(URL, headers=telemetry, json={"events": events})
    assert r.status_code == 422, r.text
    assert r.json()["error"]["details"][0]["index"] == 1
    assert counts(session) == before


def test_a_retried_batch_counts_duplicates_stores_nothing_twice_and_is_not_audited_again(
        client, session, telemetry, unit):
    events = [status_event(unit.id, f"2026-03-02T1{i}:00:00Z", "down" if i % 2 else "up") for i in range(4)]
    assert client.post(URL, headers=telemetry, json={"events": events}).json() == {"accepted": 4, "duplicates": 0}
    before = counts(session)
    r = client.post(URL, headers=telemetry, json={"events": events})
    assert r.status_code == 200 and r.json() == {"accepted": 0, "duplicates": 4}
    assert counts(session) == before


def test_a_batch_overlapping_a_stored_one_stores_only_the_new_events(client, session, telemetry, unit):
    old = [status_event(unit.id, "2026-03-02T10:00:00Z", "down", event_id="x1")]
    client.post(URL, headers=telemetry, json={"events": old})
    new = [*old, status_event(unit.id, "2026-03-02T11:00:00Z", "up", event_id="x2")]
    assert client.post(URL, headers=telemetry, json={"events": new}).json() == {"accepted": 1, "duplicates": 1}
    assert [e for e, _, _ in stored(session, unit.id)] == ["x1", "x2"]


def test_an_event_id_repeated_in_a_batch_is_a_duplicate_and_the_first_copy_wins(client, session, telemetry, unit):
    events = [status_event(unit.id, "2026-03-02T10:00:00Z", "down", event_id="dup"),
              status_event(unit.id, "2026-03-02T11:00:00Z", "up", event_id="dup"),
              status_event(unit.id, "2026-03-02T12:00:00Z", "up", event_id="other")]
    assert client.post(URL, headers=telemetry, json={"events": events}).json() == {"accepted": 2, "duplicates": 1}
    assert stored(session, unit.id)[0] == ("dup", "down", "2026-03-02T10:00:00+00:00")


def test_the_same_event_id_on_two_units_is_two_events(client, session, telemetry, unit):
    other = make_unit(session, in_service_at=IN_SERVICE)
    events = [status_event(unit.id, "2026-03-02T10:00:00Z", "down", event_id="e1"),
              status_event(other.id, "2026-03-02T10:00:00Z", "down", event_id="e1")]
    assert client.post(URL, headers=telemetry, json={"events": events}).json() == {"accepted": 2, "duplicates": 0}


def test_events_may_arrive_late_and_out_of_order(client, session, telemetry, unit):
    client.post(URL, headers=telemetry, json={"events": [status_event(unit.id, "2026-03-05T00:00:00Z", "up")]})
    r = client.post(URL, headers=telemetry, json={"events": [
        status_event(unit.id, "2026-03-04T00:00:00Z", "down"), status_event(unit.id, "2026-03-01T00:00:00Z", "up")]})
    assert r.json() == {"accepted": 2, "duplicates": 0}
    assert [s for _, s, _ in stored(session, unit.id)] == ["up", "down", "up"]


def test_an_empty_batch_stores_and_audits_nothing(client, session, telemetry):
    before = counts(session)
    assert client.post(URL, headers=telemetry, json={"events": []}).json() == {"accepted": 0, "duplicates": 0}
    assert counts(session) == before


def test_a_batch_of_ten_thousand_events_is_accepted(client, session, telemetry, unit):
    events = [status_event(unit.id, f"2026-02-{1 + i // 1440:02d}T{i // 60 % 24:02d}:{i % 60:02d}:00Z",
                           ("up", "down")[i % 2], event_id=f"n{i}") for i in range(10_000)]
    r = client.post(URL, headers=telemetry, json={"events": events})
    assert r.json() == {"accepted": 10_000, "duplicates": 0}


def test_one_audit_entry_records_each_batch_with_its_canonical_hash(client, session, telemetry, unit):
    events = [status_event(unit.id, "2026-03-02T12:00:00+01:00", "down", event_id="h1"),
              status_event(unit.id, "2026-03-01T09:00:00Z", "up", event_id="h2"),
              status_event(unit.id, "2026-03-01T09:00:00Z", "up", event_id="h2")]
    client.post(URL, headers=telemetry, json={"events": events})
    entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "status_events.ingest")).all()
    assert len(entries) == 1
    canonical = [{**e, "occurred_at": "2026-03-02T11:00:00Z" if e["event_id"] == "h1" else e["occurred_at"]}
                 for e in events]
    digest = sha256_hex(canonical_json(canonical))
    assert entries[0].entity_id == digest and entries[0].agency_id == unit.agency_id
    assert entries[0].after == {"accepted": 2, "duplicates": 1, "events": 3, "units": 1, "sha256": digest,
                                "first_occurred_at": "2026-03-01T09:00:00Z",
                                "last_occurred_at": "2026-03-02T11:00:00Z"}
    assert client.get("/api/v1/audit/verify", headers=auth(make_key(session, "admin"))).json()["ok"] is True


# --- rejected batches -------------------------------------------------------------------------
def test_a_batch_with_bad_events_is_refused_whole_naming_each_bad_event(client, session, telemetry, unit):
    other_agency_unit = make_unit(session, in_service_at=IN_SERVICE)
    events = [status_event(unit.id, "2026-03-02T10:00:00Z", "down", event_id="ok-1"),
              status_event("no-such-unit", "2026-03-02T10:00:00Z", "down", event_id="bad-unit"),
              status_event(unit.id, "2025-12-31T23:59:00Z", "up", event_id="too-early"),
              status_event(unit.id, "2099-01-01T00:00:00Z", "up", event_id="future"),
              status_event(other_agency_unit.id, "2026-03-02T10:00:00Z", "up", event_id="ok-2")]
    before = counts(session)
    r = client.post(URL, headers=telemetry, json={"events": events})
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "invalid_status_events" and "nothing stored" in error["message"]
    assert [(d["index"], d["event_id"]) for d in error["details"]] == [(1, "bad-unit"), (2, "too-early"),
                                                                      (3, "future")]
    reasons = [d["reason"] for d in error["details"]]
    assert "unknown unit" in reasons[0] and "before the unit entered service" in reasons[1]
    assert "in the future" in reasons[2]
    assert counts(session) == before


def test_a_batch_failing_validation_also_names_the_unknown_units_in_it(client, session, telemetry, unit):
    events = [status_event(unit.id, "2026-03-02T10:00:00", "down", event_id="naive"),
              status_event("no-such-unit", "2026-03-02T10:00:00Z", "up", event_id="stranger"),
              status_event(unit.id, "2026-03-02T11:00:00Z", "up", event_id="fine")]
    r = client.post(URL, headers=telemetry, json={"events": events})
    assert r.status_code == 422
    details = r.json()["error"]["details"]
    assert [(d["index"], d["event_id"]) for d in details] == [(0, "naive"), (1, "stranger")]
    assert "no UTC offset" in details[0]["reason"] and details[1]["reason"] == "unknown unit 'no-such-unit'"


@pytest.mark.parametrize(("event", "fragment"), [
    ({"state": "broken"}, "unknown state 'broken'"),
    ({"occurred_at": "2026-03-02T10:00:00"}, "no UTC offset"),
    ({"occurred_at": "yesterday"}, "not an ISO 8601 instant"),
    ({"occurred_at": 1772460000}, "occurred_at"),
    ({"event_id": 17}, "event_id"),
    ({"event_id": ""}, "event_id"),
    ({"colour": "red"}, "colour"),
])
def test_malformed_events_refuse_the_batch_with_their_index(client, session, telemetry, unit, event, fragment):
    good = status_event(unit.id, "2026-03-02T09:00:00Z", "up", event_id="fine")
    bad = {**status_event(unit.id, "2026-03-02T10:00:00Z", "down", event_id="e-bad"), **event}
    before = counts(session)
    r = client.post(URL, headers=telemetry, json={"events": [good, bad]})
    assert r.status_code == 422, r.text
    details = r.json()["error"]["details"]
    assert len(details) == 1 and details[0]["index"] == 1
    assert details[0]["event_id"] == (bad["event_id"] if isinstance(bad["event_id"], str) else None)
    assert fragment in details[0]["reason"]
    assert counts(session) == before


def test_a_batch_over_ten_thousand_events_is_refused(client, session, telemetry, unit):
    events = [status_event(unit.id, "2026-03-02T10:00:00Z", "up", event_id=f"b{i}") for i in range(10_001)]
    before = counts(session)
    r = client.post(URL, headers=telemetry, json={"events": events})
    assert r.status_code == 422
    details = r.json()["error"]["details"]
    assert len(details) == 1 and "at most 10,000" in details[0]["reason"]
    assert counts(session) == before


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"events": {}}', b"{}", b'{"events": [], "extra": 1}'])
def test_a_body_that_is_not_a_batch_is_refused(client, session, telemetry, body):
    r = client.post(URL, headers={**telemetry, "content-type": "application/json"}, content=body)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "invalid_status_events" and error["details"][0]["index"] is None


def test_an_agency_bound_telemetry_key_cannot_post_for_another_agencys_unit(client, session, unit):
    mine = make_unit(session, in_service_at=IN_SERVICE)
    key = auth(make_key(session, "telemetry", agency=session.get(Agency, mine.agency_id)))
    ok = client.post(URL, headers=key, json={"events": [status_event(mine.id, "2026-03-02T10:00:00Z", "down")]})
    assert ok.json() == {"accepted": 1, "duplicates": 0}
    before = counts(session)
    theirs = client.post(URL, headers=key, json={"events": [
        status_event(unit.id, "2026-03-02T10:00:00Z", "down", event_id="t1")]})
    missing = client.post(URL, headers=key, json={"events": [
        status_event("no-such-unit", "2026-03-02T10:00:00Z", "down", event_id="t1")]})
    assert theirs.status_code == missing.status_code == 422
    assert theirs.json()["error"]["details"][0]["reason"] == f"unknown unit {unit.id!r}"
    assert missing.json()["error"]["details"][0]["reason"] == "unknown unit 'no-such-unit'"
    assert counts(session) == before


@pytest.mark.parametrize("role", ["engineer", "manager", "admin"])
def test_engineers_managers_and_admins_may_post_status_events(client, session, unit, role):
    r = client.post(URL, headers=auth(make_key(session, role)),
                    json={"events": [status_event(unit.id, "2026-03-02T10:00:00Z", "down")]})
    assert r.status_code == 200, r.text


def test_an_agency_key_may_not_post_status_events_even_a_malformed_batch(client, session, unit):
    agency = make_agency(session)
    key = auth(make_key(session, "agency", agency=agency))
    assert client.post(URL, headers=key, json={"events": [{"bad": 1}]}).status_code == 403
    assert client.post(URL, json={"events": []}).status_code == 401


def test_the_telemetry_role_may_only_post_status_events(client, session, telemetry, unit):
    contract_id = unit.contract_id
    window = {"contract_id": contract_id, "starts_at": "2026-03-02T10:00:00Z", "ends_at": "2026-03-02T12:00:00Z",
              "reason": "service"}
    calls = [
        client.get(f"/api/v1/contracts/{contract_id}/availability?from=2026-03-01&to=2026-04-01", headers=telemetry),
        client.get(f"/api/v1/units/{unit.id}/availability?from=2026-03-01&to=2026-04-01", headers=telemetry),
        client.get(f"/api/v1/units/{unit.id}/timeline?from=2026-03-01&to=2026-04-01", headers=telemetry),
        client.get("/api/v1/maintenance-windows", headers=telemetry),
        client.post("/api/v1/maintenance-windows", headers=telemetry, json=window),
        client.get(f"/api/v1/units/{unit.id}", headers=telemetry),
        client.get("/api/v1/tickets", headers=telemetry),
    ]
    assert [c.status_code for c in calls] == [403] * len(calls)


# --- maintenance windows ----------------------------------------------------------------------
def window_body(contract_id: str, **overrides: object) -> dict[str, object]:
    return {"contract_id": contract_id, "starts_at": "2026-03-05T08:00:00Z", "ends_at": "2026-03-05T12:00:00-05:00",
            "reason": "quarterly service", **overrides}


def test_a_manager_schedules_a_window_for_a_unit_or_a_whole_contract(client, session, mgr, unit):
    r = client.post("/api/v1/maintenance-windows", headers=mgr, json=window_body(unit.contract_id, unit_id=unit.id))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["unit_id"] == unit.id and body["ends_at"] == "2026-03-05T17:00:00Z"
    assert body["cancelled_at"] is None and body["created_by"].startswith("key:")
    assert body["cancelled_by"] is None and body["cancel_reason"] is None
    whole = client.post("/api/v1/maintenance-windows", headers=mgr, json=window_body(unit.contract_id))
    assert whole.status_code == 201 and whole.json()["unit_id"] is None
    assert session.scalar(select(func.count()).select_from(AuditEntry)
                          .where(AuditEntry.action == "maintenance_window.create")) == 2


def test_windows_are_listed_by_contract_and_unit_a_page_at_a_time(client, session, mgr, unit):
    other = make_unit(session, in_service_at=IN_SERVICE)
    for _ in range(3):
        make_window(session, contract=session.get(Contract, unit.contract_id), unit=unit,
                    starts_at=datetime(2026, 3, 5, tzinfo=UTC), ends_at=datetime(2026, 3, 6, tzinfo=UTC))
    client.post("/api/v1/maintenance-windows", headers=mgr, json=window_body(other.contract_id, unit_id=other.id))
    page = client.get(f"/api/v1/maintenance-windows?contract_id={unit.contract_id}&limit=2", headers=mgr).json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = client.get(f"/api/v1/maintenance-windows?contract_id={unit.contract_id}&limit=2&cursor="
                      f"{page['next_cursor']}", headers=mgr).json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    by_unit = client.get(f"/api/v1/maintenance-windows?unit_id={other.id}", headers=mgr).json()["items"]
    assert [w["unit_id"] for w in by_unit] == [other.id]


@pytest.mark.parametrize(("overrides", "status", "code"), [
    ({"ends_at": "2026-03-05T08:00:00Z"}, 422, "validation_error"),
    ({"ends_at": "2026-03-05T07:00:00Z"}, 422, "validation_error"),
    ({"starts_at": "2026-03-05T08:00:00"}, 422, "validation_error"),
    ({"reason": ""}, 422, "validation_error"),
    ({"contract_id": "no-such-contract"}, 404, "not_found"),
    ({"unit_id": "no-such-unit"}, 404, "not_found"),
])
def test_an_invalid_window_is_refused_and_changes_nothing(client, session, mgr, unit, overrides, status, code):
    before = counts(session)
    r = client.post("/api/v1/maintenance-windows", headers=mgr, json={**window_body(unit.contract_id), **overrides})
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code
    assert counts(session) == before


def test_a_window_for_a_unit_of_another_contract_is_refused(client, session, mgr, unit):
    stranger = make_unit(session, in_service_at=IN_SERVICE)
    before = counts(session)
    r = client.post("/api/v1/maintenance-windows", headers=mgr,
                    json=window_body(unit.contract_id, unit_id=stranger.id))
    assert r.status_code == 422 and r.json()["error"]["code"] == "unit_not_in_contract"
    assert counts(session) == before


def test_cancelling_a_window_keeps_the_row_and_a_second_cancel_is_a_conflict(client, session, mgr, unit):
    created = client.post("/api/v1/maintenance-windows", headers=mgr, json=window_body(unit.contract_id)).json()
    r = client.post(f"/api/v1/maintenance-windows/{created['id']}/cancel", headers=mgr,
                    json={"reason": "vendor crew unavailable"})
    assert r.status_code == 200, r.text
    assert r.json()["cancelled_at"] is not None and r.json()["starts_at"] == created["starts_at"]
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "maintenance_window.cancel")).one()
    assert entry.reason == "vendor crew unavailable"
    assert entry.before["cancel_reason"] is None and entry.after["cancel_reason"] == "vendor crew unavailable"
    before = counts(session)
    again = client.post(f"/api/v1/maintenance-windows/{created['id']}/cancel", headers=mgr, json={"reason": "again"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_cancelled"
    assert counts(session) == before
    assert client.get(f"/api/v1/maintenance-windows/{created['id']}", headers=mgr).json()["cancelled_at"]


def test_a_cancelled_window_shows_who_cancelled_it_and_why(client, session, mgr, unit):
    created = client.post("/api/v1/maintenance-windows", headers=mgr, json=window_body(unit.contract_id)).json()
    client.post(f"/api/v1/maintenance-windows/{created['id']}/cancel", headers=mgr,
                json={"reason": "parts did not arrive"})
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "maintenance_window.cancel")).one()
    shown = client.get(f"/api/v1/maintenance-windows/{created['id']}", headers=mgr).json()
    assert shown["cancel_reason"] == "parts did not arrive"
    assert shown["cancelled_by"] == entry.actor and shown["cancelled_by"].startswith("key:")
    listed = client.get(f"/api/v1/maintenance-windows?contract_id={unit.contract_id}", headers=mgr).json()["items"]
    assert [(w["cancelled_by"], w["cancel_reason"]) for w in listed] == [(entry.actor, "parts did not arrive")]
    kept = session.get(MaintenanceWindow, created["id"])
    assert (kept.cancelled_by, kept.cancel_reason) == (entry.actor, "parts did not arrive")


def test_engineers_may_not_schedule_or_cancel_windows(client, session, mgr, unit):
    eng = auth(make_key(session, "engineer"))
    created = client.post("/api/v1/maintenance-windows", headers=mgr, json=window_body(unit.contract_id)).json()
    assert client.post("/api/v1/maintenance-windows", headers=eng,
                       json=window_body(unit.contract_id)).status_code == 403
    assert client.post(f"/api/v1/maintenance-windows/{created['id']}/cancel", headers=eng,
                       json={"reason": "not mine"}).status_code == 403
    assert client.get("/api/v1/maintenance-windows", headers=eng).status_code == 200


def test_an_agency_sees_only_its_own_windows(client, session, mgr, unit):
    agency = make_agency(session)
    own_unit = make_unit(session, contract=make_contract(session, agency=agency), in_service_at=IN_SERVICE)
    own = client.post("/api/v1/maintenance-windows", headers=mgr, json=window_body(own_unit.contract_id)).json()
    theirs = client.post("/api/v1/maintenance-windows", headers=mgr, json=window_body(unit.contract_id)).json()
    key = auth(make_key(session, "agency", agency=agency))
    listed = client.get("/api/v1/maintenance-windows", headers=key).json()["items"]
    assert [w["id"] for w in listed] == [own["id"]]
    assert client.get(f"/api/v1/maintenance-windows?contract_id={unit.contract_id}", headers=key).json()["items"] == []
    assert client.get(f"/api/v1/maintenance-windows/{theirs['id']}", headers=key).status_code == 404
    assert client.post(f"/api/v1/maintenance-windows/{theirs['id']}/cancel", headers=key,
                       json={"reason": "nope"}).status_code == 403


def test_the_status_batch_schema_is_published_in_openapi(client):
    spec = client.get("/openapi.json").json()
    body = spec["paths"]["/api/v1/status-events"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    item = body["properties"]["events"]["items"]
    assert body["properties"]["events"]["maxItems"] == 10_000
    assert item["properties"]["state"]["enum"] == ["up", "down", "maintenance"]
    assert json.dumps(spec).count('"$defs"') == 0
