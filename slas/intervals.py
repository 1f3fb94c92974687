"""Instants and half-open interval arithmetic on them.

Rules:
- An *instant* is a timezone-aware ``datetime``; :func:`as_utc` refuses naive
  values (:class:`~slas.errors.NaiveDatetime`) and normalises the rest to UTC, so
  subtraction is real elapsed time even across a DST change.
- An *interval* is a half-open pair ``(start, end)``: it contains ``start`` and not
  ``end``.  Empty intervals (``end <= start``) are dropped by every operation.
- Interval lists returned here are sorted, non-overlapping and non-adjacent
  ("merged"), so a total is a plain sum.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from slas.errors import NaiveDatetime

Interval = tuple[datetime, datetime]

ZERO = timedelta(0)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: Sentinels for "since before any record" and "until after any record".
DAWN = datetime.min.replace(tzinfo=UTC)
DUSK = datetime.max.replace(tzinfo=UTC)


def as_utc(value: datetime, name: str = "instant") -> datetime:
    """Return ``value`` as an aware UTC datetime; refuse naive datetimes.

    Rule: a naive datetime raises :class:`NaiveDatetime` naming the argument; an
    aware datetime in any zone is converted to the same instant in UTC.
    """
    tz = value.tzinfo
    if tz is UTC:
        return value
    if tz is None or value.utcoffset() is None:
        raise NaiveDatetime(
            f"{name} must be timezone-aware (e.g. 2026-03-09T14:00:00Z), "
            f"got naive {value.isoformat()}"
        )
    return value.astimezone(UTC)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sort and merge intervals; overlapping or touching ones become one.

    Rule: the result covers exactly the union of the inputs, with empty
    intervals dropped.
    """
    out: list[Interval] = []
    for start, end in sorted(intervals):
        if end <= start:
            continue
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def clip(intervals: Sequence[Interval], lo: datetime, hi: datetime) -> list[Interval]:
    """Intersect merged ``intervals`` with ``[lo, hi)``."""
    out: list[Interval] = []
    for start, end in intervals:
        if end <= lo:
            continue
        if start >= hi:
            break
        out.append((max(start, lo), min(end, hi)))
    return out


def subtract(base: Sequence[Interval], holes: Sequence[Interval]) -> list[Interval]:
    """Return merged ``base`` minus merged ``holes`` (both sorted)."""
    out: list[Interval] = []
    j = 0
    n = len(holes)
    for start, end in base:
        while j < n and holes[j][1] <= start:
            j += 1
        k = j
        cursor = start
        while k < n and holes[k][0] < end:
            hole_start, hole_end = holes[k]
            if hole_start > cursor:
                out.append((cursor, hole_start))
            if hole_end > cursor:
                cursor = hole_end
            if hole_end >= end:
                break
            k += 1
        if cursor < end:
            out.append((cursor, end))
    return out


def intersect(a: Sequence[Interval], b: Sequence[Interval]) -> list[Interval]:
    """Return the intersection of two merged interval lists."""
    out: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start = max(a[i][0], b[j][0])
        end = min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def total(intervals: Iterable[Interval]) -> timedelta:
    """Sum of the lengths of (non-overlapping) intervals, as exact timedelta."""
    result = ZERO
    for start, end in intervals:
        result += end - start
    return result
