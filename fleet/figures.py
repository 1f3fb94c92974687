"""The judged figures a contract's period answers with: clocks, compliance, availability.

Plain frozen values (no HTTP shape): the services build them from :mod:`slas`'s judgements, and
each edge projects them — ``api/schemas`` into the JSON of API.md, ``reports/`` into report
data, the web pages into HTML. The per-metric compliance rows, service credits and clocks are
:mod:`slas`'s own values, carried as they are.

The availability minutes, percentages and hours are the published figures: rounded once here
(minutes to 3 places, percentages and hours to 4) from :mod:`slas.availability`'s exact
durations, so the API, the PDF and the exports print the same numbers (a report recomputes its
percentages exactly from these minutes, see :mod:`reports.exact`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from slas.availability import UnitState
from slas.clocks import MetricClock
from slas.compliance import MetricCompliance
from slas.credits import ServiceCredits


# --- clocks and compliance --------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class TicketClocks:
    """One ticket's clocks read at ``at`` under its priority then (``GET /tickets/{id}/sla``)."""

    ticket_id: str
    number: str
    priority: str
    policy_version: int
    at: datetime
    as_of: datetime
    metrics: tuple[MetricClock, ...]


@dataclass(frozen=True, slots=True)
class Compliance:
    """Per priority and metric: counts, percent met against the AQL, and the credits owed."""

    contract_id: str
    contract_number: str
    from_: date
    to: date
    timezone: str
    as_of: datetime
    at: datetime
    tickets: int
    aql_percent: float
    passed: bool | None
    metrics: tuple[MetricCompliance, ...]
    service_credits: ServiceCredits


@dataclass(frozen=True, slots=True)
class AtRisk:
    """An open ticket's most urgent running clock past its warning threshold (or breached)."""

    ticket_id: str
    number: str
    unit_id: str
    contract_id: str
    priority: str
    status: str
    summary: str
    metric: str
    target_minutes: int
    elapsed_minutes: float
    due_at: datetime | None
    percent_used: float


@dataclass(frozen=True, slots=True)
class PeriodTicket:
    """One ticket of a contract's period with its clocks (``GET /contracts/{id}/tickets``)."""

    id: str
    number: str
    unit_id: str
    unit_serial: str
    priority: str
    initial_priority: str
    status: str
    summary: str
    unit_down: bool
    reported_at: datetime
    recorded_at: datetime
    policy_version: int
    metrics: tuple[MetricClock, ...]


@dataclass(frozen=True, slots=True)
class PeriodTickets:
    contract_id: str
    contract_number: str
    from_: date
    to: date
    timezone: str
    as_of: datetime
    at: datetime
    tickets: tuple[PeriodTicket, ...]


# --- availability (flat, as the answers read: a unit's row is its figures) ------------------
@dataclass(frozen=True, kw_only=True)
class Figures:
    availability_percent: float | None  # 100 × (period − excluded − downtime) ÷ (period − excluded)
    period_minutes: float
    downtime_minutes: float
    excluded_minutes: float
    uptime_minutes: float
    failures: int
    mtbf_hours: float | None
    mttr_hours: float | None


@dataclass(frozen=True, slots=True)
class MonthFigures:
    month: str  # YYYY-MM in the contract calendar's time zone
    availability_percent: float | None
    downtime_minutes: float
    failures: int
    period_minutes: float
    excluded_minutes: float


@dataclass(frozen=True, kw_only=True)
class UnitFigures(Figures):
    unit_id: str
    serial: str
    in_service_at: datetime


@dataclass(frozen=True, kw_only=True)
class PeriodOf:
    """The period as asked (local dates) and as measured (UTC; None when empty)."""

    from_: date
    to: date
    timezone: str
    as_of: datetime
    at: datetime
    period_start: datetime | None
    period_end: datetime | None


@dataclass(frozen=True, kw_only=True)
class Verdict:
    definition: str
    exclude_scheduled_maintenance: bool
    target_percent: float
    passed: bool | None  # availability ≥ target (exact); None when there is no figure


@dataclass(frozen=True, kw_only=True)
class ContractAvailability(PeriodOf, Verdict, Figures):
    """A contract's fleet figures (period-weighted over its units), each unit's, and the months."""

    contract_id: str
    units: tuple[UnitFigures, ...]
    monthly: tuple[MonthFigures, ...]


@dataclass(frozen=True, kw_only=True)
class UnitAvailability(PeriodOf, Verdict, Figures):
    unit_id: str
    serial: str
    contract_id: str
    in_service_at: datetime
    monthly: tuple[MonthFigures, ...]


@dataclass(frozen=True, slots=True)
class Interval:
    start: datetime
    end: datetime
    state: UnitState


@dataclass(frozen=True, kw_only=True)
class Timeline(PeriodOf):
    unit_id: str
    intervals: tuple[Interval, ...]
