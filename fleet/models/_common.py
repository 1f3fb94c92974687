from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from fleet.db import UTCDateTime, new_id, utcnow
from fleet.identifiers import identifier_key

KEY_LENGTH = 400
"""Room for a case-folded identifier: folding can lengthen text (``ß`` is ``ss``), and the
migration that added the keys may suffix a legacy duplicate's key with ``#<id>``."""


def key_column(source: str) -> Mapped[str]:
    """A column holding :func:`fleet.identifiers.identifier_key` of column ``source``, filled on
    insert, under a unique index (an index, not a constraint: SQLite adds one to a table in place),
    so ``RBT-7781`` and ``rbt-7781`` cannot both be stored, on any database."""

    def default(context: Any) -> str:
        return identifier_key(context.get_current_parameters()[source])

    column: Callable[..., Mapped[str]] = mapped_column
    return column(String(KEY_LENGTH), unique=True, index=True, default=default)


class IdMixin:
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)


class CreatedMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
