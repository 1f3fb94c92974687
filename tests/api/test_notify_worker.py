"""The outbox and the worker: a fact decides its notifications in its own transaction; the worker
fires alarms re-planned from the clocks and delivers at least once, with retries and a dead letter."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.worker import Worker
from fleet import audit
from fleet.db import utcnow
from fleet.errors import Conflict
from fleet.models import ClockAlarm, Delivery, Notification
from fleet.notify import deliveries
from fleet.notify.deliveries import BACKOFF, Claimed, DeliveryFailed
from fleet.principal import SYSTEM
from tests.builders import add_event, assign_ticket, make_contact, make_contract, make_ticket, make_unit, make_user


class Inbox:
    """A channel that keeps what it was given (and fails when told to)."""

    def __init__(self, error: str | None = None, *, permanent: bool = False) -> None:
        self.got: list[Claimed] = []
        self.error, self.permanent = error, permanent
        self._lock = threading.Lock()

    def send(self, message: Claimed) -> None:
        with self._lock:
            self.got.append(message)
        if self.error:
            raise DeliveryFailed(self.error, permanent=self.permanent)


def _worker(db, inbox: Inbox, *, at=None) -> Worker:  # type: ignore[no-untyped-def]
    return Worker(db, {"email": inbox, "webhook": inbox}, name="test-worker", threads=2,
                  clock=(lambda: at) if at is not None else utcnow)


def _notes(session: Session, type_: str) -> list[Notification]:
    return list(session.scalars(select(Notification).where(Notification.type == type_)))


def _p1_ticket(session: Session, *, minutes_ago: int = 10):  # type: ignore[no-untyped-def]
    unit = make_unit(session, contract=make_contract(session))
    return make_ticket(session, unit=unit, priority="P1", reported_at=utcnow() - timedelta(minutes=minutes_ago))


def test_opening_a_p1_ticket_tells_the_managers_once_and_the_worker_delivers_it(db, session: Session) -> None:
    make_contact(session, "manager", "ops@vendor.example")
    ticket = _p1_ticket(session)
    [note] = _notes(session, "ticket.opened")
    assert note.ticket_id == ticket.id and note.data["ticket_number"] == ticket.number
    inbox = Inbox()
    done = _worker(db, inbox).tick()
    assert done.delivered == 1 and [m.target for m in inbox.got] == ["ops@vendor.example"]
    delivery = session.scalars(select(Delivery).where(Delivery.notification_id == note.id)).one()
    session.refresh(delivery)
    assert (delivery.status, delivery.attempts, delivery.claimed_by) == ("delivered", 1, None)
    assert _worker(db, inbox).tick().delivered == 0  # nothing twice
    assert audit.verify(session).ok  # the notification and its delivery are proved by the ledger


def test_a_fact_nobody_is_to_hear_of_records_no_notification(session: Session) -> None:
    _p1_ticket(session)  # no contact, no webhook
    assert session.scalar(select(func.count()).select_from(Notification)) == 0


def test_a_p3_ticket_is_not_told_by_the_default_rule_for_opened_tickets(session: Session) -> None:
    make_contact(session, "manager", "ops@vendor.example")
    make_ticket(session, unit=make_unit(session), priority="P2", reported_at=utcnow() - timedelta(minutes=5))
    assert len(_notes(session, "ticket.opened")) == 1
    contract = make_contract(session, targets=[{"priority": "P3", "metric": "resolve", "minutes": 600,
                                                "clock": "24x7"}])
    make_ticket(session, unit=make_unit(session, contract=contract), priority="P3",
                reported_at=utcnow() - timedelta(minutes=5))
    assert len(_notes(session, "ticket.opened")) == 1


def test_the_warning_reaches_the_assignee_when_the_clock_reaches_its_warning_percent(db, session: Session) -> None:
    engineer = make_user(session, "engineer", team="Atlantic")
    make_contact(session, "engineer", "eng@vendor.example", username=engineer.username)
    ticket = _p1_ticket(session, minutes_ago=10)
    assign_ticket(session, ticket, engineer.username)
    due = {(a.metric, a.kind): a.due_at for a in session.scalars(
        select(ClockAlarm).where(ClockAlarm.ticket_id == ticket.id))}
    warn_at = due[("response", "warning")]
    assert warn_at == ticket.reported_at + timedelta(minutes=45)
    inbox = Inbox()
    assert _worker(db, inbox, at=warn_at - timedelta(seconds=1)).tick().alarms == 0
    done = _worker(db, inbox, at=warn_at).tick()
    assert done.alarms == 1
    warning = [m for m in inbox.got if m.type == "clock.warning"]
    assert [m.target for m in warning] == ["eng@vendor.example"]
    assert warning[0].data["metric"] == "response" and warning[0].data["due_at"].startswith(
        (ticket.reported_at + timedelta(minutes=60)).strftime("%Y-%m-%dT%H:%M"))
    kinds = {(a.metric, a.kind) for a in session.scalars(select(ClockAlarm).where(ClockAlarm.ticket_id == ticket.id))}
    assert ("response", "warning") not in kinds and ("response", "breach") in kinds  # re-planned after firing
    assert _worker(db, inbox, at=warn_at + timedelta(minutes=1)).tick().alarms == 0  # told once


def test_a_ticket_recorded_past_its_warning_warns_the_assignee_at_once_and_only_once(db, session: Session) -> None:
    engineer = make_user(session, "engineer", team="Atlantic")
    make_contact(session, "engineer", "eng@vendor.example", username=engineer.username)
    ticket = _p1_ticket(session, minutes_ago=50)  # the P1 response warning was due at 45 minutes
    assign_ticket(session, ticket, engineer.username)
    inbox = Inbox()
    assert _worker(db, inbox, at=utcnow() + timedelta(seconds=1)).tick().alarms == 1
    assert [m.target for m in inbox.got if m.type == "clock.warning"] == ["eng@vendor.example"]
    kinds = {(a.metric, a.kind) for a in session.scalars(select(ClockAlarm).where(ClockAlarm.ticket_id == ticket.id))}
    assert ("response", "warning") not in kinds and ("response", "breach") in kinds  # told: not planned again
    add_event(session, ticket, "on_site", utcnow())  # another write re-plans: still not again
    assert _worker(db, inbox, at=utcnow() + timedelta(seconds=1)).tick().alarms == 0
    assert len(_notes(session, "clock.warning")) == 1


def test_a_pause_cancels_the_alarms_and_the_resume_plans_them_again(session: Session) -> None:
    ticket = _p1_ticket(session, minutes_ago=20)
    add_event(session, ticket, "paused", utcnow() - timedelta(minutes=10), reason="waiting for the site to open")
    assert session.scalar(select(func.count()).select_from(ClockAlarm).where(ClockAlarm.ticket_id == ticket.id)) == 0
    add_event(session, ticket, "resumed", utcnow() - timedelta(minutes=1))
    due = {(a.metric, a.kind): a.due_at for a in session.scalars(
        select(ClockAlarm).where(ClockAlarm.ticket_id == ticket.id))}
    # 10 minutes ran before the pause and ~1 since: the warning (45 min) moved about 9 minutes later
    assert abs(due[("response", "warning")] - (ticket.reported_at + timedelta(minutes=45 + 9))) < timedelta(seconds=5)


def test_a_breach_of_an_unassigned_ticket_is_told_to_the_managers(db, session: Session) -> None:
    make_contact(session, "manager", "ops@vendor.example")
    ticket = _p1_ticket(session, minutes_ago=5)
    inbox = Inbox()
    _worker(db, inbox).tick()  # the ticket.opened mail
    breach_at = ticket.reported_at + timedelta(minutes=60, microseconds=1)
    done = _worker(db, inbox, at=breach_at + timedelta(seconds=1)).tick()
    assert done.alarms == 1  # the response warning came due too, but once breached only the breach is told
    types = sorted(m.type for m in inbox.got)
    assert types == ["clock.breached", "ticket.opened"]
    assert [m.target for m in inbox.got if m.type == "clock.breached"] == ["ops@vendor.example"]  # nobody assigned


def test_acknowledging_tells_the_agency_once_even_when_the_event_is_sent_again(session: Session) -> None:
    unit = make_unit(session)
    from fleet.models import Agency

    agency = session.get(Agency, unit.agency_id)
    make_contact(session, "agency", "cor@agency.example", agency=agency)
    ticket = make_ticket(session, unit=unit, priority="P2", reported_at=utcnow() - timedelta(minutes=30))
    add_event(session, ticket, "acknowledged", utcnow() - timedelta(minutes=20))
    [note] = _notes(session, "ticket.acknowledged")
    assert note.agency_id == unit.agency_id


def test_a_failing_destination_is_retried_with_backoff_then_dead_and_an_admin_retries_it(db, session: Session
                                                                                          ) -> None:
    make_contact(session, "manager", "ops@vendor.example")
    _p1_ticket(session)
    start = utcnow()
    failing = Inbox("421 try later")
    assert _worker(db, failing, at=start).tick().failed == 1
    delivery = session.scalars(select(Delivery)).one()
    session.refresh(delivery)
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("pending", 1, "421 try later")
    assert delivery.next_attempt_at == start + BACKOFF[0]
    assert _worker(db, failing, at=start + timedelta(seconds=30)).tick().failed == 0  # not due yet
    refused = Inbox("550 no such mailbox", permanent=True)
    assert _worker(db, refused, at=start + BACKOFF[0]).tick().failed == 1
    session.refresh(delivery)
    assert (delivery.status, delivery.attempts) == ("dead", 2)
    assert deliveries.retry(session, SYSTEM, delivery.id, now=utcnow()).status == "pending"
    with pytest.raises(Conflict):  # only a dead delivery is retried
        deliveries.retry(session, SYSTEM, delivery.id, now=utcnow())
    assert _worker(db, Inbox(), at=utcnow()).tick().delivered == 1


def test_a_lost_lease_is_not_settled_by_the_worker_that_lost_it(db, session: Session) -> None:
    make_contact(session, "manager", "ops@vendor.example")
    _p1_ticket(session)
    now = utcnow()
    [first] = deliveries.claim(session, worker="a", now=now)
    assert deliveries.claim(session, worker="b", now=now) == []  # leased: nobody else takes it
    later = now + deliveries.LEASE + timedelta(seconds=1)
    [again] = deliveries.claim(session, worker="b", now=later)  # a's lease expired (a died): b takes it
    assert again.delivery_id == first.delivery_id and again.attempt == first.attempt
    assert deliveries.settle(session, SYSTEM, [deliveries.Outcome(first.delivery_id)], worker="a", now=later) == 0
    assert deliveries.settle(session, SYSTEM, [deliveries.Outcome(again.delivery_id)], worker="b", now=later) == 1


def test_a_fact_recorded_after_the_reporting_window_tells_the_managers_it_is_late(session: Session) -> None:
    from fleet import tickets
    from fleet.schemas.tickets import EventIn

    make_contact(session, "manager", "ops@vendor.example")
    contract = make_contract(session, reporting_window_hours=24)
    ticket = make_ticket(session, unit=make_unit(session, contract=contract), priority="P3",
                         reported_at=utcnow() - timedelta(days=3))
    tickets.add_event(session, SYSTEM, ticket.id, EventIn(type="acknowledged", occurred_at=utcnow() - timedelta(
        days=3) + timedelta(minutes=20), late_reason="logged from the paper job sheet"))
    [late] = [n for n in _notes(session, "record.late") if n.data["what"] == "acknowledged"]
    assert late.data["ticket_number"] == ticket.number and late.data["late_by_minutes"] > 24 * 60
    assert late.data["reporting_window_hours"] == 24
