"""Dispatch through HTTP: managers assign and reassign with a reason, an engineer takes an
unassigned ticket or hands it back, every change is an audited fact that never moves a clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from fleet import audit
from fleet.models import TicketAssignment
from tests.builders import (
    add_event,
    assert_error,
    auth,
    make_agency,
    make_contract,
    make_key,
    make_ticket,
    make_unit,
    make_user,
    row_counts,
)

API = "/api/v1"
T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


@pytest.fixture
def crew(session) -> dict[str, Any]:
    """An agency's ticket, two engineers on team North, one on South, their keys, a manager."""
    agency = make_agency(session)
    unit = make_unit(session, contract=make_contract(session, agency=agency))
    for name, team in (("dana", "North"), ("eli", "North"), ("sam", "South")):
        make_user(session, "engineer", username=name, team=team)
    return {
        "ticket": make_ticket(session, unit=unit, priority="P1", reported_at=T0),
        "agency": agency, "unit": unit,
        "mgr": auth(make_key(session, "manager", name="morgan")),
        "dana": auth(make_key(session, "engineer", name="dana")),
        "eli": auth(make_key(session, "engineer", name="eli")),
        "agency_key": auth(make_key(session, "agency", agency=agency)),
    }


def _assign(client, crew, who: str, body: dict[str, Any], **headers: str):  # type: ignore[no-untyped-def]
    return client.post(f"{API}/tickets/{crew['ticket'].id}/assignment", json=body,
                       headers={**crew[who], **headers})


def test_a_manager_assigns_a_ticket_and_its_json_names_the_assignee_and_team(client, session, crew):
    r = _assign(client, crew, "mgr", {"assignee": "dana"})
    assert r.status_code == 201, r.text
    assert r.json()["assignee"] == "dana" and r.json()["team"] == "North" and r.json()["actor"] == "key:morgan"
    detail = client.get(f"{API}/tickets/{crew['ticket'].id}", headers=crew["mgr"]).json()
    assert detail["assignee"] == "dana" and detail["team"] == "North"
    assert [a["assignee"] for a in detail["assignments"]] == ["dana"]
    assert detail["time_to_assign_minutes"] is not None and detail["time_to_assign_minutes"] > 0
    listed = client.get(f"{API}/tickets", headers=crew["mgr"], params={"unit_id": crew["unit"].id}).json()
    assert [t["assignee"] for t in listed["items"]] == ["dana"]
    assert audit.verify(session).ok


def test_reassigning_someone_elses_ticket_needs_a_reason(client, session, crew):
    assert _assign(client, crew, "mgr", {"assignee": "dana"}).status_code == 201
    before = row_counts(session)
    assert_error(_assign(client, crew, "mgr", {"assignee": "sam"}), 422, "reason_required")
    assert row_counts(session) == before
    r = _assign(client, crew, "mgr", {"assignee": "sam", "reason": "Dana is on leave from noon"})
    assert r.status_code == 201, r.text
    assert (r.json()["assignee"], r.json()["team"], r.json()["reason"]) == ("sam", "South",
                                                                            "Dana is on leave from noon")


def test_an_engineer_takes_an_unassigned_ticket_and_hands_it_back_to_the_team(client, crew):
    _assign(client, crew, "mgr", {"assignee": None, "team": "North"})
    took = _assign(client, crew, "dana", {"assignee": "dana"})
    assert took.status_code == 201, took.text
    assert (took.json()["assignee"], took.json()["team"]) == ("dana", "North")
    back = _assign(client, crew, "dana", {"assignee": None, "reason": "Needs a crane; not my kit"})
    assert back.status_code == 201, back.text
    assert (back.json()["assignee"], back.json()["team"]) == (None, "North")
    detail = client.get(f"{API}/tickets/{crew['ticket'].id}", headers=crew["dana"]).json()
    assert detail["assignee"] is None and [a["assignee"] for a in detail["assignments"]] == [None, "dana", None]


@pytest.mark.parametrize(("who", "body", "status", "code"), [
    ("dana", {"assignee": "eli"}, 403, "dispatch_forbidden"),  # an engineer assigns only themself
    ("dana", {"assignee": None}, 403, "dispatch_forbidden"),  # nor hands back what is not theirs
    ("dana", {"assignee": "dana", "team": "South"}, 403, "dispatch_forbidden"),
    ("agency_key", {"assignee": "dana"}, 403, "forbidden"),
    ("mgr", {"assignee": "nobody-here"}, 422, "unknown_engineer"),
    ("mgr", {"assignee": "morgan"}, 422, "unknown_engineer"),  # a manager's key is not an engineer
    ("mgr", {}, 422, "validation_error"),  # assignee must be said (null hands back)
    ("mgr", {"assignee": 7}, 422, "validation_error"),
    ("mgr", {"assignee": "dana", "priority": "P1"}, 422, "validation_error"),
    ("mgr", {"assignee": "   "}, 422, "validation_error"),
    ("mgr", {"assignee": "dana", "reason": "x" * 2001}, 422, "validation_error"),
])
def test_a_refused_assignment_answers_in_the_one_error_shape_and_changes_nothing(client, session, crew, who, body,
                                                                                   status, code):
    before = row_counts(session)
    assert_error(_assign(client, crew, who, body), status, code)
    assert row_counts(session) == before


def test_an_engineer_cannot_take_a_ticket_assigned_to_someone_else(client, crew):
    _assign(client, crew, "mgr", {"assignee": "eli"})
    assert_error(_assign(client, crew, "dana", {"assignee": "dana"}), 409, "assigned_to_someone_else")


def test_assigning_twice_to_the_same_engineer_is_a_conflict_not_a_second_fact(client, session, crew):
    _assign(client, crew, "mgr", {"assignee": "dana"})
    assert_error(_assign(client, crew, "mgr", {"assignee": "dana"}), 409, "already_assigned")
    assert session.query(TicketAssignment).count() == 1


def test_a_closed_ticket_is_not_assigned(client, session, crew):
    add_event(session, crew["ticket"], "resolved", datetime(2026, 3, 2, 16, tzinfo=UTC))
    add_event(session, crew["ticket"], "closed", datetime(2026, 3, 2, 17, tzinfo=UTC))
    assert_error(_assign(client, crew, "mgr", {"assignee": "dana"}), 409, "ticket_closed")


def test_an_assignment_replayed_with_its_idempotency_key_records_once(client, session, crew):
    first = _assign(client, crew, "mgr", {"assignee": "dana"}, **{"Idempotency-Key": "dispatch-1"})
    again = _assign(client, crew, "mgr", {"assignee": "dana"}, **{"Idempotency-Key": "dispatch-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert session.query(TicketAssignment).count() == 1
    other = _assign(client, crew, "mgr", {"assignee": "eli", "reason": "swap"}, **{"Idempotency-Key": "dispatch-1"})
    assert_error(other, 409, "idempotency_key_reused")


def test_assignment_never_moves_an_sla_clock(client, crew):
    url = f"{API}/tickets/{crew['ticket'].id}/sla"
    params = {"at": "2026-03-02T15:00:00Z"}
    before = client.get(url, headers=crew["mgr"], params=params).json()
    _assign(client, crew, "mgr", {"assignee": "dana"})
    _assign(client, crew, "mgr", {"assignee": "eli", "reason": "closer to the site"})
    after = client.get(url, headers=crew["mgr"], params=params).json()
    assert before["metrics"] == after["metrics"]


def test_the_assignment_as_of_an_earlier_instant_is_the_one_recorded_by_then(client, session, crew):
    from fleet import dispatch

    _assign(client, crew, "mgr", {"assignee": "dana"})
    first = session.query(TicketAssignment).one().recorded_at
    _assign(client, crew, "mgr", {"assignee": "eli", "reason": "closer to the site"})
    ticket_id = crew["ticket"].id
    assert dispatch.dispatch_of(session, [ticket_id], as_of=first)[ticket_id].assignee == "dana"
    assert dispatch.dispatch_of(session, [ticket_id])[ticket_id].assignee == "eli"
    assert dispatch.dispatch_of(session, [ticket_id], as_of=T0) == {}


def test_an_agency_sees_who_was_assigned_but_never_the_internal_reason(client, crew):
    _assign(client, crew, "mgr", {"assignee": "dana"})
    _assign(client, crew, "mgr", {"assignee": "eli", "reason": "Dana is on leave from noon"})
    url = f"{API}/tickets/{crew['ticket'].id}"
    theirs = client.get(url, headers=crew["agency_key"]).json()
    ours = client.get(url, headers=crew["mgr"]).json()
    assert [a["assignee"] for a in theirs["assignments"]] == ["dana", "eli"]
    assert [a["assignee"] for a in ours["assignments"]] == ["dana", "eli"]
    assert [a["reason"] for a in ours["assignments"]] == [None, "Dana is on leave from noon"]
    assert [a["reason"] for a in theirs["assignments"]] == [None, None]
    assert "on leave" not in client.get(url, headers=crew["agency_key"]).text


def test_another_agencys_ticket_answers_an_agency_like_a_missing_one(client, session, crew):
    theirs = make_ticket(session, unit=make_unit(session))
    r = client.post(f"{API}/tickets/{theirs.id}/comments", headers=crew["agency_key"],
                    json={"body": "Hello?", "visibility": "public"})
    missing = client.post(f"{API}/tickets/00000000-0000-7000-8000-000000000000/comments",
                          headers=crew["agency_key"], json={"body": "Hello?", "visibility": "public"})
    assert_error(r, 404, "not_found")
    assert_error(missing, 404, "not_found")
    assert client.get(f"{API}/tickets/{theirs.id}/comments", headers=crew["agency_key"]).status_code == 404


def test_the_cli_creates_an_engineer_in_a_team_and_moves_them(cli, session):
    from fleet import dispatch

    r = cli("users", "create", "--role", "engineer", "--username", "rita", "--team", "North", "--password-stdin",
            input="long-enough-password\n")
    assert r.exit_code == 0, r.output
    assert "in team North" in r.output
    assert dispatch.team_of(session, "rita") == "North"
    moved = cli("users", "team", "--username", "rita", "--team", "South")
    assert moved.exit_code == 0, moved.output
    session.expire_all()
    assert dispatch.team_of(session, "rita") == "South"
    assert cli("users", "team", "--username", "ghost", "--team", "South").exit_code != 0
    assert audit.verify(session).ok
