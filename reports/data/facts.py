"""Report data: registry facts (agency, contract, period, calendar, targets, units, maintenance)
and the figures (compliance, availability, breaches, credits, satisfaction)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from reports.data.base import (
    AvailabilityDefinition,
    ClockKind,
    Metric,
    Month,
    NonNegDecimal,
    NonNegInt,
    Percent,
    Priority,
    Sources,
    UtcDateTime,
    _Model,
)

# --------------------------------------------------------------------------- registry facts


class AgencyRef(_Model):
    code: str
    id: str
    name: str


class ContractInfo(_Model):
    agency: AgencyRef
    aql_percent: Percent
    availability_target_percent: Percent
    currency: str
    end_date: date
    exclude_scheduled_maintenance: bool
    id: str
    number: str
    pause_allowed: bool
    point_of_contact: str
    start_date: date
    title: str
    value: Decimal


class Period(_Model):
    """``[from, to)`` as calendar dates in ``timezone`` (the contract calendar's zone)."""

    from_: date = Field(alias="from")
    timezone: str
    to: date


class Holiday(_Model):
    day: date
    name: str


class CalendarInfo(_Model):
    """The coverage calendar a ``calendar`` clock counted, and the holidays it skipped."""

    closures: list[date]
    holiday_country: str | None
    holiday_subdivision: str | None
    holidays_applied: list[Holiday]
    id: str
    name: str
    timezone: str
    weekly_hours: Annotated[dict[str, list[tuple[str, str]]], AfterValidator(lambda v: dict(sorted(v.items())))]


class SlaTargetInfo(_Model):
    clock: ClockKind
    effective_from: UtcDateTime
    metric: Metric
    minutes: Annotated[int, Field(gt=0)]
    policy_version: Annotated[int, Field(ge=1)]
    priority: Priority


class UnitInfo(_Model):
    agency: AgencyRef
    contract_id: str
    contract_number: str
    id: str
    in_service_at: UtcDateTime
    model: str
    serial: str
    site: str


class MaintenanceRecord(_Model):
    ends_at: UtcDateTime
    id: str
    reason: str
    starts_at: UtcDateTime
    unit_id: str | None
    unit_serial: str | None


# --------------------------------------------------------------------------- figures


class ComplianceRow(_Model):
    """One (priority, metric) over the period: tickets reported in it, judged at ``at``."""

    aql_percent: Percent
    breached: NonNegInt
    clock: ClockKind | None
    met: NonNegInt
    metric: Metric
    not_applicable: NonNegInt
    passed: bool | None
    pending: NonNegInt
    percent_met: Percent | None
    priority: Priority
    sources: Sources
    target_minutes: int | None
    total: NonNegInt

    @model_validator(mode="after")
    def _consistent(self) -> ComplianceRow:
        if self.total != self.met + self.breached + self.pending + self.not_applicable:
            raise ValueError(f"{self.priority} {self.metric}: total != met + breached + pending + not_applicable")
        if (self.met + self.breached == 0) != (self.percent_met is None) or (
            self.percent_met is None
        ) != (self.passed is None):
            raise ValueError(f"{self.priority} {self.metric}: percent_met/passed must be null iff nothing decided")
        return self


class AvailabilityFigures(_Model):
    """``availability = (period − excluded − downtime) / (period − excluded)``; MTBF = uptime /
    failures, MTTR = downtime / failures (``None`` without failures)."""

    availability_percent: Percent | None
    definition: AvailabilityDefinition
    downtime_minutes: NonNegDecimal
    excluded_minutes: NonNegDecimal
    failures: NonNegInt
    mtbf_hours: NonNegDecimal | None
    mttr_hours: NonNegDecimal | None
    passed: bool | None
    period_minutes: NonNegDecimal
    sources: Sources
    target_percent: Percent | None


class AvailabilityMonth(_Model):
    availability_percent: Percent | None
    downtime_minutes: NonNegDecimal
    excluded_minutes: NonNegDecimal
    failures: NonNegInt
    month: Month
    period_minutes: NonNegDecimal
    sources: Sources


class ComplianceMonth(_Model):
    """All (priority, metric) outcomes of tickets reported in the month, pooled."""

    breached: NonNegInt
    met: NonNegInt
    month: Month
    pending: NonNegInt
    percent_met: Percent | None
    sources: Sources


class UnitSummary(_Model):
    availability_percent: Percent | None
    breaches: NonNegInt
    downtime_minutes: NonNegDecimal
    excluded_minutes: NonNegDecimal
    failures: NonNegInt
    in_service_at: UtcDateTime
    model: str
    period_minutes: NonNegDecimal
    serial: str
    site: str
    sources: Sources
    tickets: NonNegInt
    unit_id: str


class PauseRecord(_Model):
    ended_at: UtcDateTime | None
    minutes: NonNegDecimal
    reason: str
    sources: Sources
    started_at: UtcDateTime


class Breach(_Model):
    """One ticket × metric whose elapsed covered time exceeded its target."""

    clock: ClockKind
    elapsed_minutes: NonNegDecimal
    metric: Metric
    paused_minutes: NonNegDecimal
    pauses: list[PauseRecord]
    priority: Priority
    reported_at: UtcDateTime
    sources: Sources
    stopped_at: UtcDateTime | None
    summary: str
    target_minutes: Annotated[int, Field(gt=0)]
    ticket_id: str
    ticket_number: str
    unit_id: str
    unit_serial: str


class CreditLine(_Model):
    amount: NonNegDecimal
    count: NonNegInt
    kind: Literal["per_breach", "aql_missed"]
    metric: Metric
    priority: Priority
    sources: Sources


class Credits(_Model):
    cap_amount: NonNegDecimal | None
    currency: str
    lines: list[CreditLine]
    period_value: NonNegDecimal
    sources: Sources
    subtotal: NonNegDecimal
    terms: list[str]
    total: NonNegDecimal


class ScoreCount(_Model):
    count: NonNegInt
    score: Annotated[int, Field(ge=1, le=5)]


class Csat(_Model):
    counts: list[ScoreCount]
    mean_score: Annotated[Decimal, Field(ge=1, le=5)] | None
    responses: NonNegInt
    sources: Sources
