"""Tickets as answered: one ticket with its full history, a page of tickets, a unit's latest
tickets, a just-written ticket or event with its ``recorded_late`` flag, work logs with parts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import (
    Table,
    bindparam,
    select,
)
from sqlalchemy.orm import Session

from fleet import lateness
from fleet.errors import NotFound
from fleet.models import Contract, Rating, Ticket, TicketEvent, WorkLog, WorkLogPart
from fleet.pagination import Page, paginate
from fleet.principal import Principal
from fleet.schemas.tickets import (
    EventOut,
    TicketDetailOut,
    TicketOut,
    WorkLogOut,
)
from fleet.tenancy import scoped

_TICKETS = cast(Table, Ticket.__table__)
_EVENTS = cast(Table, TicketEvent.__table__)
_WORK_LOGS = cast(Table, WorkLog.__table__)
_CONTRACTS = cast(Table, Contract.__table__)


def work_logs_out(session: Session, ticket_ids: Sequence[str]) -> dict[str, list[WorkLogOut]]:
    return {ticket_id: [WorkLogOut.model_validate(w) for w in logs]
            for ticket_id, logs in _work_logs(session, ticket_ids).items()}


def _work_logs(session: Session, ticket_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """The tickets' work logs with their minutes and parts, as ``WorkLogOut`` fields (bare
    columns; the parts in one more query, only when there are logs), in ``started_at`` order."""
    logs = [row._asdict() for row in session.connection().execute(
        select(_WORK_LOGS.c.id, _WORK_LOGS.c.ticket_id, _WORK_LOGS.c.started_at, _WORK_LOGS.c.ended_at,
               _WORK_LOGS.c.engineer, _WORK_LOGS.c.activity, _WORK_LOGS.c.notes, _WORK_LOGS.c.recorded_at)
        .where(_WORK_LOGS.c.ticket_id.in_(ticket_ids)).order_by(_WORK_LOGS.c.started_at))]
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    if not logs:
        return out
    parts: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in session.scalars(select(WorkLogPart).where(WorkLogPart.work_log_id.in_([w["id"] for w in logs]))):
        parts[p.work_log_id].append({"part_number": p.part_number, "quantity": p.quantity})
    for w in logs:
        w["minutes"] = round((w["ended_at"] - w["started_at"]).total_seconds() / 60, 2)
        w["parts"] = parts[w["id"]]
        out[w["ticket_id"]].append(w)
    return out


_DETAIL_EVENTS = (select(_EVENTS.c.id, _EVENTS.c.type, _EVENTS.c.occurred_at, _EVENTS.c.recorded_at, _EVENTS.c.actor,
                         _EVENTS.c.reason, _EVENTS.c.priority, _EVENTS.c.corrects_id, _EVENTS.c.void,
                         _EVENTS.c.late_reason)
                  .where(_EVENTS.c.ticket_id == bindparam("ticket_id"))
                  .order_by(_EVENTS.c.recorded_at, _EVENTS.c.id))


def detail(session: Session, principal: Principal, ticket_id: str) -> TicketDetailOut:
    """The ticket with its full history: every event (superseded ones marked), work, rating.

    Three round trips (the ticket with its rating, its events, its work logs; their parts only
    when there are any), read as bare columns by statements built once, validated once."""
    principal.require("read")
    stmt: Any = (select(Ticket, Rating.score, Rating.comment, Rating.recorded_at, Contract.reporting_window_hours)
                 .join(Contract, Contract.id == Ticket.contract_id)
                 .outerjoin(Rating, Rating.ticket_id == Ticket.id).where(Ticket.id == ticket_id))
    found = session.execute(scoped(stmt, Ticket, principal)).first()
    if found is None:
        raise NotFound(f"ticket {ticket_id} not found")
    ticket: Ticket = found[0]
    connection = session.connection()
    events = [row._asdict() for row in connection.execute(_DETAIL_EVENTS, {"ticket_id": ticket.id})]
    superseded_by = {e["corrects_id"]: e["id"] for e in events if e["type"] == "corrected" and e["corrects_id"]}
    window = found[4]
    for e in events:
        e["superseded_by"] = superseded_by.get(e["id"])
        e["superseded"] = e["superseded_by"] is not None
        e.update(lateness.flags(e["occurred_at"], e["recorded_at"], window))
    logs = _work_logs(session, [ticket.id])[ticket.id]
    rating = None if found[1] is None else {"ticket_id": ticket.id, "score": found[1], "comment": found[2],
                                            "recorded_at": found[3]}
    return TicketDetailOut.model_validate({
        **{k: getattr(ticket, k) for k in _TICKET_FIELDS},
        **lateness.flags(ticket.reported_at, ticket.recorded_at, window),
        "events": events, "work_logs": logs, "rating": rating,
        "work_minutes": round(sum(w["minutes"] for w in logs), 2),
    })


_TICKET_FIELDS = tuple(k for k in TicketOut.model_fields if k in _TICKETS.c)


def reporting_window_hours(session: Session, contract_id: str) -> int:
    window: int = session.execute(select(_CONTRACTS.c.reporting_window_hours)
                                  .where(_CONTRACTS.c.id == contract_id)).scalar_one()
    return window


def ticket_out(session: Session, ticket: Ticket) -> TicketOut:
    """A ticket as answered, with its ``recorded_late`` flag (its contract's window read once)."""
    return TicketOut.model_validate({**{k: getattr(ticket, k) for k in _TICKET_FIELDS},
                                     **lateness.flags(ticket.reported_at, ticket.recorded_at,
                                                      reporting_window_hours(session, ticket.contract_id))})


def event_out(session: Session, event: TicketEvent) -> EventOut:
    """A just-recorded event as answered, with its ``recorded_late`` flag."""
    contract_id = session.execute(select(Ticket.contract_id).where(Ticket.id == event.ticket_id)).scalar_one()
    return EventOut.model_validate({**{k: getattr(event, k) for k in _EVENT_FIELDS},
                                    **lateness.flags(event.occurred_at, event.recorded_at,
                                                     reporting_window_hours(session, contract_id))})


_EVENT_FIELDS = tuple(k for k in EventOut.model_fields if k in _EVENTS.c)


def list_tickets(session: Session, principal: Principal, *, limit: int, cursor: str | None,
                 filters: dict[str, Any]) -> Page[Any]:
    """A page of tickets as ``{column: value}`` dicts of the ``tickets`` columns."""
    principal.require("read")
    stmt = scoped(select(*_TICKETS.c, _CONTRACTS.c.reporting_window_hours)
                  .join(_CONTRACTS, _CONTRACTS.c.id == _TICKETS.c.contract_id), Ticket, principal)
    for column in ("contract_id", "unit_id", "status", "priority"):
        if filters.get(column):
            stmt = stmt.where(getattr(Ticket, column) == filters[column])
    if filters.get("reported_from"):
        stmt = stmt.where(Ticket.reported_at >= filters["reported_from"])
    if filters.get("reported_to"):
        stmt = stmt.where(Ticket.reported_at < filters["reported_to"])
    found = paginate(session, stmt, Ticket.id, limit=limit, cursor=cursor, rows=True)
    for row in found.items:
        row.update(lateness.flags(row["reported_at"], row["recorded_at"], row.pop("reporting_window_hours")))
    return found


def unit_tickets(session: Session, principal: Principal, unit_id: str, *, limit: int = 100) -> list[Ticket]:
    """A unit's latest tickets, newest first, as the principal may see them."""
    stmt = scoped(select(Ticket).where(Ticket.unit_id == unit_id), Ticket, principal)
    return list(session.scalars(stmt.order_by(Ticket.reported_at.desc()).limit(limit)))
