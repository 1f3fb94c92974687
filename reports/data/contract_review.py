"""Report data of a contract review: one contract, one period."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from reports.data.base import (
    FORMAT,
    ContractReviewParams,
    Sha256Hex,
    UtcDateTime,
    _check_report,
    _Model,
)
from reports.data.facts import (
    AvailabilityFigures,
    AvailabilityMonth,
    Breach,
    CalendarInfo,
    ComplianceMonth,
    ComplianceRow,
    ContractInfo,
    Credits,
    Csat,
    MaintenanceRecord,
    Period,
    SlaTargetInfo,
    UnitSummary,
)
from reports.data.tickets import (
    Dispatch,
    EventRecord,
    LateRecords,
    TicketRecord,
)


class ContractReviewData(_Model):
    """One contract, one period: scorecard, compliance, availability, breaches, credits."""

    as_of: UtcDateTime
    at: UtcDateTime
    audit_head: Sha256Hex
    availability: AvailabilityFigures
    availability_trend: list[AvailabilityMonth]
    breaches: list[Breach]
    calendar: CalendarInfo
    compliance: list[ComplianceRow]
    compliance_trend: list[ComplianceMonth]
    contract: ContractInfo
    credits: Credits
    csat: Csat
    dispatch: Dispatch | None = Field(default=None, exclude_if=lambda v: v is None)  # none: nothing was assigned
    events: list[EventRecord]
    format: Literal["slatrack.report-data/1"] = FORMAT
    kind: Literal["contract_review"] = "contract_review"
    late_records: LateRecords | None = None  # absent in data gathered before reporting windows existed
    maintenance: list[MaintenanceRecord]
    parameters: ContractReviewParams
    period: Period
    report_id: str
    sla_targets: list[SlaTargetInfo]
    tickets: list[TicketRecord]
    title: str
    units: list[UnitSummary]
    vendor: str

    @model_validator(mode="after")
    def _id(self) -> ContractReviewData:
        _check_report(self.kind, self.parameters, report_id=self.report_id, as_of=self.as_of, at=self.at)
        return self
