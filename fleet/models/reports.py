from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column

from fleet.db import Base, UTCDateTime
from fleet.models._common import CreatedMixin, IdMixin


class Report(IdMixin, CreatedMixin, Base):
    """An issued PDF: its parameters, the record it was made from (``as_of``, audit head) and
    the hashes that let anyone check a copy later."""

    __tablename__ = "reports"

    agency_id: Mapped[str | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON)
    as_of: Mapped[datetime] = mapped_column(UTCDateTime())
    audit_head: Mapped[str] = mapped_column(String(64))
    data_sha256: Mapped[str] = mapped_column(String(64), index=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    signed: Mapped[bool] = mapped_column(Boolean)
    page_count: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(120))
    pdf: Mapped[bytes] = deferred(mapped_column(LargeBinary))
