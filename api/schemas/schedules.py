"""Report schedule answers (``/contracts/{id}/report-schedule``), read by attribute from
:class:`fleet.notify.schedules.ScheduleState`."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from slas.schedule import Cadence


class NextReviewOut(BaseModel):
    model_config = ConfigDict(serialize_by_alias=True, validate_by_name=True, validate_by_alias=True,
                              from_attributes=True)

    from_: date = Field(alias="from", description="first day of the period")
    to: date = Field(description="day after the last (exclusive)")
    due_at: datetime = Field(description="when the review is issued, as of then (opening of business hours)")


class ScheduleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

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
