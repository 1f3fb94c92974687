"""Report schedules: which periods a contract's review is owed for, and when each one is due.

Rules, stated once:

- A period is a local calendar month (``monthly``) or quarter (``quarterly``: starting January,
  April, July and October) of the contract calendar's zone, as ``[start, end)`` local dates: the
  ``from``/``to`` a contract review takes.
- A *working day* is a local date with business hours under the contract's
  :class:`~slas.calendars.BusinessCalendar`: a weekday with windows that is neither a public holiday
  (observed days included) nor a contract closure.
- The review of a period is due on the ``working_day``-th working day on or after ``end`` (the
  first day after the period; ``working_day`` 1 is the first working day of the next month), at the
  start of that day's first business-hours window (a UTC instant). So the due instant is always
  inside business hours and never before the period ended.
- What a schedule owes at ``now`` (:func:`due_periods`): every period due since the schedule was
  made (periods a stopped worker missed too), plus the one most recently due when it was made (a
  schedule made on 7 December delivers November's review at once, as of its due instant,
  1 December at opening time), never an older one, at most the ``limit`` most recent. The answer
  depends on the schedule and ``now`` only, not on when a worker happened to run. Periods that end
  before the contract starts, or start after it ends, are not owed. Whether a period was issued
  already is the caller's question.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal, get_args
from zoneinfo import ZoneInfo

from slas.calendars import BusinessCalendar
from slas.intervals import ZERO, as_utc

Cadence = Literal["monthly", "quarterly"]
CADENCES: tuple[Cadence, ...] = get_args(Cadence)
MAX_WORKING_DAY = 10
SEARCH_DAYS = 400
"""How far after a period's end a working day is looked for (a calendar closed for longer has none)."""
_TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class ScheduleSpec:
    """A schedule as the rules read it: ``since`` is when it was made (an aware instant)."""

    cadence: Cadence
    working_day: int
    since: datetime


@dataclass(frozen=True)
class DuePeriod:
    """A period ``[start, end)`` (local dates) and the instant its review is due."""

    start: date
    end: date
    due_at: datetime


def period_of(day: date, cadence: Cadence) -> tuple[date, date]:
    """The period ``[start, end)`` that holds local date ``day``."""
    months = 1 if cadence == "monthly" else 3
    first_month = (day.month - 1) // months * months + 1
    start = date(day.year, first_month, 1)
    return start, _add_months(start, months)


def _add_months(d: date, months: int) -> date:
    index = d.year * 12 + d.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def previous_period(start: date, cadence: Cadence) -> tuple[date, date]:
    """The period before the one starting on ``start``."""
    return _add_months(start, -1 if cadence == "monthly" else -3), start


def is_working_day(calendar: BusinessCalendar, day: date) -> bool:
    """Whether local date ``day`` has business hours (not closed, not a holiday, windows that day)."""
    return calendar.covered(calendar.local_date_start(day), calendar.local_date_start(day + timedelta(days=1))) > ZERO


def opening(calendar: BusinessCalendar, day: date) -> datetime:
    """The first covered instant of working day ``day`` (the start of its first window), in UTC."""
    return calendar.add(calendar.local_date_start(day), _TICK) - _TICK


def due_day(calendar: BusinessCalendar, end: date, working_day: int) -> date | None:
    """The ``working_day``-th working day on or after ``end`` (None: none within :data:`SEARCH_DAYS`)."""
    if not 1 <= working_day <= MAX_WORKING_DAY:
        raise ValueError(f"working_day must be 1..{MAX_WORKING_DAY}, not {working_day}")
    seen = 0
    for offset in range(SEARCH_DAYS):
        day = end + timedelta(days=offset)
        if is_working_day(calendar, day):
            seen += 1
            if seen == working_day:
                return day
    return None


def due_at(calendar: BusinessCalendar, end: date, working_day: int) -> datetime | None:
    """When the review of a period ending (exclusive) on ``end`` is due (see the module rules)."""
    day = due_day(calendar, end, working_day)
    return None if day is None else opening(calendar, day)


def due_periods(schedule: ScheduleSpec, calendar: BusinessCalendar, now: datetime, *,
                first_day: date | None = None, last_day: date | None = None,
                limit: int = 12) -> list[DuePeriod]:
    """The periods the schedule owes at ``now``, oldest first (see the module rules).
    ``first_day``/``last_day``: the contract's term (inclusive); ``limit``: at most this many."""
    now = as_utc(now, "now")
    since = as_utc(schedule.since, "since")
    today = now.astimezone(ZoneInfo(calendar.timezone)).date()
    start, _ = period_of(today, schedule.cadence)
    found: list[DuePeriod] = []
    # Walk back from the period holding today. A period whose due instant lies ahead is skipped;
    # a closed calendar leaves a period without one. Stop after the first period due before the
    # schedule was made, at the contract's start, or at the limit.
    for _step in range(limit + 3):
        start, end = previous_period(start, schedule.cadence)
        if first_day is not None and end <= first_day:
            break
        if last_day is not None and start > last_day:
            continue
        due = due_at(calendar, end, schedule.working_day)
        if due is None or due > now:
            continue
        found.append(DuePeriod(start, end, due))
        if due < since or len(found) >= limit:
            break
    return found[::-1]


def next_due(schedule: ScheduleSpec, calendar: BusinessCalendar, now: datetime, *,
             last_day: date | None = None) -> DuePeriod | None:
    """The first period whose review falls due after ``now`` (None: none within the contract's
    term, or the calendar has no working day)."""
    now = as_utc(now, "now")
    today = now.astimezone(ZoneInfo(calendar.timezone)).date()
    start, end = previous_period(period_of(today, schedule.cadence)[0], schedule.cadence)
    for _step in range(3):
        if last_day is not None and start > last_day:
            return None
        due = due_at(calendar, end, schedule.working_day)
        if due is not None and due > now:
            return DuePeriod(start, end, due)
        start, end = end, period_of(end, schedule.cadence)[1]
    return None
