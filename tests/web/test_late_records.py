"""Late records on the web pages: flagged on the ticket page, on My work and on the unit page; the
"it happened earlier" form asks for the reason beyond the contract's reporting window."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fleet import tickets
from fleet.models import Ticket, TicketEvent
from fleet.principal import Principal
from fleet.schemas.tickets import TicketIn
from tests.builders import make_contract, make_unit
from tests.web.conftest import World, csrf_of, form_keys

MANAGER = Principal(id="m", name="manager on duty", role="manager", kind="user")


def late_ticket(session: Session, world: World) -> Ticket:
    now = datetime.now(UTC)
    contract = make_contract(session, agency=world.agency, reporting_window_hours=72, start=date(2025, 1, 1),
                             end=date(now.year + 1, 12, 31))
    unit = make_unit(session, contract=contract, serial="LATE-001", in_service_at=now - timedelta(days=400))
    ticket = tickets.create_ticket(session, MANAGER, TicketIn(
        unit_id=unit.id, priority="P2", summary="Camera gimbal drifting", reported_at=now - timedelta(days=6),
        late_reason="Ticket phoned in, entered after the storm"))
    session.commit()
    return ticket


def test_the_ticket_page_shows_a_ticket_recorded_late_with_its_delay_and_reason(manager: TestClient, world: World,
                                                                               session: Session) -> None:
    ticket = late_ticket(session, world)
    html = manager.get(f"/tickets/{ticket.id}").text
    assert "RECORDED LATE" in html and "6 d 0 h after the fact" in html
    assert "Ticket phoned in, entered after the storm" in html
    assert "RECORDED LATE" not in manager.get(f"/tickets/{world.ticket.id}").text
    assert "RECORDED LATE" in manager.get("/work").text
    assert "RECORDED LATE" in manager.get(f"/units/{ticket.unit_id}").text


def test_an_event_entered_days_late_on_the_web_needs_the_reason_and_is_then_flagged(
        manager: TestClient, world: World, session: Session) -> None:
    ticket = late_ticket(session, world)
    html = manager.get(f"/tickets/{ticket.id}").text
    when = (datetime.now(UTC) - timedelta(days=5)).astimezone(ZoneInfo("America/New_York")).strftime("%Y-%m-%dT%H:%M")
    form = {"csrf_token": csrf_of(html), "form_key": form_keys(html)[-1], "type": "acknowledged",
            "occurred_at": when}
    refused = manager.post(f"/tickets/{ticket.id}/events", data=form, follow_redirects=False)
    assert refused.status_code == 422 and "reporting window of 72 hours" in refused.text
    assert session.query(TicketEvent).filter_by(ticket_id=ticket.id).count() == 0
    form["late_reason"] = "Acknowledged by phone; entered from the duty log"
    done = manager.post(f"/tickets/{ticket.id}/events", data=form, follow_redirects=True)
    assert done.status_code == 200
    assert done.text.count("RECORDED LATE") >= 3  # the report (twice: facts and timeline) and the event
    assert "Acknowledged by phone; entered from the duty log" in done.text
