"""Exact figures for report data: integers stay integers, percentages are exact decimals rounded
*down* to 6 places from the integers or minutes they come from (so ``report-data.json``
recomputes), elapsed and paused minutes are the clocks' exact microseconds rounded *up* to 6
places (a breach never rounds down to its target), and every figure cites its sources."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from reports.data import Period, Sources

Q6 = Decimal("0.000001")
Q2 = Decimal("0.01")
HUNDRED = Decimal(100)
_US = timedelta(microseconds=1)
_US_PER_MINUTE = Decimal(60_000_000)


def minutes(value: timedelta) -> Decimal:
    """Exact minutes of a duration, rounded *up* to 6 places (so a breach never reads as met)."""
    return (Decimal(value // _US) / _US_PER_MINUTE).quantize(Q6, rounding=ROUND_CEILING)


def dec(value: float) -> Decimal:
    """A service figure (a float with few decimals) as the decimal it prints as."""
    return Decimal(repr(value))


def pct(num: Decimal | int, den: Decimal | int) -> Decimal | None:
    """``100 × num ÷ den`` rounded down to 6 places; ``None`` when ``den`` is 0."""
    den = Decimal(den)
    if den <= 0:
        return None
    value = (Decimal(num) * HUNDRED / den).quantize(Q6, rounding=ROUND_DOWN)
    return min(max(value, Decimal(0)), HUNDRED)


def availability_pct(period: Decimal, excluded: Decimal, downtime: Decimal) -> Decimal | None:
    return pct(period - excluded - downtime, period - excluded)


def ids(values: Iterable[str]) -> list[str]:
    """Distinct ids in a stable order: numeric ids (status events) by number, others as text."""
    unique = set(values)
    if unique and all(v.isdigit() for v in unique):
        return sorted(unique, key=int)
    return sorted(unique)


def src(**kw: Iterable[str]) -> Sources:
    return Sources(**{k: ids(v) for k, v in kw.items()})


def month_label(instant: datetime, zone: ZoneInfo) -> str:
    return instant.astimezone(zone).strftime("%Y-%m")


def months(start: date, end: date) -> list[str]:
    """``YYYY-MM`` of every calendar month that ``[start, end)`` touches."""
    out = []
    y, m = start.year, start.month
    while date(y, m, 1) < end:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def money(amount: Decimal, currency: str) -> str:
    text = f"{amount.quantize(Q2, rounding=ROUND_HALF_UP):,}"
    return f"${text}" if currency == "USD" else f"{text} {currency}"


def overlaps(lo: datetime, hi: datetime | None, start: datetime, end: datetime) -> bool:
    return lo < end and (hi is None or hi > start)


def period(start_date: date, end_date: date, timezone: str) -> Period:
    return Period.model_validate({"from": start_date, "to": end_date, "timezone": timezone})
