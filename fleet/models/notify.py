"""Notifications: who is told what, through which channel, and whether it arrived.

A :class:`Notification` is decided in the transaction of the fact that causes it (the outbox);
each of its :class:`Delivery` rows is one message to one destination (an e-mail address or a
registered :class:`Webhook`), delivered at least once by the worker. Both are audited: who was
told what and when is part of the record. :class:`ClockAlarm` rows are the worker's plan of
when a clock will reach its warning or its target; they are derived from the ticket's events
and re-planned on every ticket write, so they are not audited (see :mod:`fleet.rowproof`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fleet.db import Base, UTCDateTime
from fleet.models._common import CreatedMixin, IdMixin


class NotificationContact(IdMixin, CreatedMixin, Base):
    """An e-mail address a rule can name. ``audience``: ``engineer`` (matched to assignees and
    teams by ``username``), ``manager`` (the vendor's contract managers) or ``agency`` (the
    agency's contacts; ``agency_id`` set)."""

    __tablename__ = "notification_contacts"

    agency_id: Mapped[str | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    audience: Mapped[str] = mapped_column(String(16))
    username: Mapped[str | None] = mapped_column(String(80), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    created_by: Mapped[str] = mapped_column(String(120))
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """Set when the contact is removed: no rule reaches it any more; the row stays (the ledger
    proves every row, and the deliveries made to it stay readable)."""


class NotificationRule(IdMixin, CreatedMixin, Base):
    """Which recipients a contract's event of ``event_type`` goes to by e-mail. A contract with no
    rule for an event type uses the defaults (:data:`fleet.notify.rules.DEFAULTS`).
    ``recipients``: names among ``assignee``, ``team``, ``managers``, ``agency``; ``priorities``:
    the ticket priorities it applies to (None: all)."""

    __tablename__ = "notification_rules"
    __table_args__ = (UniqueConstraint("contract_id", "event_type"),)

    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    contract_id: Mapped[str] = mapped_column(ForeignKey("contracts.id"))
    event_type: Mapped[str] = mapped_column(String(32))
    recipients: Mapped[list[str]] = mapped_column(JSON)
    priorities: Mapped[list[str] | None] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(120))
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """Set when the contract goes back to the default for this event type (the row stays: the
    ledger proves every row; setting a rule again revives it)."""


class Webhook(IdMixin, CreatedMixin, Base):
    """A URL that receives the events it subscribed to, signed as Standard Webhooks says.
    ``agency_id`` set: an agency's webhook (its own agency's events only); None: the vendor's.
    Deleting sets ``deleted_at`` (its delivery log stays readable)."""

    __tablename__ = "webhooks"

    agency_id: Mapped[str | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    url: Mapped[str] = mapped_column(Text)
    events: Mapped[list[str]] = mapped_column(JSON)
    secret: Mapped[str] = mapped_column(String(128))
    created_by: Mapped[str] = mapped_column(String(120))
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Notification(IdMixin, CreatedMixin, Base):
    """One event worth telling (``type``: ``ticket.opened``, ``clock.warning``, …), decided once:
    ``dedupe_key`` is unique, so a replayed write or a re-planned alarm never decides it twice.
    ``data`` is the event's payload data (ids, numbers, the metric and due time where they apply,
    instants in the contract's zone for the words of a message)."""

    __tablename__ = "notifications"

    agency_id: Mapped[str | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    contract_id: Mapped[str | None] = mapped_column(ForeignKey("contracts.id"), index=True)
    ticket_id: Mapped[str | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    type: Mapped[str] = mapped_column(String(32))
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class Delivery(IdMixin, CreatedMixin, Base):
    """One message of a notification to one destination (``channel`` ``email``: ``target`` is
    the address; ``webhook``: the webhook's id). ``status``: ``pending`` (waiting for its
    ``next_attempt_at``), ``delivered``, ``dead`` (gave up after the last retry; an admin can
    retry it). ``claimed_by``/``claimed_until`` are a worker's lease while it delivers
    (bookkeeping, not audited); ``attempts`` counts finished attempts."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (Index("ix_notification_deliveries_due", "status", "next_attempt_at"),)

    notification_id: Mapped[str] = mapped_column(ForeignKey("notifications.id"), index=True)
    agency_id: Mapped[str | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(320), index=True)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ClockAlarm(Base):
    """When a running clock of a ticket reaches its warning percent (``warning``) or passes its
    target (``breach``): the worker's plan, re-made from the clocks on every ticket write. Keyed
    by what it is about (no generated id: planning takes nothing from the id sequence, so the
    ids of the record's own rows do not depend on how often alarms were re-planned)."""

    __tablename__ = "clock_alarms"

    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    metric: Mapped[str] = mapped_column(String(16), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class ReportSchedule(IdMixin, CreatedMixin, Base):
    """A contract's review issued by the worker for each period just ended (``cadence``
    ``monthly`` or ``quarterly``) on the ``working_day``-th working day after it, at the start
    of the contract calendar's business hours, and sent as ``report.issued``. Deleting sets
    ``deleted_at`` (the ledger proves every row it recorded; a schedule put again is live again,
    from then: its ``created_at`` is the time it was put again)."""

    __tablename__ = "report_schedules"

    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    contract_id: Mapped[str] = mapped_column(ForeignKey("contracts.id"), unique=True)
    cadence: Mapped[str] = mapped_column(String(16))
    working_day: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(120))
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
