"""Render: report data → HTML (Jinja2, autoescaped), SVG charts and the files to attach. This module
holds the names shown, the formatting and the Jinja environment; :func:`reports.compose.render_report`
lays out each report with them.

Nothing here touches WeasyPrint (see :mod:`reports.pdf`), a database, the environment or a
clock; the same data always gives the same :class:`RenderedReport`.

Printed tables are capped (:data:`PRINT_LIMITS`): WeasyPrint lays out about 150 table rows a
second, so pages carry what a reader reads and say "N more in the attached CSV"; the complete
record is in ``report-data.json`` and the CSV files.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from reports import charts, verdicts
from reports.data import (
    ContractReviewData,
    TrackRecordData,
    UnitHistoryData,
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
