"""A business calendar's coverage tables: its covered UTC intervals per local year, with
cumulative positions, built once per distinct calendar and grown as instants need.

Split out of :mod:`slas.calendars` (whose module docstring states the rules: wall-clock
windows across DST, holidays and closures closing whole local dates, exact arithmetic);
:class:`~slas.calendars.BusinessCalendar` answers ``position``/``instant_at`` from these tables.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from slas.calendar_parsing import WeekMinutes
from slas.intervals import ZERO, Interval, as_utc

_LAST_YEAR = 9998

_CalendarKey = tuple[str, WeekMinutes, str | None, str | None, frozenset[date]]


@lru_cache(maxsize=512)
def _holiday_names(country: str, subdivision: str | None, year: int) -> dict[date, str]:
    """Public holidays dated in ``year`` (observed days included, e.g. a Friday
    before a Saturday holiday); neighbouring years are asked too because an
    observed day can fall in the previous year (2021-12-31 for 2022-01-01)."""
    table = holidays.country_holidays(country, subdiv=subdivision, years=(year - 1, year, year + 1))
    return {day: str(name) for day, name in table.items() if day.year == year}


def _local_instant(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """UTC instant of wall-clock ``minute`` (0..1440) of local ``day``, fold=0."""
    if minute == 1440:
        day, minute = day + timedelta(days=1), 0
    local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)
    return local.astimezone(UTC)


@lru_cache(maxsize=1024)
def _year_intervals(key: _CalendarKey, year: int) -> tuple[Interval, ...]:
    """Covered UTC intervals of local ``year``, sorted and merged."""
    zone_name, week, country, subdivision, closures = key
    zone = ZoneInfo(zone_name)
    closed = set(closures)
    if country is not None:
        closed.update(_holiday_names(country, subdivision, year))
    out: list[Interval] = []
    day = date(year, 1, 1)
    one = timedelta(days=1)
    while day.year == year:
        if day not in closed:
            for start, end in week[day.weekday()]:
                s = _local_instant(day, start, zone)
                e = _local_instant(day, end, zone)
                if out and s <= out[-1][1]:
                    if e > out[-1][1]:
                        out[-1] = (out[-1][0], e)
                elif s < e:
                    out.append((s, e))
        day += one
    return tuple(out)


def _year_total(key: _CalendarKey, year: int) -> timedelta:
    return sum((e - s for s, e in _year_intervals(key, year)), ZERO)


class _Table:
    """Covered intervals of local years ``lo..hi`` with cumulative positions.

    ``cum_start[i]``/``cum_end[i]`` are the positions (covered time since the
    anchor year's local 1 January) at the start and end of interval ``i``;
    ``origins[i] = starts[i] - cum_start[i]``, so inside interval ``i`` the
    position of ``t`` is ``t - origins[i]``.  ``bounds`` interleaves starts and
    ends, so one bisection tells inside (odd index) from gap (even index);
    ``gap_positions[i]`` is the position in the gap before interval ``i``
    (the last one: after all intervals).  ``days`` indexes the UTC days lying
    wholly inside the table's range from ``first_day`` (an ordinal): for each,
    the position at its start and the intervals overlapping it, so most
    look-ups need no bisection.
    Immutable once built; a calendar swaps in a wider table when needed.
    """

    __slots__ = (
        "base",
        "bounds",
        "cum_end",
        "cum_start",
        "days",
        "ends",
        "first_day",
        "gap_positions",
        "hi",
        "hi_at",
        "lo",
        "lo_at",
        "origins",
        "starts",
    )

    def __init__(self, lo: int, hi: int, lo_at: datetime, hi_at: datetime, base: timedelta) -> None:
        self.lo, self.hi, self.lo_at, self.hi_at, self.base = lo, hi, lo_at, hi_at, base
        self.starts: list[datetime] = []
        self.ends: list[datetime] = []
        self.cum_start: list[timedelta] = []
        self.cum_end: list[timedelta] = []
        self.origins: list[datetime] = []
        self.bounds: list[datetime] = []
        self.gap_positions: list[timedelta] = [base]
        self.first_day = 0
        self.days: list[tuple[timedelta, tuple[tuple[datetime, datetime, datetime, timedelta], ...]]] = []

    def extend(self, intervals: Iterable[Interval]) -> None:
        """Append intervals (later than all present), merging touching ones."""
        starts, ends, cum_start, cum_end = self.starts, self.ends, self.cum_start, self.cum_end
        pos = cum_end[-1] if cum_end else self.base
        for s, e in intervals:
            if ends and ends[-1] == s:
                pos += e - s
                ends[-1] = e
                cum_end[-1] = pos
                continue
            starts.append(s)
            ends.append(e)
            cum_start.append(pos)
            self.origins.append(s - pos)
            pos += e - s
            cum_end.append(pos)
        self.bounds = [b for pair in zip(starts, ends, strict=False) for b in pair]
        self.gap_positions = [*cum_start, pos]

    def index_days(self) -> None:
        """Build ``days``: per whole UTC day in range, (position at its start,
        overlapping intervals as (start, end, origin, position at end))."""
        first = self.lo_at.toordinal() + (1 if self.lo_at.timetz() != time(0, tzinfo=UTC) else 0)
        last = self.hi_at.toordinal()  # exclusive: the day hi_at falls in may be partial
        self.first_day = first
        self.days = []
        i, n = 0, len(self.starts)
        for ordinal in range(first, last):
            day_start = datetime.fromordinal(ordinal).replace(tzinfo=UTC)
            day_end = day_start + timedelta(days=1)
            while i < n and self.ends[i] <= day_start:
                i += 1
            pos = self.gap_positions[i] if i == n or self.starts[i] >= day_start else day_start - self.origins[i]
            spans = []
            j = i
            while j < n and self.starts[j] < day_end:
                spans.append((self.starts[j], self.ends[j], self.origins[j], self.cum_end[j]))
                j += 1
            self.days.append((pos, tuple(spans)))


class _Coverage:
    """Lazily grown coverage table of one calendar (thread-safe growth)."""

    __slots__ = ("anchor", "key", "lock", "table", "zone")

    def __init__(self, key: _CalendarKey) -> None:
        self.key = key
        self.zone = ZoneInfo(key[0])
        self.anchor: int | None = None
        self.table: _Table | None = None
        self.lock = threading.Lock()

    def year_start(self, year: int) -> datetime:
        return _local_instant(date(year, 1, 1), 0, self.zone)

    def covering(self, t: datetime) -> _Table:
        """A table whose year range contains instant ``t``."""
        table = self.table
        if table is not None and table.lo_at <= t < table.hi_at:
            return table
        year = as_utc(t).astimezone(self.zone).year
        if table is None:
            return self.build(year, year)
        return self.build(min(year, table.lo), max(year, table.hi))

    def build(self, lo: int, hi: int) -> _Table:
        """Build (and install) the table for years ``lo..hi``; positions keep
        the anchor year's origin so earlier answers stay valid."""
        if lo < 1 or hi > _LAST_YEAR:
            raise ValueError("instant outside the years a calendar can cover")
        with self.lock:
            if self.anchor is None:
                self.anchor = lo
            current = self.table
            if current is not None and current.lo <= lo and hi <= current.hi:
                return current
            base = ZERO
            for year in range(lo, self.anchor):
                base -= _year_total(self.key, year)
            for year in range(self.anchor, lo):
                base += _year_total(self.key, year)
            table = _Table(lo, hi, self.year_start(lo), self.year_start(hi + 1), base)
            for year in range(lo, hi + 1):
                table.extend(_year_intervals(self.key, year))
            table.index_days()
            self.table = table
            return table


@lru_cache(maxsize=128)
def _coverage_for(key: _CalendarKey) -> _Coverage:
    """Equal calendars share one coverage table (built once, grown as needed)."""
    return _Coverage(key)
