"""Report schedule shapes (``/contracts/{id}/report-schedule``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from fleet.schemas.types import StrictInput
from slas.schedule import MAX_WORKING_DAY, Cadence


class ScheduleIn(StrictInput):
    """``cadence``: ``monthly`` or ``quarterly``; ``working_day``: the review of a period is
    issued on this working day (1..10) after the period ends, at the opening of business hours."""

    cadence: Cadence
    working_day: Annotated[StrictInt, Field(ge=1, le=MAX_WORKING_DAY)]


class NextReviewOut(BaseModel):
    model_config = ConfigDict(serialize_by_alias=True, validate_by_name=True, validate_by_alias=True)

    from_: date = Field(alias="from", description="first day of the period")
    to: date = Field(description="day after the last (exclusive)")
    due_at: datetime = Field(description="when the review is issued, as of then (opening of business hours)")


class ScheduleOut(BaseModel):
    id: str
    contract_id: str
    agency_id: str
    cadence: Cadence
    working_day: int
    created_at: datetime = Field(description="when this schedule was put (periods due before then are not owed, "
                                             "but for the most recent one)")
    created_by: str
    next_review: NextReviewOut | None = Field(description="the next review the schedule will issue "
                                                          "(null: the contract's term is over)")
