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

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from slas.calendar_coverage import _CalendarKey, _Coverage, _coverage_for, _holiday_names, _local_instant
from slas.calendar_parsing import WEEKDAYS as WEEKDAYS
from slas.calendar_parsing import WeekMinutes as WeekMinutes
from slas.calendar_parsing import _check_holidays, _parse_closures, _parse_week, _split_window, _zone
from slas.errors import InvalidCalendar
from slas.intervals import EPOCH, ZERO, as_utc

_DAY_LABELS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


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


def local_midnight(day: date, timezone: str) -> datetime:
    """UTC instant of local midnight starting ``day`` in the IANA ``timezone`` (fold=0)."""
    return _local_instant(day, 0, ZoneInfo(timezone))


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
