"""Report data of a track record (past performance): several contracts over a period."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import model_validator

from reports.data.base import (
    FORMAT,
    NonNegDecimal,
    NonNegInt,
    Percent,
    Sha256Hex,
    Sources,
    TrackRecordParams,
    UtcDateTime,
    _check_report,
    _Model,
)
from reports.data.facts import (
    AgencyRef,
    AvailabilityFigures,
    Period,
)
from reports.data.tickets import (
    EventRecord,
    TicketRecord,
)


class TrackRecordContract(_Model):
    """One contract's row: the fields a past-performance questionnaire asks, and its figures."""

    agency: AgencyRef
    aql_percent: Percent
    availability: AvailabilityFigures
    breached: NonNegInt
    compliance_passed: bool | None
    contract_id: str
    currency: str
    first_fielded: date | None
    met: NonNegInt
    number: str
    percent_met: Percent | None
    period_of_performance_end: date
    period_of_performance_start: date
    point_of_contact: str
    sources: Sources
    tickets: NonNegInt
    title: str
    units: NonNegInt
    value: Decimal


class TrackRecordTotals(_Model):
    agencies: NonNegInt
    availability_percent: Percent | None
    breached: NonNegInt
    contracts: NonNegInt
    downtime_minutes: NonNegDecimal
    excluded_minutes: NonNegDecimal
    first_fielded: date | None
    met: NonNegInt
    percent_met: Percent | None
    period_minutes: NonNegDecimal
    sources: Sources
    tickets: NonNegInt
    units: NonNegInt
    years_fielded: NonNegDecimal


class TrendPoint(_Model):
    """A trend bucket (a month ``YYYY-MM``, quarter ``YYYY-Qn`` or year ``YYYY``)."""

    availability_percent: Percent | None
    breached: NonNegInt
    label: str
    met: NonNegInt
    percent_met: Percent | None
    sources: Sources
    tickets: NonNegInt


class TrackRecordData(_Model):
    """Past performance across chosen contracts: the vendor's own record, for a bid."""

    as_of: UtcDateTime
    at: UtcDateTime
    audit_head: Sha256Hex
    contracts: list[TrackRecordContract]
    events: list[EventRecord]
    format: Literal["slatrack.report-data/1"] = FORMAT
    kind: Literal["track_record"] = "track_record"
    parameters: TrackRecordParams
    period: Period
    report_id: str
    tickets: list[TicketRecord]
    title: str
    totals: TrackRecordTotals
    trend: list[TrendPoint]
    vendor: str

    @model_validator(mode="after")
    def _id(self) -> TrackRecordData:
        _check_report(self.kind, self.parameters, report_id=self.report_id, as_of=self.as_of, at=self.at)
        return self
