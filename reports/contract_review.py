"""The contract review: one contract over ``[from, to)`` as of an instant, from its period record
(:mod:`reports.record`): compliance per priority and metric with its trend, breaches with their
pauses, service credits, CSAT, availability per unit and month, maintenance and late records."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from sqlalchemy.orm import Session

from fleet import audit, sla_service
from fleet.gcpause import gc_paused
from fleet.models import Contract
from fleet.principal import Principal
from fleet.tenancy import get_scoped
from reports import record
from reports.data import (
    Breach,
    ComplianceMonth,
    ComplianceRow,
    ContractReviewData,
    ContractReviewParams,
    CreditLine,
    Credits,
    Csat,
    LateRecords,
    PauseRecord,
    ScoreCount,
    UnitSummary,
    make_report_id,
)
from reports.dispatch_gather import time_to_assign
from reports.exact import (
    HUNDRED,
    Q2,
    Q6,
    availability_pct,
    dec,
    minutes,
    money,
    month_label,
    months,
    pct,
    period,
    plain,
    src,
)
from reports.late import late_records
from reports.record import ContractRecord
from slas import clocks
from slas.calendars import BusinessCalendar

DEFAULT_VENDOR = "Field service vendor"


def gather_contract_review(session: Session, principal: Principal, *, contract_id: str, start_date: date,
                           end_date: date, as_of: datetime | None,
                           vendor: str = DEFAULT_VENDOR) -> ContractReviewData:
    """One contract over ``[start_date, end_date)`` (dates in its calendar's zone), as of ``as_of``
    (default now), clocks read at ``as_of``."""
    principal.require("read")
    contract = get_scoped(session, Contract, contract_id, principal, what="contract")
    moments = sla_service.instants(None, as_of)
    with gc_paused():
        rec = record.load(session, contract, start_date, end_date, moments, ratings=True)
        return _review(session, rec, vendor)


def _review(session: Session, rec: ContractRecord, vendor: str) -> ContractReviewData:
    contract, moments, p = rec.contract, rec.moments, rec.p
    params = ContractReviewParams.model_validate({"contract_id": contract.id, "from": p.start_date,
                                                  "to": p.end_date})
    tickets, events = record.ticket_records(rec)
    rows = compliance_rows(rec)
    unit_ids = [u.unit_id for u in rec.availability.units]
    return ContractReviewData(
        as_of=moments.as_of, at=moments.at, audit_head=audit.head_as_of(session, moments.as_of),
        availability=record.figures(rec, rec.availability, unit_ids),
        availability_trend=record.availability_trend(rec, rec.availability.monthly, unit_ids),
        breaches=_breaches(rec), calendar=record.calendar_info(rec), compliance=rows,
        compliance_trend=_compliance_trend(rec), contract=record.contract_info(contract, rec.agency),
        credits=_credits(rec, rows), csat=_csat(rec), events=events, late_records=_late(session, rec),
        dispatch=time_to_assign(session, rec.evaluated, moments.as_of),
        maintenance=record.maintenance(rec), parameters=params,
        period=period(p.start_date, p.end_date, rec.calendar.timezone),
        report_id=make_report_id("contract_review", params.model_dump(), moments.as_of),
        sla_targets=record.sla_targets(session, rec), tickets=tickets,
        title=f"Contract performance review — {contract.number} — {p.start_date.isoformat()} to "
              f"{(p.end_date - timedelta(days=1)).isoformat()}",
        units=_unit_summaries(rec), vendor=vendor,
    )


def compliance_rows(rec: ContractRecord) -> list[ComplianceRow]:
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
            percent_met=pct(r.met, r.met + r.breached), priority=cast(Any, r.priority),
            sources=src(tickets=tickets_by_row.get(key, [])), target_minutes=r.target_minutes, total=r.total,
        ))
    return rows


def outcome_counts(metrics: Iterable[clocks.MetricClock]) -> tuple[int, int, int]:
    met = breached = pending = 0
    for m in metrics:
        if m.state == "met":
            met += 1
        elif m.state == "breached":
            breached += 1
        elif m.state != "not_applicable":
            pending += 1
    return met, breached, pending


def _compliance_trend(rec: ContractRecord) -> list[ComplianceMonth]:
    """Every month of the period (months without tickets too), outcomes pooled."""
    counts: dict[str, list[int]] = {m: [0, 0, 0] for m in months(rec.p.start_date, rec.p.end_date)}
    ids: dict[str, list[str]] = defaultdict(list)
    for e in rec.evaluated:
        month = month_label(e.reported_at, rec.zone)
        c = counts.setdefault(month, [0, 0, 0])
        ids[month].append(e.id)
        for k, n in enumerate(outcome_counts(e.sla.metrics)):
            c[k] += n
    return [ComplianceMonth(breached=c[1], met=c[0], month=month, pending=c[2], percent_met=pct(c[0], c[0] + c[1]),
                            sources=src(tickets=ids.get(month, [])))
            for month, c in sorted(counts.items())]


def _pause_records(pauses: Sequence[tuple[Any, Any]], reported_at: datetime, stop: datetime, clock: str,
                   calendar: BusinessCalendar) -> list[PauseRecord]:
    """The pauses (:func:`slas.clocks.pause_spans`) inside a metric's running span, each measured
    on the metric's clock."""
    records = []
    for opened, closed in pauses:
        end = closed.occurred_at if closed is not None else None
        lo, hi = max(opened.occurred_at, reported_at), min(end or stop, stop)
        if hi <= lo:
            continue
        span = calendar.covered(lo, hi) if clock == "calendar" else hi - lo
        records.append(PauseRecord(ended_at=end, minutes=minutes(span), reason=opened.reason or "",
                                   sources=src(ticket_events=[opened.id] + ([closed.id] if closed else [])),
                                   started_at=opened.occurred_at))
    return records


def _breaches(rec: ContractRecord) -> list[Breach]:
    out = []
    units = rec.record.units
    for e, t in zip(rec.evaluated, rec.record.tickets, strict=True):
        breached = [m for m in e.sla.metrics if m.state == "breached"]
        if not breached:
            continue
        pauses = clocks.pause_spans(e.reported_at, t.effective, rec.moments.at) if rec.contract.pause_allowed else []
        event_ids = [f.id for f in e.facts]
        for m in breached:
            stop = m.stopped_at or rec.moments.at
            out.append(Breach(
                clock=cast(Any, m.clock), elapsed_minutes=minutes(m.elapsed), metric=cast(Any, m.metric),
                paused_minutes=minutes(m.paused_for),
                pauses=_pause_records(pauses, e.reported_at, stop, m.clock, rec.ctx.calendar),
                priority=cast(Any, e.sla.priority), reported_at=e.reported_at,
                sources=src(tickets=[e.id], ticket_events=event_ids), stopped_at=m.stopped_at, summary=e.summary,
                target_minutes=m.target_minutes, ticket_id=e.id, ticket_number=e.number, unit_id=e.unit_id,
                unit_serial=units[e.unit_id].serial,
            ))
    return out


def _credits(rec: ContractRecord, rows: Sequence[ComplianceRow]) -> Credits:
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
                                sources=src(tickets=tickets)))
    terms = []
    if c.credit_per_breach is not None:
        terms.append(f"{money(c.credit_per_breach, c.currency)} per breached ticket, for each priority and metric.")
    if c.credit_percent_on_aql_miss is not None:
        terms.append(f"{plain(c.credit_percent_on_aql_miss)}% of the period's value for each priority and metric "
                     "below the AQL.")
    cap = None
    if c.credit_cap_percent is not None:
        terms.append(f"Total capped at {plain(c.credit_cap_percent)}% of the period's value.")
        cap = (owed.period_value * c.credit_cap_percent / HUNDRED).quantize(Q2, rounding=ROUND_HALF_UP)
    return Credits(
        cap_amount=cap, currency=owed.currency, lines=lines, period_value=owed.period_value,
        sources=src(contracts=[c.id], tickets=[t for line in lines for t in line.sources.tickets]),
        subtotal=sum((line.amount for line in lines), Decimal("0.00")), terms=terms, total=owed.total,
    )


def _csat(rec: ContractRecord) -> Csat:
    """Ratings of the tickets reported in the period, as recorded by ``as_of``."""
    ratings = rec.record.ratings
    counts = {s: 0 for s in range(1, 6)}
    for r in ratings:
        counts[r.score] += 1
    mean = ((Decimal(sum(r.score for r in ratings)) / len(ratings)).quantize(Q6, rounding=ROUND_HALF_UP)
            if ratings else None)
    return Csat(counts=[ScoreCount(count=n, score=s) for s, n in sorted(counts.items())], mean_score=mean,
                responses=len(ratings), sources=src(ratings=[r.id for r in ratings],
                                                    tickets=[r.ticket_id for r in ratings]))


def _unit_summaries(rec: ContractRecord) -> list[UnitSummary]:
    tickets: dict[str, list[str]] = defaultdict(list)
    breaches: dict[str, int] = defaultdict(int)
    for e in rec.evaluated:
        tickets[e.unit_id].append(e.id)
        breaches[e.unit_id] += sum(1 for m in e.sla.metrics if m.state == "breached")
    down_by_unit: dict[str, list[str]] = defaultdict(list)
    for d in rec.record.down_in_period:
        down_by_unit[d.unit_id].append(d.ticket_id)
    windows = rec.record.windows
    contract_windows = [w.id for w in windows if w.unit_id is None]
    out = []
    for u in rec.availability.units:
        row = rec.record.units[u.unit_id]
        period_m, excluded, down = dec(u.period_minutes), dec(u.excluded_minutes), dec(u.downtime_minutes)
        out.append(UnitSummary(
            availability_percent=availability_pct(period_m, excluded, down), breaches=breaches[u.unit_id],
            downtime_minutes=down, excluded_minutes=excluded, failures=u.failures, in_service_at=u.in_service_at,
            model=row.model, period_minutes=period_m, serial=u.serial, site=row.site,
            sources=src(units=[u.unit_id], status_events=record.status_ids(rec, [u.unit_id]),
                        maintenance_windows=[*contract_windows, *(w.id for w in windows if w.unit_id == u.unit_id)],
                        tickets=[*tickets[u.unit_id], *down_by_unit[u.unit_id]]),
            tickets=len(tickets[u.unit_id]), unit_id=u.unit_id,
        ))
    return out


def _late(session: Session, rec: ContractRecord) -> LateRecords:
    return late_records(session, window_hours=rec.contract.reporting_window_hours, evaluated=rec.evaluated,
                        ticket_recorded={t.id: t.recorded_at for t in rec.record.tickets},
                        unit_serials={k: u.serial for k, u in rec.record.units.items()},
                        start=rec.p.start, end=rec.p.period_end, as_of=rec.moments.as_of)
