"""What a ticket write calls, in its transaction, after its own audit entry.

Every ticket write re-plans the ticket's clock alarms (a pause, a correction or a priority change
moves or cancels them) and decides the notifications its fact causes. :mod:`fleet.dispatch`
imports this module inside :func:`fleet.dispatch.assign`: the outbox reads assignments through it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy.orm import Session

from fleet import lateness, timeline
from fleet.db import utcnow
from fleet.models import Ticket, TicketAssignment, TicketEvent
from fleet.notify import alarms, outbox
from fleet.notify.events import TOLD_EVENTS
from fleet.principal import Principal

Data = Callable[[], dict[str, Any]]
"""A notification's data, read only if somebody is to be told (:func:`fleet.notify.outbox.emit`)."""


def _ticket_data(session: Session, ticket: Ticket) -> Data:
    return cache(lambda: outbox.ticket_data(session, ticket.id))


def ticket_opened(session: Session, principal: Principal, ticket: Ticket, *, window_hours: int) -> None:
    alarms.replan(session, ticket, [], now=utcnow())
    data = _ticket_data(session, ticket)
    _emit(session, principal, ticket, "ticket.opened", f"ticket.opened:{ticket.id}", ticket.reported_at, data)
    _late(session, principal, ticket, "reported_at", ticket.id, ticket.reported_at, ticket.recorded_at,
          window_hours, data)


def event_recorded(session: Session, principal: Principal, ticket: Ticket, event: TicketEvent,
                   facts: Sequence[timeline.Fact], *, window_hours: int) -> None:
    alarms.replan(session, ticket, facts, now=utcnow())
    data = _ticket_data(session, ticket)
    type_ = TOLD_EVENTS.get(event.type)
    if type_ is not None:
        def told() -> dict[str, Any]:
            d = data()
            return {**d, "event_id": event.id, "occurred_at": event.occurred_at,
                    "occurred_local": outbox.local_text(event.occurred_at, d["timezone"])}

        _emit(session, principal, ticket, type_, f"{type_}:{event.id}", event.occurred_at, told)
    _late(session, principal, ticket, event.type, event.id, event.occurred_at, event.recorded_at, window_hours,
          data)


def ticket_corrected(session: Session, ticket: Ticket, facts: Sequence[timeline.Fact]) -> None:
    alarms.replan(session, ticket, facts, now=utcnow())


def ticket_assigned(session: Session, principal: Principal, ticket: Ticket, row: TicketAssignment) -> None:
    if row.assignee is None:
        return
    data = _ticket_data(session, ticket)
    _emit(session, principal, ticket, "ticket.assigned", f"ticket.assigned:{row.id}", row.recorded_at,
          lambda: {**data(), "assignee": row.assignee, "team": row.team, "assigned_by": row.actor})


def _emit(session: Session, principal: Principal, ticket: Ticket, type_: str, key: str, when: datetime,
          data: Data) -> None:
    outbox.emit(session, principal, type=type_, dedupe_key=key, occurred_at=when,  # type: ignore[arg-type]
                agency_id=ticket.agency_id, contract_id=ticket.contract_id, ticket_id=ticket.id, data=data,
                priority=ticket.priority)


def _late(session: Session, principal: Principal, ticket: Ticket, what: str, fact_id: str, occurred_at: datetime,
          recorded_at: datetime, window_hours: int, data: Data) -> None:
    flags = lateness.flags(occurred_at, recorded_at, window_hours)
    if not flags["recorded_late"]:
        return
    _emit(session, principal, ticket, "record.late", f"record.late:{fact_id}", recorded_at, lambda: {
        **data(), "what": what, "fact_id": fact_id, "occurred_at": occurred_at, "recorded_at": recorded_at,
        "late_by_minutes": flags["late_by_minutes"], "reporting_window_hours": window_hours})
