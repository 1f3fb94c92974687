from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fleet.db import Base, UTCDateTime, utcnow
from fleet.models._common import IdMixin


class Ticket(IdMixin, Base):
    """A service request. Its life is its events; ``status``, ``priority`` and the milestone
    columns are a projection of them, rebuilt after every event so lists can filter cheaply.
    Figures never read the projection: they replay the events as of an instant."""

    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("contract_id", "seq"),
        Index("ix_tickets_contract_reported", "contract_id", "reported_at"),
    )

    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    contract_id: Mapped[str] = mapped_column(ForeignKey("contracts.id"))
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(100), unique=True)
    initial_priority: Mapped[str] = mapped_column(String(2))
    priority: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(16), index=True)
    summary: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    unit_down: Mapped[bool] = mapped_column(Boolean)
    reporter: Mapped[str | None] = mapped_column(String(200))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120))
    restored_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    late_reason: Mapped[str | None] = mapped_column(Text)  # why it was recorded after the reporting window


class TicketEvent(IdMixin, Base):
    """An append-only fact about a ticket. A ``corrected`` event supersedes ``corrects_id``:
    it either moves that event to a new ``occurred_at`` or voids it (``void``)."""

    __tablename__ = "ticket_events"
    __table_args__ = (Index("ix_ticket_events_ticket_occurred", "ticket_id", "occurred_at"),)

    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id"))
    type: Mapped[str] = mapped_column(String(24))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str | None] = mapped_column(Text)
    priority: Mapped[str | None] = mapped_column(String(2))
    corrects_id: Mapped[str | None] = mapped_column(ForeignKey("ticket_events.id"), index=True)
    void: Mapped[bool] = mapped_column(Boolean, default=False)
    late_reason: Mapped[str | None] = mapped_column(Text)  # why it was recorded after the reporting window


class WorkLog(IdMixin, Base):
    __tablename__ = "work_logs"

    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime())
    engineer: Mapped[str] = mapped_column(String(200))
    activity: Mapped[str] = mapped_column(String(16))
    notes: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120))


class WorkLogPart(IdMixin, Base):
    __tablename__ = "work_log_parts"

    work_log_id: Mapped[str] = mapped_column(ForeignKey("work_logs.id"), index=True)
    part_number: Mapped[str] = mapped_column(String(100))
    quantity: Mapped[int] = mapped_column(Integer)


class Rating(IdMixin, Base):
    """The agency's satisfaction rating of a resolved ticket; one per ticket."""

    __tablename__ = "ratings"

    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id"), unique=True)
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120))
