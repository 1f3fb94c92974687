"""Report data of a unit history: one unit over a period."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from reports.data.base import (
    FORMAT,
    Sha256Hex,
    UnitHistoryParams,
    UtcDateTime,
    _check_report,
    _Model,
)
from reports.data.facts import (
    AvailabilityFigures,
    AvailabilityMonth,
    MaintenanceRecord,
    Period,
    UnitInfo,
)
from reports.data.tickets import (
    CommentRecord,
    DowntimeInterval,
    EventRecord,
    PartTotal,
    TicketRecord,
    WorkLogRecord,
)


class UnitHistoryData(_Model):
    """One unit over a period: its tickets, work, parts and downtime."""

    as_of: UtcDateTime
    at: UtcDateTime
    audit_head: Sha256Hex
    availability: AvailabilityFigures
    availability_trend: list[AvailabilityMonth]
    comments: list[CommentRecord] = Field(default_factory=list, exclude_if=lambda v: not v)  # public only
    downtime: list[DowntimeInterval]
    events: list[EventRecord]
    format: Literal["slatrack.report-data/1"] = FORMAT
    kind: Literal["unit_history"] = "unit_history"
    maintenance: list[MaintenanceRecord]
    parameters: UnitHistoryParams
    parts: list[PartTotal]
    period: Period
    report_id: str
    tickets: list[TicketRecord]
    title: str
    unit: UnitInfo
    vendor: str
    work_logs: list[WorkLogRecord]

    @model_validator(mode="after")
    def _id(self) -> UnitHistoryData:
        _check_report(self.kind, self.parameters, report_id=self.report_id, as_of=self.as_of, at=self.at)
        return self
