"""Field types shared by every input schema."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictStr, field_validator

from fleet.identifiers import NUL_MESSAGE as NUL_MESSAGE
from fleet.identifiers import normalize_identifier, text_problem
from slas.vocabulary import ClockKind as ClockKind
from slas.vocabulary import Metric as Metric
from slas.vocabulary import Priority as Priority


class StrictInput(BaseModel):
    """Base of every request body: strict types, unknown fields rejected, no NUL characters."""

    model_config = ConfigDict(strict=True, extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if has_nul(value):
            raise ValueError(NUL_MESSAGE)
        problem = text_problem(value)
        if problem:
            raise ValueError(problem)
        return value


def has_nul(value: Any) -> bool:
    """Whether a string, or any string inside lists, tuples and dicts, holds a NUL character."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple):
        return any(has_nul(v) for v in value)
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    return False


def _identifier(value: Any) -> Any:
    return normalize_identifier(value) if isinstance(value, str) else value


Normalized = BeforeValidator(_identifier)
"""Marks a human identifier (serial, contract number, agency code, part number, username): it is
normalized before its length and pattern are checked. Each identifier's ``max_length`` is its column's."""
AgencyCode = Annotated[StrictStr, Normalized, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,31}$", max_length=32)]
ContractNumber = Annotated[StrictStr, Normalized,
                           Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_./-]{1,63}$", max_length=64)]
Serial = Annotated[StrictStr, Normalized, Field(min_length=1, max_length=100)]
PartNumber = Annotated[StrictStr, Normalized, Field(min_length=1, max_length=100)]
Username = Annotated[StrictStr, Normalized, Field(min_length=1, max_length=80)]


# --- instants and days --------------------------------------------------------------------------
MIN_YEAR, MAX_YEAR = 1900, 2199
MIN_INSTANT = datetime(MIN_YEAR, 1, 1, tzinfo=UTC)
END_INSTANT = datetime(MAX_YEAR + 1, 1, 1, tzinfo=UTC)
RANGE_MESSAGE = (f"must be from {MIN_YEAR}-01-01T00:00:00Z up to (not including) {MAX_YEAR + 1}-01-01T00:00:00Z")
"""Why a range: Python's datetime stops at years 1 and 9999, so an offset instant at either end
cannot even be converted to UTC, and figures add days and months to instants. The domain
(equipment in service, tickets, contracts) lives well inside 1900..2199; both databases and every
calculation are comfortable there, with centuries to spare on each side."""


def check_instant(value: datetime) -> datetime:
    """An aware instant in UTC, inside the supported range, or ValueError."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{value.isoformat()!r} has no UTC offset; add Z or +hh:mm")
    if not MIN_YEAR - 1 <= value.year <= MAX_YEAR + 1:  # checked before conversion: it could overflow
        raise ValueError(f"{value.isoformat()!r} is out of range: instants {RANGE_MESSAGE}")
    utc = value.astimezone(UTC)
    if not MIN_INSTANT <= utc < END_INSTANT:
        raise ValueError(f"{value.isoformat()!r} is out of range: instants {RANGE_MESSAGE}")
    return utc


def check_day(value: date) -> date:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"{value.isoformat()} is out of range: dates must be in the years {MIN_YEAR}..{MAX_YEAR}")
    return value


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
    return check_instant(parsed)  # answers use UTC, whatever offset the client sent


def _day(value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        return check_day(value)
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("must be a date YYYY-MM-DD")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a valid date") from None
    return check_day(day)


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
TimeZone = Annotated[StrictStr, Field(max_length=64), AfterValidator(_timezone)]
Percent = Annotated[Decimal, BeforeValidator(_decimal), Field(ge=0, le=100, decimal_places=3)]
Money = Annotated[Decimal, BeforeValidator(_decimal), Field(ge=0, le=Decimal("99999999999999.99"), decimal_places=2)]
Name = Annotated[StrictStr, Field(min_length=1, max_length=300)]
"""Free text in a ``String(300)`` column; :data:`ShortName` for ``String(200)`` ones."""
ShortName = Annotated[StrictStr, Field(min_length=1, max_length=200)]
