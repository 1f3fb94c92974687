"""Compose one report: its charts, what its pages print (:data:`reports.render.PRINT_LIMITS`), its
HTML and the files it attaches (:func:`render_report`). The formatting, the Jinja environment and
the names shown are in :mod:`reports.render`."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from reports import charts
from reports.csvfiles import csv_files
from reports.data import (
    Breach,
    ContractReviewData,
    TrackRecordData,
    UnitHistoryData,
    UnitSummary,
    report_data_json,
)
from reports.render import (
    CHART_BASE,
    DATA_FILE,
    KIND_TITLES,
    PRINT_LIMITS,
    AnyReportData,
    AttachedFile,
    RenderedReport,
    environment,
    metric_name,
)

# --------------------------------------------------------------------------- charts


def _month_label(month: str) -> str:
    return date(int(month[:4]), int(month[5:7]), 1).strftime("%b %Y")


def _contract_charts(d: ContractReviewData) -> dict[str, bytes]:
    target = d.contract.availability_target_percent
    bars = [
        charts.Bar(
            _month_label(m.month),
            m.availability_percent,
            None if m.availability_percent is None else m.availability_percent >= target,
        )
        for m in d.availability_trend
    ]
    rows = [
        charts.Row(
            f"{r.priority} {metric_name(r.metric)}",
            r.percent_met,
            r.aql_percent,
            r.passed,
            f"{r.met:,}/{r.met + r.breached:,} met",
        )
        for r in d.compliance
    ]
    return {
        "availability.svg": charts.column_chart(
            bars, title="Fleet availability by month against the contract target", target=target,
            target_label="target", places=2, height=215,
        ).encode(),
        "compliance.svg": charts.compliance_chart(
            rows, title="SLA compliance per priority and metric against the AQL", row_height=20,
        ).encode(),
    }


def _track_charts(d: TrackRecordData) -> dict[str, bytes]:
    avail = [charts.Bar(p.label, p.availability_percent, None) for p in d.trend]
    comp = [charts.Bar(p.label, p.percent_met, None) for p in d.trend]
    return {
        "availability.svg": charts.column_chart(avail, title="Fleet availability by period", places=2,
                                                legend=False, height=200).encode(),
        "compliance.svg": charts.column_chart(comp, title="SLA targets met by period", legend=False,
                                              height=200).encode(),
    }


def _unit_charts(d: UnitHistoryData) -> dict[str, bytes]:
    target = d.availability.target_percent
    bars = [
        charts.Bar(
            _month_label(m.month),
            m.availability_percent,
            None if m.availability_percent is None or target is None else m.availability_percent >= target,
        )
        for m in d.availability_trend
    ]
    return {
        "availability.svg": charts.column_chart(bars, title="Unit availability by month", target=target,
                                                places=2).encode()
    }


# --------------------------------------------------------------------------- selection for print


def _breach_overrun(b: Breach) -> Decimal:
    return b.elapsed_minutes / b.target_minutes


def printed_breaches(breaches: Sequence[Breach], limit: int) -> list[Breach]:
    """All breaches in record order, or — when more than ``limit`` — the ``limit`` largest
    overruns (elapsed ÷ target), still in record order."""
    if len(breaches) <= limit:
        return list(breaches)
    ranked = sorted(range(len(breaches)), key=lambda i: (-_breach_overrun(breaches[i]), i))[:limit]
    return [breaches[i] for i in sorted(ranked)]


def printed_units(units: Sequence[UnitSummary], limit: int) -> list[UnitSummary]:
    """Units by availability, lowest first (no data last), capped."""
    def key(u: UnitSummary) -> tuple[int, Decimal, str]:
        return (u.availability_percent is None, u.availability_percent or Decimal(0), u.serial)

    return sorted(units, key=key)[:limit]


def _compliance_summary(d: ContractReviewData) -> dict[str, Any]:
    decided_rows = [r for r in d.compliance if r.passed is not None]
    met = sum(r.met for r in d.compliance)
    breached = sum(r.breached for r in d.compliance)
    return {
        "rows": len(d.compliance),
        "decided_rows": len(decided_rows),
        "passed_rows": sum(1 for r in decided_rows if r.passed),
        "failed_rows": sum(1 for r in decided_rows if not r.passed),
        "met": met,
        "breached": breached,
        "pending": sum(r.pending for r in d.compliance),
        "percent": None if met + breached == 0 else Decimal(100 * met) / Decimal(met + breached),
        "passed": None if not decided_rows else all(r.passed for r in decided_rows),
    }


def _unit_summary(d: ContractReviewData) -> dict[str, Any]:
    target = d.contract.availability_target_percent
    with_data = [u for u in d.units if u.availability_percent is not None]
    below = [u for u in with_data if u.availability_percent is not None and u.availability_percent < target]
    return {"total": len(d.units), "with_data": len(with_data), "below": len(below)}


# --------------------------------------------------------------------------- entry point


def render_report(data: AnyReportData) -> RenderedReport:
    """Lay the data out as HTML, make the charts and the attachments."""
    raw = report_data_json(data)
    sha = hashlib.sha256(raw).hexdigest()
    attachments: list[AttachedFile] = [
        AttachedFile(DATA_FILE, "The report's data in canonical JSON: every printed figure with the ids of "
                     "the records it came from, and the complete record", raw, None, "Data"),
    ]
    attachments += [AttachedFile(f.name, f.description, f.content, f.rows, "Data") for f in csv_files(data)]
    if isinstance(data, ContractReviewData):
        chart_files = _contract_charts(data)
        extra: dict[str, Any] = {
            "breaches_printed": printed_breaches(data.breaches, PRINT_LIMITS["breaches"]),
            "any_pauses": any(b.pauses for b in data.breaches),
            "units_printed": printed_units(data.units, PRINT_LIMITS["units"]),
            "compliance_summary": _compliance_summary(data),
            "unit_summary": _unit_summary(data),
        }
    elif isinstance(data, TrackRecordData):
        chart_files = _track_charts(data)
        extra = {"contracts_printed": data.contracts[: PRINT_LIMITS["contracts"]]}
    else:
        chart_files = _unit_charts(data)
        extra = {
            "tickets_printed": data.tickets[: PRINT_LIMITS["tickets"]],
            "work_logs_printed": data.work_logs[: PRINT_LIMITS["work_logs"]],
            "downtime_printed": data.downtime[: PRINT_LIMITS["downtime"]],
        }
    resources = {CHART_BASE + name: body for name, body in chart_files.items()}
    template = environment().get_template(f"{data.kind}.html")
    html = template.render(
        d=data,
        sha=sha,
        tz=data.period.timezone,
        title=data.title,
        kind_title=KIND_TITLES[data.kind],
        charts={name: CHART_BASE + name for name in chart_files},
        attachments=attachments,
        limits=PRINT_LIMITS,
        **extra,
    )
    return RenderedReport(
        report_id=data.report_id,
        kind=data.kind,
        as_of=data.as_of,
        data_sha256=sha,
        html=html,
        resources=resources,
        attachments=tuple(attachments),
    )
