"""Report schedules through HTTP: ``PUT/GET/DELETE /api/v1/contracts/{id}/report-schedule``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from fleet import audit
from fleet.models import AuditEntry, Contract
from tests.builders import assert_error, auth, make_agency, make_contract, make_key, row_counts

MONTHLY = {"cadence": "monthly", "working_day": 1}


@dataclass
class World:
    contract_a: Contract
    contract_b: Contract
    manager: dict[str, str]
    admin: dict[str, str]
    engineer: dict[str, str]
    agency_a: dict[str, str]
    telemetry: dict[str, str]


@pytest.fixture
def world(session: Session) -> World:
    a, b = make_agency(session), make_agency(session)
    return World(make_contract(session, agency=a), make_contract(session, agency=b),
                 auth(make_key(session, "manager")), auth(make_key(session, "admin")),
                 auth(make_key(session, "engineer")), auth(make_key(session, "agency", agency=a)),
                 auth(make_key(session, "telemetry")))


def url(contract: Contract | str) -> str:
    return f"/api/v1/contracts/{contract if isinstance(contract, str) else contract.id}/report-schedule"


def put(client: Any, headers: dict[str, str], contract: Contract | str, body: Any) -> Any:
    return client.put(url(contract), headers=headers, json=body)


def test_a_manager_puts_a_schedule_and_everyone_who_may_see_the_contract_reads_it(client, world: World) -> None:
    r = put(client, world.manager, world.contract_a, MONTHLY)
    assert r.status_code == 201, r.text
    body = r.json()
    assert set(body) == {"id", "contract_id", "agency_id", "cadence", "working_day", "created_at", "created_by",
                         "next_review"}
    assert (body["contract_id"], body["agency_id"], body["cadence"], body["working_day"]) == (
        world.contract_a.id, world.contract_a.agency_id, "monthly", 1)
    assert set(body["next_review"]) == {"from", "to", "due_at"}
    assert body["created_by"].startswith("key:")
    for headers in (world.manager, world.engineer, world.agency_a, world.admin):
        got = client.get(url(world.contract_a), headers=headers)
        assert got.status_code == 200, got.text
        assert got.json() == body


def test_putting_again_replaces_the_cadence_and_working_day(client, world: World) -> None:
    first = put(client, world.manager, world.contract_a, MONTHLY).json()
    r = put(client, world.admin, world.contract_a, {"cadence": "quarterly", "working_day": 3})
    assert r.status_code == 200, r.text
    assert (r.json()["id"], r.json()["cadence"], r.json()["working_day"]) == (first["id"], "quarterly", 3)
    assert r.json()["created_at"] == first["created_at"]


def test_deleting_stops_the_schedule_and_putting_it_again_makes_it_live_from_then(client, session, world: World
                                                                                  ) -> None:
    first = put(client, world.manager, world.contract_a, MONTHLY).json()
    assert client.delete(url(world.contract_a), headers=world.manager).status_code == 204
    assert_error(client.get(url(world.contract_a), headers=world.manager), 404, "no_report_schedule")
    assert_error(client.delete(url(world.contract_a), headers=world.manager), 404, "no_report_schedule")
    again = put(client, world.manager, world.contract_a, {"cadence": "monthly", "working_day": 2})
    assert again.status_code == 201, again.text
    assert again.json()["id"] == first["id"] and again.json()["created_at"] >= first["created_at"]
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.entity_type == "report_schedule")
                              .order_by(AuditEntry.seq)).all()
    assert actions == ["report_schedule.create", "report_schedule.delete", "report_schedule.create"]
    assert audit.verify(session).ok  # every write proved its row, the deleted one too (it stays)


def test_only_admins_and_managers_may_change_a_schedule(client, session, world: World) -> None:
    before = row_counts(session)
    for headers in (world.engineer, world.agency_a, world.telemetry):
        assert_error(put(client, headers, world.contract_a, MONTHLY), 403)
        assert_error(client.delete(url(world.contract_a), headers=headers), 403)
    assert_error(client.get(url(world.contract_a), headers=world.telemetry), 403)
    assert row_counts(session) == before


def test_another_agencys_contract_is_not_found_like_a_missing_one(client, world: World) -> None:
    put(client, world.manager, world.contract_b, MONTHLY)
    other = assert_error(client.get(url(world.contract_b), headers=world.agency_a), 404)
    missing = assert_error(client.get(url("no-such-contract"), headers=world.agency_a), 404)
    assert other["code"] == missing["code"]
    assert_error(put(client, world.manager, "no-such-contract", MONTHLY), 404)
    assert_error(client.get(url(world.contract_a), headers=world.agency_a), 404, "no_report_schedule")


@pytest.mark.parametrize("body", [
    {"cadence": "weekly", "working_day": 1},
    {"cadence": "monthly", "working_day": 0},
    {"cadence": "monthly", "working_day": 11},
    {"cadence": "monthly", "working_day": "1"},
    {"cadence": "monthly", "working_day": True},
    {"cadence": "monthly", "working_day": 1.0},
    {"cadence": "Monthly", "working_day": 1},
    {"cadence": "monthly"},
    {"working_day": 1},
    {"cadence": "monthly", "working_day": 1, "hour": 9},
    [],
    None,
])
def test_bad_input_is_422_and_changes_nothing(client, session, world: World, body: Any) -> None:
    put(client, world.manager, world.contract_a, MONTHLY)
    before = row_counts(session)
    assert_error(put(client, world.manager, world.contract_a, body), 422)
    assert row_counts(session) == before
    assert client.get(url(world.contract_a), headers=world.manager).json()["working_day"] == 1
