"""A contract's tickets for a period, each with its SLA clocks: the list a contract manager
exports next to the compliance figures (``GET /contracts/{id}/tickets``).

The same tickets and readings as compliance counts (:func:`fleet.sla_service.evaluate_period`:
tickets reported in ``[from, to)`` in the contract calendar's time zone, recorded by ``as_of``,
clocks read at ``at``), so a row-by-row tally of this list gives the compliance rows.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleet import sla_service, timeline
from fleet.figures import PeriodTicket, PeriodTickets
from fleet.models import Contract, Ticket, Unit
from fleet.principal import Principal
from fleet.tenancy import get_scoped


def period_tickets(session: Session, principal: Principal, contract_id: str, *, start_date: date,
                   end_date: date, at: datetime | None, as_of: datetime | None) -> PeriodTickets:
    """Every ticket of the contract reported in the period, in ``(reported_at, id)`` order."""
    principal.require("read")
    contract = get_scoped(session, Contract, contract_id, principal, what="contract")
    moments = sla_service.instants(at, as_of)
    ctx = sla_service.ContractClocks.load(session, contract, as_of=moments.as_of)
    start, end = sla_service.period_bounds(ctx.calendar, start_date, end_date)
    evaluated = sla_service.evaluate_period(session, ctx, start, end, moments)
    extra = {row[0]: row[1:] for row in session.execute(
        select(Ticket.id, Ticket.initial_priority, Ticket.unit_down, Ticket.recorded_at)
        .where(Ticket.contract_id == contract.id, Ticket.reported_at >= start, Ticket.reported_at < end,
               Ticket.recorded_at <= moments.as_of))}
    serials = dict(session.execute(select(Unit.id, Unit.serial).where(Unit.contract_id == contract.id)).all())
    rows = []
    for e in evaluated:
        initial_priority, unit_down, recorded_at = extra[e.id]
        rows.append(PeriodTicket(
            id=e.id, number=e.number, unit_id=e.unit_id, unit_serial=serials.get(e.unit_id, ""),
            priority=e.sla.priority, initial_priority=initial_priority,
            status=timeline.status_at(timeline.effective(e.facts, as_of=moments.as_of), moments.at)[0],
            summary=e.summary, unit_down=bool(unit_down), reported_at=e.reported_at,
            recorded_at=recorded_at, policy_version=e.policy_version, metrics=e.sla.metrics))
    return PeriodTickets(contract_id=contract.id, contract_number=contract.number, from_=start_date, to=end_date,
                         timezone=ctx.calendar.timezone, as_of=moments.as_of, at=moments.at, tickets=tuple(rows))
