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

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from operator import itemgetter, sub

from slas.errors import NaiveDatetime

Interval = tuple[datetime, datetime]

ZERO = timedelta(0)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_start = itemgetter(0)
_end = itemgetter(1)
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
    """Intersect merged ``intervals`` with ``[lo, hi)``.

    Skips the intervals outside from both ends, copies the rest in one slice and
    trims the first and last (linear only in the intervals outside).
    """
    if hi <= lo:
        return []
    i, j = 0, len(intervals)
    while i < j and intervals[i][1] <= lo:
        i += 1
    while j > i and intervals[j - 1][0] >= hi:
        j -= 1
    out = list(intervals[i:j])
    if out:
        if out[0][0] < lo:
            out[0] = (lo, out[0][1])
        if out[-1][1] > hi:
            out[-1] = (out[-1][0], hi)
    return out


def subtract(base: Sequence[Interval], holes: Sequence[Interval]) -> list[Interval]:
    """Return merged ``base`` minus merged ``holes`` (both sorted).

    Walks the holes; base intervals untouched by any hole are copied in slices
    found by bisection, so the cost grows with the holes, not with ``base``.
    """
    out: list[Interval] = []
    n = len(base)
    i = 0
    cut: datetime | None = None  # the part of base[i] still to emit starts here (None: whole)
    for hole_start, hole_end in holes:
        if i >= n:
            break
        j = bisect_right(base, hole_start, lo=i, key=_end)  # first base interval ending after the hole starts
        if j > i:
            if cut is not None:
                out.append((cut, base[i][1]))
                i, cut = i + 1, None
            out.extend(base[i:j])
            i = j
        while i < n:
            start = base[i][0] if cut is None else cut
            end = base[i][1]
            if start >= hole_end:
                break
            if start < hole_start:
                out.append((start, hole_start))
            if end > hole_end:
                cut = hole_end
                break
            i, cut = i + 1, None
    if i < n:
        if cut is not None:
            out.append((cut, base[i][1]))
            i += 1
        out.extend(base[i:])
    return out


def union(a: Sequence[Interval], b: Sequence[Interval]) -> list[Interval]:
    """Merged union of two merged lists, walking the shorter one; intervals of the
    longer one untouched by it are copied in slices found by bisection."""
    big, small = (a, b) if len(a) >= len(b) else (b, a)
    out: list[Interval] = []
    n = len(big)
    i = 0
    for start, end in small:
        j = bisect_left(big, start, lo=i, key=_end)  # first interval ending at or after start
        out.extend(big[i:j])
        i = j
        while i < n and big[i][0] <= end:
            start, end = min(start, big[i][0]), max(end, big[i][1])
            i += 1
        if out and out[-1][1] >= start:
            out[-1] = (out[-1][0], max(end, out[-1][1]))
        else:
            out.append((start, end))
    out.extend(big[i:])
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


def covered(intervals: Sequence[Interval], lo: datetime, hi: datetime) -> timedelta:
    """``total(clip(intervals, lo, hi))`` for merged ``intervals``, found by bisection and summed
    in place (no list is built), so slicing one timeline into many periods is cheap."""
    if hi <= lo:
        return ZERO
    i = bisect_right(intervals, lo, key=_end)  # the first interval ending after lo
    out = ZERO
    for start, end in intervals[i:]:
        if start >= hi:
            break
        out += min(end, hi) - max(start, lo)
    return out


def total(intervals: Sequence[Interval]) -> timedelta:
    """Sum of the lengths of (non-overlapping) intervals, as exact timedelta."""
    return sum(map(sub, map(_end, intervals), map(_start, intervals)), ZERO)
