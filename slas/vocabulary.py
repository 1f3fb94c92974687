"""The vocabulary of SLAs, written once: every other layer derives its lists and names from here.

Each set of values is a ``Literal`` (what mypy and Pydantic check against) and a tuple taken
from it with :func:`typing.get_args` (what code iterates), in the order the documents show
them; the display names are keyed by those values.  The API schemas (``fleet/schemas``), the
report data (``reports/data.py``), the web pages and the report templates import these, so a
new metric or event type is added here and nowhere else in those layers (docs/ARCHITECTURE.md,
"Adding a metric"; ``tests/slas/test_vocabulary.py`` checks the derivations).

Pure Python, like the rest of ``slas/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

# --------------------------------------------------------------------------- priorities

Priority = Literal["P1", "P2", "P3", "P4"]
PRIORITIES: tuple[Priority, ...] = get_args(Priority)
#: What each priority means (the ticket form shows ``P1 — critical: work has stopped``).
PRIORITY_MEANINGS: dict[str, str] = {
    "P1": "critical: work has stopped",
    "P2": "high: work is impaired",
    "P3": "normal",
    "P4": "low: when convenient",
}

# --------------------------------------------------------------------------- metrics

Metric = Literal["response", "on_site", "restore", "resolve"]
#: The metrics in the order every table and document lists them.
METRICS: tuple[Metric, ...] = get_args(Metric)
METRIC_NAMES: dict[str, str] = {
    "response": "Response",
    "on_site": "On site",
    "restore": "Restore",
    "resolve": "Resolve",
}

# --------------------------------------------------------------------------- clocks

ClockKind = Literal["24x7", "calendar"]
CLOCK_KINDS: tuple[ClockKind, ...] = get_args(ClockKind)

#: A metric clock's state as read at an instant (slas/clocks.py).
MetricState = Literal["running", "paused", "met", "breached", "not_applicable"]
METRIC_STATES: tuple[MetricState, ...] = get_args(MetricState)

# --------------------------------------------------------------------------- ticket events

#: The milestones of a ticket's life, in the only order they may be reached.
Milestone = Literal["acknowledged", "on_site", "restored", "resolved", "closed"]
MILESTONES: tuple[Milestone, ...] = get_args(Milestone)
#: The events a client records (POST .../events): the milestones, pauses, reopening, priority changes.
RecordedEventType = Literal[Milestone, "paused", "resumed", "reopened", "priority_changed"]
RECORDED_EVENT_TYPES: tuple[RecordedEventType, ...] = get_args(RecordedEventType)
#: Every event type of a ticket's timeline: its report, the recorded events, and corrections.
EventType = Literal["reported", RecordedEventType, "corrected"]
EVENT_TYPES: tuple[EventType, ...] = get_args(EventType)
EVENT_NAMES: dict[str, str] = {
    "reported": "Reported",
    "acknowledged": "Acknowledged",
    "on_site": "On site",
    "restored": "Restored",
    "resolved": "Resolved",
    "closed": "Closed",
    "paused": "Paused",
    "resumed": "Resumed",
    "reopened": "Reopened",
    "priority_changed": "Priority changed",
    "corrected": "Correction",
}
#: The one-tap buttons of the field pages that record an event (priority changes have a form of their own).
EVENT_ACTIONS: dict[str, str] = {
    "acknowledged": "Acknowledge",
    "on_site": "On site",
    "restored": "Restored",
    "resolved": "Resolved",
    "paused": "Pause",
    "resumed": "Resume",
    "closed": "Close",
    "reopened": "Reopen",
}

# --------------------------------------------------------------------------- ticket statuses

#: A ticket's status: the last milestone reached (``open`` before any), or ``paused``.
TicketStatus = Literal["open", Milestone, "paused"]
TICKET_STATUSES: tuple[TicketStatus, ...] = get_args(TicketStatus)
#: Statuses of a ticket whose work is done (resolved, or resolved and closed).
FINISHED_STATUSES: tuple[TicketStatus, ...] = ("resolved", "closed")
#: Statuses of a ticket still being worked.
OPEN_STATUSES: tuple[TicketStatus, ...] = tuple(s for s in TICKET_STATUSES if s not in FINISHED_STATUSES)
STATUS_NAMES: dict[str, str] = {
    status: "Open" if status == "open" else EVENT_NAMES[status] for status in TICKET_STATUSES
}

# --------------------------------------------------------------------------- availability definitions

#: How a contract counts scheduled maintenance (the code in report-data.json).
AvailabilityDefinition = Literal["maintenance_excluded", "operational_ao"]
AVAILABILITY_DEFINITIONS: tuple[AvailabilityDefinition, ...] = get_args(AvailabilityDefinition)


@dataclass(frozen=True)
class AvailabilityTerm:
    """One availability definition: its report-data code, the label the API answers with
    (``definition`` of GET .../availability) and the words the documents use."""

    code: AvailabilityDefinition
    api_label: str
    name: str
    description: str


AVAILABILITY_TERMS: dict[AvailabilityDefinition, AvailabilityTerm] = {
    "maintenance_excluded": AvailabilityTerm(
        "maintenance_excluded", "maintenance excluded", "maintenance excluded",
        "Scheduled maintenance excluded from the period (contract term)"),
    "operational_ao": AvailabilityTerm(
        "operational_ao", "Ao", "operational (Ao)",
        "Operational availability (Ao): scheduled maintenance counts as down"),
}


def availability_definition(exclude_scheduled_maintenance: bool) -> AvailabilityDefinition:
    """The definition a contract's ``exclude_scheduled_maintenance`` term selects."""
    return "maintenance_excluded" if exclude_scheduled_maintenance else "operational_ao"
