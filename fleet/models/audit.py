from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fleet.db import Base, UTCDateTime


class AuditEntry(Base):
    """One entry of the hash-chained audit ledger (see :mod:`fleet.audit`)."""

    __tablename__ = "audit_entries"

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64))
    agency_id: Mapped[str | None] = mapped_column(String(36), index=True)
    before: Mapped[Any | None] = mapped_column(JSON)
    after: Mapped[Any | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), index=True)  # verify: is a report's head still here
    # The hashes of the rows the write left behind (fleet.rowproof); part of the entry hash when
    # present. Entries written before revision 20261207_0003 have none.
    proof: Mapped[Any | None] = mapped_column(JSON)
    # Which figures the write can change (fleet.answers): the contract (None: any contract) and
    # the earliest instant (None: any period). Derived from the entry, not part of it: outside
    # the hash, so the ledger's content and its verification are unchanged.
    contract_id: Mapped[str | None] = mapped_column(String(36))
    affects_from: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AuditHead(Base):
    """The single row that serialises appends: writers lock it, so the chain never forks."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
