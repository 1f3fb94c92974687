"""A contract's period record with the judgements the services make of it, and the report-data
pieces every kind shares.

:func:`load` reads the record once (:func:`fleet.period.read`) and judges it with the services'
own functions, so a PDF prints exactly the figures ``GET /contracts/{id}/compliance`` and
``…/availability`` give for the same contract, period and ``as_of``: the clocks
(:func:`fleet.sla_service.evaluate_record`, :func:`fleet.sla_service.compliance_of`) and
availability (:func:`fleet.uptime.availability_of`, :func:`fleet.uptime.unit_availability_of`).
Every piece here cites the ids the record carries.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from pydantic import TypeAdapter
from sqlalchemy.orm import Session

from fleet import period, registry, sla_service, timeline, uptime
from fleet.figures import Compliance, ContractAvailability, MonthFigures, UnitAvailability
from fleet.models import Agency, Calendar, Contract
from reports.data import (
    AgencyRef,
    AvailabilityFigures,
    AvailabilityMonth,
    CalendarInfo,
    ContractInfo,
    EventRecord,
    Holiday,
    MaintenanceRecord,
    SlaTargetInfo,
    TicketRecord,
)
from reports.exact import availability_pct, dec, minutes, month_label, overlaps, src
from slas import clocks
from slas.availability import months_between
from slas.vocabulary import FINISHED_STATUSES, AvailabilityDefinition, availability_definition


@dataclass
class ContractRecord:
    """One contract's (or one unit's) period record, judged."""

    record: period.PeriodRecord
    agency: Agency
    calendar: Calendar
    ctx: sla_service.ContractClocks
    moments: sla_service.Instants
    evaluated: list[sla_service.EvaluatedTicket]
    compliance: Compliance
    availability: ContractAvailability
    zone: ZoneInfo
    changes: dict[str, tuple[list[datetime], list[str]]] = field(default_factory=dict)  # unit -> (times, ids)
    prior: dict[str, str] = field(default_factory=dict)  # unit -> status event that set its state at start

    @property
    def contract(self) -> Contract:
        return self.record.contract

    @property
    def p(self) -> period.Period:
        return self.record.p


def load(session: Session, contract: Contract, start_date: date, end_date: date, moments: sla_service.Instants,
         *, unit_id: str | None = None, ratings: bool = False, work_logs: bool = False) -> ContractRecord:
    """Read the record once and judge it (clocks read at ``moments.at``)."""
    ctx = sla_service.ContractClocks.load(session, contract, as_of=moments.as_of)
    sla_service.period_bounds(ctx.calendar, start_date, end_date)  # a period is a period
    p = period.period(start_date, end_date, ctx.calendar.timezone, at=moments.at, as_of=moments.as_of)
    rec = period.read(session, contract, p, unit_id=unit_id, ratings=ratings, work_logs=work_logs)
    evaluated = sla_service.evaluate_record(ctx, rec.tickets, moments)
    return ContractRecord(
        record=rec, agency=session.get_one(Agency, contract.agency_id),
        calendar=session.get_one(Calendar, contract.calendar_id), ctx=ctx, moments=moments, evaluated=evaluated,
        compliance=sla_service.compliance_of(contract, ctx, [e.sla for e in evaluated], start_date, end_date,
                                              moments),
        availability=uptime.availability_of(contract, p, rec.facts), zone=ZoneInfo(ctx.calendar.timezone),
        changes={u.unit_id: ([t for t, _ in u.changes], [str(i) for i in u.change_ids]) for u in rec.facts},
        prior={u.unit_id: str(u.prior_id) for u in rec.facts if u.prior_id is not None},
    )


def agency_ref(agency: Agency) -> AgencyRef:
    return AgencyRef(code=agency.code, id=agency.id, name=agency.name)


def contract_info(contract: Contract, agency: Agency) -> ContractInfo:
    return ContractInfo(
        agency=agency_ref(agency), aql_percent=contract.aql_percent,
        availability_target_percent=contract.availability_target_percent, currency=contract.currency,
        end_date=contract.end_date, exclude_scheduled_maintenance=contract.exclude_scheduled_maintenance,
        id=contract.id, number=contract.number, pause_allowed=contract.pause_allowed,
        point_of_contact=contract.point_of_contact, start_date=contract.start_date, title=contract.title,
        value=contract.value,
    )


def calendar_info(rec: ContractRecord) -> CalendarInfo:
    calendar, p = rec.calendar, rec.p
    return CalendarInfo(
        closures=sorted(date.fromisoformat(d) for d in calendar.closures),
        holiday_country=calendar.holiday_country, holiday_subdivision=calendar.holiday_subdivision,
        holidays_applied=[Holiday(day=d, name=n) for d, n in rec.ctx.calendar.holidays_in(p.start_date, p.end_date)],
        id=calendar.id, name=calendar.name, timezone=calendar.timezone,
        weekly_hours={day: [(w[0], w[1]) for w in windows] for day, windows in calendar.weekly_hours.items()},
    )


def sla_targets(session: Session, rec: ContractRecord) -> list[SlaTargetInfo]:
    """The target versions in force at some point of the period. Version 1 is shown from the
    contract's start (it is stored as in force "since ever": it applies to everything before
    the first change)."""
    versions = registry.policies(session, rec.contract.id)
    contract_start = rec.ctx.calendar.local_date_start(rec.contract.start_date)
    out = []
    for i, policy in enumerate(versions):
        following = versions[i + 1].effective_from if i + 1 < len(versions) else None
        if (i > 0 and policy.effective_from >= rec.p.period_end) or (following is not None
                                                                      and following <= rec.p.start):
            continue
        shown_from = max(policy.effective_from, contract_start) if i == 0 else policy.effective_from
        out += [SlaTargetInfo(clock=cast(Any, t.clock), effective_from=shown_from, metric=cast(Any, t.metric),
                              minutes=t.minutes, policy_version=policy.version, priority=cast(Any, t.priority))
                for t in policy.targets]
    return out


_TICKETS: TypeAdapter[list[TicketRecord]] = TypeAdapter(list[TicketRecord])
_EVENTS: TypeAdapter[list[EventRecord]] = TypeAdapter(list[EventRecord])


def _outcome(m: clocks.MetricClock) -> dict[str, Any]:
    return {"clock": m.clock, "due_at": m.due_at, "elapsed_minutes": minutes(m.elapsed), "metric": m.metric,
            "paused_minutes": minutes(m.paused_for), "state": m.state, "stopped_at": m.stopped_at,
            "target_minutes": m.target_minutes}


def ticket_records(rec: ContractRecord) -> tuple[list[TicketRecord], list[EventRecord]]:
    """The complete record behind the figures: every ticket with its outcomes and its status at
    ``at`` (:func:`fleet.timeline.status_at`), every event (corrections and superseded originals
    included, in the order recorded). Validated in bulk (one pydantic-core call per list)."""
    tickets: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    units = rec.record.units
    for e, t in zip(rec.evaluated, rec.record.tickets, strict=True):
        status, last = timeline.status_at(t.effective, rec.moments.at)
        done = status in FINISHED_STATUSES
        tickets.append({
            "closed_at": last.get("closed") if status == "closed" else None, "contract_id": t.contract_id,
            "id": e.id, "initial_priority": t.initial_priority, "number": e.number,
            "outcomes": [_outcome(m) for m in e.sla.metrics], "priority": e.sla.priority,
            "recorded_at": t.recorded_at, "reported_at": e.reported_at,
            "resolved_at": last.get("resolved") if done else None, "restored_at": last.get("restored"),
            "status": status, "summary": e.summary, "unit_down": t.unit_down, "unit_id": e.unit_id,
            "unit_serial": units[e.unit_id].serial,
        })
        for f in sorted(e.facts, key=lambda f: (f.recorded_at, f.id)):
            events.append({
                "actor": f.actor, "corrects_id": f.corrects_id, "id": f.id, "occurred_at": f.occurred_at,
                "priority": f.priority, "reason": f.reason, "recorded_at": f.recorded_at, "ticket_id": e.id,
                "ticket_number": e.number, "type": f.type, "void": bool(f.void),
            })
    return _TICKETS.validate_python(tickets), _EVENTS.validate_python(events)


def maintenance(rec: ContractRecord) -> list[MaintenanceRecord]:
    units = rec.record.units
    return [MaintenanceRecord(ends_at=w.ends_at, id=w.id, reason=w.reason, starts_at=w.starts_at, unit_id=w.unit_id,
                              unit_serial=units[w.unit_id].serial if w.unit_id in units else None)
            for w in rec.record.windows]


def _definition(contract: Contract) -> AvailabilityDefinition:
    return availability_definition(contract.exclude_scheduled_maintenance)


def status_ids(rec: ContractRecord, unit_ids: Iterable[str], start: datetime | None = None,
               end: datetime | None = None) -> list[str]:
    """Status event ids of these units: their changes in the period and the event that set each
    one's state at the period start, or (``start``, ``end`` given) the changes in that span."""
    out: list[str] = []
    for uid in unit_ids:
        times, ids = rec.changes.get(uid, ([], []))
        if start is None or end is None:
            out += ids
            if uid in rec.prior:
                out.append(rec.prior[uid])
        else:
            out += ids[bisect_left(times, start):bisect_left(times, end)]
    return out


def figures(rec: ContractRecord, out: ContractAvailability | UnitAvailability,
            unit_ids: Sequence[str]) -> AvailabilityFigures:
    """The service's availability figures as report data (the percentage recomputed exactly from
    the minutes the service gives, so the attached data recomputes)."""
    period_m, excluded, down = dec(out.period_minutes), dec(out.excluded_minutes), dec(out.downtime_minutes)
    wanted = set(unit_ids)
    return AvailabilityFigures(
        availability_percent=availability_pct(period_m, excluded, down), definition=_definition(rec.contract),
        downtime_minutes=down, excluded_minutes=excluded, failures=out.failures,
        mtbf_hours=None if out.mtbf_hours is None else dec(out.mtbf_hours),
        mttr_hours=None if out.mttr_hours is None else dec(out.mttr_hours), passed=out.passed,
        period_minutes=period_m,
        sources=src(units=unit_ids, status_events=status_ids(rec, unit_ids),
                    maintenance_windows=[w.id for w in rec.record.windows if w.unit_id is None or w.unit_id in wanted],
                    tickets=[t.ticket_id for t in rec.record.down_in_period if t.unit_id in wanted]),
        target_percent=rec.contract.availability_target_percent,
    )


def availability_trend(rec: ContractRecord, monthly: Sequence[MonthFigures],
                       unit_ids: Sequence[str]) -> list[AvailabilityMonth]:
    p = rec.p
    bounds = ({month_label(lo, rec.zone): (lo, hi) for lo, hi in months_between(p.start, p.end, p.timezone)}
              if p.end > p.start else {})
    wanted = set(unit_ids)
    units = rec.record.units
    out = []
    for m in monthly:
        lo, hi = bounds.get(m.month, (p.start, p.end))
        period_m, excluded, down = dec(m.period_minutes), dec(m.excluded_minutes), dec(m.downtime_minutes)
        out.append(AvailabilityMonth(
            availability_percent=availability_pct(period_m, excluded, down), downtime_minutes=down,
            excluded_minutes=excluded, failures=m.failures, month=m.month, period_minutes=period_m,
            sources=src(status_events=status_ids(rec, unit_ids, lo, hi),
                        maintenance_windows=[w.id for w in rec.record.windows
                                             if (w.unit_id is None or w.unit_id in wanted)
                                             and overlaps(w.starts_at, w.ends_at, lo, hi)],
                        tickets=[t.ticket_id for t in rec.record.down_in_period
                                 if t.unit_id in wanted and overlaps(t.reported_at, t.stop, lo, hi)],
                        units=[u for u in unit_ids if u in units and units[u].in_service_at < hi]),
        ))
    return out
