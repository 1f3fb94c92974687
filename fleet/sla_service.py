"""SLA figures from the record: one ticket's clocks, a contract's compliance, the at-risk list.

Two instants shape every figure (DESIGN.md principle 3): ``as_of`` keeps only facts recorded by
then (tickets, events, corrections), ``at`` reads the clocks then (events that occurred later are
ignored). ``as_of`` defaults to now and ``at`` to ``as_of``. The judgement itself is
:func:`slas.clocks.evaluate`; this module only gathers the facts, in a few set-based queries.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import ColumnElement, bindparam, select
from sqlalchemy.orm import Session

from fleet import registry, timeline
from fleet.answers import AnswerCache
from fleet.db import utcnow
from fleet.errors import Invalid, NotFound
from fleet.figures import AtRisk, Compliance, TicketClocks
from fleet.gcpause import gc_paused
from fleet.lru import LRU
from fleet.models import Calendar, Contract, SlaPolicy, Ticket
from fleet.period import RecordTicket, read_tickets
from fleet.principal import Principal
from fleet.tenancy import get_scoped, scoped
from fleet.ticket_facts import clock_inputs_where, facts_where
from slas import clocks, credits
from slas.calendars import BusinessCalendar, local_midnight
from slas.clocks import most_urgent, percent_used
from slas.compliance import all_passed
from slas.compliance import compliance as tally
from slas.vocabulary import FINISHED_STATUSES


@dataclass(frozen=True)
class Instants:
    as_of: datetime
    at: datetime


def instants(at: datetime | None, as_of: datetime | None, *, now: datetime | None = None) -> Instants:
    """Resolve the two instants: ``as_of`` defaults to now, ``at`` to ``as_of``."""
    current = now or utcnow()
    resolved_as_of = as_of or current
    if resolved_as_of > current:
        raise Invalid("as_of is in the future: the record cannot be read as it will stand", code="as_of_in_future")
    return Instants(as_of=resolved_as_of, at=at or resolved_as_of)


@dataclass(frozen=True)
class ContractClocks:
    """What reading a contract's clocks needs: its calendar, target versions and pause rule."""

    contract: Contract
    calendar: BusinessCalendar
    versions: list[tuple[int, clocks.PolicyVersion]]
    warning_ratio: float
    _pause_allowed: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_pause_allowed", bool(self.contract.pause_allowed))  # read once, not per ticket

    @classmethod
    def load(cls, session: Session, contract: Contract, *, as_of: datetime | None = None) -> ContractClocks:
        """The contract's clocks as the record stood at ``as_of``: a target version recorded
        later is ignored, so a report regenerated with the same ``as_of`` gives the same figures.

        The calendar and the target versions are built once per process (:func:`_clock_parts`):
        both are never changed once recorded (a contract gets a new version, never an edited
        one), so one light query for the contract's version ids tells whether the kept ones
        are all there are."""
        heads = session.connection().execute(_POLICY_HEADS, {"contract_id": contract.id}).all()
        calendar, built = _clock_parts(session, contract.calendar_id, contract.id, tuple(h[0] for h in heads))
        versions = [v for v, (_, version, created_at) in zip(built, heads, strict=True)
                    if as_of is None or version == 1 or created_at <= as_of]
        return cls(contract, calendar, versions, contract.warning_percent / 100)

    def version_for(self, reported_at: datetime) -> tuple[int, clocks.PolicyVersion]:
        if len(self.versions) == 1:
            return self.versions[0]
        chosen = self.versions[0]
        for number, version in self.versions:
            if version.effective_from <= reported_at:
                chosen = (number, version)
        return chosen

    def evaluate(self, reported_at: datetime, priority: str, facts: Iterable[timeline.Fact],
                 moments: Instants) -> tuple[int, clocks.TicketSla]:
        """The ticket's clocks from its recorded facts (corrections applied as of ``moments.as_of``)."""
        return self.evaluate_timeline(reported_at, priority, timeline.effective(facts, as_of=moments.as_of), moments)

    def evaluate_timeline(self, reported_at: datetime, priority: str, effective: Sequence[timeline.Fact],
                          moments: Instants) -> tuple[int, clocks.TicketSla]:
        """The ticket's clocks from its effective timeline (:func:`fleet.timeline.effective`).

        The facts go to :func:`slas.clocks.evaluate` as they are (a ``Fact`` has the event's
        ``type``, ``occurred_at`` and ``priority``): they come from the record, whose event types,
        UTC instants and priorities were checked when written."""
        number, version = self.version_for(reported_at)
        sla = clocks.evaluate(reported_at=reported_at, priority=priority, events=effective, targets=version.targets,
                              calendar=self.calendar, at=moments.at, pause_allowed=self._pause_allowed,
                              warning_ratio=self.warning_ratio)
        return number, sla

    def evaluate_timelines(self, tickets: Sequence[tuple[datetime, str, Sequence[clocks.EventLike]]],
                           moments: Instants) -> list[tuple[int, clocks.TicketSla]]:
        """:meth:`evaluate_timeline` for each ``(reported_at, priority, effective timeline)``, in
        one pass (:func:`slas.clocks.evaluate_many`)."""
        versions = [self.version_for(t[0]) for t in tickets]
        slas = clocks.evaluate_many(
            ((t[0], t[1], t[2], v[1].targets) for t, v in zip(tickets, versions, strict=True)),
            calendar=self.calendar, at=moments.at, pause_allowed=self._pause_allowed,
            warning_ratio=self.warning_ratio, in_order=True)  # effective timelines are in occurred_at order
        return [(v[0], sla) for v, sla in zip(versions, slas, strict=True)]


_POLICY_HEADS = (select(SlaPolicy.id, SlaPolicy.version, SlaPolicy.created_at)
                 .where(SlaPolicy.contract_id == bindparam("contract_id")).order_by(SlaPolicy.version))
_PARTS: LRU[tuple[str, tuple[str, ...]], tuple[BusinessCalendar, list[tuple[int, clocks.PolicyVersion]]]] = LRU(512)


def _clock_parts(session: Session, calendar_id: str, contract_id: str, policy_ids: tuple[str, ...]
                 ) -> tuple[BusinessCalendar, list[tuple[int, clocks.PolicyVersion]]]:
    """The contract's calendar and its target versions ``[(version, PolicyVersion)]`` (oldest
    first), by calendar id and version ids: built from the rows once per process (least recently
    used out). Both are immutable once recorded, so equal ids mean equal parts."""
    key = (calendar_id, policy_ids)
    found = _PARTS.get(key)
    if found is not None:
        return found
    cal = session.get(Calendar, calendar_id)
    assert cal is not None
    versions = [
        (p.version, clocks.PolicyVersion(p.effective_from, tuple(
            clocks.Target(t.priority, t.metric, t.minutes, t.clock) for t in p.targets)))  # type: ignore[arg-type]
        for p in registry.policies(session, contract_id) if p.id in policy_ids
    ]
    parts = (registry.business_calendar(cal), versions)
    if len(versions) == len(policy_ids):
        _PARTS.put(key, parts)
    return parts


def ticket_sla(session: Session, principal: Principal, ticket_id: str, *, at: datetime | None,
               as_of: datetime | None) -> TicketClocks:
    principal.require("read")
    ticket = get_scoped(session, Ticket, ticket_id, principal, what="ticket")
    moments = instants(at, as_of)
    if ticket.recorded_at > moments.as_of:
        raise NotFound(f"ticket {ticket_id} was not yet recorded as of {moments.as_of.isoformat()}")
    contract = session.get(Contract, ticket.contract_id)
    assert contract is not None
    facts = facts_where(session, [Ticket.id == ticket.id], as_of=moments.as_of).get(ticket.id, [])
    version, sla = ContractClocks.load(session, contract, as_of=moments.as_of).evaluate(
        ticket.reported_at, ticket.initial_priority, facts, moments)
    return TicketClocks(ticket_id=ticket.id, number=ticket.number, priority=sla.priority, policy_version=version,
                        at=moments.at, as_of=moments.as_of, metrics=sla.metrics)


class EvaluatedTicket(NamedTuple):
    """A ticket row with its clocks: what compliance tallies and reports list (a named tuple:
    a contract-year makes tens of thousands)."""

    id: str
    number: str
    unit_id: str
    reported_at: datetime
    summary: str
    policy_version: int
    sla: clocks.TicketSla
    facts: list[timeline.Fact]


def evaluate_period(session: Session, ctx: ContractClocks, start: datetime, end: datetime,
                    moments: Instants) -> list[EvaluatedTicket]:
    """Every ticket of the contract reported in ``[start, end)`` and recorded by ``as_of``, evaluated
    (:func:`fleet.period.read_tickets`, then :func:`evaluate_record`)."""
    where = [*_period_filter(ctx, start, end), Ticket.recorded_at <= moments.as_of]
    with gc_paused():
        return evaluate_record(ctx, read_tickets(session, where, moments.as_of), moments)


def evaluate_record(ctx: ContractClocks, tickets: Sequence[RecordTicket], moments: Instants) -> list[EvaluatedTicket]:
    """The tickets of a period record judged: one pass of :func:`slas.clocks.evaluate_many` over
    their effective timelines, the same readings as :meth:`ContractClocks.evaluate` per ticket."""
    with gc_paused():
        judged = ctx.evaluate_timelines([(t.reported_at, t.initial_priority, t.effective) for t in tickets], moments)
        return [EvaluatedTicket(t.id, t.number, t.unit_id, t.reported_at, t.summary, version, sla, t.facts)
                for t, (version, sla) in zip(tickets, judged, strict=True)]


def period_bounds(calendar: BusinessCalendar, start_date: date, end_date: date) -> tuple[datetime, datetime]:
    if end_date <= start_date:
        raise Invalid("to must be after from (the period is [from, to))", code="invalid_period")
    return calendar.local_date_start(start_date), calendar.local_date_start(end_date)


def contract_compliance(session: Session, principal: Principal, contract_id: str, *, start_date: date,
                        end_date: date, at: datetime | None, as_of: datetime | None,
                        answers: AnswerCache | None = None) -> Compliance:
    """Per priority and metric: total, met, breached, pending, n/a, percent met vs AQL; credits owed.

    Reads only what the clocks need (:func:`_period_clock_inputs`), not the full facts that
    reports list with each ticket (:func:`evaluate_period`): the same readings, a lighter query.
    With ``answers`` and neither instant given, a period that is over is answered from the cache
    while no write has changed its record and no clock has reached its due time since
    (:mod:`fleet.answers`, :func:`_valid_until`)."""
    principal.require("read")
    contract = get_scoped(session, Contract, contract_id, principal, what="contract")
    if answers is None or at is not None or as_of is not None:
        return _compliance(session, contract, start_date, end_date, instants(at, as_of), keep=False)[0]
    tz = registry.contract_timezone(session, contract)

    def compute(now: datetime) -> tuple[Compliance, datetime | None]:
        return _compliance(session, contract, start_date, end_date, instants(None, None, now=now), keep=True)

    return answers.answer(session, ("compliance", contract.id, start_date, end_date), contract_id=contract.id,
                          end=local_midnight(end_date, tz), compute=compute)


def _compliance(session: Session, contract: Contract, start_date: date, end_date: date,
                moments: Instants, *, keep: bool) -> tuple[Compliance, datetime | None]:
    """The answer and, if it may be ``keep``-t, until when it holds with no write (:func:`_valid_until`)."""
    ctx = ContractClocks.load(session, contract, as_of=moments.as_of)
    start, end = period_bounds(ctx.calendar, start_date, end_date)
    with gc_paused():  # until the readings are tallied and released (see fleet.gcpause)
        inputs = _period_clock_inputs(session, ctx, start, end, moments)
        readings = [sla for _, sla in ctx.evaluate_timelines(inputs, moments)]
        valid_until = _valid_until(inputs, readings, moments.at) if keep else None
        del inputs
        out = compliance_of(contract, ctx, readings, start_date, end_date, moments)
        del readings
    return out, valid_until


def _valid_until(inputs: Sequence[tuple[datetime, str, Sequence[clocks.EventLike]]],
                 readings: Sequence[clocks.TicketSla], at: datetime) -> datetime | None:
    """The first instant after ``at`` at which these readings could change with no write: a
    running clock reaching its due time (pending → breached), or a ticket or event dated after
    ``at`` (the record takes instants up to five minutes ahead) coming into the reading. None:
    they hold until a write changes the record; ``at`` itself: they may change at any moment.

    A running clock whose due time is not after ``at`` sits exactly at its target (one past it
    reads breached): on a business calendar read while it is closed, e.g. due at 17:00 sharp and
    read at 02:00, it breaches when the calendar next opens, so such readings are not kept."""
    later: list[datetime] = []
    for (reported_at, _, events), sla in zip(inputs, readings, strict=True):
        for m in sla.metrics:
            if m.state == "running":
                later.append(m.due_at if m.due_at is not None and m.due_at > at else at)
        if reported_at > at:
            later.append(reported_at)
        if events and events[-1].occurred_at > at:  # effective timelines are in occurred_at order
            later.append(next(e.occurred_at for e in events if e.occurred_at > at))
    return min(later, default=None)


def _period_clock_inputs(session: Session, ctx: ContractClocks, start: datetime, end: datetime,
                         moments: Instants) -> Sequence[tuple[datetime, str, Sequence[clocks.EventLike]]]:
    """``(reported_at, initial priority, effective timeline)`` of every ticket of the contract
    reported in ``[start, end)`` and recorded by ``as_of``, in ``(reported_at, id)`` order
    (:func:`fleet.ticket_facts.clock_inputs_where`: only what the clocks read, the same readings as
    :func:`evaluate_period` gives)."""
    return clock_inputs_where(session, _period_filter(ctx, start, end), as_of=moments.as_of)


def _period_filter(ctx: ContractClocks, start: datetime, end: datetime) -> list[ColumnElement[bool]]:
    """The contract's tickets reported in ``[start, end)``."""
    return [Ticket.contract_id == ctx.contract.id, Ticket.reported_at >= start, Ticket.reported_at < end]


def compliance_of(contract: Contract, ctx: ContractClocks, readings: Sequence[clocks.TicketSla],
                   start_date: date, end_date: date, moments: Instants) -> Compliance:
    """The compliance answer from the period's ticket readings (one :class:`slas.clocks.TicketSla`
    per ticket reported in the period)."""
    aql = float(contract.aql_percent)
    rows = tally(readings, aql_percent=aql)
    terms = credits.CreditTerms(per_breach_amount=contract.credit_per_breach,
                                aql_miss_percent_of_period_value=contract.credit_percent_on_aql_miss,
                                cap_percent_of_period_value=contract.credit_cap_percent)
    period_value = credits.prorated_value(contract.value, contract.start_date, contract.end_date,
                                          start_date, end_date)
    owed = credits.service_credits(rows, terms, period_value=period_value, currency=contract.currency)
    return Compliance(
        contract_id=contract.id, contract_number=contract.number, from_=start_date, to=end_date,
        timezone=ctx.calendar.timezone, as_of=moments.as_of, at=moments.at, tickets=len(readings),
        aql_percent=aql, passed=all_passed(rows), metrics=tuple(rows), service_credits=owed)


def evaluate_tickets(session: Session, tickets: Sequence[Ticket], moments: Instants
                     ) -> Iterator[tuple[Ticket, clocks.TicketSla]]:
    """Each ticket with its clocks read at ``moments``: all their facts in one query, each
    contract's clocks loaded once (the open-work and at-risk lists)."""
    if not tickets:
        return
    facts = facts_where(session, [Ticket.id.in_([t.id for t in tickets])], as_of=moments.as_of)
    contexts: dict[str, ContractClocks] = {}
    for t in tickets:
        ctx = contexts.get(t.contract_id)
        if ctx is None:
            contract = session.get_one(Contract, t.contract_id)
            ctx = contexts[t.contract_id] = ContractClocks.load(session, contract, as_of=moments.as_of)
        _, sla = ctx.evaluate(t.reported_at, t.initial_priority, facts.get(t.id, []), moments)
        yield t, sla


def at_risk(session: Session, principal: Principal, *, contract_id: str | None = None,
            now: datetime | None = None, limit: int = 200) -> list[AtRisk]:
    """Open tickets with a running clock past the contract's warning threshold (or already
    breached and still running), soonest due first."""
    principal.require("read")
    moments = instants(None, None, now=now)
    stmt = scoped(select(Ticket).where(Ticket.status.not_in(FINISHED_STATUSES)), Ticket, principal)
    if contract_id:
        stmt = stmt.where(Ticket.contract_id == contract_id)
    found: list[AtRisk] = []
    for t, sla in evaluate_tickets(session, list(session.scalars(stmt).all()), moments):
        risky = [m for m in sla.metrics if m.stopped_at is None and (m.at_risk or m.breached)]
        if not risky:
            continue
        m = most_urgent(risky)
        assert m is not None  # risky clocks are not stopped
        used = percent_used(m)
        found.append(AtRisk(
            ticket_id=t.id, number=t.number, unit_id=t.unit_id, contract_id=t.contract_id, priority=sla.priority,
            status=t.status, summary=t.summary, metric=m.metric, target_minutes=m.target_minutes,
            elapsed_minutes=m.elapsed_minutes, due_at=m.due_at, percent_used=100.0 if used is None else used))
    found.sort(key=lambda r: (r.due_at or moments.at, r.number))
    return found[:limit]

