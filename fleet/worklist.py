"""Read models for the web pages: an engineer's open tickets with their clocks, and a contract's
month (compliance, credits and the breaches behind them) from one evaluation.

Set-based like :mod:`fleet.sla_service`: the open tickets with their unit and contract in one
query, every event of those tickets in one more, each contract's clocks loaded once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleet.figures import Compliance
from fleet.models import Contract, Ticket, Unit
from fleet.principal import Principal
from fleet.sla_service import (
    ContractClocks,
    EvaluatedTicket,
    compliance_of,
    evaluate_period,
    evaluate_tickets,
    instants,
    period_bounds,
)
from fleet.tenancy import get_scoped, scope_filter
from slas import clocks, lateness
from slas.vocabulary import OPEN_STATUSES

_FAR = datetime(9999, 1, 1, tzinfo=UTC)
OPEN = OPEN_STATUSES


@dataclass(frozen=True)
class WorkItem:
    """One open ticket with the clock that matters most now (the running one due soonest)."""

    ticket_id: str
    number: str
    priority: str
    status: str
    summary: str
    reported_at: datetime
    unit_id: str
    unit_serial: str
    site: str
    contract_number: str
    metric: str | None
    due_at: datetime | None
    state: str
    breached: bool
    at_risk: bool
    percent_used: float | None
    late_by_minutes: float | None = None  # the ticket was recorded this long after it was reported (late)

    @property
    def urgency(self) -> str:
        """``breached``, ``at-risk``, ``paused`` or ``ok`` (a word, so it reads without colour)."""
        if self.breached:
            return "breached"
        if self.at_risk:
            return "at-risk"
        if self.state == "paused":
            return "paused"
        return "ok"


def open_work(session: Session, principal: Principal, *, now: datetime | None = None,
              limit: int = 500) -> list[WorkItem]:
    """Open tickets the principal may see, most urgent first: breached, then at risk, then by
    due time; tickets with no running clock (all met, or paused) after those."""
    principal.require("read")
    moments = instants(None, None, now=now)
    stmt = (select(Ticket, Unit.serial, Unit.site, Contract.number, Contract.reporting_window_hours)
            .join(Unit, Unit.id == Ticket.unit_id).join(Contract, Contract.id == Ticket.contract_id)
            .where(Ticket.status.in_(OPEN)).order_by(Ticket.reported_at).limit(limit))
    clause = scope_filter(Ticket, principal)
    rows = session.execute(stmt if clause is None else stmt.where(clause)).all()
    places = {ticket.id: (serial, site, number, window) for ticket, serial, site, number, window in rows}
    items: list[WorkItem] = []
    for ticket, sla in evaluate_tickets(session, [r[0] for r in rows], moments):
        serial, site, number, window = places[ticket.id]
        m = clocks.most_urgent(sla.metrics)
        items.append(WorkItem(
            ticket_id=ticket.id, number=ticket.number, priority=sla.priority, status=ticket.status,
            summary=ticket.summary, reported_at=ticket.reported_at, unit_id=ticket.unit_id, unit_serial=serial,
            site=site, contract_number=number, metric=m.metric if m else None, due_at=m.due_at if m else None,
            state=m.state if m else "met", breached=bool(m and m.breached), at_risk=bool(m and m.at_risk),
            percent_used=clocks.percent_used(m) if m else None,
            late_by_minutes=lateness.late_by_minutes(ticket.reported_at, ticket.recorded_at, window)))
    rank = {"breached": 0, "at-risk": 1, "ok": 2, "paused": 3}
    items.sort(key=lambda i: (rank[i.urgency] if i.metric else 4, i.due_at or _FAR, i.priority, i.number))
    return items


@dataclass(frozen=True)
class Waiting:
    ticket_id: str
    number: str
    priority: str
    summary: str
    unit_serial: str
    resolved_at: datetime | None


def waiting_to_close(session: Session, principal: Principal, *, limit: int = 200) -> list[Waiting]:
    """Resolved tickets not yet closed, longest waiting first: off the open list (no clock runs),
    but someone still has to close them."""
    principal.require("read")
    stmt = (select(Ticket.id, Ticket.number, Ticket.priority, Ticket.summary, Unit.serial, Ticket.resolved_at)
            .join(Unit, Unit.id == Ticket.unit_id).where(Ticket.status == "resolved")
            .order_by(Ticket.resolved_at, Ticket.number).limit(limit))
    clause = scope_filter(Ticket, principal)
    return [Waiting(*row) for row in session.execute(stmt if clause is None else stmt.where(clause)).all()]


@dataclass(frozen=True)
class Breach:
    ticket_id: str
    number: str
    unit_id: str
    priority: str
    summary: str
    reported_at: datetime
    metrics: list[str]
    paused_minutes: float


@dataclass(frozen=True)
class ContractPeriod:
    compliance: Compliance
    breaches: list[Breach]


def contract_period(session: Session, principal: Principal, contract_id: str, *, start_date: date,
                    end_date: date, now: datetime | None = None) -> ContractPeriod:
    """Compliance and credits for ``[start_date, end_date)`` with the breached tickets listed,
    from one evaluation of the period's tickets."""
    principal.require("read")
    contract = get_scoped(session, Contract, contract_id, principal, what="contract")
    moments = instants(None, None, now=now)
    ctx = ContractClocks.load(session, contract, as_of=moments.as_of)
    start, end = period_bounds(ctx.calendar, start_date, end_date)
    evaluated: list[EvaluatedTicket] = evaluate_period(session, ctx, start, end, moments)
    breaches = [
        Breach(e.id, e.number, e.unit_id, e.sla.priority, e.summary, e.reported_at,
               [m.metric for m in e.sla.metrics if m.breached],
               round(sum(m.paused_for.total_seconds() for m in e.sla.metrics) / 60, 1))
        for e in evaluated if any(m.breached for m in e.sla.metrics)
    ]
    compliance = compliance_of(contract, ctx, [e.sla for e in evaluated], start_date, end_date, moments)
    return ContractPeriod(compliance, breaches)


def contract_months(session: Session, principal: Principal, contract_id: str, months: list[tuple[date, date]],
                    *, now: datetime | None = None) -> list[Compliance]:
    """Compliance for several periods of one contract (e.g. last month and this month) from one
    load of its clocks and one evaluation of the tickets they span."""
    principal.require("read")
    contract = get_scoped(session, Contract, contract_id, principal, what="contract")
    moments = instants(None, None, now=now)
    ctx = ContractClocks.load(session, contract, as_of=moments.as_of)
    bounds = [period_bounds(ctx.calendar, start, end) for start, end in months]
    evaluated = evaluate_period(session, ctx, min(b[0] for b in bounds), max(b[1] for b in bounds), moments)
    return [compliance_of(contract, ctx, [e.sla for e in evaluated if lo <= e.reported_at < hi], start, end, moments)
            for (start, end), (lo, hi) in zip(months, bounds, strict=True)]
