"""When a scheduled review is due (slas/schedule.py): the n-th working day after the period, at opening."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slas.calendars import BusinessCalendar
from slas.schedule import DuePeriod, ScheduleSpec, due_at, due_periods, is_working_day, next_due, period_of

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
NY_OFFICE = BusinessCalendar(timezone="America/New_York", weekly_hours={d: [("08:00", "17:00")] for d in WEEKDAYS})
SPLIT = BusinessCalendar(timezone="Europe/Berlin", holiday_country="DE",
                         weekly_hours={d: [("06:00", "10:00"), ("14:00", "18:00")] for d in WEEKDAYS})
CLOSED_DEC_1 = BusinessCalendar(timezone="America/New_York", closures=frozenset({date(2026, 12, 1)}),
                                weekly_hours={d: [("08:00", "17:00")] for d in WEEKDAYS})


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(("calendar", "end", "working_day", "due"), [
    pytest.param(NY_OFFICE, date(2026, 12, 1), 1, utc(2026, 12, 1, 13), id="a Tuesday 1st: that morning, 08:00 EST"),
    pytest.param(NY_OFFICE, date(2027, 1, 1), 1, utc(2027, 1, 4, 13), id="New Year's Day is the 1st: Monday 4th"),
    pytest.param(NY_OFFICE, date(2027, 1, 1), 2, utc(2027, 1, 5, 13), id="the 2nd working day of January 2027"),
    pytest.param(NY_OFFICE, date(2026, 11, 1), 1, utc(2026, 11, 2, 13),
                 id="October ends on a weekend (and DST ends): Monday 2 November 08:00 EST"),
    pytest.param(NY_OFFICE, date(2026, 9, 1), 5, utc(2026, 9, 8, 12),
                 id="the 5th working day skips the weekend and Labor Day, 08:00 EDT"),
    pytest.param(NY_OFFICE, date(2026, 7, 1), 3, utc(2026, 7, 6, 12),
                 id="quarter Q2 ends: 1, 2 July, then the 4th observed on Friday 3rd, so Monday 6th"),
    pytest.param(CLOSED_DEC_1, date(2026, 12, 1), 1, utc(2026, 12, 2, 13), id="a contract closure is not working"),
    pytest.param(SPLIT, date(2026, 10, 1), 1, utc(2026, 10, 1, 4), id="two windows a day: the first one (CEST)"),
    pytest.param(SPLIT, date(2026, 10, 3), 1, utc(2026, 10, 5, 4), id="German Unity Day on a Saturday, Monday 5th"),
])
def test_a_review_is_due_at_the_opening_of_the_nth_working_day_after_its_period(
        calendar: BusinessCalendar, end: date, working_day: int, due: datetime) -> None:
    assert due_at(calendar, end, working_day) == due


@pytest.mark.parametrize(("cadence", "day", "period"), [
    ("monthly", date(2026, 12, 7), (date(2026, 12, 1), date(2027, 1, 1))),
    ("monthly", date(2026, 2, 28), (date(2026, 2, 1), date(2026, 3, 1))),
    ("quarterly", date(2026, 12, 7), (date(2026, 10, 1), date(2027, 1, 1))),
    ("quarterly", date(2026, 4, 1), (date(2026, 4, 1), date(2026, 7, 1))),
    ("quarterly", date(2026, 3, 31), (date(2026, 1, 1), date(2026, 4, 1))),
])
def test_periods_are_calendar_months_and_quarters(cadence: str, day: date, period: tuple[date, date]) -> None:
    assert period_of(day, cadence) == period  # type: ignore[arg-type]


def monthly(since: datetime, working_day: int = 1) -> ScheduleSpec:
    return ScheduleSpec("monthly", working_day, since)


def test_a_schedule_made_today_owes_last_months_review_as_of_its_due_instant() -> None:
    assert due_periods(monthly(utc(2026, 12, 7)), NY_OFFICE, utc(2026, 12, 7)) == [
        DuePeriod(date(2026, 11, 1), date(2026, 12, 1), utc(2026, 12, 1, 13))]


def test_before_the_due_instant_the_month_just_ended_is_not_owed_yet() -> None:
    made = utc(2026, 11, 20)
    assert [p.start for p in due_periods(monthly(made), NY_OFFICE, utc(2026, 12, 1, 12, 59))] == [date(2026, 10, 1)]
    assert [p.start for p in due_periods(monthly(made), NY_OFFICE, utc(2026, 12, 1, 13))] == [date(2026, 10, 1),
                                                                                            date(2026, 11, 1)]


def test_periods_missed_since_the_schedule_was_made_are_owed_and_none_before_it() -> None:
    owed = due_periods(monthly(utc(2026, 9, 15)), NY_OFFICE, utc(2026, 12, 7))
    # August's review was the one due when the schedule was made; July's and earlier are not owed
    assert [(p.start, p.due_at) for p in owed] == [(date(2026, 8, 1), utc(2026, 9, 1, 12)),
                                                   (date(2026, 9, 1), utc(2026, 10, 1, 12)),
                                                   (date(2026, 10, 1), utc(2026, 11, 2, 13)),
                                                   (date(2026, 11, 1), utc(2026, 12, 1, 13))]


def test_no_period_is_owed_from_before_the_contract_or_after_it() -> None:
    long_ago = monthly(utc(2020, 1, 1))
    owed = due_periods(long_ago, NY_OFFICE, utc(2026, 12, 7), first_day=date(2026, 10, 15), last_day=date(2026, 11, 10))
    assert [p.start for p in owed] == [date(2026, 10, 1), date(2026, 11, 1)]
    assert due_periods(long_ago, NY_OFFICE, utc(2026, 12, 7), last_day=date(2026, 12, 31), limit=3)[-1].start == \
        date(2026, 11, 1)


def test_a_quarterly_schedule_owes_the_quarter_just_ended_and_says_the_next() -> None:
    spec = ScheduleSpec("quarterly", 2, utc(2026, 12, 7))
    assert due_periods(spec, NY_OFFICE, utc(2026, 12, 7)) == [
        DuePeriod(date(2026, 7, 1), date(2026, 10, 1), utc(2026, 10, 2, 12))]
    assert next_due(spec, NY_OFFICE, utc(2026, 12, 7)) == DuePeriod(date(2026, 10, 1), date(2027, 1, 1),
                                                                     utc(2027, 1, 5, 13))
    assert next_due(spec, NY_OFFICE, utc(2026, 12, 7), last_day=date(2026, 9, 30)) is None


# --- properties ---------------------------------------------------------------------------------
ZONES = ("America/New_York", "America/Los_Angeles", "Europe/Berlin", "Pacific/Auckland", "UTC")
ALL_DAYS = (*WEEKDAYS, "sat", "sun")


@st.composite
def calendars(draw: st.DrawFn) -> BusinessCalendar:
    days = draw(st.lists(st.sampled_from(ALL_DAYS), min_size=1, max_size=7, unique=True))
    hours: dict[str, list[tuple[str, str]]] = {}
    for day in days:
        start = draw(st.integers(0, 22))
        end = draw(st.integers(start + 1, 24))
        hours[day] = [(f"{start:02d}:00", f"{end:02d}:00")]
    country = draw(st.sampled_from(["US", None]))
    closures = draw(st.lists(st.dates(date(2025, 12, 1), date(2027, 3, 1)), max_size=10))
    return BusinessCalendar(timezone=draw(st.sampled_from(ZONES)), weekly_hours=hours, holiday_country=country,
                            closures=frozenset(closures))


@settings(deadline=None, max_examples=150, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(calendar=calendars(), month=st.integers(0, 14), working_day=st.integers(1, 10))
def test_the_due_instant_is_inside_business_hours_and_after_the_period_ends(
        calendar: BusinessCalendar, month: int, working_day: int) -> None:
    end = date(2026 + (month // 12), month % 12 + 1, 1)
    due = due_at(calendar, end, working_day)
    assert due is not None
    tick = timedelta(microseconds=1)
    assert calendar.covered(due, due + tick) == tick  # covered: inside a business-hours window
    day = due.astimezone(ZoneInfo(calendar.timezone)).date()
    assert calendar.covered(calendar.local_date_start(day), due) == timedelta(0)  # the day's first business instant
    assert is_working_day(calendar, day)
    assert due >= calendar.local_date_start(end)
