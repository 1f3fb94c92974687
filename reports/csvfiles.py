"""CSV attachments: the complete record behind a report, for spreadsheet users.

UTF-8 with a byte-order mark (so Excel reads accents), RFC 4180 quoting, CRLF line ends, a
header row. Instants are ISO 8601 UTC (``Z``), money and durations are exact decimals. A cell
that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or
carriage return) is written with a leading apostrophe, so ticket summaries typed by anyone can
never execute in the reader's spreadsheet.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from pydantic import TypeAdapter

from fleet.canonical import iso_utc
from reports.data import (
    METRICS,
    ContractReviewData,
    EventRecord,
    TicketRecord,
    TrackRecordData,
    UnitHistoryData,
)

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# The two big files are dumped by pydantic-core in one call (instants, decimals as JSON text).
_TICKETS: TypeAdapter[list[TicketRecord]] = TypeAdapter(list[TicketRecord])
_EVENTS: TypeAdapter[list[EventRecord]] = TypeAdapter(list[EventRecord])
Cell = str | int | Decimal | bool | date | datetime | None


@dataclass(frozen=True)
class CsvFile:
    name: str
    description: str
    rows: int
    content: bytes


def escape_cell(value: Cell) -> str:
    """One cell as text, formula-escaped."""
    if value is None:
        return ""
    kind = type(value)
    if kind is str:
        text: str = value  # type: ignore[assignment]
    elif kind is bool:
        text = "true" if value else "false"
    elif isinstance(value, datetime):
        text = iso_utc(value)
    elif isinstance(value, date):
        text = value.isoformat()
    else:
        text = str(value)
    if text[:1] in _FORMULA_FIRST:
        return "'" + text
    return text


_FORMULA_FIRST = frozenset(FORMULA_PREFIXES)


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> tuple[bytes, int]:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([escape_cell(h) for h in header])
    count = 0
    for row in rows:
        writer.writerow([escape_cell(c) for c in row])
        count += 1
    return ("\ufeff" + buf.getvalue()).encode("utf-8"), count


def _file(name: str, description: str, header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> CsvFile:
    content, count = csv_bytes(header, rows)
    return CsvFile(name, description, count, content)


def _tickets(tickets: Sequence[TicketRecord]) -> CsvFile:
    header = [
        "ticket_number", "ticket_id", "contract_id", "unit_serial", "unit_id", "priority", "initial_priority",
        "summary", "unit_down", "reported_at", "recorded_at", "status", "restored_at", "resolved_at", "closed_at",
    ]
    for m in METRICS:
        header += [f"{m}_state", f"{m}_elapsed_minutes", f"{m}_target_minutes", f"{m}_clock",
                   f"{m}_paused_minutes", f"{m}_stopped_at", f"{m}_due_at"]

    def rows() -> Iterable[list[Cell]]:
        for t in _TICKETS.dump_python(list(tickets), mode="json"):
            row: list[Cell] = [
                t["number"], t["id"], t["contract_id"], t["unit_serial"], t["unit_id"], t["priority"],
                t["initial_priority"], t["summary"], t["unit_down"], t["reported_at"], t["recorded_at"], t["status"],
                t["restored_at"], t["resolved_at"], t["closed_at"],
            ]
            by_metric = {o["metric"]: o for o in t["outcomes"]}
            for m in METRICS:
                o = by_metric.get(m)
                row += ([o["state"], o["elapsed_minutes"], o["target_minutes"], o["clock"], o["paused_minutes"],
                         o["stopped_at"], o["due_at"]] if o else [None] * 7)
            yield row

    return _file("tickets.csv", "Every ticket in the report with each SLA metric's outcome", header, rows())


def _events(events: Sequence[EventRecord]) -> CsvFile:
    header = ["event_id", "ticket_number", "ticket_id", "type", "occurred_at", "recorded_at", "actor", "reason",
              "priority", "corrects_id", "void"]
    rows = ([e["id"], e["ticket_number"], e["ticket_id"], e["type"], e["occurred_at"], e["recorded_at"], e["actor"],
             e["reason"], e["priority"], e["corrects_id"], e["void"]]
            for e in _EVENTS.dump_python(list(events), mode="json"))
    return _file("ticket-events.csv", "Every event of those tickets, as recorded (corrections included)",
                 header, rows)


def _contract_review(data: ContractReviewData) -> list[CsvFile]:
    compliance = _file(
        "compliance.csv", "SLA compliance per priority and metric",
        ["priority", "metric", "target_minutes", "clock", "total", "met", "breached", "pending", "not_applicable",
         "percent_met", "aql_percent", "passed"],
        ([r.priority, r.metric, r.target_minutes, r.clock, r.total, r.met, r.breached, r.pending, r.not_applicable,
          r.percent_met, r.aql_percent, r.passed] for r in data.compliance),
    )
    breaches = _file(
        "breaches.csv", "Every SLA breach with its pauses",
        ["ticket_number", "ticket_id", "unit_serial", "priority", "metric", "clock", "reported_at", "stopped_at",
         "elapsed_minutes", "target_minutes", "paused_minutes", "pauses", "summary"],
        ([b.ticket_number, b.ticket_id, b.unit_serial, b.priority, b.metric, b.clock, b.reported_at, b.stopped_at,
          b.elapsed_minutes, b.target_minutes, b.paused_minutes,
          "; ".join(f"{iso_utc(p.started_at)}/{iso_utc(p.ended_at) if p.ended_at else ''} {p.minutes} min: {p.reason}"
                    for p in b.pauses),
          b.summary] for b in data.breaches),
    )
    units = _file(
        "units.csv", "Availability per unit",
        ["unit_serial", "unit_id", "model", "site", "in_service_at", "availability_percent", "period_minutes",
         "excluded_minutes", "downtime_minutes", "failures", "tickets", "breaches"],
        ([u.serial, u.unit_id, u.model, u.site, u.in_service_at, u.availability_percent, u.period_minutes,
          u.excluded_minutes, u.downtime_minutes, u.failures, u.tickets, u.breaches] for u in data.units),
    )
    months = _file(
        "availability-by-month.csv", "Fleet availability per month",
        ["month", "availability_percent", "period_minutes", "excluded_minutes", "downtime_minutes", "failures"],
        ([m.month, m.availability_percent, m.period_minutes, m.excluded_minutes, m.downtime_minutes, m.failures]
         for m in data.availability_trend),
    )
    return [compliance, breaches, units, months, _tickets(data.tickets), _events(data.events)]


def _track_record(data: TrackRecordData) -> list[CsvFile]:
    contracts = _file(
        "contracts.csv", "Per-contract past-performance rows",
        ["contract_number", "contract_id", "title", "agency", "period_of_performance_start",
         "period_of_performance_end", "value", "currency", "point_of_contact", "units", "tickets",
         "availability_percent", "availability_target_percent", "met", "breached", "percent_met", "aql_percent"],
        ([c.number, c.contract_id, c.title, c.agency.name, c.period_of_performance_start,
          c.period_of_performance_end, c.value, c.currency, c.point_of_contact, c.units, c.tickets,
          c.availability.availability_percent, c.availability.target_percent, c.met, c.breached, c.percent_met,
          c.aql_percent] for c in data.contracts),
    )
    return [contracts, _tickets(data.tickets), _events(data.events)]


def _unit_history(data: UnitHistoryData) -> list[CsvFile]:
    work = _file(
        "work-logs.csv", "Every work log with the parts used",
        ["work_log_id", "ticket_number", "ticket_id", "started_at", "ended_at", "engineer", "activity", "notes",
         "parts"],
        ([w.id, w.ticket_number, w.ticket_id, w.started_at, w.ended_at, w.engineer, w.activity, w.notes,
          "; ".join(f"{p.part_number} x{p.quantity}" for p in w.parts)] for w in data.work_logs),
    )
    downtime = _file(
        "downtime.csv", "Every interval the unit was not up",
        ["start", "end", "minutes", "cause", "counted", "ticket_number"],
        ([d.start, d.end, d.minutes, d.cause, d.counted, d.ticket_number] for d in data.downtime),
    )
    return [_tickets(data.tickets), _events(data.events), work, downtime]


def csv_files(data: ContractReviewData | TrackRecordData | UnitHistoryData) -> list[CsvFile]:
    """The CSV attachments for a report, in a fixed order."""
    if isinstance(data, ContractReviewData):
        return _contract_review(data)
    if isinstance(data, TrackRecordData):
        return _track_record(data)
    return _unit_history(data)
