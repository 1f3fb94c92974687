"""Tickets as answered: a ticket, its events, work logs with parts, rating, and the detail with
its whole history and dispatch. Each reads the fleet's values by attribute (``from_attributes``):
:mod:`fleet.ticket_views` and :mod:`fleet.dispatch` build them, ORM rows for a just-written rating."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.dispatch import AssignmentOut


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
    model_config = ConfigDict(from_attributes=True)
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
