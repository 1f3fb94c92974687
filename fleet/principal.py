"""Who is acting, and what each role may do.

Roles: ``admin`` (everything), ``manager`` (contract manager: registry, tickets, corrections,
reports, audit), ``engineer`` (tickets, events, work logs; reads the registry), ``agency`` (its own
data only: reads, opens tickets for its units, rates service, reads reports), ``telemetry``
(posts status events only).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from fleet.errors import Forbidden

Role = Literal["admin", "manager", "engineer", "agency", "telemetry"]
ROLES: tuple[Role, ...] = ("admin", "manager", "engineer", "agency", "telemetry")

Action = Literal[
    "read",
    "registry.write",
    "tickets.create",
    "tickets.events",
    "tickets.correct",
    "worklogs.write",
    "ratings.write",
    "status.write",
    "maintenance.write",
    "reports.create",
    "reports.read",
    "audit.verify",
    "identity.manage",
    "tickets.assign",  # take an unassigned ticket, hand one's own back
    "tickets.dispatch",  # assign and reassign anyone's tickets (managers)
    "comments.write",  # public comments on a ticket
    "comments.internal",  # internal (vendor-only) comments: write and read
    "notifications.manage",  # contacts, rules, report schedules, the delivery log and its retries
    "webhooks.manage",  # register, list and delete webhooks and read their notifications (an agency: its own)
]

_ALL: frozenset[Action] = frozenset(Action.__args__)  # type: ignore[attr-defined]
PERMISSIONS: dict[Role, frozenset[Action]] = {
    "admin": _ALL,
    "manager": _ALL - {"identity.manage", "ratings.write"},
    "engineer": frozenset(
        {"read", "tickets.create", "tickets.events", "worklogs.write", "reports.read", "status.write",
         "tickets.assign", "comments.write", "comments.internal"}
    ),
    "agency": frozenset({"read", "tickets.create", "ratings.write", "reports.read", "comments.write",
                         "webhooks.manage"}),
    "telemetry": frozenset({"status.write"}),
}


@dataclass(frozen=True)
class Principal:
    """An authenticated caller. ``agency_id`` set means every query is scoped to that agency."""

    id: str
    name: str
    role: Role
    agency_id: str | None = None
    kind: Literal["key", "user", "system"] = "key"

    @property
    def actor(self) -> str:
        return f"{self.kind}:{self.name}"

    def can(self, action: Action) -> bool:
        return action in PERMISSIONS[self.role]

    def require(self, action: Action) -> None:
        if not self.can(action):
            raise Forbidden(f"the {self.role} role may not do this ({action})", code="forbidden")


SYSTEM = Principal(id="system", name="cli", role="admin", kind="system")
