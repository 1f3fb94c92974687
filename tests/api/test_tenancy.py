"""Tenancy and roles through HTTP: an agency key sees only its own agency's objects; another
agency's object answers exactly like a missing one; roles get what their names promise."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from fleet.models import Agency, Calendar, Contract, Unit
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
MISSING = "00000000-0000-7000-8000-000000000000"


@dataclass
class Tenant:
    agency: Agency
    calendar: Calendar
    contract: Contract
    unit: Unit
    headers: dict[str, str]

    def ids(self) -> dict[str, str]:
        return {"agencies": self.agency.id, "calendars": self.calendar.id, "contracts": self.contract.id,
                "units": self.unit.id}


def _tenant(session, code: str) -> Tenant:
    agency = make_agency(session, code=code)
    calendar = make_calendar(session)
    contract = make_contract(session, agency=agency, calendar=calendar)
    unit = make_unit(session, contract=contract)
    return Tenant(agency, calendar, contract, unit, auth(make_key(session, "agency", agency=agency)))


@pytest.fixture
def ours(session) -> Tenant:
    return _tenant(session, "OURS")


@pytest.fixture
def theirs(session) -> Tenant:
    return _tenant(session, "THEIRS")


KINDS = ["agencies", "calendars", "contracts", "units"]


@pytest.mark.parametrize("kind", KINDS)
def test_an_agency_key_reads_its_own_objects(client, ours, theirs, kind):
    r = client.get(f"{API}/{kind}/{ours.ids()[kind]}", headers=ours.headers)
    assert r.status_code == 200, r.text
    assert r.json()["id"] == ours.ids()[kind]


@pytest.mark.parametrize("kind", KINDS)
def test_an_agency_key_gets_the_missing_answer_for_another_agencys_object(client, ours, theirs, kind):
    other_id = theirs.ids()[kind]
    other = client.get(f"{API}/{kind}/{other_id}", headers=ours.headers)
    missing = client.get(f"{API}/{kind}/{MISSING}", headers=ours.headers)
    assert_error(other, 404, "not_found")
    assert_error(missing, 404, "not_found")
    assert other.text.replace(other_id, "<id>") == missing.text.replace(MISSING, "<id>")
    assert other.headers.get("content-type") == missing.headers.get("content-type")
    # the owner (and an admin) do see it: the 404 is tenancy, not a missing row
    assert client.get(f"{API}/{kind}/{other_id}", headers=theirs.headers).status_code == 200


def test_an_agency_key_cannot_read_another_agencys_sla_policies(client, ours, theirs):
    other = client.get(f"{API}/contracts/{theirs.contract.id}/sla-policies", headers=ours.headers)
    missing = client.get(f"{API}/contracts/{MISSING}/sla-policies", headers=ours.headers)
    assert_error(other, 404, "not_found")
    assert other.text.replace(theirs.contract.id, "<id>") == missing.text.replace(MISSING, "<id>")
    own = client.get(f"{API}/contracts/{ours.contract.id}/sla-policies", headers=ours.headers)
    assert own.status_code == 200 and [p["version"] for p in own.json()] == [1]


@pytest.mark.parametrize("kind", KINDS)
def test_an_agency_key_lists_only_its_own_objects(client, session, ours, theirs, kind):
    make_calendar(session)  # a calendar no contract of ours uses
    seen = []
    cursor = None
    while True:
        r = client.get(f"{API}/{kind}", params={"limit": 1, **({"cursor": cursor} if cursor else {})},
                       headers=ours.headers)
        assert r.status_code == 200, r.text
        seen += [item["id"] for item in r.json()["items"]]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == [ours.ids()[kind]]


@pytest.mark.parametrize("kind", KINDS)
def test_an_admin_lists_every_agencys_objects(client, session, ours, theirs, kind):
    admin = auth(make_key(session, "admin"))
    r = client.get(f"{API}/{kind}", headers=admin)
    assert {item["id"] for item in r.json()["items"]} >= {ours.ids()[kind], theirs.ids()[kind]}


def test_filtering_by_another_agencys_ids_finds_nothing(client, ours, theirs):
    r = client.get(f"{API}/contracts", params={"agency_id": theirs.agency.id}, headers=ours.headers)
    assert r.json() == {"items": [], "next_cursor": None}
    r = client.get(f"{API}/units", params={"contract_id": theirs.contract.id}, headers=ours.headers)
    assert r.json() == {"items": [], "next_cursor": None}


def test_a_cursor_does_not_leak_another_agencys_objects(client, session, ours, theirs):
    more = [make_unit(session, contract=theirs.contract) for _ in range(3)]
    admin = auth(make_key(session, "admin"))
    first = client.get(f"{API}/units", params={"limit": 1}, headers=admin).json()
    r = client.get(f"{API}/units", params={"cursor": first["next_cursor"]}, headers=ours.headers)
    assert {u["id"] for u in r.json()["items"]} <= {ours.unit.id}
    assert not {u["id"] for u in r.json()["items"]} & {u.id for u in more}


def test_a_calendar_shared_by_two_agencies_is_visible_to_both(client, session, ours, theirs):
    shared = make_calendar(session)
    make_contract(session, agency=ours.agency, calendar=shared)
    make_contract(session, agency=theirs.agency, calendar=shared)
    for t in (ours, theirs):
        assert client.get(f"{API}/calendars/{shared.id}", headers=t.headers).status_code == 200


# --- roles ------------------------------------------------------------------------------------
def _write_bodies(t: Tenant) -> dict[str, dict]:
    return {
        "agencies": agency_body(),
        "calendars": calendar_body(),
        "contracts": contract_body(t.agency.id, t.calendar.id),
        "units": unit_body(t.contract.id),
        f"contracts/{t.contract.id}/sla-policies": {
            "effective_from": "2026-07-01T00:00:00Z", "reason": "mod",
            "sla_targets": [{"priority": "P1", "metric": "response", "minutes": 30, "clock": "24x7"}]},
    }


@pytest.mark.parametrize("role", ["agency", "engineer", "telemetry"])
@pytest.mark.parametrize("target", ["agencies", "calendars", "contracts", "units", "sla-policies"])
def test_roles_without_registry_rights_get_403_and_write_nothing(client, session, ours, role, target):
    headers = ours.headers if role == "agency" else auth(make_key(session, role))
    bodies = _write_bodies(ours)
    path = next(p for p in bodies if p.endswith(target))
    before = row_counts(session)
    r = client.post(f"{API}/{path}", json=bodies[path], headers=headers)
    assert_error(r, 403, "forbidden")
    assert row_counts(session) == before


@pytest.mark.parametrize("role", ["admin", "manager"])
@pytest.mark.parametrize("target", ["agencies", "calendars", "contracts", "units", "sla-policies"])
def test_admins_and_managers_may_write_the_registry(client, session, ours, role, target):
    headers = auth(make_key(session, role))
    bodies = _write_bodies(ours)
    path = next(p for p in bodies if p.endswith(target))
    r = client.post(f"{API}/{path}", json=bodies[path], headers=headers)
    assert r.status_code == 201, r.text


@pytest.mark.parametrize("path", ["/agencies", "/calendars", "/contracts", "/units", "/agencies/{agency}",
                                  "/contracts/{contract}", "/units/{unit}", "/contracts/{contract}/sla-policies",
                                  "/audit/verify"])
def test_a_telemetry_key_gets_403_on_registry_reads(client, session, ours, path):
    telemetry = auth(make_key(session, "telemetry", agency=ours.agency))
    url = API + path.format(agency=ours.agency.id, contract=ours.contract.id, unit=ours.unit.id)
    assert_error(client.get(url, headers=telemetry), 403, "forbidden")


@pytest.mark.parametrize("kind", KINDS)
def test_an_engineer_reads_the_whole_registry(client, session, ours, theirs, kind):
    engineer = auth(make_key(session, "engineer"))
    for t in (ours, theirs):
        assert client.get(f"{API}/{kind}/{t.ids()[kind]}", headers=engineer).status_code == 200


def test_an_agency_key_cannot_verify_the_audit_chain(client, ours):
    assert_error(client.get(f"{API}/audit/verify", headers=ours.headers), 403, "forbidden")
