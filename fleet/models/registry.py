from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fleet.db import Base, UTCDateTime
from fleet.models._common import CreatedMixin, IdMixin, key_column


class Agency(IdMixin, CreatedMixin, Base):
    """A government customer: the tenant. Its own row carries its id as ``agency_id``'s target."""

    __tablename__ = "agencies"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    code_key: Mapped[str] = key_column("code")
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))


class Calendar(IdMixin, CreatedMixin, Base):
    """A coverage calendar: wall-clock weekly windows in an IANA zone, holidays, closures.

    Calendars belong to the vendor and may be shared by contracts of several agencies; an agency
    principal sees only the calendars its own contracts use.
    """

    __tablename__ = "calendars"

    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    weekly_hours: Mapped[dict[str, list[list[str]]]] = mapped_column(JSON)
    holiday_country: Mapped[str | None] = mapped_column(String(8))
    holiday_subdivision: Mapped[str | None] = mapped_column(String(16))
    closures: Mapped[list[str]] = mapped_column(JSON)


class Contract(IdMixin, CreatedMixin, Base):
    __tablename__ = "contracts"

    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    number_key: Mapped[str] = key_column("number")
    title: Mapped[str] = mapped_column(String(300))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    calendar_id: Mapped[str] = mapped_column(ForeignKey("calendars.id"), index=True)
    value: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    currency: Mapped[str] = mapped_column(String(3))
    point_of_contact: Mapped[str] = mapped_column(String(300))
    aql_percent: Mapped[Decimal] = mapped_column(Numeric(6, 3))
    availability_target_percent: Mapped[Decimal] = mapped_column(Numeric(6, 3))
    exclude_scheduled_maintenance: Mapped[bool] = mapped_column(Boolean)
    pause_allowed: Mapped[bool] = mapped_column(Boolean)
    warning_percent: Mapped[int] = mapped_column(Integer, default=75)
    credit_per_breach: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    credit_percent_on_aql_miss: Mapped[Decimal | None] = mapped_column(Numeric(6, 3))
    credit_cap_percent: Mapped[Decimal | None] = mapped_column(Numeric(6, 3))
    ticket_seq: Mapped[int] = mapped_column(Integer, default=0)
    reporting_window_hours: Mapped[int] = mapped_column(Integer, default=72, server_default="72")
    """A fact recorded more than this long after it occurred is "recorded late" (fleet/lateness.py)."""

    calendar: Mapped[Calendar] = relationship(lazy="raise")
    agency: Mapped[Agency] = relationship(lazy="raise")


class SlaPolicy(IdMixin, CreatedMixin, Base):
    """A version of a contract's SLA targets, in force for tickets reported at or after
    ``effective_from`` (until the next version). Old outcomes are never rewritten."""

    __tablename__ = "sla_policies"
    __table_args__ = (UniqueConstraint("contract_id", "version"),)

    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    contract_id: Mapped[str] = mapped_column(ForeignKey("contracts.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str | None] = mapped_column(Text)

    targets: Mapped[list[SlaTarget]] = relationship(lazy="raise", order_by="SlaTarget.position")


class SlaTarget(IdMixin, Base):
    __tablename__ = "sla_targets"
    __table_args__ = (UniqueConstraint("policy_id", "priority", "metric"),)

    policy_id: Mapped[str] = mapped_column(ForeignKey("sla_policies.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    priority: Mapped[str] = mapped_column(String(2))
    metric: Mapped[str] = mapped_column(String(16))
    minutes: Mapped[int] = mapped_column(Integer)
    clock: Mapped[str] = mapped_column(String(16))


class Unit(IdMixin, CreatedMixin, Base):
    __tablename__ = "units"

    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    contract_id: Mapped[str] = mapped_column(ForeignKey("contracts.id"), index=True)
    serial: Mapped[str] = mapped_column(String(100), unique=True)
    serial_key: Mapped[str] = key_column("serial")
    model: Mapped[str] = mapped_column(String(200))
    site: Mapped[str] = mapped_column(String(300))
    in_service_at: Mapped[datetime] = mapped_column(UTCDateTime())
    notes: Mapped[str | None] = mapped_column(Text)
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON)
