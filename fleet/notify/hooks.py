"""What a ticket write calls, in its transaction, after its own audit entry.

Every ticket write re-plans the ticket's clock alarms (a pause, a correction or a priority change
moves or cancels them) and decides the notifications its fact causes. :mod:`fleet.dispatch`
imports this module inside :func:`fleet.dispatch.assign`: the outbox reads assignments through it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from fleet import lateness, timeline
from fleet.db import utcnow
from fleet.models import Ticket, TicketAssignment, TicketEvent
from fleet.notify import alarms, outbox
from fleet.notify.events import TOLD_EVENTS
from fleet.principal import Principal


def ticket_opened(session: Session, principal: Principal, ticket: Ticket, *, window_hours: int) -> None:
    now = utcnow()
    alarms.replan(session, ticket, [], now=now)
    data = outbox.ticket_data(session, ticket.id)
    _emit(session, principal, ticket, "ticket.opened", f"ticket.opened:{ticket.id}", ticket.reported_at, data)
    _late(session, principal, ticket, "reported_at", ticket.id, ticket.reported_at, ticket.recorded_at,
          window_hours, data)


def event_recorded(session: Session, principal: Principal, ticket: Ticket, event: TicketEvent,
                   facts: Sequence[timeline.Fact], *, window_hours: int) -> None:
    alarms.replan(session, ticket, facts, now=utcnow())
    type_ = TOLD_EVENTS.get(event.type)
    data = outbox.ticket_data(session, ticket.id) if type_ or _is_late(event.occurred_at, event.recorded_at,
                                                                        window_hours) else {}
    if type_ is not None:
        told = {**data, "event_id": event.id, "occurred_at": event.occurred_at,
                "occurred_local": outbox.local_text(event.occurred_at, data["timezone"])}
        _emit(session, principal, ticket, type_, f"{type_}:{event.id}", event.occurred_at, told)
    if data:
        _late(session, principal, ticket, event.type, event.id, event.occurred_at, event.recorded_at,
              window_hours, data)


def ticket_corrected(session: Session, ticket: Ticket, facts: Sequence[timeline.Fact]) -> None:
    alarms.replan(session, ticket, facts, now=utcnow())


def ticket_assigned(session: Session, principal: Principal, ticket: Ticket, row: TicketAssignment) -> None:
    if row.assignee is None:
        return
    data = {**outbox.ticket_data(session, ticket.id), "assignee": row.assignee, "team": row.team,
            "assigned_by": row.actor}
    _emit(session, principal, ticket, "ticket.assigned", f"ticket.assigned:{row.id}", row.recorded_at, data)


def _emit(session: Session, principal: Principal, ticket: Ticket, type_: str, key: str, when: datetime,
          data: dict[str, object]) -> None:
    outbox.emit(session, principal, type=type_, dedupe_key=key, occurred_at=when,  # type: ignore[arg-type]
                agency_id=ticket.agency_id, contract_id=ticket.contract_id, ticket_id=ticket.id, data=data,
                priority=ticket.priority)


def _is_late(occurred_at: datetime, recorded_at: datetime, window_hours: int) -> bool:
    return bool(lateness.flags(occurred_at, recorded_at, window_hours)["recorded_late"])


def _late(session: Session, principal: Principal, ticket: Ticket, what: str, fact_id: str, occurred_at: datetime,
          recorded_at: datetime, window_hours: int, data: dict[str, object]) -> None:
    flags = lateness.flags(occurred_at, recorded_at, window_hours)
    if not flags["recorded_late"]:
        return
    late = {**data, "what": what, "fact_id": fact_id, "occurred_at": occurred_at, "recorded_at": recorded_at,
            "late_by_minutes": flags["late_by_minutes"], "reporting_window_hours": window_hours}
    _emit(session, principal, ticket, "record.late", f"record.late:{fact_id}", recorded_at, late)
