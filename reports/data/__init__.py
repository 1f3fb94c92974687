"""The typed report-data model: what a report says, before any layout.

One model per kind (:class:`ContractReviewData`, :class:`TrackRecordData`,
:class:`UnitHistoryData`), discriminated by ``kind`` (:data:`ReportData`). The *gather* step
fills one from the record as of an instant; *render* only lays it out. The model is also the
``report-data.json`` embedded in every PDF, in canonical JSON (:func:`report_data_json`), so
an auditor can recompute any printed figure from it.

Rules every model follows:

- Every figure carries :class:`Sources`: the ids of the records it was computed from (tickets,
  ticket events, status events, maintenance windows, work logs, ratings, units, contracts).
- Instants are timezone-aware (written as UTC ``Z``); dates are calendar dates in
  ``Period.timezone``; money, percentages and durations are :class:`~decimal.Decimal` (written
  as exact strings), counts are ``int``.  A percentage is ``None`` when its denominator is 0.
- The complete record behind the figures (``tickets``, ``events``, …) travels in the data too:
  the pages print what a reader reads, the attachment carries everything.
- ``report_id`` is deterministic: :func:`make_report_id` of (kind, canonical parameters,
  as_of), checked on validation, so regenerating with the same parameters and ``as_of`` gives
  the same id, the same data hash and (unsigned) the same PDF bytes.

The model is split by what it holds: :mod:`reports.data.base` (vocabulary, provenance,
parameters, report ids), :mod:`reports.data.facts` (registry facts and figures),
:mod:`reports.data.tickets` (the record behind them), one module per report kind, and
:mod:`reports.data.document` (the union, its canonical JSON and hash). Import from here.
"""

from __future__ import annotations

from reports.data.base import (
    FORMAT,
    METRICS,
    PRIORITIES,
    REPORT_KINDS,
    AvailabilityDefinition,
    ClockKind,
    ContractReviewParams,
    Metric,
    MetricState,
    Month,
    NonNegDecimal,
    NonNegInt,
    Percent,
    Priority,
    ReportKind,
    Sha256Hex,
    Sources,
    TrackRecordParams,
    UnitHistoryParams,
    UtcDateTime,
    _Model,
    canonical_parameters,
    make_report_id,
)
from reports.data.contract_review import ContractReviewData
from reports.data.document import ReportData, data_sha256, parse_report_data, report_data_json
from reports.data.facts import (
    AgencyRef,
    AvailabilityFigures,
    AvailabilityMonth,
    Breach,
    CalendarInfo,
    ComplianceMonth,
    ComplianceRow,
    ContractInfo,
    CreditLine,
    Credits,
    Csat,
    Holiday,
    MaintenanceRecord,
    PauseRecord,
    Period,
    ScoreCount,
    SlaTargetInfo,
    UnitInfo,
    UnitSummary,
)
from reports.data.tickets import (
    AssignTime,
    CommentRecord,
    Dispatch,
    DowntimeInterval,
    EventRecord,
    LateRecord,
    LateRecords,
    LateTelemetry,
    MetricOutcome,
    PartTotal,
    PartUse,
    TicketRecord,
    WorkLogRecord,
)
from reports.data.track_record import TrackRecordContract, TrackRecordData, TrackRecordTotals, TrendPoint
from reports.data.unit_history import UnitHistoryData

__all__ = [
    "FORMAT", "METRICS", "PRIORITIES", "REPORT_KINDS", "AgencyRef", "AssignTime", "AvailabilityDefinition",
    "AvailabilityFigures", "AvailabilityMonth", "Breach", "CalendarInfo", "ClockKind", "CommentRecord",
    "ComplianceMonth", "ComplianceRow", "ContractInfo", "ContractReviewData", "ContractReviewParams",
    "CreditLine", "Credits", "Csat", "Dispatch", "DowntimeInterval", "EventRecord", "Holiday", "LateRecord",
    "LateRecords", "LateTelemetry", "MaintenanceRecord", "Metric", "MetricOutcome", "MetricState", "Month",
    "NonNegDecimal", "NonNegInt", "PartTotal", "PartUse", "PauseRecord", "Percent", "Period", "Priority",
    "ReportData", "ReportKind", "ScoreCount", "Sha256Hex", "SlaTargetInfo", "Sources", "TicketRecord",
    "TrackRecordContract", "TrackRecordData", "TrackRecordParams", "TrackRecordTotals", "TrendPoint",
    "UnitHistoryData", "UnitHistoryParams", "UnitInfo", "UnitSummary", "UtcDateTime", "WorkLogRecord", "_Model",
    "canonical_parameters", "data_sha256", "make_report_id", "parse_report_data", "report_data_json",
]
