"""Cursor pagination: items ordered by id (UUIDv7, so by creation), the cursor is the last id."""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import Session

from fleet.errors import Invalid

T = TypeVar("T")
MAX_LIMIT = 500


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(last_id: str) -> str:
    return base64.urlsafe_b64encode(last_id.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    """The id a cursor stands for. Only what :func:`encode_cursor` makes of an id (a UUID) is
    accepted: lenient base64 would turn garbage into some string and silently restart or end the list."""
    try:
        last_id = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if str(uuid.UUID(last_id)) != last_id or encode_cursor(last_id) != cursor:
            raise ValueError(cursor)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise Invalid("cursor is not one this server issued", code="invalid_cursor") from None
    return last_id


def paginate(session: Session, stmt: Select[Any], id_column: Any, *, limit: int, cursor: str | None,
             rows: bool = False, newest_first: bool = False) -> Page[Any]:
    """One page of ``stmt`` ordered by ``id_column``. ``rows=True``: the page's items are the
    statement's rows as ``{column: value}`` dicts (for a select of a table's columns: ready for
    one validation of the whole page, no ORM object per row), else its first column (the ORM
    objects). ``newest_first``: by id descending (a log, latest first)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid(f"limit must be between 1 and {MAX_LIMIT}", code="invalid_limit")
    if cursor:
        last_id = decode_cursor(cursor)
        stmt = stmt.where(id_column < last_id if newest_first else id_column > last_id)
    stmt = stmt.order_by(id_column.desc() if newest_first else id_column).limit(limit + 1)
    if rows:
        result = session.execute(stmt)
        keys = tuple(result.keys())
        found: list[Any] = [dict(zip(keys, row, strict=True)) for row in result.all()]
    else:
        found = list(session.scalars(stmt).all())
    more = len(found) > limit
    found = found[:limit]
    last = (found[-1]["id"] if rows else found[-1].id) if more and found else None
    return Page(found, encode_cursor(str(last)) if last is not None else None)
