"""Registry endpoints through HTTP: happy paths per API.md, pagination, and bad inputs that
answer 4xx in the one error shape and change nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import text

from tests.builders import (
    agency_body,
    assert_error,
    auth,
    calendar_body,
    contract_body,
    make_agency,
    make_calendar,
    make_contract,
    make_key,
    make_unit,
    row_counts,
    unit_body,
)

API = "/api/v1"


@pytest.fixture
def admin(session) -> dict[str, str]:
    return auth(make_key(session, "admin"))


@pytest.fixture
def manager(session) -> dict[str, str]:
    return auth(make_key(session, "manager", name="contract manager"))


# --- happy paths ------------------------------------------------------------------------------
def test_creating_an_agency_answers_201_with_its_fields_and_it_can_be_read_back(client, manager):
    body = agency_body(code="NAVFAC-SE", name="NAVFAC Southeast")
    r = client.post(f"{API}/agencies", json=body, headers=manager)
    assert r.status_code == 201, r.text
    created = r.json()
    assert {k: created[k] for k in ("code", "name", "timezone")} == {
        "code": "NAVFAC-SE", "name": "NAVFAC Southeast", "timezone": "America/New_York"}
    assert isinstance(created["id"], str) and created["id"]
    assert created["created_at"].endswith("Z")

    got = client.get(f"{API}/agencies/{created['id']}", headers=manager)
    assert got.status_code == 200
    assert got.json() == created


def test_creating_a_calendar_keeps_its_windows_and_accepts_24_00_as_an_end(client, manager):
    body = calendar_body(closures=["2026-12-26", "2026-12-24", "2026-12-24"])
    r = client.post(f"{API}/calendars", json=body, headers=manager)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["name"] == body["name"]
    assert created["timezone"] == "America/Chicago"
    assert created["weekly_hours"] == {"mon": [["08:00", "12:00"], ["13:00", "17:00"]],
                                       "fri": [["20:00", "24:00"]]}
    assert created["holiday_country"] == "US"
    assert created["holiday_subdivision"] is None
    assert created["closures"] == ["2026-12-24", "2026-12-26"]

    got = client.get(f"{API}/calendars/{created['id']}", headers=manager)
    assert got.status_code == 200
    assert got.json() == created


def test_a_calendar_without_public_holidays_is_accepted(client, manager):
    r = client.post(f"{API}/calendars", json=calendar_body(holiday_country=None, closures=[]), headers=manager)
    assert r.status_code == 201, r.text
    assert r.json()["holiday_country"] is None


def test_creating_a_contract_answers_201_with_every_field_and_its_targets(client, session, manager):
    agency, calendar = make_agency(session), make_calendar(session)
    body = contract_body(agency.id, calendar.id, service_credits={
        "per_breach_amount": "250.00", "aql_miss_percent": "2", "cap_percent": "10"})
    r = client.post(f"{API}/contracts", json=body, headers=manager)
    assert r.status_code == 201, r.text
    c = r.json()
    assert c["number"] == body["number"]
    assert c["agency_id"] == agency.id and c["calendar_id"] == calendar.id
    assert (c["title"], c["start_date"], c["end_date"]) == (body["title"], "2026-01-01", "2026-12-31")
    assert float(c["value"]) == 2_500_000 and c["currency"] == "USD"
    assert c["point_of_contact"] == body["point_of_contact"]
    assert float(c["aql_percent"]) == 95 and float(c["availability_target_percent"]) == 98.5
    assert c["exclude_scheduled_maintenance"] is True and c["pause_allowed"] is False
    assert {k: float(v) for k, v in c["service_credits"].items()} == {
        "per_breach_amount": 250, "aql_miss_percent": 2, "cap_percent": 10}
    assert c["sla_policy_version"] == 1
    assert c["sla_targets"] == body["sla_targets"]

    got = client.get(f"{API}/contracts/{c['id']}", headers=manager)
    assert got.status_code == 200
    assert got.json() == c


def test_a_new_sla_policy_version_applies_from_its_instant_and_keeps_the_old_one(client, session, manager):
    contract = make_contract(session)
    new_targets = [{"priority": "P1", "metric": "restore", "minutes": 240, "clock": "24x7"}]
    r = client.post(f"{API}/contracts/{contract.id}/sla-policies", headers=manager, json={
        "effective_from": "2026-07-01T00:00:00-04:00", "reason": "modification P00002", "sla_targets": new_targets})
    assert r.status_code == 201, r.text
    assert r.json() == {"version": 2, "effective_from": "2026-07-01T04:00:00Z", "reason": "modification P00002",
                        "sla_targets": new_targets}

    versions = client.get(f"{API}/contracts/{contract.id}/sla-policies", headers=manager)
    assert versions.status_code == 200
    assert [v["version"] for v in versions.json()] == [1, 2]
    current = client.get(f"{API}/contracts/{contract.id}", headers=manager).json()
    assert (current["sla_policy_version"], current["sla_targets"]) == (2, new_targets)


def test_creating_a_unit_answers_201_with_its_fields_in_utc(client, session, manager):
    contract = make_contract(session)
    body = unit_body(contract.id, in_service_at="2025-06-01T10:00:00+02:00", notes="bay 3")
    r = client.post(f"{API}/units", json=body, headers=manager)
    assert r.status_code == 201, r.text
    u = r.json()
    assert {k: u[k] for k in ("contract_id", "serial", "model", "site", "notes")} == {
        "contract_id": contract.id, "serial": body["serial"], "model": "Crawler X2", "site": "Pier 4",
        "notes": "bay 3"}
    assert u["agency_id"] == contract.agency_id
    assert u["in_service_at"] == "2025-06-01T08:00:00Z"

    got = client.get(f"{API}/units/{u['id']}", headers=manager)
    assert got.status_code == 200
    assert got.json() == u


def _make_five(kind: str, session) -> list[str]:
    if kind == "agencies":
        return [make_agency(session).id for _ in range(5)]
    if kind == "calendars":
        return [make_calendar(session).id for _ in range(5)]
    if kind == "contracts":
        agency, calendar = make_agency(session), make_calendar(session)
        return [make_contract(session, agency=agency, calendar=calendar).id for _ in range(5)]
    contract = make_contract(session)
    return [make_unit(session, contract=contract).id for _ in range(5)]


def _walk(client, headers: dict[str, str], kind: str, **params: Any) -> tuple[list[str], list[int]]:
    """Every id of a list, page by page (limit 2); and the page sizes."""
    seen: list[str] = []
    sizes: list[int] = []
    cursor = None
    while True:
        query = {"limit": 2, **params, **({"cursor": cursor} if cursor else {})}
        r = client.get(f"{API}/{kind}", params=query, headers=headers)
        assert r.status_code == 200, r.text
        page = r.json()
        assert set(page) == {"items", "next_cursor"}
        sizes.append(len(page["items"]))
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return seen, sizes
        assert len(sizes) < 1000, "pagination does not end"


@pytest.mark.parametrize("kind", ["agencies", "calendars", "contracts", "units"])
def test_a_list_walks_every_item_once_across_pages_by_cursor(client, session, admin, kind):
    ids = _make_five(kind, session)
    seen, sizes = _walk(client, admin, kind)
    # rows other tests committed (PostgreSQL runs) may be listed too; ours must all be there, once
    assert len(seen) == len(set(seen))
    assert seen == sorted(seen)
    assert set(ids) <= set(seen)
    assert sizes[:-1] == [2] * (len(sizes) - 1) and 1 <= sizes[-1] <= 2


@pytest.mark.parametrize(("kind", "filter_by"), [("contracts", "agency_id"), ("units", "contract_id")])
def test_a_filtered_list_walks_exactly_its_items_across_pages(client, session, admin, kind, filter_by):
    ids = _make_five(kind, session)
    _make_five(kind, session)  # another agency's / contract's, filtered out
    owner = session.execute(text(f"SELECT {filter_by} FROM {kind} WHERE id = :id"), {"id": ids[0]}).scalar_one()
    seen, sizes = _walk(client, admin, kind, **{filter_by: owner})
    assert seen == sorted(ids)
    assert sizes == [2, 2, 1]


def test_a_list_filters_contracts_by_agency_and_units_by_contract(client, session, admin):
    c1, c2 = make_contract(session), make_contract(session)
    u1, _ = make_unit(session, contract=c1), make_unit(session, contract=c2)
    r = client.get(f"{API}/contracts", params={"agency_id": c1.agency_id}, headers=admin)
    assert [c["id"] for c in r.json()["items"]] == [c1.id]
    r = client.get(f"{API}/units", params={"contract_id": c1.id}, headers=admin)
    assert [u["id"] for u in r.json()["items"]] == [u1.id]


def test_an_empty_list_has_no_next_cursor(client, session, admin):
    r = client.get(f"{API}/units", params={"contract_id": make_contract(session).id}, headers=admin)
    assert r.status_code == 200
    assert r.json() == {"items": [], "next_cursor": None}


# --- bad inputs: 4xx in the error shape, nothing written -------------------------------------
@pytest.fixture
def ctx(session) -> dict[str, Any]:
    """Existing records the bad requests refer to (and collide with)."""
    agency = make_agency(session, code="EXISTING")
    calendar = make_calendar(session)
    contract = make_contract(session, agency=agency, calendar=calendar, number="GS-EXISTING-1")
    unit = make_unit(session, contract=contract, serial="SN-EXISTING")
    return {"agency": agency.id, "calendar": calendar.id, "contract": contract.id, "unit": unit.id}


def _targets(**target: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    t = {"priority": "P1", "metric": "response", "minutes": 60, "clock": "24x7", **target}
    return lambda c: contract_body(c["agency"], c["calendar"], sla_targets=[t])


def _contract(**over: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda c: {**contract_body(c["agency"], c["calendar"]), **over}


def _unit(**over: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda c: {**unit_body(c["contract"]), **over}


def _calendar(**over: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda c: calendar_body(**over)


def _agency(**over: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda c: agency_body(**over)


def _without(make: Callable[[dict[str, Any]], dict[str, Any]], field: str) -> Callable[[dict[str, Any]], dict]:
    def build(c: dict[str, Any]) -> dict[str, Any]:
        body = make(c)
        del body[field]
        return body
    return build


def _policy(**over: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda c: {"effective_from": "2026-07-01T00:00:00Z", "reason": "modification",
                      "sla_targets": [{"priority": "P1", "metric": "response", "minutes": 30, "clock": "24x7"}],
                      **over}


BAD_CREATES = [
    # agencies
    ("agencies", _agency(timezone="Mars/Olympus_Mons"), 422, None),
    ("agencies", _agency(timezone="EST5EDT-ish"), 422, None),
    ("agencies", _agency(code="EXISTING"), 409, "duplicate_agency"),
    ("agencies", _agency(code="x"), 422, "validation_error"),
    ("agencies", _agency(code="has space"), 422, "validation_error"),
    ("agencies", _agency(name=""), 422, "validation_error"),
    ("agencies", _agency(name=7), 422, "validation_error"),
    ("agencies", _agency(colour="blue"), 422, "validation_error"),
    ("agencies", _without(_agency(), "timezone"), 422, "validation_error"),
    # calendars
    ("calendars", _calendar(timezone="Nowhere/Special"), 422, None),
    ("calendars", _calendar(weekly_hours={"mon": [["08:00", "12:00"], ["11:00", "17:00"]]}), 422, None),
    ("calendars", _calendar(weekly_hours={"mon": [["8:00", "17:00"]]}), 422, None),
    ("calendars", _calendar(weekly_hours={"mon": [["08:00", "25:00"]]}), 422, None),
    ("calendars", _calendar(weekly_hours={"mon": [["08:00", "12:60"]]}), 422, None),
    ("calendars", _calendar(weekly_hours={"mon": [["24:00", "24:00"]]}), 422, None),
    ("calendars", _calendar(weekly_hours={"mon": [["17:00", "08:00"]]}), 422, None),
    ("calendars", _calendar(weekly_hours={"mon": [["08:00"]]}), 422, None),
    ("calendars", _calendar(weekly_hours={"mon": ["08:00-17:00"]}), 422, None),
    ("calendars", _calendar(weekly_hours={"monday": [["08:00", "17:00"]]}), 422, None),
    ("calendars", _calendar(weekly_hours={}), 422, None),
    ("calendars", _calendar(holiday_country="ZZ"), 422, None),
    ("calendars", _calendar(holiday_country=None, holiday_subdivision="CA"), 422, None),
    ("calendars", _calendar(closures=["24/12/2026"]), 422, None),
    ("calendars", _calendar(closures=["2026-02-30"]), 422, None),
    ("calendars", _calendar(open_on_sundays=True), 422, "validation_error"),
    # contracts
    ("contracts", _contract(start_date="2026-12-31", end_date="2026-01-01"), 422, None),
    ("contracts", _contract(start_date="2026/01/01"), 422, None),
    ("contracts", _contract(number="GS-EXISTING-1"), 409, "duplicate_contract"),
    ("contracts", _targets(priority="P5"), 422, "validation_error"),
    ("contracts", _targets(metric="uptime"), 422, "validation_error"),
    ("contracts", _targets(clock="business"), 422, "validation_error"),
    ("contracts", _targets(minutes=False), 422, "validation_error"),
    ("contracts", _targets(minutes="60"), 422, "validation_error"),
    ("contracts", _targets(minutes=60.5), 422, "validation_error"),
    ("contracts", _targets(minutes=0), 422, "validation_error"),
    ("contracts", _targets(weight=2), 422, "validation_error"),
    ("contracts", _contract(sla_targets=[]), 422, "validation_error"),
    ("contracts", _contract(sla_targets=[{"priority": "P1", "metric": "response", "minutes": 60, "clock": "24x7"},
                                         {"priority": "P1", "metric": "response", "minutes": 30, "clock": "24x7"}]),
     422, "validation_error"),
    ("contracts", _contract(aql_percent="101"), 422, "validation_error"),
    ("contracts", _contract(aql_percent=True), 422, "validation_error"),
    ("contracts", _contract(aql_percent="95.1234"), 422, "validation_error"),  # stored with 3 places
    ("contracts", _contract(value="lots"), 422, "validation_error"),
    ("contracts", _contract(value="-1.00"), 422, "validation_error"),
    ("contracts", _contract(value="NaN"), 422, "validation_error"),
    ("contracts", _contract(currency="usd"), 422, "validation_error"),
    ("contracts", _contract(pause_allowed="yes"), 422, "validation_error"),
    ("contracts", _contract(pause_allowed=1), 422, "validation_error"),
    ("contracts", _contract(agency_id="00000000-0000-7000-8000-000000000000"), 404, "not_found"),
    ("contracts", _contract(calendar_id="00000000-0000-7000-8000-000000000000"), 404, "not_found"),
    ("contracts", _contract(discount="5%"), 422, "validation_error"),
    ("contracts", _without(_contract(), "sla_targets"), 422, "validation_error"),
    # units
    ("units", _unit(serial="SN-EXISTING"), 409, "duplicate_serial"),
    ("units", _unit(in_service_at="2025-06-01T08:00:00"), 422, "validation_error"),
    ("units", _unit(in_service_at="2025-06-01"), 422, "validation_error"),
    ("units", _unit(in_service_at="yesterday"), 422, "validation_error"),
    ("units", _unit(in_service_at=1748764800), 422, "validation_error"),
    ("units", _unit(serial=""), 422, "validation_error"),
    ("units", _unit(serial=12345), 422, "validation_error"),
    ("units", _unit(contract_id="00000000-0000-7000-8000-000000000000"), 404, "not_found"),
    ("units", _unit(owner="me"), 422, "validation_error"),
    # SLA policy versions
    ("contracts/{contract}/sla-policies", _policy(effective_from="2026-07-01T00:00:00"), 422, "validation_error"),
    ("contracts/{contract}/sla-policies", _policy(effective_from="1969-12-31T00:00:00Z"), 422, None),
    ("contracts/{contract}/sla-policies", _policy(sla_targets=[{"priority": "P1", "metric": "mttr",
                                                                 "minutes": 30, "clock": "24x7"}]), 422, None),
    ("contracts/{contract}/sla-policies", _policy(sla_targets=[{"priority": "P1", "metric": "response",
                                                                 "minutes": "30", "clock": "24x7"}]), 422, None),
    ("contracts/{contract}/sla-policies", _policy(reason=None), 422, None),
    ("contracts/00000000-0000-7000-8000-000000000000/sla-policies", _policy(), 404, "not_found"),
]


@pytest.mark.parametrize(("path", "make_body", "status", "code"), BAD_CREATES,
                         ids=[f"{p.split('/')[0]}-{i}" for i, (p, *_) in enumerate(BAD_CREATES)])
def test_a_bad_create_answers_4xx_in_the_error_shape_and_writes_nothing(client, session, manager, ctx,
                                                                         path, make_body, status, code):
    body = make_body(ctx)
    before = row_counts(session)
    r = client.post(f"{API}/{path.format(**ctx)}", json=body, headers=manager)
    assert_error(r, status, code)
    assert row_counts(session) == before


def test_a_validation_error_names_the_field(client, session, manager, ctx):
    r = client.post(f"{API}/contracts", json=_targets(minutes="60")(ctx), headers=manager)
    error = assert_error(r, 422, "validation_error")
    assert [d["field"] for d in error["details"]] == ["sla_targets.0.minutes"]


def test_an_unknown_timezone_is_named_in_the_message(client, manager):
    r = client.post(f"{API}/agencies", json=agency_body(timezone="Mars/Olympus_Mons"), headers=manager)
    assert "Mars/Olympus_Mons" in assert_error(r, 422)["message"]


def test_end_before_start_is_explained(client, session, manager, ctx):
    r = client.post(f"{API}/contracts", json=_contract(start_date="2026-12-31", end_date="2026-01-01")(ctx),
                    headers=manager)
    assert "before start_date" in assert_error(r, 422)["message"]


def test_overlapping_calendar_windows_are_explained(client, manager):
    r = client.post(f"{API}/calendars", headers=manager,
                    json=calendar_body(weekly_hours={"mon": [["08:00", "12:00"], ["11:00", "17:00"]]}))
    assert "overlap" in assert_error(r, 422)["message"]


@pytest.mark.parametrize(("kind", "cursor"), [
    *[("agencies", c) for c in ("!!!", "not a cursor", "YWJj", "zzzz", "MDAwMDAwMDA")],
    ("calendars", "!!!"), ("contracts", "YWJj"), ("units", "MDAwMDAwMDA"),
])
def test_a_cursor_the_server_did_not_issue_is_rejected(client, admin, ctx, kind, cursor):
    r = client.get(f"{API}/{kind}", params={"cursor": cursor}, headers=admin)
    assert_error(r, 422, "invalid_cursor")


@pytest.mark.parametrize("limit", ["0", "-1", "501", "abc", "1.5"])
def test_a_limit_out_of_range_is_rejected(client, admin, limit):
    r = client.get(f"{API}/agencies", params={"limit": limit}, headers=admin)
    assert_error(r, 422)


@pytest.mark.parametrize("kind", ["agencies", "calendars", "contracts", "units"])
def test_getting_a_missing_id_answers_404_in_the_error_shape(client, admin, kind):
    r = client.get(f"{API}/{kind}/00000000-0000-7000-8000-000000000000", headers=admin)
    assert_error(r, 404, "not_found")


@pytest.mark.parametrize(("content", "content_type"), [
    (b'{"code": "AB1", "name": "x", ', "application/json"),
    (b"", "application/json"),
    (b"[1, 2", "application/json"),
    (b'{"code": "AB1", "name": "A", "timezone": "UTC"}', "text/plain"),
    (b"code=AB1&name=A&timezone=UTC", "application/x-www-form-urlencoded"),
])
def test_a_body_that_is_not_a_json_object_is_rejected_and_writes_nothing(client, session, manager,
                                                                         content, content_type):
    before = row_counts(session)
    r = client.post(f"{API}/agencies", content=content, headers={**manager, "Content-Type": content_type})
    assert 400 <= r.status_code < 500
    assert_error(r, r.status_code)
    assert row_counts(session) == before


def test_an_unknown_route_answers_404_in_the_error_shape(client, admin):
    assert_error(client.get(f"{API}/spaceships", headers=admin), 404, "not_found")


@pytest.mark.parametrize(("method", "path"), [("DELETE", "/agencies"), ("PUT", "/units"),
                                              ("PATCH", "/contracts"), ("POST", "/audit/verify")])
def test_a_wrong_method_answers_405_in_the_error_shape(client, session, admin, method, path):
    before = row_counts(session)
    r = client.request(method, f"{API}{path}", headers=admin, json={})
    assert_error(r, 405, "method_not_allowed")
    assert row_counts(session) == before
