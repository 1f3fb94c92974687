"""Ticket, event, correction, work-log and rating shapes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, model_validator

from fleet.schemas.dispatch import AssignmentOut
from fleet.schemas.types import Instant, Name, PartNumber, Priority, StrictInput
from slas.vocabulary import RecordedEventType as EventType

Activity = Literal["travel", "diagnosis", "repair", "test", "other"]
Text = Annotated[StrictStr, Field(max_length=10_000)]
LateReason = Annotated[StrictStr, Field(min_length=3, max_length=2000,
                                        description="why the fact is recorded after the contract's reporting "
                                                    "window (required then from staff; agencies may not)")]
_MAX_WORK = timedelta(hours=24)


class TicketIn(StrictInput):
    unit_id: StrictStr
    priority: Priority
    summary: Name
    reported_at: Instant
    unit_down: StrictBool = False
    description: Text | None = None
    reporter: Annotated[StrictStr, Field(max_length=200)] | None = None
    late_reason: LateReason | None = None


class EventIn(StrictInput):
    type: EventType
    occurred_at: Instant
    reason: Annotated[StrictStr, Field(min_length=1, max_length=2000)] | None = None
    priority: Priority | None = None
    late_reason: LateReason | None = None

    @model_validator(mode="after")
    def _check(self) -> EventIn:
        if self.type == "paused" and not self.reason:
            raise ValueError("a pause needs a reason")
        if self.type == "priority_changed" and (not self.priority or not self.reason):
            raise ValueError("priority_changed needs the new priority and a reason")
        if self.type != "priority_changed" and self.priority is not None:
            raise ValueError("priority is only given with priority_changed")
        return self


class CorrectionIn(StrictInput):
    """Fix a wrong event: move it to ``occurred_at`` or ``void`` it; the reason is required."""

    event_id: StrictStr
    reason: Annotated[StrictStr, Field(min_length=3, max_length=2000)]
    occurred_at: Instant | None = None
    void: StrictBool = False

    @model_validator(mode="after")
    def _check(self) -> CorrectionIn:
        if (self.occurred_at is None) == (not self.void):
            raise ValueError("give either a corrected occurred_at or void: true (not both)")
        return self


class PartIn(StrictInput):
    part_number: PartNumber
    quantity: Annotated[StrictInt, Field(ge=1, le=10_000)]


class WorkLogIn(StrictInput):
    started_at: Instant
    ended_at: Instant
    engineer: Annotated[StrictStr, Field(min_length=1, max_length=200)]
    activity: Activity
    notes: Text | None = None
    parts: Annotated[list[PartIn], Field(max_length=100)] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> WorkLogIn:
        if self.ended_at <= self.started_at:
            raise ValueError("ended_at must be after started_at")
        if self.ended_at - self.started_at > _MAX_WORK:
            raise ValueError("a work log spans at most 24 hours; log longer work as several entries")
        return self


class RatingIn(StrictInput):
    score: Annotated[StrictInt, Field(ge=1, le=5)]
    comment: Text | None = None


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    type: str
    occurred_at: datetime
    recorded_at: datetime
    actor: str
    reason: str | None
    priority: str | None
    corrects_id: str | None
    void: bool
    superseded: bool = False
    superseded_by: str | None = None
    late_reason: str | None = None
    recorded_late: bool = Field(False, description="recorded more than the contract's reporting window after "
                                                   "occurred_at")
    late_by_minutes: float | None = Field(None, description="recorded_at - occurred_at, when recorded late")


class PartOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    part_number: str
    quantity: int


class WorkLogOut(BaseModel):
    id: str
    ticket_id: str
    started_at: datetime
    ended_at: datetime
    minutes: float
    engineer: str
    activity: str
    notes: str | None
    parts: list[PartOut]
    recorded_at: datetime


class RatingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    ticket_id: str
    score: int
    comment: str | None
    recorded_at: datetime


class TicketOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    number: str
    status: str
    priority: str
    initial_priority: str
    agency_id: str
    contract_id: str
    unit_id: str
    summary: str
    description: str | None
    unit_down: bool
    reporter: str | None
    reported_at: datetime
    recorded_at: datetime
    restored_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    late_reason: str | None = None
    recorded_late: bool = Field(False, description="recorded more than the contract's reporting window after "
                                                   "reported_at")
    late_by_minutes: float | None = Field(None, description="recorded_at - reported_at, when recorded late")
    assignee: str | None = None  # who works it now (fleet.dispatch); not a ticket column
    team: str | None = None


class TicketDetailOut(TicketOut):
    events: list[EventOut]
    work_logs: list[WorkLogOut]
    rating: RatingOut | None
    work_minutes: float
    assignments: list[AssignmentOut] = Field(default_factory=list)
    time_to_assign_minutes: float | None = None  # reported → first assignment (information, no SLA target)

