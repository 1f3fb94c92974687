from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fleet.db import Base
from fleet.models._common import CreatedMixin, IdMixin


class IdempotencyRecord(IdMixin, CreatedMixin, Base):
    """The first answer to a request made with an ``Idempotency-Key``, replayed on retries.

    The row is inserted before the work is done, in the same transaction: a concurrent retry
    blocks on the unique key until the first commits, then replays its answer.
    """

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("principal_id", "key"),)

    principal_id: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(255))
    scope: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    response: Mapped[Any | None] = mapped_column(JSON)
