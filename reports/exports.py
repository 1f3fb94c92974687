"""Spreadsheet exports of a contract's period: compliance, availability, the ticket list.

Each export is a projection of the JSON answer for the same contract, period and instants
(``GET /contracts/{id}/compliance``, ``/availability``, ``/tickets``): the answer is computed by
the same service (and, with neither instant given, read from the same answer cache), then laid
out as one table (:mod:`reports.sheets` writes it as CSV or XLSX). Column names are the JSON
field names; the values are the JSON's values (see docs/API-EXTENSIONS.md "Exports").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Literal, get_args

from sqlalchemy.orm import Session

from fleet import period_tickets, sla_service, uptime
from fleet.answers import AnswerCache
from fleet.figures import Compliance, ContractAvailability, PeriodTickets
from fleet.models import Contract
from fleet.principal import Principal
from reports.sheets import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, Cell, Table, to_csv, to_xlsx
from slas.clocks import METRICS

ExportKind = Literal["compliance", "availability", "tickets"]
ExportFormat = Literal["csv", "xlsx"]
EXPORT_KINDS: tuple[ExportKind, ...] = get_args(ExportKind)
EXPORT_FORMATS: tuple[ExportFormat, ...] = get_args(ExportFormat)
ALL = "all"
"""``priority`` and ``metric`` of the compliance export's closing row (the whole period)."""

COMPLIANCE_COLUMNS = (
    "priority", "metric", "target_minutes", "total", "met", "breached", "pending", "not_applicable", "percent_met",
    "aql_percent", "passed", "credit_per_breach", "credit_aql_missed", "credits", "currency", "capped",
    "period_value")
AVAILABILITY_COLUMNS = (
    "scope", "serial", "unit_id", "in_service_at", "availability_percent", "target_percent", "passed", "definition",
    "period_minutes", "downtime_minutes", "excluded_minutes", "uptime_minutes", "failures", "mtbf_hours",
    "mttr_hours")
CLOCK_FIELDS = ("state", "target_minutes", "clock", "elapsed_minutes", "paused_minutes", "due_at", "stopped_at",
                "breached", "at_risk")
TICKET_COLUMNS = (
    "number", "ticket_id", "unit_serial", "unit_id", "priority", "initial_priority", "status", "summary",
    "unit_down", "reported_at", "recorded_at", "policy_version",
    *(f"{m}_{f}" for m in METRICS for f in CLOCK_FIELDS))


@dataclass(frozen=True)
class ExportFile:
    filename: str
    media_type: str
    content: bytes
    as_of: datetime
    at: datetime


def compliance_table(c: Compliance) -> Table:
    """One row per (priority, metric) as in ``metrics``, with that row's service-credit lines
    (``credit_per_breach``, ``credit_aql_missed``: the line's amount, empty when there is none;
    ``credits``: their sum), then a closing row ``all``/``all``: ``total`` = the period's tickets,
    the contract's ``aql_percent``, the overall ``passed``, the credit lines summed per reason,
    ``credits`` = the total owed after the cap, ``capped`` and the ``period_value``."""
    sc = c.service_credits
    lines = {(ln.reason, ln.priority, ln.metric): ln.amount for ln in sc.lines}
    zero = Decimal("0.00")
    rows: list[list[Cell]] = []
    for m in c.metrics:
        per_breach = lines.get(("per_breach", m.priority, m.metric))
        aql_missed = lines.get(("aql_missed", m.priority, m.metric))
        rows.append([m.priority, m.metric, m.target_minutes, m.total, m.met, m.breached, m.pending, m.not_applicable,
                     m.percent_met, m.aql_percent, m.passed, per_breach, aql_missed,
                     sum((a for a in (per_breach, aql_missed) if a is not None), zero), sc.currency, None, None])
    by_reason = {reason: sum((ln.amount for ln in sc.lines if ln.reason == reason), zero)
                 for reason in ("per_breach", "aql_missed")}
    rows.append([ALL, ALL, None, c.tickets, None, None, None, None, None, c.aql_percent, c.passed,
                 by_reason["per_breach"], by_reason["aql_missed"], sc.total, sc.currency, sc.capped,
                 sc.period_value])
    return Table("Compliance", COMPLIANCE_COLUMNS, rows, _about(
        "compliance", c.contract_number, c.contract_id, c.from_, c.to, c.timezone, c.as_of, c.at))


def availability_table(a: ContractAvailability, contract_number: str) -> Table:
    """The fleet row (``scope`` ``fleet``: the contract's figures and verdict), then one row per
    unit (``scope`` ``unit``) in the JSON's order (by serial)."""
    rows: list[list[Cell]] = [[
        "fleet", None, None, None, a.availability_percent, a.target_percent, a.passed, a.definition,
        a.period_minutes, a.downtime_minutes, a.excluded_minutes, a.uptime_minutes, a.failures, a.mtbf_hours,
        a.mttr_hours]]
    rows += [["unit", u.serial, u.unit_id, u.in_service_at, u.availability_percent, None, None, None,
              u.period_minutes, u.downtime_minutes, u.excluded_minutes, u.uptime_minutes, u.failures, u.mtbf_hours,
              u.mttr_hours] for u in a.units]
    about = _about("availability", contract_number, a.contract_id, a.from_, a.to, a.timezone, a.as_of, a.at)
    about += [("period_start", a.period_start), ("period_end", a.period_end),
              ("exclude_scheduled_maintenance", a.exclude_scheduled_maintenance)]
    return Table("Availability", AVAILABILITY_COLUMNS, rows, about)


def tickets_table(t: PeriodTickets) -> Table:
    """One row per ticket, then for each metric (response, on_site, restore, resolve) its clock:
    ``<metric>_state``, ``_target_minutes``, ... (empty when the ticket's targets have no such
    metric)."""
    rows: list[list[Cell]] = []
    for tk in t.tickets:
        row: list[Cell] = [tk.number, tk.id, tk.unit_serial, tk.unit_id, tk.priority, tk.initial_priority,
                           tk.status, tk.summary, tk.unit_down, tk.reported_at, tk.recorded_at, tk.policy_version]
        clocks = {m.metric: m for m in tk.metrics}
        for name in METRICS:
            m = clocks.get(name)
            row += [None] * len(CLOCK_FIELDS) if m is None else [
                m.state, m.target_minutes, m.clock, m.elapsed_minutes, m.paused_minutes, m.due_at, m.stopped_at,
                m.breached, m.at_risk]
        rows.append(row)
    return Table("Tickets", TICKET_COLUMNS, rows, _about(
        "tickets", t.contract_number, t.contract_id, t.from_, t.to, t.timezone, t.as_of, t.at))


def _about(kind: str, number: str, contract_id: str, start: date, end: date, tz: str, as_of: datetime,
           at: datetime) -> list[tuple[str, Cell]]:
    return [("export", kind), ("contract_number", number), ("contract_id", contract_id), ("from", start),
            ("to (exclusive)", end), ("timezone", tz), ("as_of (UTC)", as_of), ("at (UTC)", at),
            ("instants", "UTC"), ("source", "slatrack")]


def export(session: Session, principal: Principal, kind: ExportKind, fmt: ExportFormat, contract_id: str, *,
           start_date: date, end_date: date, at: datetime | None, as_of: datetime | None,
           answers: AnswerCache | None = None) -> ExportFile:
    """The export of the JSON answer for the same contract, period and instants (same checks:
    tenancy, ``to`` after ``from``, ``as_of`` not in the future...)."""
    table: Table
    if kind == "compliance":
        c = sla_service.contract_compliance(session, principal, contract_id, start_date=start_date,
                                            end_date=end_date, at=at, as_of=as_of, answers=answers)
        table, number, moments = compliance_table(c), c.contract_number, (c.as_of, c.at)
    elif kind == "availability":
        a = uptime.contract_availability(session, principal, contract_id, start_date=start_date,
                                         end_date=end_date, at=at, as_of=as_of, answers=answers)
        number = session.get_one(Contract, a.contract_id).number  # visible: the answer checked tenancy
        table, moments = availability_table(a, number), (a.as_of, a.at)
    else:
        t = period_tickets.period_tickets(session, principal, contract_id, start_date=start_date,
                                          end_date=end_date, at=at, as_of=as_of)
        table, number, moments = tickets_table(t), t.contract_number, (t.as_of, t.at)
    content = to_csv(table) if fmt == "csv" else to_xlsx(table, created=moments[0])
    return ExportFile(filename=export_filename(kind, number, start_date, end_date, fmt),
                      media_type=CSV_MEDIA_TYPE if fmt == "csv" else XLSX_MEDIA_TYPE, content=content,
                      as_of=moments[0], at=moments[1])


def export_filename(kind: str, number: str, start_date: date, end_date: date, fmt: str) -> str:
    """``compliance_GS-35F-0001X_2026-03-01_2026-03-31.csv``: kind, contract number, first and last
    day (ASCII letters, digits, ``.-_`` only: no quoting needed in ``Content-Disposition``)."""
    subject = re.sub(r"[^A-Za-z0-9._-]+", "-", number).strip("-.") or "contract"
    last = (end_date - timedelta(days=1)).isoformat()
    return f"{kind}_{subject}_{start_date.isoformat()}_{last}.{fmt}"
