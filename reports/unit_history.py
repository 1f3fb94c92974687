"""The unit history: one unit over ``[from, to)`` as of an instant, from its period record
(:mod:`reports.record`, scoped to the unit): tickets with their outcomes, work logs and parts,
downtime attributed to its cause, and availability."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy.orm import Session

from fleet import audit, sla_service, uptime
from fleet.errors import NotFound
from fleet.figures import Interval
from fleet.gcpause import gc_paused
from fleet.models import Contract, Unit
from fleet.principal import Principal
from fleet.tenancy import get_scoped
from reports import record
from reports.contract_review import DEFAULT_VENDOR
from reports.data import (
    DowntimeInterval,
    PartTotal,
    PartUse,
    UnitHistoryData,
    UnitHistoryParams,
    UnitInfo,
    WorkLogRecord,
    make_report_id,
)
from reports.dispatch_gather import public_comments
from reports.exact import minutes, overlaps, period, src
from reports.record import ContractRecord


def gather_unit_history(session: Session, principal: Principal, *, unit_id: str, start_date: date, end_date: date,
                        as_of: datetime | None, vendor: str = DEFAULT_VENDOR) -> UnitHistoryData:
    """One unit over ``[start_date, end_date)`` (its contract calendar's zone): tickets reported in
    the period with their outcomes, work logs and parts, downtime and availability."""
    principal.require("read")
    unit = get_scoped(session, Unit, unit_id, principal, what="unit")
    contract = session.get_one(Contract, unit.contract_id)
    moments = sla_service.instants(None, as_of)
    if unit.created_at > moments.as_of:
        raise NotFound(f"unit {unit.id} was not on record at as_of: nothing to report", code="unit_not_on_record")
    with gc_paused():
        rec = record.load(session, contract, start_date, end_date, moments, unit_id=unit.id, work_logs=True)
        return _history(session, rec, unit, vendor)


def _history(session: Session, rec: ContractRecord, unit: Unit, vendor: str) -> UnitHistoryData:
    contract, moments, p = rec.contract, rec.moments, rec.p
    availability = uptime.unit_availability_of(contract, unit, p, rec.record.facts)
    intervals = uptime.timeline_of(unit.id, p, rec.record.facts).intervals
    tickets, events = record.ticket_records(rec)
    numbers = {e.id: e.number for e in rec.evaluated}
    work_logs = [WorkLogRecord(activity=w.activity, ended_at=w.ended_at, engineer=w.engineer, id=w.id, notes=w.notes,
                               parts=[PartUse(part_number=x.part_number, quantity=x.quantity) for x in w.parts],
                               started_at=w.started_at, ticket_id=w.ticket_id, ticket_number=numbers[w.ticket_id])
                 for w in rec.record.work_logs]
    parts: dict[str, tuple[int, list[str]]] = {}
    for w in work_logs:
        for x in w.parts:
            qty, ids = parts.get(x.part_number, (0, []))
            parts[x.part_number] = (qty + x.quantity, [*ids, w.id])
    params = UnitHistoryParams.model_validate({"unit_id": unit.id, "from": p.start_date, "to": p.end_date})
    return UnitHistoryData(
        as_of=moments.as_of, at=moments.at, audit_head=audit.head_as_of(session, moments.as_of),
        availability=record.figures(rec, availability, [unit.id]),
        availability_trend=record.availability_trend(rec, availability.monthly, [unit.id]),
        comments=public_comments(session, numbers, moments.as_of),
        downtime=_downtime(rec, unit.id, intervals), events=events, maintenance=record.maintenance(rec),
        parameters=params,
        parts=[PartTotal(part_number=k, quantity=q, sources=src(work_logs=ids))
               for k, (q, ids) in sorted(parts.items())],
        period=period(p.start_date, p.end_date, rec.calendar.timezone),
        report_id=make_report_id("unit_history", params.model_dump(), moments.as_of), tickets=tickets,
        title=f"Unit service history — {unit.serial}",
        unit=UnitInfo(agency=record.agency_ref(rec.agency), contract_id=contract.id, contract_number=contract.number,
                      id=unit.id, in_service_at=unit.in_service_at, model=unit.model, serial=unit.serial,
                      site=unit.site),
        vendor=vendor, work_logs=work_logs,
    )


def _downtime(rec: ContractRecord, uid: str, intervals: Sequence[Interval]) -> list[DowntimeInterval]:
    """The unit's merged timeline (:func:`fleet.uptime.timeline_of`) with each stretch that was
    not up attributed: scheduled maintenance, a unit-down ticket, or telemetry."""
    exclude = rec.contract.exclude_scheduled_maintenance
    times, changes = rec.changes.get(uid, ([], []))
    down = rec.record.down_in_period
    out = []
    for iv in intervals:
        if iv.state == "up":
            continue
        lo, hi = iv.start, iv.end
        status = changes[bisect_left(times, lo):bisect_right(times, hi)]
        if not status and uid in rec.prior and lo <= rec.p.start:
            status = [rec.prior[uid]]
        if iv.state == "maintenance":
            windows = [w.id for w in rec.record.windows if overlaps(w.starts_at, w.ends_at, lo, hi)]
            out.append(DowntimeInterval(cause="maintenance", counted=not exclude, end=hi, minutes=minutes(hi - lo),
                                        sources=src(maintenance_windows=windows, status_events=status), start=lo,
                                        ticket_number=None, unit_id=uid))
            continue
        tickets = [t for t in down if overlaps(t.reported_at, t.stop, lo, hi)]
        out.append(DowntimeInterval(
            cause="ticket_unit_down" if tickets else "telemetry_down", counted=True, end=hi,
            minutes=minutes(hi - lo), sources=src(tickets=[t.ticket_id for t in tickets], status_events=status),
            start=lo, ticket_number=tickets[0].number if tickets else None, unit_id=uid))
    return out
