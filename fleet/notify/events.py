"""The notification vocabulary: event types, recipients and the default rules.

The event type names are a public contract (webhook subscribers filter on them): never rename one.
"""

from __future__ import annotations

from typing import Literal, get_args

EventType = Literal[
    "ticket.opened",
    "ticket.assigned",
    "ticket.acknowledged",
    "clock.warning",
    "clock.breached",
    "ticket.restored",
    "ticket.resolved",
    "report.issued",
    "record.late",
]
EVENT_TYPES: tuple[EventType, ...] = get_args(EventType)

Recipient = Literal["assignee", "team", "managers", "agency"]
RECIPIENTS: tuple[Recipient, ...] = get_args(Recipient)
"""``assignee``: the engineer working the ticket (nobody assigned: the ticket's team; no team
either: the contract managers, so a warning always reaches someone); ``team``: the engineers of
the ticket's team; ``managers``: the vendor's contract managers; ``agency``: the agency's contacts."""

Audience = Literal["engineer", "manager", "agency"]
AUDIENCES: tuple[Audience, ...] = get_args(Audience)

#: Who each event goes to by e-mail when the contract has no rule for it, and for which priorities.
DEFAULTS: dict[EventType, tuple[tuple[Recipient, ...], tuple[str, ...] | None]] = {
    "ticket.opened": (("team", "managers"), ("P1", "P2")),
    "ticket.assigned": (("assignee",), None),
    "ticket.acknowledged": (("agency",), None),
    "clock.warning": (("assignee",), None),
    "clock.breached": (("assignee", "managers"), None),
    "ticket.restored": (("agency",), None),
    "ticket.resolved": (("agency",), None),
    "report.issued": (("managers", "agency"), None),
    "record.late": (("managers", "agency"), None),
}

#: Ticket events that are told as they are recorded (``ticket.<type>``).
TOLD_EVENTS = {"acknowledged": "ticket.acknowledged", "restored": "ticket.restored", "resolved": "ticket.resolved"}

TITLES: dict[EventType, str] = {
    "ticket.opened": "Ticket opened",
    "ticket.assigned": "Ticket assigned",
    "ticket.acknowledged": "Ticket acknowledged",
    "clock.warning": "SLA clock warning",
    "clock.breached": "SLA clock breached",
    "ticket.restored": "Unit restored",
    "ticket.resolved": "Ticket resolved, waiting for a rating",
    "report.issued": "Report issued",
    "record.late": "Late record",
}
