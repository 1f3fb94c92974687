"""Gather: the record as of an instant → the typed report data of :mod:`reports.data`.

One pass over the record per report, through the same services the API answers with, so a PDF
prints exactly the figures ``GET /contracts/{id}/compliance`` and ``…/availability`` give for the
same contract, period and ``as_of``:

- SLA outcomes: :func:`fleet.sla_service.evaluate_period` (every ticket reported in the period
  with its clocks and facts) and :func:`fleet.sla_service.compliance_out` (per-priority rows and
  service credits);
- availability: :func:`fleet.uptime.contract_availability` / :func:`fleet.uptime.unit_availability`
  (fleet, per unit, monthly, MTBF/MTTR) and :func:`fleet.uptime.unit_timeline`;
- work logs and parts: :func:`fleet.tickets.work_logs_out`; calendar and holidays:
  :func:`fleet.registry.business_calendar`; audit chain head: :func:`fleet.audit.head_as_of`.

The two instants (DESIGN.md principle 3): only facts recorded by ``as_of`` are read (tickets,
events, corrections, ratings, work logs, maintenance windows, status events) and the clocks are
read at ``at = as_of`` (the API's default), so a ticket reported in the period is judged on how
it actually ended by then: a ticket still open at the period's end is not left "pending" in
this period's review for ever. Availability ends each unit's period at ``min(to, as_of)``.

Every figure carries :class:`reports.data.Sources`: the ids of the tickets, ticket events,
status events (the state changes the availability maths used, and each unit's state at the
period start), maintenance windows, ratings, work logs and units it came from. Compliance rows
cite their tickets (each ticket's events are in ``events``); breaches cite the ticket and every
event of it.

Exactness: counts are integers; percentages are exact decimals rounded *down* to 6 places from
the integers or minutes they come from (so ``report-data.json`` recomputes); availability minutes
are the service's (3 decimals), the availability percentage is recomputed from them rather than
copied from the service's 4-decimal rounding; elapsed and paused minutes are the clocks' exact
microseconds rounded *up* to 6 places (a breach never rounds down to its target). PASS/FAIL
verdicts are the services' own (decided on exact values).

:func:`produce` runs the whole pipeline for the API and the CLI: gather in a read transaction,
render in a worker process with no transaction open, then sign, register and audit in a short
write transaction (on SQLite a write transaction holds the database's write lock).
"""

from __future__ import annotations

import functools
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any, Literal, TypeVar, cast
from zoneinfo import ZoneInfo

from pydantic import TypeAdapter
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from fleet import audit, registry, sla_service, timeline, uptime
from fleet import tickets as ticket_service
from fleet.db import Database, utcnow
from fleet.errors import Invalid, NotFound
from fleet.gcpause import gc_paused
from fleet.models import (
    Agency,
    Calendar,
    Contract,
    MaintenanceWindow,
    Rating,
    Report,
    StatusEvent,
    Ticket,
    TicketEvent,
    Unit,
)
from fleet.principal import Principal
from fleet.schemas.sla import ComplianceOut
from fleet.schemas.uptime import ContractAvailabilityOut, MonthOut, UnitAvailabilityOut
from fleet.tenancy import get_scoped, scoped
from reports.data import (
    REPORT_KINDS,
    AgencyRef,
    AvailabilityFigures,
    AvailabilityMonth,
    Breach,
    CalendarInfo,
    ComplianceMonth,
    ComplianceRow,
    ContractInfo,
    ContractReviewData,
    ContractReviewParams,
    CreditLine,
    Credits,
    Csat,
    DowntimeInterval,
    EventRecord,
    Holiday,
    MaintenanceRecord,
    PartTotal,
    PartUse,
    PauseRecord,
    Period,
    ScoreCount,
    SlaTargetInfo,
    Sources,
    TicketRecord,
    TrackRecordContract,
    TrackRecordData,
    TrackRecordParams,
    TrackRecordTotals,
    TrendPoint,
    UnitHistoryData,
    UnitHistoryParams,
    UnitInfo,
    UnitSummary,
    WorkLogRecord,
    canonical_parameters,
    make_report_id,
)
from reports.dispatch_gather import public_comments, time_to_assign
from reports.issue import issue_report
from reports.pdf import render_pdf
from reports.signing import SigningKey
from slas import clocks
from slas.availability import months_between
from slas.calendars import BusinessCalendar

DEFAULT_VENDOR = "Field service vendor"
AnyReportData = ContractReviewData | TrackRecordData | UnitHistoryData
Q6 = Decimal("0.000001")
Q2 = Decimal("0.01")
_US = timedelta(microseconds=1)
_US_PER_MINUTE = Decimal(60_000_000)
_HUNDRED = Decimal(100)
MIXED_TIMEZONES = "each contract's calendar time zone"


# --------------------------------------------------------------------------- small exact helpers


def _minutes(value: timedelta) -> Decimal:
    """Exact minutes of a duration, rounded *up* to 6 places (so a breach never reads as met)."""
    return (Decimal(value // _US) / _US_PER_MINUTE).quantize(Q6, rounding=ROUND_CEILING)


def _dec(value: float) -> Decimal:
    """A service figure (a float with few decimals) as the decimal it prints as."""
    return Decimal(repr(value))


def _pct(num: Decimal | int, den: Decimal | int) -> Decimal | None:
    """``100 × num ÷ den`` rounded down to 6 places; ``None`` when ``den`` is 0."""
    den = Decimal(den)
    if den <= 0:
        return None
    value = (Decimal(num) * _HUNDRED / den).quantize(Q6, rounding=ROUND_DOWN)
    return min(max(value, Decimal(0)), _HUNDRED)


def _availability_pct(period: Decimal, excluded: Decimal, downtime: Decimal) -> Decimal | None:
    return _pct(period - excluded - downtime, period - excluded)


def _ids(values: Iterable[str]) -> list[str]:
    """Distinct ids in a stable order: numeric ids (status events) by number, others as text."""
    unique = set(values)
    if unique and all(v.isdigit() for v in unique):
        return sorted(unique, key=int)
    return sorted(unique)


def _src(**kw: Iterable[str]) -> Sources:
    return Sources(**{k: _ids(v) for k, v in kw.items()})


def _month_label(instant: datetime, zone: ZoneInfo) -> str:
    return instant.astimezone(zone).strftime("%Y-%m")


def _months(start: date, end: date) -> list[str]:
    """``YYYY-MM`` of every calendar month that ``[start, end)`` touches."""
    out = []
    y, m = start.year, start.month
    while date(y, m, 1) < end:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def _money(amount: Decimal, currency: str) -> str:
    text = f"{amount.quantize(Q2, rounding=ROUND_HALF_UP):,}"
    return f"${text}" if currency == "USD" else f"{text} {currency}"


F = TypeVar("F", bound=Callable[..., Any])


def _without_gc(fn: F) -> F:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with gc_paused():
            return fn(*args, **kwargs)

    return cast(F, wrapper)


# --------------------------------------------------------------------------- requests


@dataclass(frozen=True)
class ReportRequest:
    """What a caller asks for (the API body or the CLI options), before resolution."""

    kind: str
    start_date: date
    end_date: date
    contract_id: str | None = None
    contract_ids: tuple[str, ...] | None = None
    unit_id: str | None = None
    as_of: datetime | None = None


@dataclass(frozen=True)
class Resolved:
    """A request made exact: canonical parameters, the instant, the owning agency (``None``
    when a track record spans several agencies) and the deterministic report id."""

    kind: str
    parameters: dict[str, Any]
    as_of: datetime
    agency_id: str | None
    report_id: str


def resolve(session: Session, principal: Principal, request: ReportRequest, *,
            now: datetime | None = None) -> Resolved:
    """Check the request against the record (ids exist and are visible, the period is a period,
    ``as_of`` is not in the future) and make its parameters canonical. A track record without
    ``contract_ids`` covers every contract the principal sees that existed at ``as_of``."""
    principal.require("read")
    if request.kind not in REPORT_KINDS:
        raise Invalid(f"unknown report kind {request.kind!r}; use one of {', '.join(REPORT_KINDS)}",
                      code="invalid_report_kind")
    if request.end_date <= request.start_date:
        raise Invalid("to must be after from (the period is [from, to))", code="invalid_period")
    as_of = sla_service.instants(None, request.as_of, now=now).as_of.astimezone(UTC)
    extra = {"contract_review": ("contract_ids", "unit_id"), "track_record": ("contract_id", "unit_id"),
             "unit_history": ("contract_id", "contract_ids")}[request.kind]
    for name in extra:
        if getattr(request, name) is not None:
            raise Invalid(f"{name} is not a parameter of a {request.kind} report", code="invalid_report_parameters")
    period = {"from": request.start_date, "to": request.end_date}
    agency_id: str | None
    if request.kind == "contract_review":
        if not request.contract_id:
            raise Invalid("a contract_review report needs contract_id", code="invalid_report_parameters")
        contract = get_scoped(session, Contract, request.contract_id, principal, what="contract")
        params: dict[str, Any] = {"contract_id": contract.id, **period}
        agency_id = contract.agency_id
    elif request.kind == "unit_history":
        if not request.unit_id:
            raise Invalid("a unit_history report needs unit_id", code="invalid_report_parameters")
        unit = get_scoped(session, Unit, request.unit_id, principal, what="unit")
        params = {"unit_id": unit.id, **period}
        agency_id = unit.agency_id
    else:
        if request.contract_ids is not None:
            if not request.contract_ids:
                raise Invalid("contract_ids must name at least one contract", code="invalid_report_parameters")
            contracts = [get_scoped(session, Contract, cid, principal, what="contract")
                         for cid in sorted(set(request.contract_ids))]
        else:
            contracts = list(session.scalars(scoped(select(Contract), Contract, principal)
                                             .where(Contract.created_at <= as_of).order_by(Contract.id)).all())
            if not contracts:
                raise NotFound("no contract was on record at as_of: nothing to report", code="no_contracts")
        params = {"contract_ids": [c.id for c in contracts], **period}
        agencies = {c.agency_id for c in contracts}
        agency_id = agencies.pop() if len(agencies) == 1 else None
    try:
        canonical = canonical_parameters(request.kind, params)
    except ValueError as exc:
        raise Invalid(str(exc), code="invalid_report_parameters") from None
    return Resolved(request.kind, canonical, as_of, agency_id, make_report_id(request.kind, canonical, as_of))


def gather(session: Session, principal: Principal, resolved: Resolved, *,
           vendor: str = DEFAULT_VENDOR) -> AnyReportData:
    """The report data of a resolved request."""
    p = resolved.parameters
    start, end = date.fromisoformat(p["from"]), date.fromisoformat(p["to"])
    if resolved.kind == "contract_review":
        return gather_contract_review(session, principal, contract_id=p["contract_id"], start_date=start,
                                      end_date=end, as_of=resolved.as_of, vendor=vendor)
    if resolved.kind == "track_record":
        return gather_track_record(session, principal, contract_ids=p["contract_ids"], start_date=start,
                                   end_date=end, as_of=resolved.as_of, vendor=vendor)
    return gather_unit_history(session, principal, unit_id=p["unit_id"], start_date=start, end_date=end,
                               as_of=resolved.as_of, vendor=vendor)


# --------------------------------------------------------------------------- reading the record


@dataclass
class _UnitRow:
    id: str
    serial: str
    model: str
    site: str
    in_service_at: datetime


@dataclass
class _DownTicket:
    id: str
    number: str
    unit_id: str
    reported_at: datetime
    stop: datetime | None


@dataclass
class _Window:
    id: str
    unit_id: str | None
    starts_at: datetime
    ends_at: datetime
    reason: str


@dataclass
class _Pause:
    start: datetime
    end: datetime | None
    reason: str
    ids: list[str]


@dataclass
class _Uptime:
    """The records availability figures come from (for their sources), for a contract or one unit."""

    contract: Contract
    timezone: str
    start: datetime
    end: datetime  # the period end (local midnight of ``to``)
    moments: sla_service.Instants
    units: dict[str, _UnitRow]
    status_changes: dict[str, list[tuple[datetime, str]]]  # unit id -> [(occurred_at, status event id)]
    status_prior: dict[str, str]  # unit id -> the status event that set its state at the period start
    windows: list[_Window]
    down_tickets: list[_DownTicket]

    @property
    def measured_end(self) -> datetime:
        return min(self.end, self.moments.at)


@dataclass
class _Tickets:
    """Tickets reported in the period with their clocks (:func:`fleet.sla_service.evaluate_period`)
    and the columns the clocks do not carry."""

    evaluated: list[sla_service.EvaluatedTicket]
    rows: dict[str, Any]  # ticket id -> (id, recorded_at, unit_down, contract_id, initial_priority)
    actors: dict[str, str]  # ticket event id -> actor


@dataclass
class _ContractRecord:
    """Everything one contract's figures for one period come from, read once."""

    contract: Contract
    agency: Agency
    calendar: Calendar
    ctx: sla_service.ContractClocks
    moments: sla_service.Instants
    start_date: date
    end_date: date
    start: datetime
    end: datetime
    zone: ZoneInfo
    tickets: _Tickets
    compliance: ComplianceOut
    availability: ContractAvailabilityOut
    up: _Uptime

    @property
    def evaluated(self) -> list[sla_service.EvaluatedTicket]:
        return self.tickets.evaluated


def _status_sources(session: Session, unit_filter: Any, start: datetime, end: datetime,
                    as_of: datetime) -> tuple[dict[str, list[tuple[datetime, str]]], dict[str, str]]:
    """The status events availability reads: each unit's state changes in ``[start, end)`` (a
    repeated state is no change, as in :mod:`fleet.uptime`) and the event that set its state at
    ``start``. Returns ``({unit_id: [(occurred_at, id)]}, {unit_id: id})``."""
    changes: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    ev = cast(Any, StatusEvent.__table__).c
    if end > start:
        prev = func.lag(ev.state).over(partition_by=ev.unit_id, order_by=(ev.occurred_at, ev.id))
        lagged = (select(ev.id, ev.unit_id, ev.occurred_at, ev.state, prev.label("prev"))
                  .where(ev.unit_id.in_(select(Unit.id).where(unit_filter)), ev.occurred_at >= start,
                         ev.occurred_at < end, ev.recorded_at <= as_of)
                  .subquery())
        rows = session.execute(select(lagged.c.unit_id, lagged.c.occurred_at, lagged.c.id)
                               .where(or_(lagged.c.prev.is_(None), lagged.c.prev != lagged.c.state))
                               .order_by(lagged.c.unit_id, lagged.c.occurred_at, lagged.c.id))
        for uid, occurred_at, event_id in rows:
            changes[uid].append((occurred_at, str(event_id)))
    prior_q = (select(ev.id).where(ev.unit_id == Unit.id, ev.occurred_at < start, ev.recorded_at <= as_of)
               .order_by(ev.occurred_at.desc(), ev.id.desc()).limit(1).correlate(Unit).scalar_subquery())
    prior = {uid: str(eid) for uid, eid in session.execute(select(Unit.id, prior_q).where(unit_filter))
             if eid is not None}
    return dict(changes), prior


def _windows(session: Session, contract_id: str, start: datetime, end: datetime, as_of: datetime,
             unit_id: str | None = None) -> list[_Window]:
    """Maintenance windows recorded by ``as_of`` (and not cancelled by then) overlapping the period."""
    mw = MaintenanceWindow
    stmt = (select(mw.id, mw.unit_id, mw.starts_at, mw.ends_at, mw.reason)
            .where(mw.contract_id == contract_id, mw.recorded_at <= as_of,
                   or_(mw.cancelled_at.is_(None), mw.cancelled_at > as_of), mw.starts_at < end, mw.ends_at > start)
            .order_by(mw.starts_at, mw.id))
    if unit_id is not None:
        stmt = stmt.where(or_(mw.unit_id.is_(None), mw.unit_id == unit_id))
    return [_Window(*row) for row in session.execute(stmt)]


def _down_tickets(session: Session, contract_id: str, start: datetime, end: datetime, moments: sla_service.Instants,
                  known: Mapping[str, Sequence[timeline.Fact]], unit_id: str | None = None) -> list[_DownTicket]:
    """Unit-down tickets whose downtime reaches into the period, with the instant it stopped
    (first restored, else resolved, on the effective timeline: the rule of :mod:`fleet.uptime`)."""
    stmt = (select(Ticket.id, Ticket.number, Ticket.unit_id, Ticket.reported_at)
            .where(Ticket.contract_id == contract_id, Ticket.unit_down.is_(True),
                   Ticket.recorded_at <= moments.as_of, Ticket.reported_at < min(end, moments.at))
            .order_by(Ticket.reported_at, Ticket.id))
    if unit_id is not None:
        stmt = stmt.where(Ticket.unit_id == unit_id)
    rows = session.execute(stmt).all()
    facts: dict[str, Sequence[timeline.Fact]] = dict(known)
    missing = [r[0] for r in rows if r[0] not in facts]
    if missing:
        facts.update(ticket_service.facts_by_ticket(session, missing))
    out = []
    for tid, number, uid, reported_at in rows:
        stop = next((f.occurred_at for f in timeline.effective(facts.get(tid, []), as_of=moments.as_of)
                     if f.type in ("restored", "resolved") and f.occurred_at <= moments.at), None)
        if stop is None or stop > start:
            out.append(_DownTicket(tid, number, uid, reported_at, stop))
    return out


def _units(session: Session, where: Any) -> dict[str, _UnitRow]:
    return {r[0]: _UnitRow(*r) for r in session.execute(
        select(Unit.id, Unit.serial, Unit.model, Unit.site, Unit.in_service_at).where(where).order_by(Unit.serial))}


def _uptime_sources(session: Session, contract: Contract, timezone: str, start: datetime, end: datetime,
                    moments: sla_service.Instants, known: Mapping[str, Sequence[timeline.Fact]],
                    unit_id: str | None = None) -> _Uptime:
    unit_filter = and_(Unit.contract_id == contract.id if unit_id is None else Unit.id == unit_id,
                       Unit.created_at <= moments.as_of)  # units registered by as_of, as fleet.uptime counts
    measured_end = min(end, moments.at)
    changes, prior = _status_sources(session, unit_filter, start, measured_end, moments.as_of)
    return _Uptime(
        contract=contract, timezone=timezone, start=start, end=end, moments=moments,
        units=_units(session, unit_filter), status_changes=changes, status_prior=prior,
        windows=_windows(session, contract.id, start, measured_end, moments.as_of, unit_id=unit_id),
        down_tickets=_down_tickets(session, contract.id, start, end, moments, known, unit_id=unit_id),
    )


def _tickets(session: Session, evaluated: list[sla_service.EvaluatedTicket], where: Sequence[Any],
             as_of: datetime) -> _Tickets:
    rows = {r[0]: r for r in session.execute(
        select(Ticket.id, Ticket.recorded_at, Ticket.unit_down, Ticket.contract_id, Ticket.initial_priority)
        .where(*where))}
    actors = {eid: actor for eid, actor in session.execute(
        select(TicketEvent.id, TicketEvent.actor).join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(*where, TicketEvent.recorded_at <= as_of))}
    return _Tickets(evaluated, rows, actors)


def _load_contract(session: Session, principal: Principal, contract: Contract, start_date: date, end_date: date,
                   moments: sla_service.Instants) -> _ContractRecord:
    ctx = sla_service.ContractClocks.load(session, contract, as_of=moments.as_of)
    start, end = sla_service.period_bounds(ctx.calendar, start_date, end_date)
    evaluated = sla_service.evaluate_period(session, ctx, start, end, moments)
    compliance = sla_service.compliance_out(contract, ctx, [e.sla for e in evaluated], start_date, end_date, moments)
    availability = uptime.contract_availability(session, principal, contract.id, start_date=start_date,
                                                end_date=end_date, at=moments.at, as_of=moments.as_of)
    where = [Ticket.contract_id == contract.id, Ticket.reported_at >= start, Ticket.reported_at < end,
             Ticket.recorded_at <= moments.as_of]
    return _ContractRecord(
        contract=contract, agency=session.get_one(Agency, contract.agency_id),
        calendar=session.get_one(Calendar, contract.calendar_id), ctx=ctx, moments=moments, start_date=start_date,
        end_date=end_date, start=start, end=end, zone=ZoneInfo(ctx.calendar.timezone),
        tickets=_tickets(session, evaluated, where, moments.as_of), compliance=compliance, availability=availability,
        up=_uptime_sources(session, contract, ctx.calendar.timezone, start, end, moments,
                           {e.id: e.facts for e in evaluated}),
    )


# --------------------------------------------------------------------------- record → data pieces


def _agency_ref(agency: Agency) -> AgencyRef:
    return AgencyRef(code=agency.code, id=agency.id, name=agency.name)


def _contract_info(contract: Contract, agency: Agency) -> ContractInfo:
    return ContractInfo(
        agency=_agency_ref(agency), aql_percent=contract.aql_percent,
        availability_target_percent=contract.availability_target_percent, currency=contract.currency,
        end_date=contract.end_date, exclude_scheduled_maintenance=contract.exclude_scheduled_maintenance,
        id=contract.id, number=contract.number, pause_allowed=contract.pause_allowed,
        point_of_contact=contract.point_of_contact, start_date=contract.start_date, title=contract.title,
        value=contract.value,
    )


def _calendar_info(calendar: Calendar, start_date: date, end_date: date) -> CalendarInfo:
    pure = registry.business_calendar(calendar)
    return CalendarInfo(
        closures=sorted(date.fromisoformat(d) for d in calendar.closures),
        holiday_country=calendar.holiday_country, holiday_subdivision=calendar.holiday_subdivision,
        holidays_applied=[Holiday(day=d, name=n) for d, n in pure.holidays_in(start_date, end_date)],
        id=calendar.id, name=calendar.name, timezone=calendar.timezone,
        weekly_hours={day: [(w[0], w[1]) for w in windows] for day, windows in calendar.weekly_hours.items()},
    )


def _sla_targets(session: Session, rec: _ContractRecord) -> list[SlaTargetInfo]:
    """The target versions in force at some point of the period. Version 1 is shown from the
    contract's start (it is stored as in force "since ever": it applies to everything before
    the first change)."""
    versions = registry.policies(session, rec.contract.id)
    contract_start = rec.ctx.calendar.local_date_start(rec.contract.start_date)
    out = []
    for i, policy in enumerate(versions):
        following = versions[i + 1].effective_from if i + 1 < len(versions) else None
        if (i > 0 and policy.effective_from >= rec.end) or (following is not None and following <= rec.start):
            continue
        shown_from = max(policy.effective_from, contract_start) if i == 0 else policy.effective_from
        out += [SlaTargetInfo(clock=cast(Any, t.clock), effective_from=shown_from, metric=cast(Any, t.metric),
                              minutes=t.minutes, policy_version=policy.version, priority=cast(Any, t.priority))
                for t in policy.targets]
    return out


def _pauses(facts: Sequence[timeline.Fact], moments: sla_service.Instants) -> list[_Pause]:
    """Paused → resumed spans of the effective timeline, by the clock rules (a pause while paused
    or while resolved is ignored; resolved or closed while paused ends the pause)."""
    out: list[_Pause] = []
    current: _Pause | None = None
    resolved = False
    for f in timeline.effective(facts, as_of=moments.as_of):
        if f.occurred_at > moments.at:
            break
        if f.type == "paused" and current is None and not resolved:
            current = _Pause(f.occurred_at, None, f.reason or "", [f.id])
        elif f.type == "resumed" and current is not None:
            current.end, current.ids = f.occurred_at, [*current.ids, f.id]
            out.append(current)
            current = None
        elif f.type in ("resolved", "closed"):
            resolved = True
            if current is not None:
                current.end, current.ids = f.occurred_at, [*current.ids, f.id]
                out.append(current)
                current = None
        elif f.type == "reopened":
            resolved = False
    if current is not None:
        out.append(current)
    return out


def _pause_records(pauses: Sequence[_Pause], reported_at: datetime, stop: datetime, clock: str,
                   calendar: BusinessCalendar) -> list[PauseRecord]:
    """The pauses inside a metric's running span, each measured on the metric's clock."""
    records = []
    for p in pauses:
        lo, hi = max(p.start, reported_at), min(p.end or stop, stop)
        if hi <= lo:
            continue
        span = calendar.covered(lo, hi) if clock == "calendar" else hi - lo
        records.append(PauseRecord(ended_at=p.end, minutes=_minutes(span), reason=p.reason,
                                   sources=_src(ticket_events=p.ids), started_at=p.start))
    return records


_TICKETS: TypeAdapter[list[TicketRecord]] = TypeAdapter(list[TicketRecord])
_EVENTS: TypeAdapter[list[EventRecord]] = TypeAdapter(list[EventRecord])


def _status(effective: Sequence[timeline.Fact], at: datetime) -> tuple[str, dict[str, datetime]]:
    """The ticket's status at ``at`` and the last instant of each milestone, from its effective
    timeline: the projection :func:`fleet.timeline.replay` keeps (paused while a pause is open;
    otherwise the latest milestone of the current cycle, a reopen starting a new cycle for
    restored, resolved and closed), in one pass without re-checking the rules every stored
    timeline was checked against when it was written."""
    cycle: set[str] = set()
    seen: set[str] = set()
    last: dict[str, datetime] = {}
    paused = False
    for f in effective:
        if f.occurred_at > at:
            break
        kind = f.type
        if kind in timeline.MILESTONES:
            cycle.add(kind)
            seen.add(kind)
            last[kind] = f.occurred_at
            if kind in ("resolved", "closed"):
                paused = False
        elif kind == "paused":
            paused = True
        elif kind == "resumed":
            paused = False
        elif kind == "reopened":
            cycle.clear()
    if paused:
        return "paused", last
    for name in reversed(timeline.MILESTONES):
        if name in cycle or (name in ("acknowledged", "on_site") and name in seen):
            return name, last
    return "open", last


def _outcome(m: clocks.MetricClock) -> dict[str, Any]:
    return {"clock": m.clock, "due_at": m.due_at, "elapsed_minutes": _minutes(m.elapsed), "metric": m.metric,
            "paused_minutes": _minutes(m.paused_for), "state": m.state, "stopped_at": m.stopped_at,
            "target_minutes": m.target_minutes}


def _ticket_records(t: _Tickets, units: Mapping[str, _UnitRow], moments: sla_service.Instants
                    ) -> tuple[list[TicketRecord], list[EventRecord]]:
    """The complete record behind the figures: every ticket with its outcomes and its status at
    ``at``, every event (corrections and superseded originals included, in the order recorded).
    Validated in bulk (one pydantic-core call per list: a hundred thousand events in well under
    a second)."""
    tickets: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for e in t.evaluated:
        row = t.rows[e.id]
        status, last = _status(timeline.effective(e.facts, as_of=moments.as_of), moments.at)
        done = status in ("resolved", "closed")
        tickets.append({
            "closed_at": last.get("closed") if status == "closed" else None, "contract_id": row[3], "id": e.id,
            "initial_priority": row[4], "number": e.number, "outcomes": [_outcome(m) for m in e.sla.metrics],
            "priority": e.sla.priority, "recorded_at": row[1], "reported_at": e.reported_at,
            "resolved_at": last.get("resolved") if done else None, "restored_at": last.get("restored"),
            "status": status, "summary": e.summary, "unit_down": bool(row[2]), "unit_id": e.unit_id,
            "unit_serial": units[e.unit_id].serial,
        })
        for f in sorted(e.facts, key=lambda f: (f.recorded_at, f.id)):
            events.append({
                "actor": t.actors.get(f.id, ""), "corrects_id": f.corrects_id, "id": f.id,
                "occurred_at": f.occurred_at, "priority": f.priority, "reason": f.reason,
                "recorded_at": f.recorded_at, "ticket_id": e.id, "ticket_number": e.number, "type": f.type,
                "void": bool(f.void),
            })
    return _TICKETS.validate_python(tickets), _EVENTS.validate_python(events)


def _compliance_rows(rec: _ContractRecord) -> list[ComplianceRow]:
    tickets_by_row: dict[tuple[str, str], list[str]] = defaultdict(list)
    clocks_by_row: dict[tuple[str, str], set[str]] = defaultdict(set)
    for e in rec.evaluated:
        for m in e.sla.metrics:
            tickets_by_row[e.sla.priority, m.metric].append(e.id)
            clocks_by_row[e.sla.priority, m.metric].add(m.clock)
    rows = []
    for r in rec.compliance.metrics:
        key = (r.priority, r.metric)
        kinds = clocks_by_row.get(key, set())
        rows.append(ComplianceRow(
            aql_percent=rec.contract.aql_percent, breached=r.breached,
            clock=cast(Any, next(iter(kinds))) if len(kinds) == 1 else None, met=r.met, metric=cast(Any, r.metric),
            not_applicable=r.not_applicable, passed=r.passed, pending=r.pending,
            percent_met=_pct(r.met, r.met + r.breached), priority=cast(Any, r.priority),
            sources=_src(tickets=tickets_by_row.get(key, [])), target_minutes=r.target_minutes, total=r.total,
        ))
    return rows


def _outcome_counts(metrics: Iterable[clocks.MetricClock]) -> tuple[int, int, int]:
    met = breached = pending = 0
    for m in metrics:
        if m.state == "met":
            met += 1
        elif m.state == "breached":
            breached += 1
        elif m.state != "not_applicable":
            pending += 1
    return met, breached, pending


def _compliance_trend(rec: _ContractRecord) -> list[ComplianceMonth]:
    """Every month of the period (months without tickets too), outcomes pooled."""
    counts: dict[str, list[int]] = {m: [0, 0, 0] for m in _months(rec.start_date, rec.end_date)}
    ids: dict[str, list[str]] = defaultdict(list)
    for e in rec.evaluated:
        month = _month_label(e.reported_at, rec.zone)
        c = counts.setdefault(month, [0, 0, 0])
        ids[month].append(e.id)
        for k, n in enumerate(_outcome_counts(e.sla.metrics)):
            c[k] += n
    return [ComplianceMonth(breached=c[1], met=c[0], month=month, pending=c[2], percent_met=_pct(c[0], c[0] + c[1]),
                            sources=_src(tickets=ids.get(month, [])))
            for month, c in sorted(counts.items())]


def _breaches(rec: _ContractRecord) -> list[Breach]:
    out = []
    for e in rec.evaluated:
        breached = [m for m in e.sla.metrics if m.state == "breached"]
        if not breached:
            continue
        pauses = _pauses(e.facts, rec.moments) if rec.contract.pause_allowed else []
        event_ids = [f.id for f in e.facts]
        for m in breached:
            stop = m.stopped_at or rec.moments.at
            out.append(Breach(
                clock=cast(Any, m.clock), elapsed_minutes=_minutes(m.elapsed), metric=cast(Any, m.metric),
                paused_minutes=_minutes(m.paused_for),
                pauses=_pause_records(pauses, e.reported_at, stop, m.clock, rec.ctx.calendar),
                priority=cast(Any, e.sla.priority), reported_at=e.reported_at,
                sources=_src(tickets=[e.id], ticket_events=event_ids), stopped_at=m.stopped_at, summary=e.summary,
                target_minutes=m.target_minutes, ticket_id=e.id, ticket_number=e.number, unit_id=e.unit_id,
                unit_serial=rec.up.units[e.unit_id].serial,
            ))
    return out


def _credits(rec: _ContractRecord, rows: Sequence[ComplianceRow]) -> Credits:
    """The service's credit lines, with their tickets and the contract's terms in words."""
    owed = rec.compliance.service_credits
    c = rec.contract
    breached_by_row: dict[tuple[str, str], list[str]] = defaultdict(list)
    for e in rec.evaluated:
        for m in e.sla.metrics:
            if m.state == "breached":
                breached_by_row[e.sla.priority, m.metric].append(e.id)
    row_sources: dict[tuple[str, str], list[str]] = {(r.priority, r.metric): r.sources.tickets for r in rows}
    lines = []
    for ln in owed.lines:
        key = (ln.priority, ln.metric)
        tickets = breached_by_row.get(key, []) if ln.reason == "per_breach" else row_sources.get(key, [])
        lines.append(CreditLine(amount=ln.amount, count=ln.count, kind=cast(Any, ln.reason),
                                metric=cast(Any, ln.metric), priority=cast(Any, ln.priority),
                                sources=_src(tickets=tickets)))
    terms = []
    if c.credit_per_breach is not None:
        terms.append(f"{_money(c.credit_per_breach, c.currency)} per breached ticket, for each priority and metric.")
    if c.credit_percent_on_aql_miss is not None:
        terms.append(f"{_plain(c.credit_percent_on_aql_miss)}% of the period's value for each priority and metric "
                     "below the AQL.")
    cap = None
    if c.credit_cap_percent is not None:
        terms.append(f"Total capped at {_plain(c.credit_cap_percent)}% of the period's value.")
        cap = (owed.period_value * c.credit_cap_percent / _HUNDRED).quantize(Q2, rounding=ROUND_HALF_UP)
    return Credits(
        cap_amount=cap, currency=owed.currency, lines=lines, period_value=owed.period_value,
        sources=_src(contracts=[c.id], tickets=[t for line in lines for t in line.sources.tickets]),
        subtotal=sum((line.amount for line in lines), Decimal("0.00")), terms=terms, total=owed.total,
    )


def _csat(session: Session, rec: _ContractRecord) -> Csat:
    """Ratings of the tickets reported in the period, as recorded by ``as_of``."""
    rows = session.execute(
        select(Rating.id, Rating.ticket_id, Rating.score).join(Ticket, Ticket.id == Rating.ticket_id)
        .where(Ticket.contract_id == rec.contract.id, Ticket.reported_at >= rec.start, Ticket.reported_at < rec.end,
               Ticket.recorded_at <= rec.moments.as_of, Rating.recorded_at <= rec.moments.as_of)
        .order_by(Rating.id)).all()
    counts = {s: 0 for s in range(1, 6)}
    for _, _, score in rows:
        counts[score] += 1
    mean = (Decimal(sum(r[2] for r in rows)) / len(rows)).quantize(Q6, rounding=ROUND_HALF_UP) if rows else None
    return Csat(counts=[ScoreCount(count=n, score=s) for s, n in sorted(counts.items())], mean_score=mean,
                responses=len(rows), sources=_src(ratings=[r[0] for r in rows], tickets=[r[1] for r in rows]))


def _maintenance(up: _Uptime) -> list[MaintenanceRecord]:
    return [MaintenanceRecord(ends_at=w.ends_at, id=w.id, reason=w.reason, starts_at=w.starts_at, unit_id=w.unit_id,
                              unit_serial=up.units[w.unit_id].serial if w.unit_id in up.units else None)
            for w in up.windows]


def _definition(contract: Contract) -> Literal["maintenance_excluded", "operational_ao"]:
    return "maintenance_excluded" if contract.exclude_scheduled_maintenance else "operational_ao"


def _overlaps(lo: datetime, hi: datetime | None, start: datetime, end: datetime) -> bool:
    return lo < end and (hi is None or hi > start)


def _status_ids(up: _Uptime, unit_ids: Iterable[str], start: datetime | None = None,
                end: datetime | None = None) -> list[str]:
    """Status event ids of these units: their changes in the period and the event that set each
    one's state at the period start, or (``start``, ``end`` given) the changes in that span."""
    out: list[str] = []
    for uid in unit_ids:
        changes = up.status_changes.get(uid, [])
        if start is None or end is None:
            out += [eid for _, eid in changes]
            if uid in up.status_prior:
                out.append(up.status_prior[uid])
        else:
            times = [t for t, _ in changes]
            out += [eid for _, eid in changes[bisect_left(times, start):bisect_left(times, end)]]
    return out


def _figures(up: _Uptime, out: ContractAvailabilityOut | UnitAvailabilityOut,
             unit_ids: Sequence[str]) -> AvailabilityFigures:
    """The service's availability figures as report data (the percentage recomputed exactly from
    the minutes the service gives, so the attached data recomputes)."""
    period, excluded, down = _dec(out.period_minutes), _dec(out.excluded_minutes), _dec(out.downtime_minutes)
    wanted = set(unit_ids)
    return AvailabilityFigures(
        availability_percent=_availability_pct(period, excluded, down), definition=_definition(up.contract),
        downtime_minutes=down, excluded_minutes=excluded, failures=out.failures,
        mtbf_hours=None if out.mtbf_hours is None else _dec(out.mtbf_hours),
        mttr_hours=None if out.mttr_hours is None else _dec(out.mttr_hours), passed=out.passed, period_minutes=period,
        sources=_src(units=unit_ids, status_events=_status_ids(up, unit_ids),
                     maintenance_windows=[w.id for w in up.windows if w.unit_id is None or w.unit_id in wanted],
                     tickets=[t.id for t in up.down_tickets if t.unit_id in wanted]),
        target_percent=up.contract.availability_target_percent,
    )


def _availability_trend(up: _Uptime, monthly: Sequence[MonthOut], unit_ids: Sequence[str]) -> list[AvailabilityMonth]:
    end = up.measured_end
    bounds = ({_local_month(lo, up.timezone): (lo, hi) for lo, hi in months_between(up.start, end, up.timezone)}
              if end > up.start else {})
    wanted = set(unit_ids)
    out = []
    for m in monthly:
        lo, hi = bounds.get(m.month, (up.start, end))
        period, excluded, down = _dec(m.period_minutes), _dec(m.excluded_minutes), _dec(m.downtime_minutes)
        out.append(AvailabilityMonth(
            availability_percent=_availability_pct(period, excluded, down), downtime_minutes=down,
            excluded_minutes=excluded, failures=m.failures, month=m.month, period_minutes=period,
            sources=_src(status_events=_status_ids(up, unit_ids, lo, hi),
                         maintenance_windows=[w.id for w in up.windows
                                              if (w.unit_id is None or w.unit_id in wanted)
                                              and _overlaps(w.starts_at, w.ends_at, lo, hi)],
                         tickets=[t.id for t in up.down_tickets
                                  if t.unit_id in wanted and _overlaps(t.reported_at, t.stop, lo, hi)],
                         units=[u for u in unit_ids if u in up.units and up.units[u].in_service_at < hi]),
        ))
    return out


def _local_month(instant: datetime, timezone: str) -> str:
    return _month_label(instant, ZoneInfo(timezone))


def _unit_summaries(rec: _ContractRecord) -> list[UnitSummary]:
    tickets: dict[str, list[str]] = defaultdict(list)
    breaches: dict[str, int] = defaultdict(int)
    for e in rec.evaluated:
        tickets[e.unit_id].append(e.id)
        breaches[e.unit_id] += sum(1 for m in e.sla.metrics if m.state == "breached")
    up = rec.up
    down_by_unit: dict[str, list[str]] = defaultdict(list)
    for d in up.down_tickets:
        down_by_unit[d.unit_id].append(d.id)
    contract_windows = [w.id for w in up.windows if w.unit_id is None]
    out = []
    for u in rec.availability.units:
        row = up.units[u.unit_id]
        period, excluded, down = _dec(u.period_minutes), _dec(u.excluded_minutes), _dec(u.downtime_minutes)
        out.append(UnitSummary(
            availability_percent=_availability_pct(period, excluded, down), breaches=breaches[u.unit_id],
            downtime_minutes=down, excluded_minutes=excluded, failures=u.failures, in_service_at=u.in_service_at,
            model=row.model, period_minutes=period, serial=u.serial, site=row.site,
            sources=_src(units=[u.unit_id], status_events=_status_ids(up, [u.unit_id]),
                         maintenance_windows=[*contract_windows, *(w.id for w in up.windows
                                                                   if w.unit_id == u.unit_id)],
                         tickets=[*tickets[u.unit_id], *down_by_unit[u.unit_id]]),
            tickets=len(tickets[u.unit_id]), unit_id=u.unit_id,
        ))
    return out


def _last_day(end_date: date) -> date:
    return end_date - timedelta(days=1)


def _period(start_date: date, end_date: date, timezone: str) -> Period:
    return Period.model_validate({"from": start_date, "to": end_date, "timezone": timezone})


# --------------------------------------------------------------------------- contract review


@_without_gc
def gather_contract_review(session: Session, principal: Principal, *, contract_id: str, start_date: date,
                           end_date: date, as_of: datetime | None,
                           vendor: str = DEFAULT_VENDOR) -> ContractReviewData:
    """One contract over ``[start_date, end_date)`` (dates in its calendar's zone), as of ``as_of``
    (default now), clocks read at ``as_of``."""
    principal.require("read")
    contract = get_scoped(session, Contract, contract_id, principal, what="contract")
    moments = sla_service.instants(None, as_of)
    rec = _load_contract(session, principal, contract, start_date, end_date, moments)
    params = ContractReviewParams.model_validate({"contract_id": contract.id, "from": start_date, "to": end_date})
    tickets, events = _ticket_records(rec.tickets, rec.up.units, moments)
    rows = _compliance_rows(rec)
    unit_ids = [u.unit_id for u in rec.availability.units]
    return ContractReviewData(
        as_of=moments.as_of, at=moments.at, audit_head=audit.head_as_of(session, moments.as_of),
        availability=_figures(rec.up, rec.availability, unit_ids),
        availability_trend=_availability_trend(rec.up, rec.availability.monthly, unit_ids),
        breaches=_breaches(rec), calendar=_calendar_info(rec.calendar, start_date, end_date), compliance=rows,
        compliance_trend=_compliance_trend(rec), contract=_contract_info(contract, rec.agency),
        credits=_credits(rec, rows), csat=_csat(session, rec), events=events, maintenance=_maintenance(rec.up),
        dispatch=time_to_assign(session, rec.tickets.evaluated, moments.as_of),
        parameters=params, period=_period(start_date, end_date, rec.calendar.timezone),
        report_id=make_report_id("contract_review", params.model_dump(), moments.as_of),
        sla_targets=_sla_targets(session, rec), tickets=tickets,
        title=f"Contract performance review — {contract.number} — {start_date.isoformat()} to "
              f"{_last_day(end_date).isoformat()}",
        units=_unit_summaries(rec), vendor=vendor,
    )


# --------------------------------------------------------------------------- track record


def _bucket(months: int) -> Callable[[str], str]:
    """Trend buckets: months for up to 15 months, quarters up to 5 years, years beyond."""
    if months <= 15:
        return lambda m: m
    if months <= 60:
        return lambda m: f"{m[:4]}-Q{(int(m[5:7]) - 1) // 3 + 1}"
    return lambda m: m[:4]


@_without_gc
def gather_track_record(session: Session, principal: Principal, *, contract_ids: Sequence[str], start_date: date,
                        end_date: date, as_of: datetime | None, vendor: str = DEFAULT_VENDOR) -> TrackRecordData:
    """Past performance over ``[start_date, end_date)`` across the given contracts (each contract's
    dates in its own calendar's zone), as of ``as_of`` (default now)."""
    principal.require("read")
    ids = sorted(set(contract_ids))
    if not ids:
        raise Invalid("a track record needs at least one contract", code="invalid_report_parameters")
    contracts = [get_scoped(session, Contract, cid, principal, what="contract") for cid in ids]
    moments = sla_service.instants(None, as_of)
    records = sorted((_load_contract(session, principal, c, start_date, end_date, moments) for c in contracts),
                     key=lambda r: r.contract.number)
    months = _months(start_date, end_date)
    bucket = _bucket(len(months))
    labels = sorted({bucket(m) for m in months})
    trend: dict[str, dict[str, Any]] = {
        label: {"period": Decimal(0), "excl": Decimal(0), "down": Decimal(0), "met": 0, "breached": 0, "tickets": []}
        for label in labels}
    rows, tickets, events = [], [], []
    first_fielded: list[date] = []
    for rec in records:
        c, comp, av = rec.contract, rec.compliance, rec.availability
        unit_ids = [u.unit_id for u in av.units]
        met, breached = sum(r.met for r in comp.metrics), sum(r.breached for r in comp.metrics)
        first = min((u.in_service_at for u in av.units), default=None)
        first_day = first.astimezone(rec.zone).date() if first else None
        if first_day:
            first_fielded.append(first_day)
        rows.append(TrackRecordContract(
            agency=_agency_ref(rec.agency), aql_percent=c.aql_percent, availability=_figures(rec.up, av, unit_ids),
            breached=breached, compliance_passed=comp.passed, contract_id=c.id, currency=c.currency,
            first_fielded=first_day, met=met, number=c.number, percent_met=_pct(met, met + breached),
            period_of_performance_end=c.end_date, period_of_performance_start=c.start_date,
            point_of_contact=c.point_of_contact,
            sources=_src(contracts=[c.id], tickets=[e.id for e in rec.evaluated], units=unit_ids),
            tickets=len(rec.evaluated), title=c.title, units=len(unit_ids), value=c.value,
        ))
        for m in av.monthly:
            point = trend.setdefault(bucket(m.month), {"period": Decimal(0), "excl": Decimal(0), "down": Decimal(0),
                                                       "met": 0, "breached": 0, "tickets": []})
            point["period"] += _dec(m.period_minutes)
            point["excl"] += _dec(m.excluded_minutes)
            point["down"] += _dec(m.downtime_minutes)
        for e in rec.evaluated:
            label = bucket(_month_label(e.reported_at, rec.zone))
            point = trend.setdefault(label, {"period": Decimal(0), "excl": Decimal(0), "down": Decimal(0),
                                             "met": 0, "breached": 0, "tickets": []})
            counted = _outcome_counts(e.sla.metrics)
            point["met"] += counted[0]
            point["breached"] += counted[1]
            point["tickets"].append(e.id)
        t, ev = _ticket_records(rec.tickets, rec.up.units, moments)
        tickets += t
        events += ev
    totals_period = sum((r.availability.period_minutes for r in rows), Decimal(0))
    totals_excl = sum((r.availability.excluded_minutes for r in rows), Decimal(0))
    totals_down = sum((r.availability.downtime_minutes for r in rows), Decimal(0))
    met, breached = sum(r.met for r in rows), sum(r.breached for r in rows)
    first_day_all = min(first_fielded, default=None)
    until = min(end_date, moments.as_of.date())
    years = (Decimal(max((until - first_day_all).days, 0)) / Decimal("365.25")).quantize(Q2, rounding=ROUND_DOWN) \
        if first_day_all else Decimal(0)
    zones = {r.calendar.timezone for r in records}
    params = TrackRecordParams.model_validate({"contract_ids": ids, "from": start_date, "to": end_date})
    return TrackRecordData(
        as_of=moments.as_of, at=moments.at, audit_head=audit.head_as_of(session, moments.as_of), contracts=rows,
        events=events, parameters=params,
        period=_period(start_date, end_date, zones.pop() if len(zones) == 1 else MIXED_TIMEZONES),
        report_id=make_report_id("track_record", params.model_dump(), moments.as_of), tickets=tickets,
        title=f"Past performance record — {vendor}",
        totals=TrackRecordTotals(
            agencies=len({r.agency.id for r in rows}), availability_percent=_availability_pct(
                totals_period, totals_excl, totals_down),
            breached=breached, contracts=len(rows), downtime_minutes=totals_down, excluded_minutes=totals_excl,
            first_fielded=first_day_all, met=met, percent_met=_pct(met, met + breached), period_minutes=totals_period,
            sources=_src(contracts=ids), tickets=sum(r.tickets for r in rows), units=sum(r.units for r in rows),
            years_fielded=years,
        ),
        trend=[TrendPoint(availability_percent=_availability_pct(p["period"], p["excl"], p["down"]),
                          breached=p["breached"], label=label, met=p["met"],
                          percent_met=_pct(p["met"], p["met"] + p["breached"]),
                          sources=_src(contracts=ids, tickets=p["tickets"]), tickets=len(p["tickets"]))
               for label, p in sorted(trend.items())],
        vendor=vendor,
    )


# --------------------------------------------------------------------------- unit history


def _unit_tickets(session: Session, ctx: sla_service.ContractClocks, unit: Unit, start: datetime, end: datetime,
                  moments: sla_service.Instants) -> _Tickets:
    """The unit's tickets reported in the period, evaluated as :func:`fleet.sla_service.evaluate_period`
    evaluates a contract's (same selection rule, same clocks)."""
    where = [Ticket.unit_id == unit.id, Ticket.reported_at >= start, Ticket.reported_at < end,
             Ticket.recorded_at <= moments.as_of]
    rows = session.execute(select(Ticket.id, Ticket.number, Ticket.unit_id, Ticket.reported_at,
                                  Ticket.initial_priority, Ticket.summary)
                           .where(*where).order_by(Ticket.reported_at, Ticket.id)).all()
    facts: dict[str, list[timeline.Fact]] = defaultdict(list)
    for ev in session.execute(
            select(TicketEvent.ticket_id, TicketEvent.id, TicketEvent.type, TicketEvent.occurred_at,
                   TicketEvent.recorded_at, TicketEvent.reason, TicketEvent.priority, TicketEvent.corrects_id,
                   TicketEvent.void)
            .join(Ticket, Ticket.id == TicketEvent.ticket_id).where(*where, TicketEvent.recorded_at <= moments.as_of)
            .order_by(TicketEvent.recorded_at, TicketEvent.id)):
        facts[ev[0]].append(timeline.Fact(*ev[1:]))
    evaluated = []
    for r in rows:
        version, sla = ctx.evaluate(r[3], r[4], facts.get(r[0], []), moments)
        evaluated.append(sla_service.EvaluatedTicket(r[0], r[1], r[2], r[3], r[5], version, sla, facts.get(r[0], [])))
    return _tickets(session, evaluated, where, moments.as_of)


def _downtime(up: _Uptime, intervals: Sequence[Any], exclude: bool) -> list[DowntimeInterval]:
    """The unit's merged timeline (:func:`fleet.uptime.unit_timeline`) with each stretch that was
    not up attributed: scheduled maintenance, a unit-down ticket, or telemetry."""
    out = []
    (uid,) = up.units
    changes = up.status_changes.get(uid, [])
    times = [t for t, _ in changes]
    for iv in intervals:
        if iv.state == "up":
            continue
        lo, hi = iv.start, iv.end
        status = [eid for _, eid in changes[bisect_left(times, lo):bisect_right(times, hi)]]
        if not status and uid in up.status_prior and lo <= up.start:
            status = [up.status_prior[uid]]
        if iv.state == "maintenance":
            windows = [w.id for w in up.windows if _overlaps(w.starts_at, w.ends_at, lo, hi)]
            out.append(DowntimeInterval(cause="maintenance", counted=not exclude, end=hi, minutes=_minutes(hi - lo),
                                        sources=_src(maintenance_windows=windows, status_events=status), start=lo,
                                        ticket_number=None, unit_id=uid))
            continue
        tickets = [t for t in up.down_tickets if _overlaps(t.reported_at, t.stop, lo, hi)]
        out.append(DowntimeInterval(
            cause="ticket_unit_down" if tickets else "telemetry_down", counted=True, end=hi,
            minutes=_minutes(hi - lo), sources=_src(tickets=[t.id for t in tickets], status_events=status), start=lo,
            ticket_number=tickets[0].number if tickets else None, unit_id=uid))
    return out


@_without_gc
def gather_unit_history(session: Session, principal: Principal, *, unit_id: str, start_date: date, end_date: date,
                        as_of: datetime | None, vendor: str = DEFAULT_VENDOR) -> UnitHistoryData:
    """One unit over ``[start_date, end_date)`` (its contract calendar's zone): tickets reported in
    the period with their outcomes, work logs and parts, downtime and availability."""
    principal.require("read")
    unit = get_scoped(session, Unit, unit_id, principal, what="unit")
    contract = session.get_one(Contract, unit.contract_id)
    agency = session.get_one(Agency, contract.agency_id)
    calendar = session.get_one(Calendar, contract.calendar_id)
    moments = sla_service.instants(None, as_of)
    if unit.created_at > moments.as_of:
        raise NotFound(f"unit {unit.id} was not on record at as_of: nothing to report", code="unit_not_on_record")
    ctx = sla_service.ContractClocks.load(session, contract, as_of=moments.as_of)
    start, end = sla_service.period_bounds(ctx.calendar, start_date, end_date)
    availability = uptime.unit_availability(session, principal, unit.id, start_date=start_date, end_date=end_date,
                                            at=moments.at, as_of=moments.as_of)
    intervals = uptime.unit_timeline(session, principal, unit.id, start_date=start_date, end_date=end_date,
                                     at=moments.at, as_of=moments.as_of).intervals
    t = _unit_tickets(session, ctx, unit, start, end, moments)
    up = _uptime_sources(session, contract, calendar.timezone, start, end, moments,
                         {e.id: e.facts for e in t.evaluated}, unit_id=unit.id)
    tickets, events = _ticket_records(t, up.units, moments)
    numbers = {e.id: e.number for e in t.evaluated}
    logs = [w for per_ticket in ticket_service.work_logs_out(session, list(numbers)).values() for w in per_ticket
            if w.recorded_at <= moments.as_of]
    logs.sort(key=lambda w: (w.started_at, w.id))
    work_logs = [WorkLogRecord(activity=w.activity, ended_at=w.ended_at, engineer=w.engineer, id=w.id, notes=w.notes,
                               parts=[PartUse(part_number=p.part_number, quantity=p.quantity) for p in w.parts],
                               started_at=w.started_at, ticket_id=w.ticket_id, ticket_number=numbers[w.ticket_id])
                 for w in logs]
    parts: dict[str, tuple[int, list[str]]] = {}
    for w in work_logs:
        for p in w.parts:
            qty, ids = parts.get(p.part_number, (0, []))
            parts[p.part_number] = (qty + p.quantity, [*ids, w.id])
    params = UnitHistoryParams.model_validate({"unit_id": unit.id, "from": start_date, "to": end_date})
    return UnitHistoryData(
        as_of=moments.as_of, at=moments.at, audit_head=audit.head_as_of(session, moments.as_of),
        availability=_figures(up, availability, [unit.id]),
        availability_trend=_availability_trend(up, availability.monthly, [unit.id]),
        comments=public_comments(session, numbers, moments.as_of),
        downtime=_downtime(up, intervals, contract.exclude_scheduled_maintenance), events=events,
        maintenance=_maintenance(up), parameters=params,
        parts=[PartTotal(part_number=k, quantity=q, sources=_src(work_logs=ids))
               for k, (q, ids) in sorted(parts.items())],
        period=_period(start_date, end_date, calendar.timezone),
        report_id=make_report_id("unit_history", params.model_dump(), moments.as_of), tickets=tickets,
        title=f"Unit service history — {unit.serial}",
        unit=UnitInfo(agency=_agency_ref(agency), contract_id=contract.id, contract_number=contract.number, id=unit.id,
                      in_service_at=unit.in_service_at, model=unit.model, serial=unit.serial, site=unit.site),
        vendor=vendor, work_logs=work_logs,
    )


# --------------------------------------------------------------------------- the pipeline


Step = Callable[[str], None]
Renderer = Callable[[AnyReportData], bytes]


@dataclass(frozen=True)
class Produced:
    """An issued report: its register row (detached), whether this call issued it, and its bytes
    when asked for."""

    report: Report
    created: bool
    pdf: bytes | None = None


def produce(db: Database, principal: Principal, request: ReportRequest, *, vendor: str = DEFAULT_VENDOR,
            signer: SigningKey | None = None, timeout_s: float = 120.0, memory_mb: int = 1536,
            renderer: Renderer | None = None, step: Step | None = None, want_pdf: bool = False,
            now: datetime | None = None) -> Produced:
    """Gather (read transaction) → render (worker process, no transaction open) → sign, register
    and audit (write transaction). The same parameters and ``as_of`` give the same report id:
    when it is registered already, it is returned as it stands (``created`` false) without
    gathering again. Nothing is stored unless every step succeeds."""
    principal.require("reports.create")
    say = step or (lambda _name: None)
    with db.transaction(write=False) as session:
        resolved = resolve(session, principal, request, now=now)
        existing = session.get(Report, resolved.report_id)
        if existing is not None:
            pdf = existing.pdf if want_pdf else None
            return Produced(existing, False, pdf)
        say("gather")
        data = gather(session, principal, resolved, vendor=vendor)
    say("render")
    render = renderer or (lambda d: render_pdf(d, timeout_s=timeout_s, memory_mb=memory_mb))
    with gc_paused():
        pdf = render(data)
    say("issue")
    with db.transaction(write=True) as session:
        existing = session.get(Report, resolved.report_id)
        if existing is not None:  # issued meanwhile by another request: the first one stands
            return Produced(existing, False, existing.pdf if want_pdf else None)
        row = issue_report(session, kind=resolved.kind, parameters=resolved.parameters, as_of=resolved.as_of,
                           data=data, created_by=principal, agency_id=resolved.agency_id,
                           audit_head=data.audit_head, signer=signer,
                           signed_at=utcnow() if signer is not None else None, renderer=lambda _d: pdf)
        issued = row.pdf if want_pdf else None
    return Produced(row, True, issued)
