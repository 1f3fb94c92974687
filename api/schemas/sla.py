"""SLA clock and compliance shapes (API.md "Tickets and field work" and "Compliance"): projections
of :mod:`fleet.figures` (and :mod:`slas`'s clocks, compliance rows and credits, read by attribute)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

_READ = ConfigDict(from_attributes=True)


class MetricClockOut(BaseModel):
    model_config = _READ
    metric: str
    target_minutes: int
    clock: str
    elapsed_minutes: float
    due_at: datetime | None
    stopped_at: datetime | None
    state: str
    breached: bool
    at_risk: bool
    paused_minutes: float


class TicketSlaOut(BaseModel):
    model_config = _READ
    ticket_id: str
    number: str
    priority: str
    policy_version: int
    at: datetime
    as_of: datetime
    metrics: list[MetricClockOut]


class MetricComplianceOut(BaseModel):
    model_config = _READ
    priority: str
    metric: str
    target_minutes: int | None
    total: int
    met: int
    breached: int
    pending: int
    not_applicable: int
    percent_met: float | None
    aql_percent: float
    passed: bool | None


class CreditLineOut(BaseModel):
    model_config = _READ
    reason: str
    priority: str
    metric: str
    count: int
    amount: Decimal


class CreditsOwedOut(BaseModel):
    """The credits owed for the period (the contract's terms are `ServiceCreditsOut`)."""

    model_config = _READ
    currency: str
    period_value: Decimal
    lines: list[CreditLineOut]
    total: Decimal
    capped: bool


class ComplianceOut(BaseModel):
    contract_id: str
    contract_number: str
    from_: date = Field(alias="from")
    to: date
    timezone: str
    as_of: datetime
    at: datetime
    tickets: int
    aql_percent: float
    passed: bool | None
    metrics: list[MetricComplianceOut]
    service_credits: CreditsOwedOut

    model_config = ConfigDict(from_attributes=True, populate_by_name=True, serialize_by_alias=True)


class AtRiskOut(BaseModel):
    model_config = _READ
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


class PeriodTicketOut(BaseModel):
    """One ticket of a contract's period with its clocks (``GET /contracts/{id}/tickets``)."""

    model_config = _READ

    id: str
    number: str
    unit_id: str
    unit_serial: str
    priority: str = Field(description="the priority at `at` (targets follow it)")
    initial_priority: str
    status: str = Field(description="open, acknowledged, on_site, restored, resolved, closed or paused, at `at`")
    summary: str
    unit_down: bool
    reported_at: datetime
    recorded_at: datetime
    policy_version: int
    metrics: list[MetricClockOut]


class PeriodTicketsOut(BaseModel):
    """Every ticket of the contract reported in ``[from, to)`` (contract calendar's time zone) and
    recorded by ``as_of``, in ``(reported_at, id)`` order, with its SLA clocks read at ``at``."""

    contract_id: str
    contract_number: str
    from_: date = Field(alias="from")
    to: date
    timezone: str
    as_of: datetime
    at: datetime
    tickets: list[PeriodTicketOut]

    model_config = ConfigDict(from_attributes=True, populate_by_name=True, serialize_by_alias=True)
