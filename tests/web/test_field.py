"""The engineer's pages: My work, a ticket's actions and work log, a unit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fleet import sla_service
from fleet.models import TicketEvent, WorkLog, WorkLogPart
from fleet.principal import SYSTEM
from tests.builders import add_event, make_ticket, row_counts
from tests.web.conftest import World, csrf_of, form_keys


def _states(session: Session, ticket_id: str) -> dict[str, str]:
    sla = sla_service.ticket_sla(session, SYSTEM, ticket_id, at=None, as_of=None)
    return {m.metric: m.state for m in sla.metrics}


def _event_form(client: TestClient, ticket_id: str, type_: str, **extra: str) -> dict[str, str]:
    html = client.get(f"/tickets/{ticket_id}").text
    assert f'value="{type_}"' in html, f"no {type_} action on the page"
    return {"csrf_token": csrf_of(html), "form_key": form_keys(html)[0], "type": type_, **extra}


def _events(session: Session, ticket_id: str) -> int:
    return session.scalar(select(func.count()).select_from(TicketEvent).where(TicketEvent.ticket_id == ticket_id)) or 0


def test_my_work_lists_open_tickets_most_urgent_first_with_live_countdowns(engineer: TestClient, world: World,
                                                                           session: Session) -> None:
    now = datetime.now(UTC)
    late = make_ticket(session, unit=world.unit, priority="P1", reported_at=now - timedelta(hours=3),
                       summary="Tether breach, unit down")
    html = engineer.get("/work").text
    assert html.index("Tether breach") < html.index("Crawler lost adhesion")  # breached before running
    assert "BREACHED" in html and "overdue by" in html and "due in" in html
    assert 'class="countdown" datetime="' in html
    assert "Army unit camera drift" in html  # the engineer (vendor) sees every agency's tickets
    assert late.number in html


def test_a_ticket_page_shows_clocks_timeline_actions_and_the_work_form(engineer: TestClient, world: World) -> None:
    html = engineer.get(f"/tickets/{world.ticket.id}").text
    assert world.ticket.number in html and "Crawler lost adhesion" in html
    assert "RUNNING" in html or "AT RISK" in html
    for label in ("Acknowledge", "On site", "Restored", "Resolved", "Pause"):
        assert f">{label}</button>" in html
    assert 'id="work-form"' in html and 'name="started_at"' in html


def test_each_action_posts_an_event_and_the_sla_state_changes(engineer: TestClient, world: World,
                                                              session: Session) -> None:
    tid = world.ticket.id
    assert _states(session, tid)["response"] == "running"
    response = engineer.post(f"/tickets/{tid}/events", data=_event_form(engineer, tid, "acknowledged"),
                             follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/tickets/{tid}#top"
    assert _states(session, tid)["response"] == "met"
    page = engineer.get(f"/tickets/{tid}").text
    assert "Recorded: Acknowledged." in page and "MET" in page

    engineer.post(f"/tickets/{tid}/events", data=_event_form(engineer, tid, "on_site"))
    assert '<strong id="status">On site</strong>' in engineer.get(f"/tickets/{tid}").text
    engineer.post(f"/tickets/{tid}/events", data=_event_form(engineer, tid, "paused", reason="Waiting for access"))
    assert _states(session, tid)["restore"] == "paused"
    engineer.post(f"/tickets/{tid}/events", data=_event_form(engineer, tid, "resumed"))
    assert _states(session, tid)["restore"] == "running"
    engineer.post(f"/tickets/{tid}/events", data=_event_form(engineer, tid, "restored"))
    assert _states(session, tid)["restore"] == "met"
    engineer.post(f"/tickets/{tid}/events", data=_event_form(engineer, tid, "resolved"))
    page = engineer.get(f"/tickets/{tid}").text
    assert '<strong id="status">Resolved</strong>' in page
    assert _events(session, tid) == 6


def test_a_double_submitted_action_records_once(engineer: TestClient, world: World, session: Session) -> None:
    tid = world.ticket.id
    form = _event_form(engineer, tid, "acknowledged")
    first = engineer.post(f"/tickets/{tid}/events", data=form, follow_redirects=False)
    second = engineer.post(f"/tickets/{tid}/events", data=form, follow_redirects=False)
    assert first.status_code == second.status_code == 303
    assert _events(session, tid) == 1
    assert "Already recorded: Acknowledged" in engineer.get(f"/tickets/{tid}").text


def test_a_double_submitted_work_log_records_once(engineer: TestClient, world: World, session: Session) -> None:
    tid = world.ticket.id
    html = engineer.get(f"/tickets/{tid}").text
    key = form_keys(html)[-1]
    zone = ZoneInfo("America/New_York")
    now = datetime.now(UTC).astimezone(zone)
    form = {"csrf_token": csrf_of(html), "form_key": key,
            "started_at": (now - timedelta(minutes=15)).strftime("%Y-%m-%dT%H:%M"),
            "ended_at": (now - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"),
            "engineer": "A. Moreno", "activity": "repair", "notes": "Replaced the track",
            "part_number": ["TRK-220", "", ""], "quantity": ["2", "", ""]}
    for _ in range(2):
        assert engineer.post(f"/tickets/{tid}/work-logs", data=form, follow_redirects=False).status_code == 303
    logs = session.scalars(select(WorkLog).where(WorkLog.ticket_id == tid)).all()
    assert len(logs) == 1 and logs[0].engineer == "A. Moreno"
    parts = session.scalars(select(WorkLogPart).where(WorkLogPart.work_log_id == logs[0].id)).all()
    assert [(p.part_number, p.quantity) for p in parts] == [("TRK-220", 2)]
    page = engineer.get(f"/tickets/{tid}").text
    assert "2 × TRK-220" in page and "Replaced the track" in page


def test_work_log_times_are_read_in_the_contract_time_zone(engineer: TestClient, world: World,
                                                           session: Session) -> None:
    tid = world.ticket.id
    html = engineer.get(f"/tickets/{tid}").text
    local = datetime.now(UTC).astimezone(ZoneInfo("America/New_York")).replace(second=0, microsecond=0)
    start = local - timedelta(minutes=15)
    engineer.post(f"/tickets/{tid}/work-logs", data={
        "csrf_token": csrf_of(html), "form_key": form_keys(html)[-1], "started_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ended_at": local.strftime("%Y-%m-%dT%H:%M"), "engineer": "J. Chen", "activity": "diagnosis"})
    log = session.scalars(select(WorkLog).where(WorkLog.ticket_id == tid)).one()
    assert log.started_at == start.astimezone(UTC)


def test_bad_work_log_input_shows_a_message_next_to_the_form_and_stores_nothing(
        engineer: TestClient, world: World, session: Session) -> None:
    tid = world.ticket.id
    html = engineer.get(f"/tickets/{tid}").text
    before = row_counts(session)
    base = {"csrf_token": csrf_of(html), "form_key": form_keys(html)[-1], "engineer": "A. Moreno",
            "activity": "repair"}
    cases = [
        ({"started_at": "2026-03-02T10:00", "ended_at": "2026-03-02T09:00"}, "nded at must be after started at"),
        ({"started_at": "yesterday", "ended_at": "2026-03-02T09:00"}, "is not a date and time"),
        ({"started_at": "", "ended_at": "2026-03-02T09:00"}, "Started: enter a date and time"),
    ]
    for fields, message in cases:
        response = engineer.post(f"/tickets/{tid}/work-logs", data={**base, **fields})
        assert response.status_code == 422, fields
        assert "The work log was not saved" in response.text and message in response.text, response.text[-3000:]
        assert 'id="work-error"' in response.text
    now = datetime.now(UTC).astimezone(ZoneInfo("America/New_York"))
    bad_part = engineer.post(f"/tickets/{tid}/work-logs", data={
        **base, "started_at": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "ended_at": now.strftime("%Y-%m-%dT%H:%M"), "part_number": ["TRK-220"], "quantity": ["two"]})
    assert bad_part.status_code == 422 and "whole quantity" in bad_part.text
    assert 'value="TRK-220"' in bad_part.text  # what was typed is kept
    assert row_counts(session) == before


def test_an_impossible_action_shows_a_message_and_stores_nothing(engineer: TestClient, world: World,
                                                                 session: Session) -> None:
    tid = world.ticket.id
    before = row_counts(session)
    html = engineer.get(f"/tickets/{tid}").text
    response = engineer.post(f"/tickets/{tid}/events", data={
        "csrf_token": csrf_of(html), "form_key": "k-resume", "type": "resumed"})
    assert response.status_code == 409
    assert "Resume was not recorded" in response.text and "not paused" in response.text
    no_reason = engineer.post(f"/tickets/{tid}/events", data={
        "csrf_token": csrf_of(html), "form_key": "k-pause", "type": "paused", "reason": ""})
    assert no_reason.status_code == 422 and "pause needs a reason" in no_reason.text
    future = engineer.post(f"/tickets/{tid}/events", data={
        "csrf_token": csrf_of(html), "form_key": "k-future", "type": "acknowledged",
        "occurred_at": (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")})
    assert future.status_code == 422 and "in the future" in future.text
    assert row_counts(session) == before
    # the failed keys were not kept: the same form can be sent again once fixed
    ok = engineer.post(f"/tickets/{tid}/events", data={
        "csrf_token": csrf_of(html), "form_key": "k-pause", "type": "paused", "reason": "Site closed"},
        follow_redirects=False)
    assert ok.status_code == 303 and _events(session, tid) == 1


def test_an_event_with_an_earlier_time_is_recorded_at_that_time(engineer: TestClient, world: World,
                                                                session: Session) -> None:
    tid = world.ticket.id
    html = engineer.get(f"/tickets/{tid}").text
    when = (world.ticket.reported_at + timedelta(minutes=5)).astimezone(ZoneInfo("America/New_York"))
    engineer.post(f"/tickets/{tid}/events", data={"csrf_token": csrf_of(html), "form_key": "k-early",
                                                  "type": "acknowledged",
                                                  "occurred_at": when.strftime("%Y-%m-%dT%H:%M")})
    event = session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == tid)).one()
    assert event.occurred_at == when.replace(second=0, microsecond=0).astimezone(UTC)


def test_a_resolved_ticket_offers_close_and_reopen_only(engineer: TestClient, world: World, session: Session) -> None:
    now = datetime.now(UTC)
    add_event(session, world.ticket, "resolved", now - timedelta(minutes=1))
    html = engineer.get(f"/tickets/{world.ticket.id}").text
    assert ">Close</button>" in html and ">Reopen</button>" in html
    assert ">Acknowledge</button>" not in html


def test_the_unit_page_shows_its_tickets_and_availability(engineer: TestClient, world: World) -> None:
    html = engineer.get(f"/units/{world.unit.id}").text
    assert "CRAWL-001" in html and world.ticket.number in html and "Availability" in html
    assert "<svg" in html


def test_a_missing_ticket_answers_a_friendly_404_page(engineer: TestClient, world: World) -> None:
    response = engineer.get("/tickets/does-not-exist")
    assert response.status_code == 404 and "text/html" in response.headers["content-type"]
    assert "was not found" in response.text


def test_an_agency_user_reads_its_ticket_but_gets_no_action_buttons(navy: TestClient, world: World,
                                                                    session: Session) -> None:
    html = navy.get(f"/tickets/{world.ticket.id}").text
    assert world.ticket.number in html
    assert ">Acknowledge</button>" not in html and 'id="work-form"' not in html
    before = row_counts(session)
    response = navy.post(f"/tickets/{world.ticket.id}/events",
                         data={"csrf_token": csrf_of(html), "type": "acknowledged", "form_key": "x"})
    assert response.status_code == 403 and "may not" in response.text
    assert row_counts(session) == before


def test_the_work_log_form_refuses_work_before_the_report_and_defaults_to_after_it(
        engineer: TestClient, world: World, session: Session) -> None:
    tid = world.ticket.id  # reported 20 minutes ago
    zone = ZoneInfo("America/New_York")
    html = engineer.get(f"/tickets/{tid}").text
    reported = world.ticket.reported_at.astimezone(zone).strftime("%Y-%m-%dT%H:%M")
    assert f'id="started_at" name="started_at" type="datetime-local" value="{reported}"' in html
    before = row_counts(session)
    now = datetime.now(UTC).astimezone(zone)
    response = engineer.post(f"/tickets/{tid}/work-logs", data={
        "csrf_token": csrf_of(html), "form_key": form_keys(html)[-1], "engineer": "A. Moreno",
        "activity": "travel", "started_at": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "ended_at": now.strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 422
    assert "The work log was not saved: Work cannot start before the ticket was reported" in response.text
    assert row_counts(session) == before


def test_a_ticket_page_reads_in_plain_words_for_the_engineer(engineer: TestClient, world: World,
                                                             session: Session) -> None:
    ticket = make_ticket(session, unit=world.unit, priority="P2", unit_down=True,
                         reported_at=datetime.now(UTC) - timedelta(hours=2), summary="Camera mast jammed")
    session.commit()
    html = engineer.get(f"/tickets/{ticket.id}").text
    assert "Open</strong> · unit down" in html
    assert "40 business hours" in html and "(business hours)" not in html  # P2 resolve: 2,400 minutes
    for action in ("restored", "resolved"):
        sent = engineer.post(f"/tickets/{ticket.id}/events", data=_event_form(engineer, ticket.id, action),
                             follow_redirects=False)
        assert sent.status_code == 303, sent.text[-2000:]
    html = engineer.get(f"/tickets/{ticket.id}").text
    assert '<strong id="status">Resolved</strong></dd>' in html  # the unit is no longer down
    timeline = html[html.index('id="timeline"'):html.index('id="work"')]
    assert "user:eng" not in timeline and '<span class="muted">eng' in timeline


def test_an_in_service_date_reads_as_the_date_given_not_the_day_before_in_new_york(
        engineer: TestClient, world: World, session: Session) -> None:
    from tests.builders import make_unit

    unit = make_unit(session, contract=world.contract, serial="CRAWL-205",
                     in_service_at=datetime(2026, 2, 5, tzinfo=UTC))
    session.commit()
    html = engineer.get(f"/units/{unit.id}").text
    assert "<dd>05 Feb 2026</dd>" in html and "04 Feb 2026" not in html


def test_resolved_tickets_wait_on_my_work_until_closed(engineer: TestClient, navy: TestClient, world: World,
                                                        session: Session) -> None:
    reported = datetime.now(UTC) - timedelta(hours=3)
    done = make_ticket(session, unit=world.unit, priority="P2", reported_at=reported, summary="Fixed, not closed")
    add_event(session, done, "resolved", reported + timedelta(hours=1))
    theirs = make_ticket(session, unit=world.other_unit, priority="P2", reported_at=reported,
                         summary="Army fixed, not closed")
    add_event(session, theirs, "resolved", reported + timedelta(hours=1))
    session.commit()
    html = engineer.get("/work").text
    waiting = html[html.index('id="waiting"'):]
    assert done.number in waiting and "Fixed, not closed" in waiting
    assert "Army fixed" not in navy.get("/work").text  # an agency sees only its own
    engineer.post(f"/tickets/{done.id}/events", data=_event_form(engineer, done.id, "closed"))
    assert done.number not in engineer.get("/work").text
