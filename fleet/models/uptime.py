from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fleet.db import Base, UTCDateTime, utcnow
from fleet.models._common import IdMixin


def _bytewise(length: int) -> String:
    """A string compared byte by byte on PostgreSQL (``COLLATE "C"``); SQLite's default already is."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


class StatusEvent(Base):
    """A telemetry state change of a unit. ``event_id`` is the sender's, unique per unit, so a
    retried batch is counted as duplicates and never stored twice.

    Sized for billions of rows: a bigint key, and the ``(unit_id, occurred_at, id)`` index that
    every availability query walks, in the order it reads. On PostgreSQL the index covers
    ``state`` and ``recorded_at`` too (an index-only scan, no heap visit per row) and ``unit_id``
    and ``event_id`` are in byte order (``COLLATE "C"``), so grouping by unit needs no ``strcoll``
    and plain ``unit_id = …`` lookups use the same index (docs/SCALING.md). It is the table to
    partition by month of ``occurred_at`` when it outgrows one (docs/SCALING.md).

    No foreign key to ``units`` and no index on ``agency_id`` (revision 20261201_0003): the key's
    per-row check is a trigger query and a ``FOR KEY SHARE`` lock on the unit for every one of
    10,000 rows a batch, the biggest cost of an insert here, and no query reads events by agency.
    The reference still holds: :func:`fleet.status_events.ingest` stores an event only for a unit it has
    just read in the same transaction (tenancy-scoped), and units are never deleted (no code path
    deletes one; a unit leaves service, it does not vanish). ``agency_id`` is the unit's, copied.
    """

    __tablename__ = "status_events"
    __table_args__ = (
        UniqueConstraint("unit_id", "event_id"),
        Index("ix_status_events_unit_occurred", "unit_id", "occurred_at", "id",
              postgresql_include=["state", "recorded_at"]),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    agency_id: Mapped[str] = mapped_column(String(36))
    unit_id: Mapped[str] = mapped_column(_bytewise(36))
    event_id: Mapped[str] = mapped_column(_bytewise(100))
    state: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MaintenanceWindow(IdMixin, Base):
    """Planned maintenance for one unit (``unit_id``) or a whole contract (``unit_id`` null)."""

    __tablename__ = "maintenance_windows"
    __table_args__ = (Index("ix_maintenance_windows_contract_starts", "contract_id", "starts_at"),)

    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    contract_id: Mapped[str] = mapped_column(ForeignKey("contracts.id"))
    unit_id: Mapped[str | None] = mapped_column(ForeignKey("units.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_by: Mapped[str | None] = mapped_column(String(120))
    cancel_reason: Mapped[str | None] = mapped_column(Text)
