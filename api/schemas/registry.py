"""Registry answers: agencies, calendars, contracts (with versioned SLA targets), units.

Read by attribute from what :mod:`fleet.registry` returns: the ORM rows (agencies, calendars,
units, SLA targets) and its :class:`~fleet.registry.ContractTerms` and
:class:`~fleet.registry.PolicyTerms`.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict


class AgencyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    code: str
    name: str
    timezone: str
    created_at: datetime


class CalendarOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str
    timezone: str
    weekly_hours: dict[str, list[list[str]]]
    holiday_country: str | None
    holiday_subdivision: str | None
    closures: list[str]
    created_at: datetime


class SlaTargetOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    priority: str
    metric: str
    minutes: int
    clock: str


class SlaPolicyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    version: int
    effective_from: datetime
    reason: str | None
    sla_targets: list[SlaTargetOut]


class ServiceCreditsOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    per_breach_amount: Decimal | None
    aql_miss_percent: Decimal | None
    cap_percent: Decimal | None


class ContractOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    agency_id: str
    number: str
    title: str
    start_date: date
    end_date: date
    calendar_id: str
    value: Decimal
    currency: str
    point_of_contact: str
    aql_percent: Decimal
    availability_target_percent: Decimal
    exclude_scheduled_maintenance: bool
    pause_allowed: bool
    warning_percent: int
    reporting_window_hours: int
    service_credits: ServiceCreditsOut
    sla_policy_version: int
    sla_targets: list[SlaTargetOut]
    created_at: datetime


class UnitOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    agency_id: str
    contract_id: str
    serial: str
    model: str
    site: str
    in_service_at: datetime
    notes: str | None
    created_at: datetime
