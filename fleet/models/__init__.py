"""ORM models. Every tenant-owned table carries ``agency_id`` (see :mod:`fleet.tenancy`)."""

from fleet.models.audit import AuditEntry, AuditHead
from fleet.models.dispatch import TeamMembership, TicketAssignment, TicketComment
from fleet.models.idempotency import IdempotencyRecord
from fleet.models.identity import ApiKey, SignInThrottle, User, WebSession
from fleet.models.notify import (
    ClockAlarm,
    Delivery,
    Notification,
    NotificationContact,
    NotificationRule,
    ReportSchedule,
    Webhook,
)
from fleet.models.registry import Agency, Calendar, Contract, SlaPolicy, SlaTarget, Unit
from fleet.models.reports import Report
from fleet.models.tickets import Rating, Ticket, TicketEvent, WorkLog, WorkLogPart
from fleet.models.uptime import MaintenanceWindow, StatusEvent

__all__ = [
    "Agency",
    "ApiKey",
    "AuditEntry",
    "AuditHead",
    "Calendar",
    "ClockAlarm",
    "Contract",
    "Delivery",
    "IdempotencyRecord",
    "MaintenanceWindow",
    "Notification",
    "NotificationContact",
    "NotificationRule",
    "Rating",
    "Report",
    "ReportSchedule",
    "SignInThrottle",
    "SlaPolicy",
    "SlaTarget",
    "StatusEvent",
    "TeamMembership",
    "Ticket",
    "TicketAssignment",
    "TicketComment",
    "TicketEvent",
    "Unit",
    "User",
    "WebSession",
    "Webhook",
    "WorkLog",
    "WorkLogPart",
]
