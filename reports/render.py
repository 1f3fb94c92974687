"""Render: report data → HTML (Jinja2, autoescaped), SVG charts and the files to attach.

Nothing here touches WeasyPrint (see :mod:`reports.pdf`), a database, the environment or a
clock; the same data always gives the same :class:`RenderedReport`.

Printed tables are capped (:data:`PRINT_LIMITS`): WeasyPrint lays out about 150 table rows a
second, so pages carry what a reader reads and say "N more in the attached CSV"; the complete
record is in ``report-data.json`` and the CSV files.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from reports import charts, verdicts
from reports.csvfiles import csv_files
from reports.data import (
    Breach,
    ContractReviewData,
    TrackRecordData,
    UnitHistoryData,
    UnitSummary,
    report_data_json,
)
from slas.vocabulary import AVAILABILITY_TERMS, EVENT_NAMES, METRIC_NAMES

ASSET_BASE = "slatrack:asset/"
CHART_BASE = "slatrack:chart/"
DATA_FILE = "report-data.json"
PRINT_LIMITS: dict[str, int] = {
    "breaches": 100,
    "late_records": 100,
    "units": 40,
    "tickets": 150,
    "work_logs": 150,
    "downtime": 150,
    "contracts": 60,
}
KIND_TITLES = {
    "contract_review": "Contract performance review",
    "track_record": "Past performance record",
    "unit_history": "Unit service history",
}
CURRENCY_SYMBOLS = {"USD": "$"}

AnyReportData = ContractReviewData | TrackRecordData | UnitHistoryData


@dataclass(frozen=True)
class AttachedFile:
    """A file embedded in the PDF (``relationship`` per PDF/A-3 ``AFRelationship``)."""

    name: str
    description: str
    content: bytes
    rows: int | None
    relationship: str = "Data"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass(frozen=True)
class RenderedReport:
    """Everything the PDF writer needs, as plain values (cheap to send to a worker process)."""

    report_id: str
    kind: str
    as_of: datetime
    data_sha256: str
    html: str
    resources: dict[str, bytes] = field(default_factory=dict)
    attachments: tuple[AttachedFile, ...] = ()


# --------------------------------------------------------------------------- formatting


def fmt_pct(value: Decimal | None, places: int = 1) -> str:
    """``98.7%`` rounded *down* (a figure never reads as meeting a target it missed); ``n/a``."""
    text = charts.fmt_pct(value, places)
    return text if value is None else f"{text}%"


def fmt_money(amount: Decimal | None, currency: str) -> str:
    if amount is None:
        return "n/a"
    text = f"{amount.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{symbol}{text}" if symbol else f"{text} {currency}"


def fmt_int(value: int) -> str:
    return f"{value:,}"


def fmt_decimal(value: Decimal | None, places: int = 1) -> str:
    if value is None:
        return "n/a"
    return f"{value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):,}"


def fmt_duration(minutes: Decimal | int | None, up: bool = False) -> str:
    """``45 min``, ``7 h 05 min``; ``up`` rounds to the next whole minute (so an elapsed time
    that exceeded its target by seconds never prints as equal to it)."""
    if minutes is None:
        return "n/a"
    whole = int(Decimal(minutes).quantize(Decimal(1), rounding=ROUND_CEILING if up else ROUND_HALF_UP))
    hours, mins = divmod(whole, 60)
    if hours == 0:
        return f"{mins} min"
    return f"{hours:,} h {mins:02d} min"


def fmt_delay(minutes: Decimal) -> str:
    """A recording delay: ``7 d 10 h`` (whole hours, rounded down: never reads longer than it was),
    ``5 h 20 min`` under a day."""
    whole = int(Decimal(minutes).quantize(Decimal(1), rounding=ROUND_DOWN))
    days, rest = divmod(whole, 1440)
    return f"{days:,} d {rest // 60} h" if days else fmt_duration(whole)


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def fmt_instant(value: datetime | None, tz: str) -> str:
    """An instant in the report's timezone with its abbreviation: ``2026-03-04 09:15 EST``."""
    if value is None:
        return "—"
    local = value.astimezone(_zone(tz))
    return local.strftime("%Y-%m-%d %H:%M\u00a0") + (local.tzname() or "")  # wraps after the date only


def fmt_utc(value: datetime) -> str:
    return value.astimezone(_zone("UTC")).strftime("%Y-%m-%d %H:%M:%S UTC")


def fmt_w3c(value: datetime) -> str:
    """W3C date-time for ``dcterms.created``/``modified`` (whole seconds, UTC)."""
    return value.astimezone(_zone("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")


def fmt_date(value: date | None) -> str:
    return value.isoformat() if value else "—"


def fmt_utc_day(value: datetime | None) -> str:
    """A day stored as midnight UTC (a unit's in-service date), shown as the day it was given:
    in a zone west of UTC it would read as the day before."""
    return value.astimezone(_zone("UTC")).date().isoformat() if value else "—"


def fmt_long_date(value: date) -> str:
    return f"{value.strftime('%B')} {value.day}, {value.year}"


def last_day(end_exclusive: date) -> date:
    return end_exclusive - timedelta(days=1)


def fmt_bytes(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def css_string(value: str) -> Markup:
    """A CSS string literal (for ``@page`` margin boxes): anything but safe ASCII is escaped."""
    out = []
    for ch in value:
        if ch.isascii() and (ch.isalnum() or ch in " .,:;-_/()#"):
            out.append(ch)
        else:
            out.append(f"\\{ord(ch):x} ")
    return Markup('"' + "".join(out) + '"')


def metric_name(metric: str) -> str:
    return METRIC_NAMES.get(metric, metric)


# --------------------------------------------------------------------------- Jinja


_CONTROL = {i: " " for i in range(32) if chr(i) not in "\n\t"} | {0x7F: " "}


def _finalize(value: Any) -> Any:
    """Every ``{{ … }}`` output: control characters in plain strings (user text) become spaces,
    so they can neither upset the layout nor pull a glyph from a non-bundled fallback font."""
    if type(value) is str:
        return value.translate(_CONTROL)
    return value


@cache
def environment() -> Environment:
    env = Environment(
        finalize=_finalize,
        loader=PackageLoader("reports", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    filters: dict[str, Callable[..., Any]] = {
        "pct": fmt_pct,
        "money": fmt_money,
        "int": fmt_int,
        "dec": fmt_decimal,
        "duration": fmt_duration,
        "delay": fmt_delay,
        "instant": fmt_instant,
        "utc": fmt_utc,
        "w3c": fmt_w3c,
        "day": fmt_date,
        "utcday": fmt_utc_day,
        "longdate": fmt_long_date,
        "lastday": last_day,
        "bytes": fmt_bytes,
        "css_string": css_string,
        "metric": metric_name,
    }
    env.filters.update(filters)
    env.globals.update(ASSET_BASE=ASSET_BASE, KIND_TITLES=KIND_TITLES, PASS=verdicts.PASS, MISS=verdicts.MISS,
                       NO_VERDICT=verdicts.NO_VERDICT, EVENT_NAMES=EVENT_NAMES, AVAILABILITY_TERMS=AVAILABILITY_TERMS)
    return env


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
