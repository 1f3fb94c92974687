"""Field types shared by every input schema."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictStr, field_validator

Priority = Literal["P1", "P2", "P3", "P4"]
Metric = Literal["response", "on_site", "restore", "resolve"]
ClockKind = Literal["24x7", "calendar"]


class StrictInput(BaseModel):
    """Base of every request body: strict types, unknown fields rejected, no NUL characters."""

    model_config = ConfigDict(strict=True, extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if has_nul(value):
            raise ValueError(NUL_MESSAGE)
        return value


NUL_MESSAGE = "text may not contain NUL characters (\\u0000)"
"""Why: PostgreSQL cannot store NUL in text, and no field of this API has a use for it; refused
at the edge, the same on SQLite and PostgreSQL, naming the field, instead of failing on write."""


def has_nul(value: Any) -> bool:
    """Whether a string, or any string inside lists, tuples and dicts, holds a NUL character."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple):
        return any(has_nul(v) for v in value)
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    return False


def _instant(value: Any) -> Any:
    if isinstance(value, datetime):
        parsed = value
    elif not isinstance(value, str):
        raise ValueError("must be an ISO 8601 instant string with an offset, e.g. 2026-03-02T08:15:00Z")
    else:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not an ISO 8601 instant, e.g. 2026-03-02T08:15:00Z") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError(f"{str(value)!r} has no UTC offset; add Z or +hh:mm")
    return parsed.astimezone(UTC)  # answers use UTC, whatever offset the client sent


def _day(value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("must be a date YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a valid date") from None


def _decimal(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValueError("must be a number")
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None
    if not d.is_finite():
        raise ValueError("must be a finite number")
    return d


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}; use an IANA name such as America/New_York") from None
    return value


Instant = Annotated[datetime, BeforeValidator(_instant)]
Day = Annotated[date, BeforeValidator(_day)]
TimeZone = Annotated[StrictStr, AfterValidator(_timezone)]
Percent = Annotated[Decimal, BeforeValidator(_decimal), Field(ge=0, le=100, decimal_places=3)]
Money = Annotated[Decimal, BeforeValidator(_decimal), Field(ge=0, le=Decimal("99999999999999.99"), decimal_places=2)]
Name = Annotated[StrictStr, Field(min_length=1, max_length=300)]
