"""The track record (past performance): several contracts over ``[from, to)`` as of an instant,
each from its period record (:mod:`reports.record`), with totals and a trend."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import ROUND_DOWN, Decimal
from typing import Any

from sqlalchemy.orm import Session

from fleet import audit, sla_service
from fleet.errors import Invalid
from fleet.gcpause import gc_paused
from fleet.models import Contract
from fleet.principal import Principal
from fleet.tenancy import get_scoped
from reports import record
from reports.contract_review import DEFAULT_VENDOR, outcome_counts
from reports.data import (
    EventRecord,
    TicketRecord,
    TrackRecordContract,
    TrackRecordData,
    TrackRecordParams,
    TrackRecordTotals,
    TrendPoint,
    make_report_id,
)
from reports.exact import Q2, availability_pct, dec, month_label, months, pct, period, src
from reports.record import ContractRecord

MIXED_TIMEZONES = "each contract's calendar time zone"


def _bucket(count: int) -> Callable[[str], str]:
    """Trend buckets: months for up to 15 months, quarters up to 5 years, years beyond."""
    if count <= 15:
        return lambda m: m
    if count <= 60:
        return lambda m: f"{m[:4]}-Q{(int(m[5:7]) - 1) // 3 + 1}"
    return lambda m: m[:4]


def _point() -> dict[str, Any]:
    return {"period": Decimal(0), "excl": Decimal(0), "down": Decimal(0), "met": 0, "breached": 0, "tickets": []}


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
    with gc_paused():
        records = sorted((record.load(session, c, start_date, end_date, moments) for c in contracts),
                         key=lambda r: r.contract.number)
        return _track(session, records, ids, start_date, end_date, moments, vendor)


def _contract_row(rec: ContractRecord) -> TrackRecordContract:
    c, comp, av = rec.contract, rec.compliance, rec.availability
    unit_ids = [u.unit_id for u in av.units]
    met, breached = sum(r.met for r in comp.metrics), sum(r.breached for r in comp.metrics)
    first = min((u.in_service_at for u in av.units), default=None)
    return TrackRecordContract(
        agency=record.agency_ref(rec.agency), aql_percent=c.aql_percent, availability=record.figures(rec, av, unit_ids),
        breached=breached, compliance_passed=comp.passed, contract_id=c.id, currency=c.currency,
        first_fielded=first.astimezone(rec.zone).date() if first else None, met=met, number=c.number,
        percent_met=pct(met, met + breached), period_of_performance_end=c.end_date,
        period_of_performance_start=c.start_date, point_of_contact=c.point_of_contact,
        sources=src(contracts=[c.id], tickets=[e.id for e in rec.evaluated], units=unit_ids),
        tickets=len(rec.evaluated), title=c.title, units=len(unit_ids), value=c.value,
    )


def _track(session: Session, records: list[ContractRecord], ids: list[str], start_date: date, end_date: date,
           moments: sla_service.Instants, vendor: str) -> TrackRecordData:
    bucket = _bucket(len(months(start_date, end_date)))
    trend: dict[str, dict[str, Any]] = {label: _point() for label in sorted({bucket(m) for m in months(
        start_date, end_date)})}
    rows: list[TrackRecordContract] = []
    tickets: list[TicketRecord] = []
    events: list[EventRecord] = []
    for rec in records:
        rows.append(_contract_row(rec))
        for m in rec.availability.monthly:
            point = trend.setdefault(bucket(m.month), _point())
            point["period"] += dec(m.period_minutes)
            point["excl"] += dec(m.excluded_minutes)
            point["down"] += dec(m.downtime_minutes)
        for e in rec.evaluated:
            point = trend.setdefault(bucket(month_label(e.reported_at, rec.zone)), _point())
            counted = outcome_counts(e.sla.metrics)
            point["met"] += counted[0]
            point["breached"] += counted[1]
            point["tickets"].append(e.id)
        t, ev = record.ticket_records(rec)
        tickets += t
        events += ev
    totals_period = sum((r.availability.period_minutes for r in rows), Decimal(0))
    totals_excl = sum((r.availability.excluded_minutes for r in rows), Decimal(0))
    totals_down = sum((r.availability.downtime_minutes for r in rows), Decimal(0))
    met, breached = sum(r.met for r in rows), sum(r.breached for r in rows)
    first_day_all = min((r.first_fielded for r in rows if r.first_fielded), default=None)
    until = min(end_date, moments.as_of.date())
    years = (Decimal(max((until - first_day_all).days, 0)) / Decimal("365.25")).quantize(Q2, rounding=ROUND_DOWN) \
        if first_day_all else Decimal(0)
    zones = {r.calendar.timezone for r in records}
    params = TrackRecordParams.model_validate({"contract_ids": ids, "from": start_date, "to": end_date})
    return TrackRecordData(
        as_of=moments.as_of, at=moments.at, audit_head=audit.head_as_of(session, moments.as_of), contracts=rows,
        events=events, parameters=params,
        period=period(start_date, end_date, zones.pop() if len(zones) == 1 else MIXED_TIMEZONES),
        report_id=make_report_id("track_record", params.model_dump(), moments.as_of), tickets=tickets,
        title=f"Past performance record — {vendor}",
        totals=TrackRecordTotals(
            agencies=len({r.agency.id for r in rows}), availability_percent=availability_pct(
                totals_period, totals_excl, totals_down),
            breached=breached, contracts=len(rows), downtime_minutes=totals_down, excluded_minutes=totals_excl,
            first_fielded=first_day_all, met=met, percent_met=pct(met, met + breached), period_minutes=totals_period,
            sources=src(contracts=ids), tickets=sum(r.tickets for r in rows), units=sum(r.units for r in rows),
            years_fielded=years,
        ),
        trend=[TrendPoint(availability_percent=availability_pct(p["period"], p["excl"], p["down"]),
                          breached=p["breached"], label=label, met=p["met"],
                          percent_met=pct(p["met"], p["met"] + p["breached"]),
                          sources=src(contracts=ids, tickets=p["tickets"]), tickets=len(p["tickets"]))
               for label, p in sorted(trend.items())],
        vendor=vendor,
    )
