"""Uptime shapes (API.md "Uptime"): status-batch results, maintenance windows, availability
figures and state timelines; projections of ORM rows and :mod:`fleet.figures`, read by attribute."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from slas.availability import UnitState
from slas.vocabulary import AVAILABILITY_TERMS

_DEFINITION_LABELS = (f'"{AVAILABILITY_TERMS["operational_ao"].api_label}" (maintenance counts as down) or '
                      f'"{AVAILABILITY_TERMS["maintenance_excluded"].api_label}"')
_READ = ConfigDict(from_attributes=True)


class IngestOut(BaseModel):
    model_config = _READ
    accepted: int = Field(description="events stored by this request")
    duplicates: int = Field(description="events already stored (same unit_id and event_id) or repeated in the batch")


# --- maintenance windows ----------------------------------------------------------------------
class MaintenanceWindowOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    agency_id: str
    contract_id: str
    unit_id: str | None
    starts_at: datetime
    ends_at: datetime
    reason: str
    recorded_at: datetime
    created_by: str
    cancelled_at: datetime | None
    cancelled_by: str | None = Field(description="who cancelled the window (null while it stands)")
    cancel_reason: str | None = Field(description="why it was cancelled (null while it stands)")


# --- availability -----------------------------------------------------------------------------
class _Period(BaseModel):
    model_config = ConfigDict(from_attributes=True, validate_by_name=True, serialize_by_alias=True)

    from_: date = Field(alias="from", description="first day, in the contract calendar's time zone")
    to: date = Field(description="day after the last (exclusive)")
    timezone: str
    as_of: datetime = Field(description="only facts recorded by then")
    at: datetime = Field(description="only facts that occurred by then; the period ends at min(to, at)")
    period_start: datetime | None = Field(description="the period actually measured (UTC); null when empty")
    period_end: datetime | None


class Figures(BaseModel):
    model_config = _READ
    availability_percent: float | None = Field(description="100 × (period − excluded − downtime) ÷ "
                                                            "(period − excluded); null when that is zero")
    period_minutes: float
    downtime_minutes: float
    excluded_minutes: float
    uptime_minutes: float
    failures: int
    mtbf_hours: float | None
    mttr_hours: float | None


class MonthOut(BaseModel):
    model_config = _READ
    month: str = Field(description="YYYY-MM in the contract calendar's time zone")
    availability_percent: float | None
    downtime_minutes: float
    failures: int
    period_minutes: float
    excluded_minutes: float


class UnitFiguresOut(Figures):
    unit_id: str
    serial: str
    in_service_at: datetime


class _Verdict(BaseModel):
    model_config = _READ
    definition: str = Field(description=_DEFINITION_LABELS)
    exclude_scheduled_maintenance: bool
    target_percent: float
    passed: bool | None = Field(description="availability ≥ target; null when there is no figure")


class ContractAvailabilityOut(_Period, _Verdict, Figures):
    """A contract's fleet figures (period-weighted over its units), each unit's, and a monthly series."""

    contract_id: str
    units: list[UnitFiguresOut]
    monthly: list[MonthOut]


class UnitAvailabilityOut(_Period, _Verdict, Figures):
    unit_id: str
    serial: str
    contract_id: str
    in_service_at: datetime
    monthly: list[MonthOut]


class IntervalOut(BaseModel):
    model_config = _READ
    start: datetime
    end: datetime
    state: UnitState


class TimelineOut(_Period):
    unit_id: str
    intervals: list[IntervalOut] = Field(description="tiles [period_start, period_end): maintenance wins over "
                                                     "down, down (telemetry ∪ unit-down tickets) over up")
