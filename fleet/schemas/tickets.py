"""Ticket, event, correction, work-log and rating commands (the answers: ``api/schemas/tickets.py``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from pydantic import Field, StrictBool, StrictInt, StrictStr, model_validator

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

