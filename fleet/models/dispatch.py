"""Dispatch and conversation: who works a ticket, which team engineers belong to, and the one
conversation per ticket. All three are facts beside the ticket's events: none of them is an
event, so the SLA clocks (which replay events only) never see them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fleet.db import Base, UTCDateTime, utcnow
from fleet.models._common import IdMixin


class TeamMembership(IdMixin, Base):
    """The team a web user (an engineer) belongs to; one row per user, changed by an audited update."""

    __tablename__ = "team_memberships"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), unique=True)
    team: Mapped[str] = mapped_column(String(80), index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120))


class TicketAssignment(IdMixin, Base):
    """An append-only fact: from ``recorded_at`` on, the ticket is worked by ``assignee`` (a
    username; None: nobody, handed back) within ``team``. The latest fact recorded by an instant
    is the assignment as of that instant."""

    __tablename__ = "ticket_assignments"
    __table_args__ = (Index("ix_ticket_assignments_ticket_recorded", "ticket_id", "recorded_at"),)

    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id"))
    assignee: Mapped[str | None] = mapped_column(String(80), index=True)
    team: Mapped[str | None] = mapped_column(String(80))
    reason: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(120))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TicketComment(IdMixin, Base):
    """One message of the ticket's conversation (append-only; a correction is a new comment).
    ``visibility``: ``public`` (the agency sees it) or ``internal`` (the vendor's side only).
    ``side``: who wrote it, ``agency`` or ``vendor``."""

    __tablename__ = "ticket_comments"
    __table_args__ = (Index("ix_ticket_comments_ticket_recorded", "ticket_id", "recorded_at"),)

    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id"))
    visibility: Mapped[str] = mapped_column(String(16))
    side: Mapped[str] = mapped_column(String(16))
    author: Mapped[str] = mapped_column(String(200))
    actor: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
