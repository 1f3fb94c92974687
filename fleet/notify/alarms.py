"""Clock alarms in the record: re-planned on every ticket write, fired by the worker when due.

:func:`replan` replaces a ticket's alarms with :func:`slas.alarms.plan` of its clocks now (Core
statements: a ticket write pays two small statements and one clock reading). :func:`fire_due`
takes the alarms that came due, reads each ticket's clocks again at that moment, tells what
still holds (:func:`slas.alarms.is_due`: a pause or a stop since the plan cancels it) through
:func:`fleet.notify.outbox.emit`, and re-plans the ticket. On PostgreSQL the alarms are taken
with ``FOR UPDATE SKIP LOCKED`` after the audit head (the lock order of a ticket write: head,
then the ticket's alarms), and the notification's ``dedupe_key`` makes telling twice impossible.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, insert, select
from sqlalchemy.orm import Session

from fleet import audit, timeline
from fleet.models import ClockAlarm, Contract, Notification, Ticket
from fleet.notify.outbox import emit, local_text, ticket_data
from fleet.principal import Principal
from fleet.sla_service import ContractClocks, Instants
from fleet.ticket_facts import facts_where
from slas import alarms
from slas.clocks import MetricClock, TicketSla

_ALARMS = cast(Table, ClockAlarm.__table__)
_DELETE = delete(_ALARMS).where(_ALARMS.c.ticket_id == bindparam("ticket_id"))
_INSERT = insert(_ALARMS)
_KIND_TYPE = {"warning": "clock.warning", "breach": "clock.breached"}


def replan(session: Session, ticket: Ticket, facts: Sequence[timeline.Fact] | None, *, now: datetime
           ) -> list[alarms.Alarm]:
    """Replace the ticket's alarms with the plan of its clocks at ``now``. ``facts``: the ticket's
    recorded events when the caller has them (a write just replayed them), else read here."""
    contract = session.get(Contract, ticket.contract_id)
    assert contract is not None
    clocks = ContractClocks.load(session, contract)
    if facts is None:
        facts = facts_where(session, [Ticket.id == ticket.id]).get(ticket.id, [])
    _, sla = clocks.evaluate(ticket.reported_at, ticket.initial_priority, facts, Instants(as_of=now, at=now))
    planned = _untold(session, ticket, sla, alarms.plan(sla, calendar=clocks.calendar,
                                                         warning_ratio=clocks.warning_ratio), now)
    connection = session.connection()
    connection.execute(_DELETE, {"ticket_id": ticket.id})
    if planned:
        connection.execute(_INSERT, [{"ticket_id": ticket.id, "agency_id": ticket.agency_id, "metric": a.metric,
                                      "kind": a.kind, "due_at": a.due_at} for a in planned])
    return planned


def _untold(session: Session, ticket: Ticket, sla: TicketSla, planned: list[alarms.Alarm], now: datetime
            ) -> list[alarms.Alarm]:
    """``planned`` without the warnings due at once that were already told (a clock already at
    risk plans its warning now; once told, re-planning must not plan it again). Only a clock at
    risk costs the lookup."""
    at_once = {a.metric for a in planned if a.kind == "warning" and a.due_at <= now}
    if not at_once:
        return planned
    keys = {_dedupe_key("warning", ticket.id, m, sla.priority): m.metric for m in sla.metrics if m.metric in at_once}
    told = {keys[k] for k in session.scalars(select(Notification.dedupe_key).where(Notification.dedupe_key.in_(keys)))}
    return [a for a in planned if not (a.kind == "warning" and a.metric in told)]


def _dedupe_key(kind: str, ticket_id: str, clock: MetricClock, priority: str) -> str:
    """One notification per ticket, metric, priority and target for each kind of alarm."""
    return f"{_KIND_TYPE[kind]}:{ticket_id}:{clock.metric}:{priority}:{clock.target_minutes}"


def any_due(session: Session, *, now: datetime) -> bool:
    """Whether an alarm is due by ``now`` (a read: the worker looks before it takes a write lock)."""
    return session.scalar(select(_ALARMS.c.ticket_id).where(_ALARMS.c.due_at <= now).limit(1)) is not None


def fire_due(session: Session, principal: Principal, *, now: datetime, limit: int = 200) -> int:
    """Tell the alarms due by ``now`` that still hold, re-plan their tickets; returns how many
    notifications were decided."""
    if not any_due(session, now=now):
        return 0
    audit.lock_head(session)  # the lock order of every ticket write (head, then its alarms): no deadlock
    stmt: Any = (select(_ALARMS.c.ticket_id, _ALARMS.c.metric, _ALARMS.c.kind).where(_ALARMS.c.due_at <= now)
                 .order_by(_ALARMS.c.due_at).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    due: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for ticket_id, metric, kind in session.execute(stmt):
        due[ticket_id].append((metric, kind))
    told = 0
    for ticket_id, items in due.items():
        ticket = session.get(Ticket, ticket_id)
        if ticket is None:
            continue
        facts = facts_where(session, [Ticket.id == ticket_id]).get(ticket_id, [])
        contract = session.get(Contract, ticket.contract_id)
        assert contract is not None
        clocks = ContractClocks.load(session, contract)
        _, sla = clocks.evaluate(ticket.reported_at, ticket.initial_priority, facts, Instants(as_of=now, at=now))
        for metric, kind in items:
            clock = alarms.is_due(sla, metric, kind)  # type: ignore[arg-type]
            if clock is not None and _tell(session, principal, ticket, clock, kind, sla.priority, now,
                                           clocks.warning_ratio):
                told += 1
        replan(session, ticket, facts, now=now)
    return told


def _tell(session: Session, principal: Principal, ticket: Ticket, clock: Any, kind: str, priority: str,
          now: datetime, warning_ratio: float) -> bool:
    type_ = _KIND_TYPE[kind]
    data = ticket_data(session, ticket.id)
    due_at: datetime = clock.due_at
    data.update(metric=clock.metric, target_minutes=clock.target_minutes, clock=clock.clock,
                elapsed_minutes=clock.elapsed_minutes, due_at=due_at,
                due_local=local_text(due_at, data["timezone"]) if due_at else None,
                warning_percent=round(warning_ratio * 100), priority=priority)
    note = emit(session, principal, type=type_, occurred_at=now,  # type: ignore[arg-type]
                dedupe_key=_dedupe_key(kind, ticket.id, clock, priority),
                agency_id=ticket.agency_id, contract_id=ticket.contract_id, ticket_id=ticket.id, data=data,
                priority=priority)
    return note is not None
