"""Dispatch and the conversation on the web pages: the manager's board assigns in one tap, the
engineer sees their own tickets first, the agency opens a ticket, talks to the service team and
rates the service, and never sees an internal note."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fleet import dispatch
from fleet.models import Rating, Ticket, TicketAssignment, TicketComment
from fleet.principal import SYSTEM
from tests.builders import add_comment, add_event, assign_ticket, make_ticket, make_user, row_counts
from tests.web.conftest import World, csrf_of, form_keys

SECRET = "Gearbox on back-order until the 20th; keep that between us"


def _form(html: str, **fields: str) -> dict[str, str]:
    return {"csrf_token": csrf_of(html), "form_key": form_keys(html)[0], **fields}


def _team(session: Session) -> None:
    dispatch.set_team(session, SYSTEM, username="eng", team="North")
    make_user(session, "engineer", username="kim", team="North")
    session.commit()


def test_the_manager_assigns_from_the_board_in_one_tap_and_the_engineer_sees_it_first(
        manager: TestClient, engineer: TestClient, world: World, session: Session) -> None:
    _team(session)
    now = datetime.now(UTC)
    other = make_ticket(session, unit=world.unit, priority="P1", reported_at=now - timedelta(hours=3),
                        summary="Tether breach, unit down")  # breached: more urgent than world.ticket
    session.commit()
    board = manager.get("/dispatch")
    assert board.status_code == 200
    item = board.text[board.text.index(f'data-ticket="{world.ticket.number}"'):]
    token = re.search(r'name="form_key" value="([^"]+)"', item)
    assert token and 'data-assignee="eng"' in item
    r = manager.post(f"/tickets/{world.ticket.id}/assignment", data={
        "csrf_token": csrf_of(board.text), "form_key": token.group(1), "assignee": "eng", "next": "/dispatch"},
        follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/dispatch"
    assert dispatch.dispatch_of(session, [world.ticket.id])[world.ticket.id].assignee == "eng"
    work = engineer.get("/work").text
    mine = work.index('id="group-mine"')
    assert mine < work.index("Crawler lost adhesion") < work.index('id="group-unteamed"') < work.index(
        "Tether breach")  # their own ticket first, though the other one is more urgent
    assert other.number in manager.get("/dispatch").text


def test_an_engineer_takes_an_unassigned_team_ticket_and_hands_it_back(engineer: TestClient, world: World,
                                                                       session: Session) -> None:
    _team(session)
    assign_ticket(session, world.ticket, None, team="North")
    session.commit()
    assert 'id="group-team"' in engineer.get("/work").text
    page = engineer.get(f"/tickets/{world.ticket.id}").text
    assert 'id="take-it"' in page
    took = engineer.post(f"/tickets/{world.ticket.id}/assignment", data=_form(page, assignee="eng"),
                         follow_redirects=False)
    assert took.status_code == 303
    page = engineer.get(f"/tickets/{world.ticket.id}").text
    assert '<strong id="assignee">eng</strong>' in page and 'id="hand-back"' in page
    keys = form_keys(page)
    back = engineer.post(f"/tickets/{world.ticket.id}/assignment", data={
        "csrf_token": csrf_of(page), "form_key": keys[0], "assignee": "", "reason": "Needs the lift kit"},
        follow_redirects=False)
    assert back.status_code == 303
    state = dispatch.dispatch_of(session, [world.ticket.id])[world.ticket.id]
    assert (state.assignee, state.team) == (None, "North")


def test_an_engineer_taking_someone_elses_ticket_is_told_why_and_nothing_changes(
        engineer: TestClient, world: World, session: Session) -> None:
    _team(session)
    page = engineer.get(f"/tickets/{world.ticket.id}").text
    assign_ticket(session, world.ticket, "kim")  # while the engineer looked at the page
    session.commit()
    before = row_counts(session)
    r = engineer.post(f"/tickets/{world.ticket.id}/assignment", data=_form(page, assignee="eng"))
    assert r.status_code == 409 and "assigned to kim" in r.text and 'id="assign-error"' in r.text
    assert row_counts(session) == before


def test_the_dispatch_board_is_for_managers_only(engineer: TestClient, navy: TestClient) -> None:
    assert engineer.get("/dispatch").status_code == 403
    assert navy.get("/dispatch").status_code == 403


def test_the_agency_opens_a_ticket_for_its_unit_and_a_double_submit_opens_one(
        navy: TestClient, world: World, session: Session) -> None:
    page = navy.get("/tickets/new").text
    assert world.unit.serial in page and world.other_unit.serial not in page
    data = _form(page, unit_id=world.unit.id, priority="P2", summary="Camera fogged after washdown",
                 unit_down="on", started_at="", description="Lens inside the dome is wet.")
    first = navy.post("/tickets/new", data=data, follow_redirects=False)
    again = navy.post("/tickets/new", data=data, follow_redirects=False)
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]
    opened = session.scalars(select(Ticket).where(Ticket.summary == "Camera fogged after washdown")).all()
    assert len(opened) == 1 and opened[0].unit_down and opened[0].reporter == "navy"


def test_the_agency_cannot_open_a_ticket_for_another_agencys_unit(navy: TestClient, world: World,
                                                                  session: Session) -> None:
    page = navy.get("/tickets/new").text
    before = row_counts(session)
    r = navy.post("/tickets/new", data=_form(page, unit_id=world.other_unit.id, priority="P2", summary="x"))
    assert r.status_code == 404 and world.other_unit.serial not in r.text
    assert row_counts(session) == before


def test_the_agency_asks_in_public_and_never_sees_an_internal_note(navy: TestClient, engineer: TestClient,
                                                                   world: World, session: Session) -> None:
    page = navy.get(f"/tickets/{world.ticket.id}").text
    assert 'name="visibility" value="internal"' not in page
    asked = navy.post(f"/tickets/{world.ticket.id}/comments",
                      data=_form(page, body="Can you come before the 14:00 shift change?", visibility="public"),
                      follow_redirects=False)
    assert asked.status_code == 303
    add_comment(session, world.ticket, SECRET, "internal")
    session.commit()
    staff = engineer.get(f"/tickets/{world.ticket.id}").text
    assert SECRET in staff and "14:00 shift change" in staff
    reply = engineer.post(f"/tickets/{world.ticket.id}/comments", data=_form(
        staff, body="Yes: Dana will be on site by 13:15.", visibility="public"), follow_redirects=False)
    assert reply.status_code == 303
    seen = navy.get(f"/tickets/{world.ticket.id}").text
    assert "14:00 shift change" in seen and "on site by 13:15" in seen
    assert "Gearbox" not in seen and "INTERNAL" not in seen


def test_an_agency_user_forging_an_internal_note_is_refused_and_nothing_is_stored(
        navy: TestClient, world: World, session: Session) -> None:
    page = navy.get(f"/tickets/{world.ticket.id}").text
    before = row_counts(session)
    r = navy.post(f"/tickets/{world.ticket.id}/comments", data=_form(page, body="sneaky", visibility="internal"))
    assert r.status_code == 403
    assert row_counts(session) == before
    assert session.scalar(select(func.count()).select_from(TicketComment)) == 0


def test_the_agency_rates_a_resolved_ticket_once(navy: TestClient, world: World, session: Session) -> None:
    assert 'id="rating-submit"' not in navy.get(f"/tickets/{world.ticket.id}").text  # not resolved yet
    add_event(session, world.ticket, "resolved", datetime.now(UTC) - timedelta(minutes=1))
    session.commit()
    page = navy.get(f"/tickets/{world.ticket.id}").text
    assert 'id="rating-submit"' in page
    key = re.search(r'id="rating".*?name="form_key" value="([^"]+)"', page, re.S)
    assert key
    data = {"csrf_token": csrf_of(page), "form_key": key.group(1), "score": "5", "comment": "Fixed before lunch"}
    assert navy.post(f"/tickets/{world.ticket.id}/rating", data=data, follow_redirects=False).status_code == 303
    assert navy.post(f"/tickets/{world.ticket.id}/rating", data=data, follow_redirects=False).status_code == 303
    assert session.scalar(select(func.count()).select_from(Rating)) == 1
    assert "Rated 5 / 5" in navy.get(f"/tickets/{world.ticket.id}").text


def test_a_blank_comment_is_refused_beside_the_form(engineer: TestClient, world: World, session: Session) -> None:
    page = engineer.get(f"/tickets/{world.ticket.id}").text
    before = row_counts(session)
    r = engineer.post(f"/tickets/{world.ticket.id}/comments", data=_form(page, body="   ", visibility="public"))
    assert r.status_code == 422 and 'id="comment-error"' in r.text
    assert row_counts(session) == before
    assert session.scalar(select(func.count()).select_from(TicketAssignment)) == 0
