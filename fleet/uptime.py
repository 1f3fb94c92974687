"""Uptime use cases: maintenance windows, availability, timelines. Status events are ingested by
:mod:`fleet.status_events`.

Availability (:func:`contract_availability`, :func:`unit_availability`) follows DESIGN.md
"Availability" with the pure arithmetic in :mod:`slas.availability`. The record is read as it
stood at ``as_of`` (``recorded_at <= as_of`` for status events, tickets and their events, and
maintenance windows; a window cancelled by ``as_of`` is ignored; only units registered by then,
``created_at <= as_of``, are counted) and the clocks at ``at`` (the
period ends at ``min(to, at)``). The facts (status changes, ticket downtime, windows) are read by
:mod:`fleet.period`, the one reader of a contract's period record (its module docstring says how,
and the ticket-downtime rule); each unit's timelines are built once and the period and its months
are sliced from them (:func:`slas.availability.unit_availability_series`), as soon as its changes
are in (:func:`fleet.period.iter_unit_facts`). docs/SCALING.md has the measurements.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleet import audit, figures
from fleet import period as record
from fleet.answers import AnswerCache
from fleet.db import utcnow
from fleet.errors import Conflict, Invalid
from fleet.figures import ContractAvailability, Interval, MonthFigures, Timeline, UnitFigures
from fleet.models import Contract, MaintenanceWindow, Unit
from fleet.pagination import Page, paginate
from fleet.period import Period, UnitFacts, period  # the record is read by fleet.period
from fleet.principal import Principal
from fleet.registry import contract_timezone
from fleet.schemas.uptime import CancelIn, MaintenanceWindowIn
from fleet.tenancy import get_scoped, scoped
from slas.availability import (
    StatusChange,
    UnitAvailability,
    UnitState,
    fleet_availability,
    local_month_label,
    meets_target,
    months_between,
    state_timeline,
)
from slas.availability import unit_availability_series as unit_series
from slas.calendars import local_midnight
from slas.vocabulary import AVAILABILITY_TERMS, availability_definition

_MINUTE = timedelta(minutes=1)


# --- maintenance windows ----------------------------------------------------------------------
def create_window(session: Session, principal: Principal, data: MaintenanceWindowIn) -> MaintenanceWindow:
    principal.require("maintenance.write")
    contract = get_scoped(session, Contract, data.contract_id, principal, what="contract")
    if data.unit_id is not None:
        unit = get_scoped(session, Unit, data.unit_id, principal, what="unit")
        if unit.contract_id != contract.id:
            raise Invalid(f"unit {unit.serial} is not on contract {contract.number}", code="unit_not_in_contract")
    window = MaintenanceWindow(agency_id=contract.agency_id, contract_id=contract.id, unit_id=data.unit_id,
                               starts_at=data.starts_at, ends_at=data.ends_at, reason=data.reason,
                               recorded_at=utcnow(), created_by=principal.actor)
    session.add(window)
    session.flush()
    audit.record(session, principal, action="maintenance_window.create", entity_type="maintenance_window",
                 entity_id=window.id, agency_id=window.agency_id, reason=data.reason, after=audit.snapshot(window),
                 scope=audit.Scope(window.contract_id, window.starts_at), rows=[window])
    return window


def get_window(session: Session, principal: Principal, window_id: str) -> MaintenanceWindow:
    principal.require("read")
    return get_scoped(session, MaintenanceWindow, window_id, principal, what="maintenance window")


def list_windows(session: Session, principal: Principal, *, limit: int, cursor: str | None,
                 contract_id: str | None = None, unit_id: str | None = None) -> Page[MaintenanceWindow]:
    principal.require("read")
    stmt = scoped(select(MaintenanceWindow), MaintenanceWindow, principal)
    if contract_id:
        stmt = stmt.where(MaintenanceWindow.contract_id == contract_id)
    if unit_id:
        stmt = stmt.where(MaintenanceWindow.unit_id == unit_id)
    return paginate(session, stmt, MaintenanceWindow.id, limit=limit, cursor=cursor)


def cancel_window(session: Session, principal: Principal, window_id: str, data: CancelIn) -> MaintenanceWindow:
    """Cancel a window: the row stays (``cancelled_at``, ``cancelled_by`` and ``cancel_reason``
    set, the change in the audit entry), so figures as of an earlier instant still exclude it."""
    principal.require("maintenance.write")
    window = get_scoped(session, MaintenanceWindow, window_id, principal, what="maintenance window")
    if window.cancelled_at is not None:
        raise Conflict(f"maintenance window {window.id} was already cancelled", code="already_cancelled")
    before = audit.snapshot(window)
    window.cancelled_at = utcnow()
    window.cancelled_by = principal.actor
    window.cancel_reason = data.reason
    session.flush()
    audit.record(session, principal, action="maintenance_window.cancel", entity_type="maintenance_window",
                 entity_id=window.id, agency_id=window.agency_id, reason=data.reason, before=before,
                 after=audit.snapshot(window), scope=audit.Scope(window.contract_id, window.starts_at), rows=[window])
    return window


# --- availability -----------------------------------------------------------------------------


def _series(units: Iterable[UnitFacts], p: Period, *,
            exclude: bool) -> tuple[list[tuple[UnitFacts, UnitAvailability]], list[MonthFigures]]:
    """Each unit's figures for the whole period (ordered by serial) and the fleet's monthly series:
    one :func:`slas.availability.unit_availability_series` per unit (its timelines built once, the
    period and each month sliced from them), computed as the units arrive (:func:`fleet.period.iter_unit_facts`)."""
    if p.empty:
        return sorted(((u, fleet_availability([])) for u in units), key=lambda pair: pair[0].serial), []
    months = months_between(p.start, p.end, p.timezone)
    one_month = months == [(p.start, p.end)]  # the period is one whole month: its figures are the month's
    spans = [(p.start, p.end)] if one_month else [(p.start, p.end), *months]
    per_month: list[list[UnitAvailability]] = [[] for _ in months]
    whole: list[tuple[UnitFacts, UnitAvailability]] = []
    for u in units:
        period_figures, *monthly_figures = unit_series(
            spans=spans, in_service_at=u.in_service_at, changes=u.changes, ticket_down=u.ticket_down,
            maintenance_windows=u.windows, exclude_maintenance=exclude, state_before_first_change=u.state_before)
        if one_month:
            monthly_figures = [period_figures]
        whole.append((u, period_figures))
        for k, (_, me) in enumerate(months):
            if me > u.in_service_at:
                per_month[k].append(monthly_figures[k])
    monthly = []
    for (ms, _), figs in zip(months, per_month, strict=True):
        f = fleet_availability(figs)
        monthly.append(MonthFigures(month=local_month_label(ms, p.timezone).strftime("%Y-%m"),
                                availability_percent=_pct(f.availability_percent),
                                downtime_minutes=_minutes(f.downtime), failures=f.failures,
                                period_minutes=_minutes(f.period), excluded_minutes=_minutes(f.excluded)))
    return sorted(whole, key=lambda pair: pair[0].serial), monthly


def _minutes(value: timedelta) -> float:
    return round(value / _MINUTE, 3)


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _hours(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _figures(f: UnitAvailability) -> dict[str, Any]:
    return {"availability_percent": _pct(f.availability_percent), "period_minutes": _minutes(f.period),
            "downtime_minutes": _minutes(f.downtime), "excluded_minutes": _minutes(f.excluded),
            "uptime_minutes": _minutes(f.uptime), "failures": f.failures, "mtbf_hours": _hours(f.mtbf_hours),
            "mttr_hours": _hours(f.mttr_hours)}


def _verdict(contract: Contract, f: UnitAvailability) -> dict[str, Any]:
    """The contract's target and definition, and :func:`slas.availability.meets_target`'s verdict."""
    target = Decimal(contract.availability_target_percent)
    passed = meets_target(f, target)
    exclude = contract.exclude_scheduled_maintenance
    return {"definition": AVAILABILITY_TERMS[availability_definition(exclude)].api_label,
            "exclude_scheduled_maintenance": exclude,
            "target_percent": float(target), "passed": passed}


def contract_availability(session: Session, principal: Principal, contract_id: str, *, start_date: date,
                          end_date: date, at: datetime | None = None, as_of: datetime | None = None,
                          answers: AnswerCache | None = None) -> ContractAvailability:
    """A contract's availability for ``[start_date, end_date)`` (local dates of its calendar's time
    zone) as of ``as_of`` with clocks read at ``at``: fleet figures (period-weighted), each unit's
    figures, and a monthly series. Units not yet in service by the period end are left out.

    With ``answers`` and neither instant given, a period that is over is answered from the cache
    while no write has changed its record (:mod:`fleet.answers`): once the period has ended its
    figures no longer depend on the reading instant."""
    principal.require("read")
    contract = get_scoped(session, Contract, contract_id, principal, what="contract")
    tz = contract_timezone(session, contract)
    if answers is None or at is not None or as_of is not None:
        return _contract_availability(session, contract, period(start_date, end_date, tz, at=at, as_of=as_of))

    def compute(now: datetime) -> tuple[ContractAvailability, None]:
        return _contract_availability(session, contract, period(start_date, end_date, tz, at=None, as_of=now)), None

    return answers.answer(session, ("availability", contract.id, start_date, end_date), contract_id=contract.id,
                          end=local_midnight(end_date, tz), compute=compute)


def _contract_availability(session: Session, contract: Contract, p: Period) -> ContractAvailability:
    return availability_of(contract, p, record.iter_unit_facts(session, contract, p))


def availability_of(contract: Contract, p: Period, units: Iterable[UnitFacts]) -> ContractAvailability:
    """The contract's availability answer from its units' facts (:mod:`fleet.period`)."""
    exclude = contract.exclude_scheduled_maintenance
    whole, monthly = _series(units, p, exclude=exclude)
    fleet = fleet_availability([f for _, f in whole])
    return ContractAvailability(
        contract_id=contract.id, **p.fields(), **_verdict(contract, fleet), **_figures(fleet),
        units=tuple(UnitFigures(unit_id=u.unit_id, serial=u.serial, in_service_at=u.in_service_at, **_figures(f))
                    for u, f in whole),
        monthly=tuple(monthly))


def unit_availability(session: Session, principal: Principal, unit_id: str, *, start_date: date, end_date: date,
                      at: datetime | None = None, as_of: datetime | None = None) -> figures.UnitAvailability:
    """One unit's availability, judged against its contract's target and definition."""
    unit, contract, p = _unit_period(session, principal, unit_id, start_date, end_date, at, as_of)
    return unit_availability_of(contract, unit, p, record.iter_unit_facts(session, contract, p, unit_id=unit.id))


def _unit_period(session: Session, principal: Principal, unit_id: str, start_date: date, end_date: date,
                 at: datetime | None, as_of: datetime | None) -> tuple[Unit, Contract, Period]:
    principal.require("read")
    unit = get_scoped(session, Unit, unit_id, principal, what="unit")
    contract = session.get_one(Contract, unit.contract_id)
    return unit, contract, period(start_date, end_date, contract_timezone(session, contract), at=at, as_of=as_of)


def unit_availability_of(contract: Contract, unit: Unit | record.UnitRow, p: Period,
                         facts: Iterable[UnitFacts]) -> figures.UnitAvailability:
    """One unit's availability answer from its facts (none: not in service in the period)."""
    whole, monthly = _series(facts, p, exclude=contract.exclude_scheduled_maintenance)
    f = whole[0][1] if whole else fleet_availability([])
    return figures.UnitAvailability(unit_id=unit.id, serial=unit.serial, contract_id=contract.id,
                               in_service_at=unit.in_service_at, **p.fields(), **_verdict(contract, f),
                            **_figures(f), monthly=tuple(monthly))


def unit_timeline(session: Session, principal: Principal, unit_id: str, *, start_date: date, end_date: date,
                  at: datetime | None = None, as_of: datetime | None = None) -> Timeline:
    """The unit's merged state over the period: maintenance, down (telemetry ∪ tickets) or up."""
    unit, contract, p = _unit_period(session, principal, unit_id, start_date, end_date, at, as_of)
    return timeline_of(unit.id, p, list(record.iter_unit_facts(session, contract, p, unit_id=unit.id)))


def timeline_of(unit_id: str, p: Period, facts: Sequence[UnitFacts]) -> Timeline:
    """The unit's merged state over the period from its facts (none: not in service in the period)."""
    intervals: tuple[Interval, ...] = ()
    if facts and not p.empty:
        u = facts[0]
        changes = [StatusChange(t, cast(UnitState, s)) for t, s in u.changes]
        spans = state_timeline(start=p.start, end=p.end, changes=changes, ticket_down=u.ticket_down,
                               maintenance_windows=u.windows, in_service_at=u.in_service_at,
                               state_before_first_change=u.state_before)
        intervals = tuple(Interval(start=s, end=e, state=cast(UnitState, state)) for s, e, state in spans)
    return Timeline(unit_id=unit_id, **p.fields(), intervals=intervals)
