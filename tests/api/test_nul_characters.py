"""NUL characters, which PostgreSQL can neither store nor compare in text, are refused at the
edge with a clear 422 in the one error shape and change nothing, on SQLite as on PostgreSQL."""

from __future__ import annotations

import pytest

from tests.builders import agency_body, assert_error, auth, make_key, make_unit, row_counts

API = "/api/v1"


def test_a_nul_in_a_json_text_field_is_refused_naming_the_field(client, session):  # type: ignore[no-untyped-def]
    unit = make_unit(session)
    headers = auth(make_key(session, "manager"))
    before = row_counts(session)
    response = client.post(f"{API}/tickets", headers=headers, json={
        "unit_id": unit.id, "priority": "P2", "summary": "pump\x00 failed", "reported_at": "2026-03-02T10:00:00Z"})
    error = assert_error(response, 422, "validation_error")
    assert error["details"][0]["field"] == "summary" and "NUL" in error["message"]
    assert row_counts(session) == before


def test_a_nul_in_another_resources_text_is_refused_too(client, session):  # type: ignore[no-untyped-def]
    headers = auth(make_key(session, "admin"))
    before = row_counts(session)
    body = agency_body(name="Naval\x00 Facilities")
    error = assert_error(client.post(f"{API}/agencies", headers=headers, json=body), 422)
    assert "NUL" in error["message"]
    assert row_counts(session) == before


@pytest.mark.parametrize("path", ["/units/%00", "/units/abc%00def", "/tickets?unit_id=%00",
                                  "/contracts/%00/compliance?from=2026-01-01&to=2026-02-01",
                                  "/tickets?cursor=x%00"])
def test_a_nul_in_the_url_is_refused_in_the_error_shape(client, session, path):  # type: ignore[no-untyped-def]
    response = client.get(f"{API}{path}", headers=auth(make_key(session, "manager")))
    error = assert_error(response, 422, "invalid_request")
    assert "NUL" in error["message"]


def test_a_nul_in_a_status_event_unit_id_refuses_the_batch_naming_it(client, session):  # type: ignore[no-untyped-def]
    unit = make_unit(session)
    headers = auth(make_key(session, "telemetry"))
    before = row_counts(session)
    events = [{"event_id": "ok", "unit_id": unit.id, "state": "up", "occurred_at": "2026-03-02T10:00:00Z"},
              {"event_id": "bad", "unit_id": unit.id + "\x00", "state": "up", "occurred_at": "2026-03-02T11:00:00Z"},
              {"event_id": "late", "unit_id": "no such unit", "state": "up", "occurred_at": "2026-03-02T11:00:00Z"}]
    response = client.post(f"{API}/status-events", headers=headers, json={"events": events})
    error = assert_error(response, 422, "invalid_status_events")
    assert [d["index"] for d in error["details"]] == [1, 2]
    assert "NUL" in error["details"][0]["reason"] and "unknown unit" in error["details"][1]["reason"]
    assert row_counts(session) == before


def test_a_nul_next_to_a_malformed_event_is_named_with_it(client, session):  # type: ignore[no-untyped-def]
    unit = make_unit(session)
    events = [{"event_id": "x\x00", "unit_id": unit.id, "state": "up", "occurred_at": "2026-03-02T10:00:00Z"},
              {"event_id": "y", "unit_id": unit.id, "state": "sideways", "occurred_at": "2026-03-02T11:00:00Z"}]
    response = client.post(f"{API}/status-events", headers=auth(make_key(session, "telemetry")),
                           json={"events": events})
    error = assert_error(response, 422, "invalid_status_events")
    assert [d["index"] for d in error["details"]] == [0, 1]
