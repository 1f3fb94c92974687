"""Edge inputs through the real HTTP surface: instants at the ends of the calendar, JSON nested
thousands of levels deep, identifiers that differ only in case, width or invisible characters,
control characters in free text, names longer than their columns. Each answers a 4xx in the one
error shape, stores nothing, and answers the same on SQLite and PostgreSQL (run both)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from fleet.models import Agency, Contract, Unit
from tests.builders import (
    agency_body,
    assert_error,
    auth,
    make_contract,
    make_key,
    make_ticket,
    make_unit,
    row_counts,
    unit_body,
)

API = "/api/v1"
OUT_OF_RANGE = ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00Z",
                "1899-12-31T23:59:59Z", "2200-01-01T00:00:00Z", "2199-12-31T23:00:00-05:00"]


@pytest.fixture
def admin(session) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return auth(make_key(session, "admin"))


def _sender(client, session, headers, target: str):  # type: ignore[no-untyped-def]
    """Build what the request needs, then return the function that sends it with an instant."""
    unit = make_unit(session)
    ticket = make_ticket(session, unit=unit)
    telemetry = auth(make_key(session, "telemetry"))
    bodies = {
        "ticket": (f"{API}/tickets", lambda when: {"unit_id": unit.id, "priority": "P2", "summary": "stalls",
                                                   "reported_at": when}),
        "unit": (f"{API}/units", lambda when: unit_body(unit.contract_id, in_service_at=when)),
        "event": (f"{API}/tickets/{ticket.id}/events", lambda when: {"type": "acknowledged", "occurred_at": when}),
        "window": (f"{API}/maintenance-windows", lambda when: {
            "contract_id": unit.contract_id, "starts_at": when, "ends_at": "2026-03-02T10:00:00Z",
            "reason": "quarterly service"}),
        "status": (f"{API}/status-events", lambda when: {
            "events": [{"event_id": "e1", "unit_id": unit.id, "state": "down", "occurred_at": when}]}),
    }
    path, body = bodies[target]
    return lambda when: client.post(path, headers=telemetry if target == "status" else headers, json=body(when))


@pytest.mark.parametrize("when", OUT_OF_RANGE)
@pytest.mark.parametrize("target", ["ticket", "unit", "event", "window", "status"])
def test_an_instant_outside_1900_to_2199_in_a_body_is_refused_and_stores_nothing(
        client, session, admin, target, when):  # type: ignore[no-untyped-def]
    send = _sender(client, session, admin, target)
    before = row_counts(session)
    response = send(when)
    error = assert_error(response, 422)
    assert "out of range" in response.text and "1900" in error["message"] + str(error["details"])
    assert row_counts(session) == before


@pytest.mark.parametrize("when", OUT_OF_RANGE)
@pytest.mark.parametrize("query", [
    "/tickets?reported_from={when}", "/tickets?reported_to={when}",
    "/contracts/{contract}/compliance?from=2026-01-01&to=2026-02-01&at={when}",
    "/contracts/{contract}/compliance?from=2026-01-01&to=2026-02-01&as_of={when}",
    "/contracts/{contract}/availability?from=2026-01-01&to=2026-02-01&at={when}",
    "/tickets/{ticket}/sla?at={when}", "/tickets/{ticket}/sla?as_of={when}",
])
def test_an_instant_outside_the_range_in_a_query_is_refused(client, session, admin, query, when):  # type: ignore[no-untyped-def]
    ticket = make_ticket(session)
    path = query.format(when=when.replace("+", "%2B"), contract=ticket.contract_id, ticket=ticket.id)
    error = assert_error(client.get(f"{API}{path}", headers=admin), 422, "validation_error")
    assert "out of range" in error["message"]


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31", "2200-01-01"])
def test_a_date_outside_the_range_is_refused(client, session, admin, day):  # type: ignore[no-untyped-def]
    contract = make_contract(session)
    response = client.get(f"{API}/contracts/{contract.id}/compliance", headers=admin,
                          params={"from": day, "to": "2026-02-01"} if day < "2000" else
                          {"from": "2026-01-01", "to": day})
    assert "out of range" in assert_error(response, 422, "validation_error")["message"]


@pytest.mark.parametrize("when", ["1900-01-01T00:00:00Z", "1899-12-31T23:00:00-05:00", "2199-12-31T23:59:59Z",
                                  "2200-01-01T04:00:00+05:00"])
def test_the_ends_of_the_range_are_accepted(client, session, admin, when):  # type: ignore[no-untyped-def]
    response = client.get(f"{API}/tickets", headers=admin, params={"reported_from": when})
    assert response.status_code == 200, response.text


# --- JSON nesting -------------------------------------------------------------------------------
def _nested(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


@pytest.mark.parametrize("depth", [65, 3_000, 200_000])
@pytest.mark.parametrize("path", ["/agencies", "/calendars", "/contracts", "/units", "/tickets",
                                  "/maintenance-windows", "/reports"])
def test_a_json_body_nested_deeper_than_64_levels_is_refused_before_parsing(
        client, session, admin, path, depth):  # type: ignore[no-untyped-def]
    before = row_counts(session)
    for body in (b"[" * depth + b"]" * depth, _nested(depth), b"[" * depth):
        response = client.post(f"{API}{path}", headers={**admin, "content-type": "application/json"}, content=body)
        assert "64 levels" in assert_error(response, 422, "json_too_deep")["message"]
    assert row_counts(session) == before


@pytest.mark.parametrize("depth", [65, 3_000, 200_000])
def test_a_deep_status_batch_is_refused_in_its_own_error_shape(client, session, depth):  # type: ignore[no-untyped-def]
    headers = {**auth(make_key(session, "telemetry")), "content-type": "application/json"}
    before = row_counts(session)
    for body in (b"[" * depth + b"]" * depth, b'{"events":' + _nested(depth) + b"}", b"[" * depth):
        response = client.post(f"{API}/status-events", headers=headers, content=body)
        assert_error(response, 422, "invalid_status_events")
    assert row_counts(session) == before


def test_nesting_up_to_64_levels_reaches_validation_and_brackets_in_strings_do_not_count(
        client, session, admin):  # type: ignore[no-untyped-def]
    response = client.post(f"{API}/agencies", headers={**admin, "content-type": "application/json"},
                           content=b'{"code":' + b"[" * 63 + b"]" * 63 + b"}")
    assert_error(response, 422, "validation_error")
    name = "[{" * 90 + '\\"' + "]" * 10
    response = client.post(f"{API}/agencies", headers={**admin, "content-type": "application/json"},
                           content=('{"code":"BRK1","name":"' + name + '","timezone":"UTC"}').encode())
    assert response.status_code == 201, response.text


# --- identifiers --------------------------------------------------------------------------------
SERIAL_VARIANTS = ["rbt-7781", "RBT-7781 ", " Rbt-7781", "ＲＢＴ－７７８１", "ｒｂｔ－７７８１"]
INVISIBLE = ["RBT\u200b-7781", "\u200bRBT-7781", "RBT-7781\u202e", "RBT\u00ad-7781", "RBT\ufeff-7781",
             "RBT\x07-7781", "RBT\t7781", "RBT\u3164-7781", "RBT\u2028-7781", "RBT\u00a0-7781\u2800", "RBT\ue000"]


@pytest.mark.parametrize("variant", SERIAL_VARIANTS)
def test_a_serial_differing_only_in_case_width_or_spaces_is_a_duplicate(client, session, admin, variant):  # type: ignore[no-untyped-def]
    unit = make_unit(session, serial="RBT-7781")
    before = row_counts(session)
    response = client.post(f"{API}/units", headers=admin, json=unit_body(unit.contract_id, serial=variant))
    assert_error(response, 409, "duplicate_serial")
    assert row_counts(session) == before


@pytest.mark.parametrize("serial", INVISIBLE)
def test_a_serial_with_invisible_or_control_characters_is_refused(client, session, admin, serial):  # type: ignore[no-untyped-def]
    contract = make_contract(session)
    before = row_counts(session)
    response = client.post(f"{API}/units", headers=admin, json=unit_body(contract.id, serial=serial))
    error = assert_error(response, 422, "validation_error")
    assert error["details"][0]["field"] == "serial"
    assert "character U+" in error["message"] or "NUL" in error["message"]
    assert row_counts(session) == before


def test_a_full_width_serial_is_stored_normalized_and_keeps_its_case(client, session, admin):  # type: ignore[no-untyped-def]
    contract = make_contract(session)
    response = client.post(f"{API}/units", headers=admin, json=unit_body(contract.id, serial=" ＲＢＴ－７７８２ "))
    assert response.status_code == 201, response.text
    assert response.json()["serial"] == "RBT-7782"
    stored = session.scalars(select(Unit).where(Unit.id == response.json()["id"])).one()
    assert (stored.serial, stored.serial_key) == ("RBT-7782", "rbt-7782")


@pytest.mark.parametrize("variant", ["navfac", "NavFac ", "ＮＡＶＦＡＣ"])
def test_an_agency_code_differing_only_in_case_or_width_is_a_duplicate(client, session, admin, variant):  # type: ignore[no-untyped-def]
    assert client.post(f"{API}/agencies", headers=admin, json=agency_body(code="NAVFAC")).status_code == 201
    before = row_counts(session)
    assert_error(client.post(f"{API}/agencies", headers=admin, json=agency_body(code=variant)), 409, "duplicate_agency")
    assert row_counts(session) == before
    assert session.scalars(select(Agency.code).where(Agency.code_key == "navfac")).all() == ["NAVFAC"]


@pytest.mark.parametrize("variant", ["w912-00001", "Ｗ912-00001"])
def test_a_contract_number_differing_only_in_case_or_width_is_a_duplicate(client, session, admin, variant):  # type: ignore[no-untyped-def]
    first = make_contract(session, number="W912-00001")
    body = {"agency_id": first.agency_id, "number": variant, "title": "t", "start_date": "2026-01-01",
            "end_date": "2026-12-31", "calendar_id": first.calendar_id, "value": "1.00",
            "point_of_contact": "p", "aql_percent": "90", "availability_target_percent": "98",
            "sla_targets": [{"priority": "P1", "metric": "response", "minutes": 60, "clock": "24x7"}]}
    before = row_counts(session)
    assert_error(client.post(f"{API}/contracts", headers=admin, json=body), 409, "duplicate_contract")
    assert row_counts(session) == before
    assert session.scalars(select(Contract.number).where(Contract.number_key == "w912-00001")).all() == ["W912-00001"]


def test_a_part_number_is_normalized_and_refuses_invisible_characters(client, session, admin):  # type: ignore[no-untyped-def]
    ticket = make_ticket(session)
    log: dict[str, Any] = {"started_at": "2026-03-02T15:00:00Z", "ended_at": "2026-03-02T16:00:00Z",
                           "engineer": "A. Moreno", "activity": "repair"}
    before = row_counts(session)
    bad = client.post(f"{API}/tickets/{ticket.id}/work-logs", headers=admin,
                      json={**log, "parts": [{"part_number": "TRK\u200b-220", "quantity": 1}]})
    assert assert_error(bad, 422)["details"][0]["field"] == "parts.0.part_number"
    assert row_counts(session) == before
    good = client.post(f"{API}/tickets/{ticket.id}/work-logs", headers=admin,
                       json={**log, "parts": [{"part_number": " ＴＲＫ-220 ", "quantity": 1}]})
    assert good.status_code == 201, good.text
    assert good.json()["parts"] == [{"part_number": "TRK-220", "quantity": 1}]


# --- free text ----------------------------------------------------------------------------------
@pytest.mark.parametrize("summary", ["pump\u202efailed", "pump\u2066failed", "pump\x1bfailed", "pump\x00failed"])
def test_free_text_refuses_bidi_overrides_and_control_characters(client, session, admin, summary):  # type: ignore[no-untyped-def]
    unit = make_unit(session)
    before = row_counts(session)
    response = client.post(f"{API}/tickets", headers=admin, json={
        "unit_id": unit.id, "priority": "P2", "summary": summary, "reported_at": "2026-03-02T10:00:00Z"})
    assert assert_error(response, 422, "validation_error")["details"][0]["field"] == "summary"
    assert row_counts(session) == before


def test_free_text_keeps_newlines_and_tabs(client, session, admin):  # type: ignore[no-untyped-def]
    unit = make_unit(session)
    response = client.post(f"{API}/tickets", headers=admin, json={
        "unit_id": unit.id, "priority": "P2", "summary": "stalls", "reported_at": "2026-03-02T10:00:00Z",
        "description": "line one\nline two\r\n\tindented — ünïcödé ✓"})
    assert response.status_code == 201, response.text
    assert response.json()["description"] == "line one\nline two\r\n\tindented — ünïcödé ✓"


# --- lengths ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("path", "field", "limit"), [("/agencies", "name", 200), ("/calendars", "name", 200)])
def test_a_name_longer_than_its_column_is_refused_on_every_database(client, session, admin, path, field, limit):  # type: ignore[no-untyped-def]
    from tests.builders import calendar_body

    make = agency_body if path == "/agencies" else calendar_body
    before = row_counts(session)
    for length in (limit + 1, 300):
        response = client.post(f"{API}{path}", headers=admin, json=make(**{field: "n" * length}))
        assert assert_error(response, 422, "validation_error")["details"][0]["field"] == field
    assert row_counts(session) == before
    assert client.post(f"{API}{path}", headers=admin, json=make(**{field: "n" * limit})).status_code == 201


def _max_chars(field: Any) -> int | None:
    """The longest text a schema field accepts: its max_length, or its longest Literal choice."""
    import typing

    lengths = [m.max_length for m in field.metadata if getattr(m, "max_length", None) is not None]
    annotation = field.annotation
    for arg in (annotation, *typing.get_args(annotation)):
        if typing.get_origin(arg) is typing.Literal:
            lengths.append(max(len(v) for v in typing.get_args(arg)))
        for meta in getattr(arg, "__metadata__", ()):
            for m in getattr(meta, "metadata", [meta]):
                if getattr(m, "max_length", None) is not None:
                    lengths.append(m.max_length)
    return min(lengths) if lengths else None


def test_every_text_field_of_every_input_schema_fits_its_column() -> None:
    """Walk the input schemas and the models: a text field stored in a String(n) column accepts at
    most n characters (else SQLite stores what PostgreSQL refuses). Ids are looked up, not stored."""
    from sqlalchemy import String

    from api.routers.reports import ReportIn
    from fleet import models
    from fleet.schemas import registry, tickets, uptime

    pairs = [(registry.AgencyIn, models.Agency), (registry.CalendarIn, models.Calendar),
             (registry.ContractIn, models.Contract), (registry.UnitIn, models.Unit),
             (registry.SlaTargetIn, models.SlaTarget), (registry.SlaPolicyIn, models.SlaPolicy),
             (tickets.TicketIn, models.Ticket), (tickets.EventIn, models.TicketEvent),
             (tickets.CorrectionIn, models.TicketEvent), (tickets.WorkLogIn, models.WorkLog),
             (tickets.PartIn, models.WorkLogPart), (tickets.RatingIn, models.Rating),
             (uptime.MaintenanceWindowIn, models.MaintenanceWindow), (ReportIn, models.Report)]
    checked, problems = 0, []
    for schema, model in pairs:
        columns = model.__table__.columns
        for name, field in schema.model_fields.items():
            column = columns.get(name)
            if column is None or name.endswith("_id") or not isinstance(column.type, String):
                continue
            if column.type.length is None:
                continue  # Text: no limit in either database
            checked += 1
            accepts = _max_chars(field)
            if accepts is None or accepts > column.type.length:
                problems.append(f"{schema.__name__}.{name} accepts {accepts} characters, "
                                f"{model.__tablename__}.{name} holds {column.type.length}")
    status = uptime.StatusEventIn.__annotations__
    assert "event_id" in status and models.StatusEvent.__table__.c.event_id.type.length == 100
    assert not problems, problems
    assert checked >= 20


def test_a_nul_in_a_report_requests_id_is_refused_alike_on_both_databases(client, session):
    from tests.builders import assert_error, auth, make_key

    token = make_key(session, "manager")
    r = client.post("/api/v1/reports", headers=auth(token), json={
        "kind": "contract_review", "contract_id": "abc\x00def", "from": "2026-03-01", "to": "2026-04-01"})
    assert_error(r, 422)
