"""Tickets as answered: one ticket with its full history, a page of tickets, a unit's latest
tickets, a just-written ticket or event with its ``recorded_late`` flag, work logs with parts.

The answers are plain frozen values (no HTTP shape): ``api/schemas/tickets.py`` projects them
into the JSON of API.md, the web pages and the reports read their attributes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Table,
    bindparam,
    select,
)
from sqlalchemy.orm import Session

from fleet import lateness
from fleet.dispatch import UNASSIGNED, AssignmentView, dispatch_of
from fleet.errors import NotFound
from fleet.models import Contract, Rating, Ticket, TicketEvent, WorkLog, WorkLogPart
from fleet.pagination import Page, paginate
from fleet.principal import Principal
from fleet.tenancy import scoped

_TICKETS = cast(Table, Ticket.__table__)
_EVENTS = cast(Table, TicketEvent.__table__)
_WORK_LOGS = cast(Table, WorkLog.__table__)
_CONTRACTS = cast(Table, Contract.__table__)


# --- the values -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class TicketView:
    """A ticket as answered: its columns, its ``recorded_late`` flag and, where asked for, who
    works it now (:mod:`fleet.dispatch`; not a ticket column)."""

    id: str
    number: str
    status: str
    priority: str
    initial_priority: str
    agency_id: str
    contract_id: str
    unit_id: str
    summary: str
    description: str | None
    unit_down: bool
    reporter: str | None
    reported_at: datetime
    recorded_at: datetime
    restored_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    late_reason: str | None
    recorded_late: bool
    late_by_minutes: float | None
    assignee: str | None = None
    team: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class EventView:
    """A ticket event as answered: superseded by a correction or not, recorded late or not."""

    id: str
    type: str
    occurred_at: datetime
    recorded_at: datetime
    actor: str
    reason: str | None
    priority: str | None
    corrects_id: str | None
    void: bool
    superseded: bool = False
    superseded_by: str | None = None
    late_reason: str | None
    recorded_late: bool
    late_by_minutes: float | None


@dataclass(frozen=True, slots=True)
class PartView:
    part_number: str
    quantity: int


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkLogView:
    """A work log with its minutes and the parts it used."""

    id: str
    ticket_id: str
    started_at: datetime
    ended_at: datetime
    minutes: float
    engineer: str
    activity: str
    notes: str | None
    parts: tuple[PartView, ...]
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class RatingView:
    ticket_id: str
    score: int
    comment: str | None
    recorded_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketDetail(TicketView):
    """A ticket with its whole history: every event, its work and rating; its assignment history
    and time to assign once :func:`fleet.dispatch.with_dispatch` has added them."""

    events: tuple[EventView, ...]
    work_logs: tuple[WorkLogView, ...]
    rating: RatingView | None
    work_minutes: float
    assignments: tuple[AssignmentView, ...] = ()
    time_to_assign_minutes: float | None = None  # reported → first assignment (information, no SLA target)


# --- reading ----------------------------------------------------------------------------------
def work_logs_of(session: Session, ticket_ids: Sequence[str]) -> dict[str, list[WorkLogView]]:
    """The tickets' work logs with their minutes and parts, per ticket, in ``started_at`` order
    (bare columns; the parts in one more query, only when there are logs)."""
    logs = session.connection().execute(
        select(_WORK_LOGS.c.id, _WORK_LOGS.c.ticket_id, _WORK_LOGS.c.started_at, _WORK_LOGS.c.ended_at,
               _WORK_LOGS.c.engineer, _WORK_LOGS.c.activity, _WORK_LOGS.c.notes, _WORK_LOGS.c.recorded_at)
        .where(_WORK_LOGS.c.ticket_id.in_(ticket_ids)).order_by(_WORK_LOGS.c.started_at)).all()
    out: dict[str, list[WorkLogView]] = defaultdict(list)
    if not logs:
        return out
    parts: dict[str, list[PartView]] = defaultdict(list)
    for p in session.scalars(select(WorkLogPart).where(WorkLogPart.work_log_id.in_([w.id for w in logs]))):
        parts[p.work_log_id].append(PartView(p.part_number, p.quantity))
    for w in logs:
        out[w.ticket_id].append(WorkLogView(
            id=w.id, ticket_id=w.ticket_id, started_at=w.started_at, ended_at=w.ended_at,
            minutes=round((w.ended_at - w.started_at).total_seconds() / 60, 2), engineer=w.engineer,
            activity=w.activity, notes=w.notes, parts=tuple(parts[w.id]), recorded_at=w.recorded_at))
    return out


_DETAIL_EVENTS = (select(_EVENTS.c.id, _EVENTS.c.type, _EVENTS.c.occurred_at, _EVENTS.c.recorded_at, _EVENTS.c.actor,
                         _EVENTS.c.reason, _EVENTS.c.priority, _EVENTS.c.corrects_id, _EVENTS.c.void,
                         _EVENTS.c.late_reason)
                  .where(_EVENTS.c.ticket_id == bindparam("ticket_id"))
                  .order_by(_EVENTS.c.recorded_at, _EVENTS.c.id))


def detail(session: Session, principal: Principal, ticket_id: str) -> TicketDetail:
    """The ticket with its full history: every event (superseded ones marked), work, rating.

    Three round trips (the ticket with its rating, its events, its work logs; their parts only
    when there are any), read as bare columns by statements built once."""
    principal.require("read")
    stmt: Any = (select(Ticket, Rating.score, Rating.comment, Rating.recorded_at, Contract.reporting_window_hours)
                 .join(Contract, Contract.id == Ticket.contract_id)
                 .outerjoin(Rating, Rating.ticket_id == Ticket.id).where(Ticket.id == ticket_id))
    found = session.execute(scoped(stmt, Ticket, principal)).first()
    if found is None:
        raise NotFound(f"ticket {ticket_id} not found")
    ticket: Ticket = found[0]
    window = found[4]
    rows = session.connection().execute(_DETAIL_EVENTS, {"ticket_id": ticket.id}).all()
    corrected_by = {e.corrects_id: e.id for e in rows if e.type == "corrected" and e.corrects_id}
    events = tuple(EventView(**e._asdict(), superseded=e.id in corrected_by, superseded_by=corrected_by.get(e.id),
                             **lateness.flags(e.occurred_at, e.recorded_at, window)) for e in rows)
    logs = tuple(work_logs_of(session, [ticket.id])[ticket.id])
    rating = None if found[1] is None else RatingView(ticket.id, found[1], found[2], found[3])
    return TicketDetail(**{k: getattr(ticket, k) for k in _TICKET_FIELDS},
                        **lateness.flags(ticket.reported_at, ticket.recorded_at, window),
                        events=events, work_logs=logs, rating=rating,
                        work_minutes=round(sum(w.minutes for w in logs), 2))


_TICKET_FIELDS = tuple(f.name for f in fields(TicketView) if f.name in _TICKETS.c)
_EVENT_FIELDS = tuple(f.name for f in fields(EventView) if f.name in _EVENTS.c)


def reporting_window_hours(session: Session, contract_id: str) -> int:
    window: int = session.execute(select(_CONTRACTS.c.reporting_window_hours)
                                  .where(_CONTRACTS.c.id == contract_id)).scalar_one()
    return window


def ticket_view(session: Session, ticket: Ticket) -> TicketView:
    """A ticket as answered, with its ``recorded_late`` flag (its contract's window read once)."""
    return TicketView(**{k: getattr(ticket, k) for k in _TICKET_FIELDS},
                      **lateness.flags(ticket.reported_at, ticket.recorded_at,
                                       reporting_window_hours(session, ticket.contract_id)))


def event_view(session: Session, event: TicketEvent) -> EventView:
    """A just-recorded event as answered, with its ``recorded_late`` flag."""
    contract_id = session.execute(select(Ticket.contract_id).where(Ticket.id == event.ticket_id)).scalar_one()
    return EventView(**{k: getattr(event, k) for k in _EVENT_FIELDS},
                     **lateness.flags(event.occurred_at, event.recorded_at,
                                      reporting_window_hours(session, contract_id)))


def list_tickets(session: Session, principal: Principal, *, limit: int, cursor: str | None,
                 filters: dict[str, Any]) -> Page[TicketView]:
    """A page of tickets with their current assignee and team (:mod:`fleet.dispatch`), each built
    from its bare columns (no ORM object per row)."""
    principal.require("read")
    stmt = scoped(select(*(_TICKETS.c[k] for k in _TICKET_FIELDS), _CONTRACTS.c.reporting_window_hours)
                  .join(_CONTRACTS, _CONTRACTS.c.id == _TICKETS.c.contract_id), Ticket, principal)
    for column in ("contract_id", "unit_id", "status", "priority"):
        if filters.get(column):
            stmt = stmt.where(getattr(Ticket, column) == filters[column])
    if filters.get("reported_from"):
        stmt = stmt.where(Ticket.reported_at >= filters["reported_from"])
    if filters.get("reported_to"):
        stmt = stmt.where(Ticket.reported_at < filters["reported_to"])
    found = paginate(session, stmt, Ticket.id, limit=limit, cursor=cursor, rows=True)
    assigned = dispatch_of(session, [row["id"] for row in found.items])
    items = []
    for row in found.items:
        window = row.pop("reporting_window_hours")
        d = assigned.get(row["id"], UNASSIGNED)
        items.append(TicketView(**row, **lateness.flags(row["reported_at"], row["recorded_at"], window),
                                assignee=d.assignee, team=d.team))
    return Page(items, found.next_cursor)


def unit_tickets(session: Session, principal: Principal, unit_id: str, *, limit: int = 100) -> list[Ticket]:
    """A unit's latest tickets, newest first, as the principal may see them."""
    stmt = scoped(select(Ticket).where(Ticket.unit_id == unit_id), Ticket, principal)
    return list(session.scalars(stmt.order_by(Ticket.reported_at.desc()).limit(limit)))
