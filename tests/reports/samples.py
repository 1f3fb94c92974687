"""Sample report data, built in code (no database): small by default, scalable for the benchmark.

Figures are synthetic but internally consistent (counts add up, percentages follow from counts,
availability from minutes), with deterministic ids from a seeded RNG, so the same call always
gives the same data and the same data hash.
"""

from __future__ import annotations

import itertools
import random
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from reports.data import (
    METRICS,
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
    MetricOutcome,
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
    make_report_id,
)

VENDOR = "Northwind Robotics Field Services, Inc."
AS_OF = datetime(2026, 7, 1, 6, 0, tzinfo=UTC)
AUDIT_HEAD = "3f" * 32
TZ = "America/New_York"
Q6 = Decimal("0.000001")
Q2 = Decimal("0.01")

TARGETS: list[tuple[str, str, int, str]] = [
    ("P1", "response", 60, "24x7"),
    ("P1", "restore", 480, "24x7"),
    ("P2", "response", 240, "calendar"),
    ("P2", "on_site", 960, "calendar"),
    ("P2", "resolve", 2400, "calendar"),
    ("P3", "response", 480, "calendar"),
    ("P3", "resolve", 4800, "calendar"),
    ("P4", "response", 960, "calendar"),
]
SUMMARIES = [
    "Drive motor fault on left track", "Camera feed intermittent", "Battery will not hold charge",
    "GPS drift beyond tolerance", "Ultrasonic sensor reports zeros", "Tether connector damaged",
    "Firmware update failed, unit boot-looping", "Lidar misaligned after transport", "Arm joint 3 overheating",
    "Telemetry gaps during night shift",
]
PAUSE_REASONS = ["Awaiting customer site access", "Customer requested hold during ship loading",
                 "Awaiting export-controlled part release", "Site closed for weather"]
HOLIDAYS = [(date(2026, 1, 1), "New Year's Day"), (date(2026, 1, 19), "Martin Luther King Jr. Day"),
            (date(2026, 2, 16), "Washington's Birthday"), (date(2026, 5, 25), "Memorial Day"),
            (date(2026, 6, 19), "Juneteenth National Independence Day"),
            (date(2026, 7, 3), "Independence Day (observed)"),
            (date(2026, 9, 7), "Labor Day"), (date(2026, 10, 12), "Columbus Day"), (date(2026, 11, 11), "Veterans Day"),
            (date(2026, 11, 26), "Thanksgiving"), (date(2026, 12, 25), "Christmas Day")]


class Ids:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.n = 0

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def seq(self) -> str:
        self.n += 1
        return str(self.n)


def _month_starts(start: date, months: int) -> list[date]:
    out = []
    y, m = start.year, start.month
    for _ in range(months + 1):
        out.append(date(y, m, 1))
        m += 1
        if m == 13:
            y, m = y + 1, 1
    return out


def _pct(num: Decimal | int, den: Decimal | int) -> Decimal | None:
    if not den:
        return None
    return (Decimal(num) * 100 / Decimal(den)).quantize(Q6)


def _utc(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, 5, 0, tzinfo=UTC)  # local midnight (EST)


def _minutes(a: datetime, b: datetime) -> Decimal:
    return Decimal((b - a).total_seconds()) / 60


def _sources(**kw: list[str]) -> Sources:
    return Sources(**kw)


AGENCY = AgencyRef(id="0f6c7a2e-2b1c-4d0a-9e55-1b2f7d7c0a11", code="NAVSEA", name="Naval Sea Systems Command")


def contract_review(*, units: int = 4, tickets: int = 24, months: int = 6, seed: int = 7,
                    summaries: dict[int, str] | None = None, vendor: str = VENDOR,
                    status_events_per_unit_month: int = 2) -> ContractReviewData:
    """A contract review: ``units`` units, ``tickets`` tickets over ``months`` months from Jan 2026."""
    rng = random.Random(seed)
    ids = Ids(rng)
    start = date(2026, 1, 1)
    month_starts = _month_starts(start, months)
    end = month_starts[-1]
    period_start, period_end = _utc(start), _utc(end)
    contract_id = ids.uuid()
    as_of = AS_OF if end <= AS_OF.date() else _utc(end) + timedelta(hours=6)
    params = ContractReviewParams.model_validate({"contract_id": contract_id, "from": start, "to": end})
    report_id = make_report_id("contract_review", params.model_dump(), as_of)
    aql = Decimal("90")
    avail_target = Decimal("98.5")
    contract = ContractInfo(
        id=contract_id, number="N00024-26-C-4417", title="Hull inspection crawler fleet: maintenance and support",
        agency=AGENCY, start_date=date(2025, 10, 1), end_date=date(2028, 9, 30), value=Decimal("4860000.00"),
        currency="USD", point_of_contact="Dana Whitfield, COR, (202) 555-0143, dana.whitfield@navy.example.mil",
        aql_percent=aql, availability_target_percent=avail_target, exclude_scheduled_maintenance=True,
        pause_allowed=True,
    )
    calendar = CalendarInfo(
        id=ids.uuid(), name="Norfolk business hours", timezone=TZ,
        weekly_hours={d: [("07:00", "18:00")] for d in ("mon", "tue", "wed", "thu", "fri")},
        holiday_country="US", holiday_subdivision=None,
        holidays_applied=[Holiday(day=d, name=n) for d, n in HOLIDAYS if start <= d < end],
        closures=[date(2026, 12, 24)],
    )
    policy_from = datetime(2025, 10, 1, 4, tzinfo=UTC)
    sla_targets = [SlaTargetInfo(priority=p, metric=m, minutes=mins, clock=c, policy_version=1,  # type: ignore[arg-type]
                                 effective_from=policy_from) for p, m, mins, c in TARGETS]
    targets_by_p: dict[str, list[tuple[str, int, str]]] = defaultdict(list)
    for p, m, mins, c in TARGETS:
        targets_by_p[p].append((m, mins, c))

    models = ["Crawler HX-2", "Crawler HX-2", "Crawler HX-3 (magnetic)", "Drone ROV-7"]
    sites = ["Norfolk Naval Shipyard, Dry Dock 4", "Norfolk Naval Shipyard, Pier 5", "NAVSTA Mayport, Berth C",
             "Portsmouth NSY, Dry Dock 2"]
    unit_rows = []
    for i in range(units):
        unit_rows.append({"id": ids.uuid(), "serial": f"HX-{2400 + i:05d}", "model": models[i % len(models)],
                          "site": sites[i % len(sites)], "in_service_at": datetime(2025, 10, 6, 14, tzinfo=UTC)})

    # ---- tickets, events, outcomes
    ticket_recs: list[TicketRecord] = []
    events: list[EventRecord] = []
    breaches: list[Breach] = []
    ratings: list[tuple[str, str, int]] = []
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    month_comp: dict[str, dict[str, Any]] = {}
    unit_tickets: dict[str, int] = defaultdict(int)
    unit_breaches: dict[str, int] = defaultdict(int)
    unit_ticket_ids: dict[str, list[str]] = defaultdict(list)
    unit_down_tickets: dict[str, list[tuple[datetime, datetime, str]]] = defaultdict(list)
    span = (period_end - period_start).total_seconds()
    summaries = summaries or {}
    times = sorted(period_start + timedelta(seconds=int(rng.random() * span * 0.995)) for _ in range(tickets))
    for n in range(tickets):
        u = unit_rows[rng.randrange(units)]
        pr = rng.choices(["P1", "P2", "P3", "P4"], weights=[12, 30, 40, 18])[0]
        reported = times[n]
        tid = ids.uuid()
        number = f"N4417-{n + 1:05d}"
        summary = summaries.get(n, rng.choice(SUMMARIES))
        force_breach = n in summaries
        ev: list[EventRecord] = []

        def add(kind: str, at: datetime, reason: str | None = None, *, _tid: str = tid, _number: str = number,
                _ev: list[EventRecord] = ev) -> EventRecord:
            e = EventRecord(id=ids.uuid(), ticket_id=_tid, ticket_number=_number, type=kind, occurred_at=at,
                            recorded_at=at + timedelta(minutes=2), actor="engineer:j.ortiz", reason=reason,
                            priority=None, corrects_id=None, void=False)
            _ev.append(e)
            return e

        add("reported", reported)
        pauses: list[PauseRecord] = []
        paused_total = Decimal(0)
        if rng.random() < 0.15:
            ps = reported + timedelta(minutes=rng.randint(20, 200))
            pe = ps + timedelta(minutes=rng.randint(30, 600))
            reason = rng.choice(PAUSE_REASONS)
            e1, e2 = add("paused", ps, reason), add("resumed", pe)
            mins = _minutes(ps, pe)
            paused_total += mins
            pauses.append(PauseRecord(started_at=ps, ended_at=pe, reason=reason, minutes=mins,
                                      sources=_sources(ticket_events=[e1.id, e2.id])))
        pending = reported > period_end - timedelta(days=2)
        outcomes: list[MetricOutcome] = []
        remote = rng.random() < 0.25
        last_stop = reported
        for metric, target, clock in targets_by_p[pr]:
            factor = rng.choice([0.2, 0.35, 0.5, 0.6, 0.75, 0.85, 0.9, 0.95, 1.3, 1.8]) if not force_breach else 2.4
            elapsed = (Decimal(target) * Decimal(str(factor))).quantize(Q2)
            if metric == "on_site" and remote:
                outcomes.append(MetricOutcome(metric=metric, target_minutes=target, clock=clock, state="not_applicable",  # type: ignore[arg-type]
                                              elapsed_minutes=Decimal(0), paused_minutes=Decimal(0), due_at=None,
                                              stopped_at=None))
                state = "not_applicable"
            elif pending and metric in ("resolve", "restore"):
                state = "breached" if elapsed > target else "running"
                outcomes.append(MetricOutcome(metric=metric, target_minutes=target, clock=clock, state=state,  # type: ignore[arg-type]
                                              elapsed_minutes=elapsed, paused_minutes=paused_total,
                                              due_at=reported + timedelta(minutes=target), stopped_at=None))
            else:
                stop = reported + timedelta(minutes=float(elapsed + paused_total))
                stop = stop.replace(microsecond=0)
                last_stop = max(last_stop, stop)
                state = "met" if elapsed <= target else "breached"
                outcomes.append(MetricOutcome(metric=metric, target_minutes=target, clock=clock, state=state,  # type: ignore[arg-type]
                                              elapsed_minutes=elapsed, paused_minutes=paused_total,
                                              due_at=reported + timedelta(minutes=target), stopped_at=stop))
                add({"response": "acknowledged", "on_site": "on_site", "restore": "restored",
                     "resolve": "resolved"}[metric], stop)
            key = (pr, metric)
            row = rows.setdefault(key, {"total": 0, "met": 0, "breached": 0, "pending": 0, "na": 0, "ids": [],
                                        "target": target, "clock": clock})
            row["total"] += 1
            row["ids"].append(tid)
            month = reported.astimezone(UTC).strftime("%Y-%m")
            mc = month_comp.setdefault(month, {"met": 0, "breached": 0, "pending": 0, "ids": [], "seen": set()})
            if tid not in mc["seen"]:
                mc["seen"].add(tid)
                mc["ids"].append(tid)
            if state == "met":
                row["met"] += 1
                mc["met"] += 1
            elif state == "breached":
                row["breached"] += 1
                mc["breached"] += 1
                unit_breaches[u["id"]] += 1
                breaches.append(Breach(
                    ticket_id=tid, ticket_number=number, unit_id=u["id"], unit_serial=u["serial"], priority=pr,  # type: ignore[arg-type]
                    metric=metric, clock=clock, summary=summary, reported_at=reported,  # type: ignore[arg-type]
                    stopped_at=outcomes[-1].stopped_at, elapsed_minutes=elapsed, target_minutes=target,
                    paused_minutes=paused_total, pauses=pauses,
                    sources=_sources(tickets=[tid], ticket_events=[e.id for e in ev]),
                ))
            elif state == "not_applicable":
                row["na"] += 1
            else:
                row["pending"] += 1
                mc["pending"] += 1
        resolved = None if pending else last_stop
        if resolved is not None:
            add("closed", resolved + timedelta(hours=1))
            if rng.random() < 0.35:
                ratings.append((ids.uuid(), tid, rng.choices([5, 4, 3, 2, 1], weights=[45, 30, 12, 8, 5])[0]))
        unit_down = pr in ("P1", "P2") and rng.random() < 0.6
        restored = next((o.stopped_at for o in outcomes if o.metric in ("restore", "resolve") and o.stopped_at), None)
        if unit_down and restored:
            unit_down_tickets[u["id"]].append((reported, restored, tid))
        ticket_recs.append(TicketRecord(
            id=tid, number=number, contract_id=contract_id, unit_id=u["id"], unit_serial=u["serial"], priority=pr,  # type: ignore[arg-type]
            initial_priority=pr, summary=summary, unit_down=unit_down, reported_at=reported,  # type: ignore[arg-type]
            recorded_at=reported + timedelta(minutes=1), status="open" if pending else "closed",
            restored_at=restored, resolved_at=resolved, closed_at=resolved + timedelta(hours=1) if resolved else None,
            outcomes=outcomes,
        ))
        events.extend(sorted(ev, key=lambda e: e.occurred_at))
        unit_tickets[u["id"]] += 1
        unit_ticket_ids[u["id"]].append(tid)

    order = {(p, m): i for i, (p, m, _, _) in enumerate(TARGETS)}
    compliance = []
    for key in sorted(rows, key=lambda k: order[k]):
        r = rows[key]
        decided = r["met"] + r["breached"]
        compliance.append(ComplianceRow(
            priority=key[0], metric=key[1], target_minutes=r["target"], clock=r["clock"], total=r["total"],  # type: ignore[arg-type]
            met=r["met"], breached=r["breached"], pending=r["pending"], not_applicable=r["na"],
            percent_met=_pct(r["met"], decided), aql_percent=aql,
            passed=None if not decided else r["met"] * 100 >= aql * decided, sources=_sources(tickets=r["ids"]),
        ))
    compliance_trend = []
    for month in sorted(month_comp):
        mc = month_comp[month]
        compliance_trend.append(ComplianceMonth(
            month=month, met=mc["met"], breached=mc["breached"], pending=mc["pending"],
            percent_met=_pct(mc["met"], mc["met"] + mc["breached"]), sources=_sources(tickets=mc["ids"])))

    # ---- availability per unit and month
    unit_summaries = []
    month_tot: dict[str, dict[str, Any]] = {}
    fleet = {"period": Decimal(0), "excl": Decimal(0), "down": Decimal(0), "fail": 0, "se": []}
    maintenance = []
    for i, u in enumerate(unit_rows):
        tot = {"period": Decimal(0), "excl": Decimal(0), "down": Decimal(0), "fail": 0}
        se_ids: list[str] = []
        mw_ids: list[str] = []
        for ms, me in itertools.pairwise(month_starts):
            label = ms.strftime("%Y-%m")
            period = _minutes(_utc(ms), _utc(me))
            excl = Decimal(0)
            if i % 3 == 0 and ms.month % 3 == 1:
                mid = ids.uuid()
                excl = Decimal(240)
                mw_ids.append(mid)
                if len(maintenance) < 12:
                    st = _utc(ms) + timedelta(days=9, hours=8)
                    maintenance.append(MaintenanceRecord(id=mid, unit_id=u["id"], unit_serial=u["serial"],
                                                         starts_at=st, ends_at=st + timedelta(hours=4),
                                                         reason="Quarterly preventive maintenance"))
            fails = rng.choices([0, 0, 0, 1, 1, 2, 3], k=1)[0]
            down = Decimal(sum(rng.randint(30, 900) for _ in range(fails)))
            mse = [ids.seq() for _ in range(status_events_per_unit_month + 2 * fails)]
            se_ids += mse
            tot["period"] += period
            tot["excl"] += excl
            tot["down"] += down
            tot["fail"] += fails
            mt = month_tot.setdefault(label, {"period": Decimal(0), "excl": Decimal(0), "down": Decimal(0), "fail": 0,
                                              "se": [], "mw": []})
            mt["period"] += period
            mt["excl"] += excl
            mt["down"] += down
            mt["fail"] += fails
            mt["se"] += mse
        fleet["period"] += tot["period"]
        fleet["excl"] += tot["excl"]
        fleet["down"] += tot["down"]
        fleet["fail"] += tot["fail"]
        fleet["se"] += se_ids
        unit_summaries.append(UnitSummary(
            unit_id=u["id"], serial=u["serial"], model=u["model"], site=u["site"], in_service_at=u["in_service_at"],
            availability_percent=_pct(tot["period"] - tot["excl"] - tot["down"], tot["period"] - tot["excl"]),
            period_minutes=tot["period"], excluded_minutes=tot["excl"], downtime_minutes=tot["down"],
            failures=tot["fail"], tickets=unit_tickets[u["id"]], breaches=unit_breaches[u["id"]],
            sources=_sources(units=[u["id"]], status_events=se_ids, maintenance_windows=mw_ids,
                             tickets=unit_ticket_ids[u["id"]]),
        ))
    avail_trend = [
        AvailabilityMonth(month=label, availability_percent=_pct(t["period"] - t["excl"] - t["down"],
                                                                  t["period"] - t["excl"]),
                          period_minutes=t["period"], excluded_minutes=t["excl"], downtime_minutes=t["down"],
                          failures=t["fail"], sources=_sources(status_events=t["se"]))
        for label, t in sorted(month_tot.items())
    ]
    fleet_pct = _pct(fleet["period"] - fleet["excl"] - fleet["down"], fleet["period"] - fleet["excl"])
    uptime = fleet["period"] - fleet["excl"] - fleet["down"]
    availability = AvailabilityFigures(
        definition="maintenance_excluded", availability_percent=fleet_pct, target_percent=avail_target,
        passed=None if fleet_pct is None else fleet_pct >= avail_target, period_minutes=fleet["period"],
        excluded_minutes=fleet["excl"], downtime_minutes=fleet["down"], failures=fleet["fail"],
        mtbf_hours=(uptime / 60 / fleet["fail"]).quantize(Q6) if fleet["fail"] else None,
        mttr_hours=(fleet["down"] / 60 / fleet["fail"]).quantize(Q6) if fleet["fail"] else None,
        sources=_sources(units=[u["id"] for u in unit_rows], status_events=fleet["se"],
                         tickets=[t.id for t in ticket_recs if t.unit_down]),
    )

    # ---- credits, csat
    period_value = (contract.value * Decimal(months) / Decimal(36)).quantize(Q2)
    lines = []
    for r in compliance:
        if r.priority == "P1" and r.breached:
            lines.append(CreditLine(kind="per_breach", priority=r.priority, metric=r.metric, count=r.breached,
                                    amount=Decimal(250) * r.breached, sources=r.sources))
    for r in compliance:
        if r.passed is False:
            lines.append(CreditLine(kind="aql_missed", priority=r.priority, metric=r.metric, count=1,
                                    amount=(period_value * Decimal("0.005")).quantize(Q2), sources=r.sources))
    subtotal = sum((line.amount for line in lines), Decimal(0))
    cap = (period_value * Decimal("0.05")).quantize(Q2)
    credits = Credits(
        currency="USD", period_value=period_value, lines=lines, subtotal=subtotal, cap_amount=cap,
        total=min(subtotal, cap),
        terms=["$250.00 per P1 breach.", "0.5% of the period's value for each priority/metric below the AQL.",
               "Total capped at 5% of the period's value."],
        sources=_sources(tickets=sorted({t for line in lines for t in line.sources.tickets})),
    )
    counts = {s: 0 for s in range(1, 6)}
    for _, _, s in ratings:
        counts[s] += 1
    csat = Csat(
        responses=len(ratings),
        mean_score=(Decimal(sum(s for _, _, s in ratings)) / len(ratings)).quantize(Q6) if ratings else None,
        counts=[ScoreCount(score=s, count=c) for s, c in sorted(counts.items())],
        sources=_sources(ratings=[r for r, _, _ in ratings], tickets=[t for _, t, _ in ratings]),
    )
    return ContractReviewData(
        report_id=report_id, as_of=as_of, at=as_of, audit_head=AUDIT_HEAD, vendor=vendor,
        title=f"Contract performance review — {contract.number} — {start.isoformat()} to "
              f"{(end - timedelta(days=1)).isoformat()}",
        parameters=params, contract=contract, period=Period.model_validate({"from": start, "to": end, "timezone": TZ}),
        calendar=calendar, sla_targets=sla_targets, compliance=compliance, availability=availability,
        availability_trend=avail_trend, compliance_trend=compliance_trend, units=unit_summaries, breaches=breaches,
        credits=credits, csat=csat, maintenance=maintenance, tickets=ticket_recs, events=events,
    )


def track_record(*, seed: int = 11) -> TrackRecordData:
    """Three contracts with two agencies, trend by quarter."""
    rng = random.Random(seed)
    ids = Ids(rng)
    start, end = date(2024, 1, 1), date(2026, 7, 1)
    specs = [
        ("N00024-23-C-4102", "Hull inspection crawlers, East Coast yards", AGENCY, date(2023, 10, 1),
         date(2026, 9, 30), "3250000.00", "Dana Whitfield, COR, (202) 555-0143, dana.whitfield@navy.example.mil", 18),
        ("N00024-26-C-4417", "Hull inspection crawler fleet: maintenance and support", AGENCY, date(2025, 10, 1),
         date(2028, 9, 30), "4860000.00", "Dana Whitfield, COR, (202) 555-0143, dana.whitfield@navy.example.mil", 12),
        ("70Z02324C00000057", "Buoy tender hull survey drones",
         AgencyRef(id=ids.uuid(), code="USCG", name="U.S. Coast Guard"), date(2024, 3, 1), date(2027, 2, 28),
         "1275500.00", "Lt. Cmdr. R. Okafor, Contracting Officer, r.okafor@uscg.example.mil", 7),
    ]
    contract_ids = sorted(ids.uuid() for _ in specs)
    params = TrackRecordParams.model_validate({"contract_ids": contract_ids, "from": start, "to": end})
    rows = []
    tickets: list[TicketRecord] = []
    tot: dict[str, Any] = {"units": 0, "tickets": 0, "period": Decimal(0), "excl": Decimal(0), "down": Decimal(0),
                           "met": 0, "breached": 0}
    for cid, (number, title, agency, s, e, value, poc, nunits) in zip(contract_ids, specs, strict=True):
        nt = nunits * 40
        met = int(nt * 3 * rng.uniform(0.9, 0.98))
        breached = nt * 3 - met
        period = Decimal(nunits * 60 * 24 * rng.randint(500, 900))
        excl = (period * Decimal("0.004")).quantize(Q2)
        down = (period * Decimal(str(rng.uniform(0.004, 0.02)))).quantize(Q2)
        pct = _pct(period - excl - down, period - excl)
        target = Decimal("98.5")
        fails = rng.randint(20, 80)
        tids = [ids.uuid() for _ in range(3)]
        for k, tid in enumerate(tids):
            rep = datetime(2025, 3 + k, 4, 14, tzinfo=UTC)
            tickets.append(TicketRecord(
                id=tid, number=f"{number[-4:]}-{k + 1:05d}", contract_id=cid, unit_id=ids.uuid(),
                unit_serial=f"TR-{k:04d}", priority="P2", initial_priority="P2", summary=rng.choice(SUMMARIES),
                unit_down=False, reported_at=rep, recorded_at=rep, status="closed", restored_at=None,
                resolved_at=rep + timedelta(hours=20), closed_at=rep + timedelta(hours=21), outcomes=[
                    MetricOutcome(metric="response", target_minutes=240, clock="calendar", state="met",
                                  elapsed_minutes=Decimal("35.5"), paused_minutes=Decimal(0), due_at=None,
                                  stopped_at=rep + timedelta(minutes=36))]))
        rows.append(TrackRecordContract(
            contract_id=cid, number=number, title=title, agency=agency, period_of_performance_start=s,
            period_of_performance_end=e, value=Decimal(value), currency="USD", point_of_contact=poc, units=nunits,
            tickets=nt, first_fielded=s + timedelta(days=21),
            availability=AvailabilityFigures(
                definition="maintenance_excluded", availability_percent=pct, target_percent=target,
                passed=pct is not None and pct >= target, period_minutes=period, excluded_minutes=excl,
                downtime_minutes=down, failures=fails, mtbf_hours=((period - excl - down) / 60 / fails).quantize(Q6),
                mttr_hours=(down / 60 / fails).quantize(Q6), sources=_sources(contracts=[cid])),
            met=met, breached=breached, percent_met=_pct(met, met + breached), aql_percent=Decimal("90"),
            compliance_passed=met * 100 >= 90 * (met + breached), sources=_sources(contracts=[cid], tickets=tids),
        ))
        tot["units"] += nunits
        tot["tickets"] += nt
        tot["period"] += period
        tot["excl"] += excl
        tot["down"] += down
        tot["met"] += met
        tot["breached"] += breached
    first = min(r.first_fielded for r in rows if r.first_fielded)
    totals = TrackRecordTotals(
        contracts=len(rows), agencies=len({r.agency.id for r in rows}), units=tot["units"], tickets=tot["tickets"],
        first_fielded=first, years_fielded=(Decimal((end - first).days) / Decimal("365.25")).quantize(Q2),
        availability_percent=_pct(tot["period"] - tot["excl"] - tot["down"], tot["period"] - tot["excl"]),
        period_minutes=tot["period"], excluded_minutes=tot["excl"], downtime_minutes=tot["down"], met=tot["met"],
        breached=tot["breached"], percent_met=_pct(tot["met"], tot["met"] + tot["breached"]),
        sources=_sources(contracts=contract_ids),
    )
    trend = []
    for y in (2024, 2025, 2026):
        for q in (1, 2, 3, 4):
            if y == 2026 and q > 2:
                break
            met, br = rng.randint(150, 260), rng.randint(5, 30)
            avail = Decimal(str(rng.uniform(97.6, 99.7))).quantize(Q6)
            trend.append(TrendPoint(label=f"{y}-Q{q}", availability_percent=avail,
                                    met=met, breached=br, percent_met=_pct(met, met + br), tickets=(met + br) // 3,
                                    sources=_sources(contracts=contract_ids)))
    return TrackRecordData(
        report_id=make_report_id("track_record", params.model_dump(), AS_OF), as_of=AS_OF, at=AS_OF,
        audit_head=AUDIT_HEAD, vendor=VENDOR, title=f"Past performance record — {VENDOR}",
        parameters=params, period=Period.model_validate({"from": start, "to": end, "timezone": TZ}),
        contracts=rows, totals=totals, trend=trend, tickets=tickets, events=[],
    )


def unit_history(*, seed: int = 5) -> UnitHistoryData:
    """One unit over six months with tickets, work logs, parts and downtime."""
    review = contract_review(units=2, tickets=14, months=6, seed=seed)
    unit = review.units[0]
    rng = random.Random(seed)
    ids = Ids(rng)
    start, end = review.period.from_, review.period.to
    params = UnitHistoryParams.model_validate({"unit_id": unit.unit_id, "from": start, "to": end})
    tickets = [t for t in review.tickets if t.unit_id == unit.unit_id]
    tids = {t.id for t in tickets}
    events = [e for e in review.events if e.ticket_id in tids]
    work_logs = []
    part_totals: dict[str, list[Any]] = {}
    for t in tickets:
        for k in range(rng.randint(1, 2)):
            st = t.reported_at + timedelta(hours=2 + 3 * k)
            parts = [PartUse(part_number=rng.choice(["HX2-MTR-014", "HX2-BAT-220", "CAM-4K-07", "TTH-CON-3"]),
                             quantity=rng.randint(1, 2))] if rng.random() < 0.6 else []
            wl = WorkLogRecord(id=ids.uuid(), ticket_id=t.id, ticket_number=t.number, started_at=st,
                               ended_at=st + timedelta(minutes=rng.randint(45, 240)), engineer="J. Ortiz",
                               activity=rng.choice(["diagnosis", "repair", "remote_support", "travel"]),
                               notes=rng.choice([None, "Replaced connector; tested under load.",
                                                 "Firmware reflashed to 4.2.1; ran full self-test."]), parts=parts)
            work_logs.append(wl)
            for p in parts:
                entry = part_totals.setdefault(p.part_number, [0, []])
                entry[0] += p.quantity
                entry[1].append(wl.id)
    downtime = []
    for t in tickets:
        if t.unit_down and t.restored_at:
            downtime.append(DowntimeInterval(unit_id=unit.unit_id, start=t.reported_at, end=t.restored_at,
                                             minutes=_minutes(t.reported_at, t.restored_at), cause="ticket_unit_down",
                                             counted=True, ticket_number=t.number, sources=_sources(tickets=[t.id])))
    st = _utc(start) + timedelta(days=40, hours=3)
    downtime.append(DowntimeInterval(unit_id=unit.unit_id, start=st, end=st + timedelta(minutes=95),
                                     minutes=Decimal(95), cause="telemetry_down", counted=True, ticket_number=None,
                                     sources=_sources(status_events=["901", "902"])))
    downtime.sort(key=lambda x: x.start)
    fleet = review.availability
    u_avail = AvailabilityFigures(
        definition=fleet.definition, availability_percent=unit.availability_percent,
        target_percent=fleet.target_percent,
        passed=None if unit.availability_percent is None or fleet.target_percent is None
        else unit.availability_percent >= fleet.target_percent,
        period_minutes=unit.period_minutes, excluded_minutes=unit.excluded_minutes,
        downtime_minutes=unit.downtime_minutes, failures=unit.failures,
        mtbf_hours=((unit.period_minutes - unit.excluded_minutes - unit.downtime_minutes) / 60 / unit.failures)
        .quantize(Q6) if unit.failures else None,
        mttr_hours=(unit.downtime_minutes / 60 / unit.failures).quantize(Q6) if unit.failures else None,
        sources=unit.sources,
    )
    return UnitHistoryData(
        report_id=make_report_id("unit_history", params.model_dump(), AS_OF), as_of=AS_OF, at=AS_OF,
        audit_head=AUDIT_HEAD, vendor=VENDOR, title=f"Unit service history — {unit.serial}",
        parameters=params,
        unit=UnitInfo(id=unit.unit_id, serial=unit.serial, model=unit.model, site=unit.site,
                      in_service_at=unit.in_service_at, contract_id=review.contract.id,
                      contract_number=review.contract.number, agency=review.contract.agency),
        period=review.period, availability=u_avail, availability_trend=review.availability_trend,
        downtime=downtime, maintenance=[m for m in review.maintenance if m.unit_id == unit.unit_id],
        tickets=tickets, events=events, work_logs=work_logs,
        parts=[PartTotal(part_number=k, quantity=v[0], sources=_sources(work_logs=v[1]))
               for k, v in sorted(part_totals.items())],
    )


__all__ = ["AS_OF", "AUDIT_HEAD", "METRICS", "VENDOR", "contract_review", "track_record", "unit_history"]
