"""Coverage calendars: which instants count towards a calendar-clock SLA target.

Two clocks implement :class:`Clock`:

- :class:`TwentyFourSeven` counts real elapsed time (UTC difference): a DST night
  is 23 or 25 hours long.
- :class:`BusinessCalendar` counts only its *covered* time: wall-clock windows per
  weekday in an IANA zone, minus public holidays (``holidays`` package, observed
  days included: 2026-07-04 is a Saturday, so Friday 2026-07-03 is closed) and the
  contract's own closure dates.

Rules of a business calendar, stated once:

- Windows are wall-clock ``HH:MM``–``HH:MM`` in the calendar's zone; ``24:00`` ends a
  day; a day may have several windows; a weekday without windows is closed.
- Windows stay wall-clock across DST: ``08:00–17:00`` is 9 covered hours on the
  day clocks change.  A window edge that does not exist (spring-forward gap) or
  exists twice (fall-back) is resolved like ``zoneinfo`` with ``fold=0``: the
  offset in force *before* the transition (so ``02:30`` on a spring-forward day
  is ``03:30`` new time, and ``01:30`` on a fall-back day is the first ``01:30``).
  Windows that thereby overlap on such a day are merged, never counted twice.
- A holiday or closure date closes that local date entirely.
- Covered time is computed by exact interval arithmetic (``timedelta``,
  microseconds) over a per-year table of covered UTC intervals, never by
  stepping through minutes.
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from slas.errors import InvalidCalendar
from slas.intervals import EPOCH, ZERO, Interval, as_utc

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_LABELS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_HHMM = re.compile(r"(\d{2}):(\d{2})")
_LAST_YEAR = 9998

#: Parsed weekly hours: for weekday 0..6, the windows as (start, end) minutes.
WeekMinutes = tuple[tuple[tuple[int, int], ...], ...]


@runtime_checkable
class Clock(Protocol):
    """What an SLA target's clock must answer."""

    def covered(self, start: datetime, end: datetime) -> timedelta:
        """Covered time in ``[start, end)``; zero when ``end <= start``."""
        ...

    def add(self, start: datetime, amount: timedelta) -> datetime:
        """Earliest ``t >= start`` with ``covered(start, t) == amount`` (``start`` for 0)."""
        ...


@runtime_checkable
class PositionalClock(Clock, Protocol):
    """A clock that can also answer in cumulative positions (fast path).

    ``position(t)`` is the covered time from a fixed origin of the clock to ``t``
    (it may be negative before the origin), so ``covered(a, b)`` equals
    ``position(b) - position(a)`` for ``a <= b``.  ``instant_at(p)`` is the
    earliest instant whose position is ``p``.  Both take aware datetimes.
    """

    def position(self, t: datetime) -> timedelta:
        """Cumulative covered time from the clock's origin to ``t``."""
        ...

    def instant_at(self, pos: timedelta) -> datetime:
        """Earliest instant whose position is ``pos``."""
        ...


def _check_amount(amount: timedelta) -> None:
    if amount < ZERO:
        raise ValueError(f"cannot add a negative amount of covered time ({amount})")


@dataclass(frozen=True)
class TwentyFourSeven:
    """Real elapsed time, around the clock, every day.

    Rule: ``covered(start, end)`` is ``end - start`` measured in UTC (zero if
    ``end <= start``), so a DST night counts its true 23 or 25 hours;
    ``add(start, amount)`` is ``start + amount`` in UTC.
    """

    def covered(self, start: datetime, end: datetime) -> timedelta:
        """Real time between two instants, zero if ``end <= start``."""
        span = as_utc(end, "end") - as_utc(start, "start")
        return span if span > ZERO else ZERO

    def add(self, start: datetime, amount: timedelta) -> datetime:
        """The instant ``amount`` of real time after ``start`` (UTC)."""
        _check_amount(amount)
        return as_utc(start, "start") + amount

    def position(self, t: datetime) -> timedelta:
        """Real time since 1970-01-01T00:00Z."""
        return t - EPOCH

    def instant_at(self, pos: timedelta) -> datetime:
        """The instant ``pos`` after 1970-01-01T00:00Z."""
        return EPOCH + pos

    def describe_hours(self) -> str:
        """Human description for reports."""
        return "24x7 (real elapsed time)"

    def holidays_in(self, start: date, end: date) -> list[tuple[date, str]]:
        """A 24x7 clock observes no holidays."""
        return []


TWENTY_FOUR_SEVEN = TwentyFourSeven()


# --------------------------------------------------------------------------- parsing


def _parse_hhmm(text: object, *, is_end: bool, where: str) -> int:
    """Minutes after midnight for ``HH:MM``; ``24:00`` is accepted only as an end."""
    match = _HHMM.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise InvalidCalendar(f"{where}: {text!r} is not a time of day in HH:MM form")
    hours, minutes = int(match[1]), int(match[2])
    if hours == 24 and minutes == 0:
        if is_end:
            return 1440
        raise InvalidCalendar(f"{where}: 24:00 can only end a window, not start one")
    if hours > 23 or minutes > 59:
        raise InvalidCalendar(f"{where}: {text!r} is not a valid time of day")
    return hours * 60 + minutes


def _split_window(window: object, where: str) -> tuple[str, str]:
    """Accept ``("08:00", "17:00")``, ``["08:00", "17:00"]`` or ``"08:00-17:00"``."""
    if isinstance(window, str):
        parts = re.split(r"\s*[-–]\s*", window.strip())
    elif isinstance(window, Sequence):
        parts = list(window)
    else:
        parts = []
    if len(parts) != 2 or not all(isinstance(p, str) for p in parts):
        raise InvalidCalendar(f"{where}: {window!r} is not a window like ('08:00', '17:00')")
    return (str(parts[0]), str(parts[1]))


def _parse_day(day: str, windows: object) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[int, int], ...]]:
    """Validate one weekday's windows: valid, start < end, ordered, non-overlapping."""
    if isinstance(windows, str) or not isinstance(windows, Sequence):
        raise InvalidCalendar(f"{day}: windows must be a list of (start, end) pairs")
    texts: list[tuple[str, str]] = []
    spans: list[tuple[int, int]] = []
    for n, window in enumerate(windows, start=1):
        where = f"{day} window {n}"
        start_text, end_text = _split_window(window, where)
        start = _parse_hhmm(start_text, is_end=False, where=where)
        end = _parse_hhmm(end_text, is_end=True, where=where)
        if start >= end:
            raise InvalidCalendar(f"{where}: {start_text}–{end_text} must start before it ends")
        if spans and start < spans[-1][1]:
            prev = texts[-1]
            if start < spans[-1][0]:
                raise InvalidCalendar(
                    f"{day}: windows must be in time order ({start_text}–{end_text} "
                    f"comes after {prev[0]}–{prev[1]})"
                )
            raise InvalidCalendar(
                f"{day}: windows {prev[0]}–{prev[1]} and {start_text}–{end_text} overlap"
            )
        texts.append((start_text, end_text))
        spans.append((start, end))
    return tuple(texts), tuple(spans)


def _parse_week(
    weekly_hours: Mapping[str, Sequence[tuple[str, str]]],
) -> tuple[dict[str, tuple[tuple[str, str], ...]], WeekMinutes]:
    """Validate the weekly hours; return the canonical text form and minutes."""
    if not isinstance(weekly_hours, Mapping):
        raise InvalidCalendar("weekly_hours must map weekdays (mon..sun) to windows")
    canonical: dict[str, tuple[tuple[str, str], ...]] = {}
    minutes: list[tuple[tuple[int, int], ...]] = [()] * 7
    for key, windows in weekly_hours.items():
        day = key.lower() if isinstance(key, str) else key
        if day not in WEEKDAYS:
            raise InvalidCalendar(f"unknown weekday {key!r} (use {', '.join(WEEKDAYS)})")
        texts, spans = _parse_day(day, windows)
        if texts:
            canonical[day] = texts
            minutes[WEEKDAYS.index(day)] = spans
    if not canonical:
        raise InvalidCalendar("the calendar has no working hours: give at least one window")
    ordered = {day: canonical[day] for day in WEEKDAYS if day in canonical}
    return ordered, tuple(minutes)


def _zone(name: str) -> ZoneInfo:
    if not isinstance(name, str) or not name:
        raise InvalidCalendar("timezone must be an IANA zone name such as America/New_York")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidCalendar(f"unknown timezone {name!r} (use an IANA name such as America/New_York)") from None


@lru_cache(maxsize=256)
def _check_holidays(country: str | None, subdivision: str | None) -> None:
    if country is None:
        if subdivision is not None:
            raise InvalidCalendar("holiday_subdivision needs a holiday_country")
        return
    try:
        holidays.country_holidays(country, subdiv=subdivision, years=2000)
    except NotImplementedError:
        where = f"{country}/{subdivision}" if subdivision else country
        raise InvalidCalendar(f"no public holidays known for {where!r} (use e.g. 'US', or None)") from None


def _parse_closures(closures: Iterable[date | str]) -> frozenset[date]:
    out: set[date] = set()
    for item in closures:
        if isinstance(item, datetime):
            raise InvalidCalendar(f"closure {item.isoformat()} must be a date, not a datetime")
        if isinstance(item, date):
            out.add(item)
            continue
        try:
            out.add(date.fromisoformat(item))
        except (TypeError, ValueError):
            raise InvalidCalendar(f"closure {item!r} is not a date like 2026-12-24") from None
    return frozenset(out)


# --------------------------------------------------------------------------- coverage tables

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


def local_midnight(day: date, timezone: str) -> datetime:
    """UTC instant of local midnight starting ``day`` in the IANA ``timezone`` (fold=0)."""
    return _local_instant(day, 0, ZoneInfo(timezone))


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


# --------------------------------------------------------------------------- business calendar


@dataclass(frozen=True)
class BusinessCalendar:
    """A contract's coverage calendar: wall-clock windows in an IANA zone.

    Rules (see the module docstring for DST and holidays):

    - ``weekly_hours`` maps ``mon``..``sun`` to windows ``("HH:MM", "HH:MM")``;
      ``24:00`` may end a window; windows of a day must be in time order and
      must not overlap (touching is fine); a missing day is closed.
    - ``holiday_country``/``holiday_subdivision`` select public holidays from the
      ``holidays`` package, observed days included; ``None`` means no holidays.
    - ``closures`` are extra local dates the contract treats as closed.
    - Invalid input raises :class:`~slas.errors.InvalidCalendar` with a message
      saying what is wrong.  Instants given to any method must be aware.
    """

    timezone: str
    weekly_hours: Mapping[str, Sequence[tuple[str, str]]]
    holiday_country: str | None = "US"
    holiday_subdivision: str | None = None
    closures: frozenset[date] = frozenset()
    _week: WeekMinutes = field(init=False, repr=False, compare=False)
    _coverage: _Coverage = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _zone(self.timezone)
        canonical, week = _parse_week(self.weekly_hours)
        _check_holidays(self.holiday_country, self.holiday_subdivision)
        closures = _parse_closures(self.closures)
        key: _CalendarKey = (self.timezone, week, self.holiday_country, self.holiday_subdivision, closures)
        object.__setattr__(self, "weekly_hours", canonical)
        object.__setattr__(self, "closures", closures)
        object.__setattr__(self, "_week", week)
        object.__setattr__(self, "_coverage", _coverage_for(key))

    def __hash__(self) -> int:
        return hash(self._coverage.key)

    @classmethod
    def from_spec(
        cls,
        timezone: str,
        weekly_hours: Mapping[str, Sequence[object]],
        holiday_country: str | None = "US",
        holiday_subdivision: str | None = None,
        closures: Iterable[date | str] = (),
    ) -> BusinessCalendar:
        """Build a calendar from loosely typed (e.g. JSON) input, validating it.

        Windows may be pairs (``["08:00", "17:00"]``) or strings
        (``"08:00-17:00"``); weekday keys are case-insensitive; closures may be
        dates or ISO strings.  Raises :class:`InvalidCalendar` on any problem.
        """
        if not isinstance(weekly_hours, Mapping):
            raise InvalidCalendar("weekly_hours must map weekdays (mon..sun) to windows")
        hours: dict[str, Sequence[tuple[str, str]]] = {}
        for key, windows in weekly_hours.items():
            if isinstance(windows, str) or not isinstance(windows, Sequence):
                raise InvalidCalendar(f"{key}: windows must be a list of (start, end) pairs")
            hours[key] = [_split_window(w, f"{key} window {n}") for n, w in enumerate(windows, 1)]
        return cls(
            timezone=timezone,
            weekly_hours=hours,
            holiday_country=holiday_country,
            holiday_subdivision=holiday_subdivision,
            closures=_parse_closures(closures),
        )

    # -- Clock ---------------------------------------------------------------

    def covered(self, start: datetime, end: datetime) -> timedelta:
        """Covered time in ``[start, end)``; zero when ``end <= start``.

        Rule: the length of the intersection of ``[start, end)`` with the
        calendar's covered intervals (windows on open days), exact to the µs.
        """
        start, end = as_utc(start, "start"), as_utc(end, "end")
        if end <= start:
            return ZERO
        return self.position(end) - self.position(start)

    def add(self, start: datetime, amount: timedelta) -> datetime:
        """Earliest instant ``t >= start`` with ``covered(start, t) == amount``.

        Rule: ``amount`` zero gives ``start`` itself; otherwise the result always
        lies inside covered time (or at the end of a window), e.g. 2 h added
        on Friday 16:00 to a Mon–Fri 08:00–17:00 calendar gives Monday 09:00,
        never a midnight.
        """
        start = as_utc(start, "start")
        _check_amount(amount)
        if amount == ZERO:
            return start
        return self.instant_at(self.position(start) + amount)

    def position(self, t: datetime) -> timedelta:
        """Covered time from the calendar's origin to aware instant ``t``."""
        table = self._coverage.table
        if table is not None and t.tzinfo is UTC:
            day = t.toordinal() - table.first_day
            if 0 <= day < len(table.days):  # fast path: a whole UTC day in range
                pos, spans = table.days[day]
                for start, end, origin, pos_end in spans:
                    if t < start:
                        return pos
                    if t < end:
                        return t - origin
                    pos = pos_end
                return pos
        if table is None or not table.lo_at <= t < table.hi_at:
            table = self._coverage.covering(t)
        k = bisect_right(table.bounds, t)
        if k & 1:  # inside covered interval k // 2
            return t - table.origins[k >> 1]
        return table.gap_positions[k >> 1]

    def instant_at(self, pos: timedelta) -> datetime:
        """Earliest instant whose position is ``pos`` (tables grow forward as needed)."""
        coverage = self._coverage
        table = coverage.table
        if table is None:
            raise ValueError("instant_at needs a position obtained from position()")
        index = bisect_left(table.cum_end, pos)
        while index == len(table.cum_end):  # beyond the loaded years: load the next one
            table = coverage.build(table.lo, table.hi + 1)
            index = bisect_left(table.cum_end, pos)
        return table.origins[index] + pos

    # -- for reports -----------------------------------------------------------

    def holidays_in(self, start: date, end: date) -> list[tuple[date, str]]:
        """Closed dates in ``[start, end)`` (end exclusive) with their names.

        Public holidays include observed days ("Independence Day (observed)");
        contract closures are named "Contract closure".  Listed whether or not
        the date is a working weekday.
        """
        names: dict[date, list[str]] = {}
        if self.holiday_country is not None:
            for year in range(start.year, end.year + 1):
                for day, name in _holiday_names(self.holiday_country, self.holiday_subdivision, year).items():
                    if start <= day < end:
                        names.setdefault(day, []).append(name)
        for day in self.closures:
            if start <= day < end:
                names.setdefault(day, []).append("Contract closure")
        return [(day, "; ".join(names[day])) for day in sorted(names)]

    def describe_hours(self) -> str:
        """E.g. ``"Mon–Fri 08:00–17:00 (America/New_York)"``; runs of weekdays
        with the same windows are grouped, groups joined by ``"; "``."""
        groups: list[tuple[list[int], tuple[tuple[str, str], ...]]] = []
        for index, day in enumerate(WEEKDAYS):
            windows = self.weekly_hours.get(day)
            if not windows:
                continue
            for days, same in groups:
                if tuple(windows) == same:
                    days.append(index)
                    break
            else:
                groups.append(([index], tuple(windows)))
        parts = [f"{_describe_days(days)} {', '.join(f'{s}–{e}' for s, e in windows)}" for days, windows in groups]
        return f"{'; '.join(parts)} ({self.timezone})"

    def local_date_start(self, d: date) -> datetime:
        """Aware UTC instant of local midnight starting date ``d`` (fold=0)."""
        return _local_instant(d, 0, self._coverage.zone)


def _describe_days(days: list[int]) -> str:
    """``[0,1,2,3,4]`` → ``"Mon–Fri"``; ``[0,2]`` → ``"Mon, Wed"``."""
    runs: list[list[int]] = []
    for day in days:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    labels = [
        f"{_DAY_LABELS[r[0]]}–{_DAY_LABELS[r[-1]]}" if len(r) > 2 else ", ".join(_DAY_LABELS[d] for d in r)
        for r in runs
    ]
    return ", ".join(labels)
