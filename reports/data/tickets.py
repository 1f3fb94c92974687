"""Report data: the record behind the figures (tickets, events, work logs, parts, downtime, late
records) and dispatch and conversation (assignments, comments)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from reports.data.base import (
    ClockKind,
    Metric,
    MetricState,
    NonNegDecimal,
    NonNegInt,
    Priority,
    Sources,
    UtcDateTime,
    _Model,
)

# --------------------------------------------------------------------------- the record


class MetricOutcome(_Model):
    clock: ClockKind
    due_at: UtcDateTime | None
    elapsed_minutes: NonNegDecimal
    metric: Metric
    paused_minutes: NonNegDecimal
    state: MetricState
    stopped_at: UtcDateTime | None
    target_minutes: int


class TicketRecord(_Model):
    closed_at: UtcDateTime | None
    contract_id: str
    id: str
    initial_priority: Priority
    number: str
    outcomes: list[MetricOutcome]
    priority: Priority
    recorded_at: UtcDateTime
    reported_at: UtcDateTime
    resolved_at: UtcDateTime | None
    restored_at: UtcDateTime | None
    status: str
    summary: str
    unit_down: bool
    unit_id: str
    unit_serial: str


class EventRecord(_Model):
    actor: str
    corrects_id: str | None
    id: str
    occurred_at: UtcDateTime
    priority: Priority | None
    reason: str | None
    recorded_at: UtcDateTime
    ticket_id: str
    ticket_number: str
    type: str
    void: bool


class PartUse(_Model):
    part_number: str
    quantity: Annotated[int, Field(gt=0)]


class WorkLogRecord(_Model):
    activity: str
    ended_at: UtcDateTime
    engineer: str
    id: str
    notes: str | None
    parts: list[PartUse]
    started_at: UtcDateTime
    ticket_id: str
    ticket_number: str


class PartTotal(_Model):
    part_number: str
    quantity: NonNegInt
    sources: Sources


class DowntimeInterval(_Model):
    """A stretch of one unit's time that was not up: ``counted`` says whether it entered the
    downtime (``False``: scheduled maintenance excluded from the period)."""

    cause: Literal["telemetry_down", "ticket_unit_down", "maintenance"]
    counted: bool
    end: UtcDateTime
    minutes: NonNegDecimal
    sources: Sources
    start: UtcDateTime
    ticket_number: str | None
    unit_id: str


class LateRecord(_Model):
    """A fact about a ticket of the review recorded more than the contract's reporting window after
    it occurred: the ticket's report (``fact`` "reported", ``id`` the ticket's) or an event (``fact``
    its type; "corrected" is a correction, dated at the instant it moves or voids). ``reason`` is
    why it was recorded late (a correction's own reason). Figures do not depend on it."""

    actor: str
    delay_minutes: NonNegDecimal
    fact: str
    id: str
    occurred_at: UtcDateTime
    reason: str | None
    recorded_at: UtcDateTime
    ticket_id: str
    ticket_number: str


# --------------------------------------------------------------------------- dispatch and conversation


class AssignTime(_Model):
    """Reported → first assignment to an engineer, for one ticket (information: no SLA target)."""

    first_assigned_at: UtcDateTime
    minutes: NonNegDecimal
    ticket_id: str
    ticket_number: str


class LateTelemetry(_Model):
    """One unit's telemetry status events of the period recorded later than the window (robots
    buffer while offline and send later: never refused, counted here)."""

    count: NonNegInt
    first_occurred_at: UtcDateTime
    last_occurred_at: UtcDateTime
    max_delay_minutes: NonNegDecimal
    unit_id: str
    unit_serial: str


class LateRecords(_Model):
    """What of the record came after the fact: every late ticket fact of the period's tickets,
    and the late telemetry per unit, as recorded by ``as_of``."""

    facts: list[LateRecord]
    status_events: list[LateTelemetry]
    ticket_facts: NonNegInt  # every ticket fact of the review (reports and events), for the share
    window_hours: Annotated[int, Field(gt=0)]


class Dispatch(_Model):
    """Time to assign over the period's tickets, as recorded by ``as_of`` (information only)."""

    assigned: NonNegInt
    mean_minutes: NonNegDecimal | None
    median_minutes: NonNegDecimal | None
    never_assigned: NonNegInt
    sources: Sources
    tickets: list[AssignTime]


class CommentRecord(_Model):
    """A public message of a ticket's conversation (internal notes never enter a report)."""

    author: str
    body: str
    id: str
    recorded_at: UtcDateTime
    side: Literal["agency", "vendor"]
    ticket_id: str
    ticket_number: str
