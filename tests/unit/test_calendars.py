"""Calendars: hand-computed coverage, validation, and properties against a brute-force reference."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slas import TWENTY_FOUR_SEVEN, BusinessCalendar, InvalidCalendar, NaiveDatetime

NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
LA = ZoneInfo("America/Los_Angeles")
H = timedelta(hours=1)
M = timedelta(minutes=1)
WEEKDAYS5 = ("mon", "tue", "wed", "thu", "fri")

OFFICE = BusinessCalendar("America/New_York", {d: [("08:00", "17:00")] for d in WEEKDAYS5})
EVERY_DAY = BusinessCalendar(
    "America/New_York", {d: [("08:00", "17:00")] for d in (*WEEKDAYS5, "sat", "sun")}, holiday_country=None
)
ROUND_CLOCK = BusinessCalendar(
    "America/New_York", {d: [("00:00", "24:00")] for d in (*WEEKDAYS5, "sat", "sun")}, holiday_country=None
)
SPLIT = BusinessCalendar(
    "Europe/Berlin", {d: [("07:00", "12:00"), ("13:00", "18:00")] for d in (*WEEKDAYS5, "sat")}, holiday_country=None
)
NIGHT = BusinessCalendar(
    "America/Los_Angeles", {"mon": [("20:00", "24:00")], "tue": [("00:00", "04:00")]}, holiday_country=None
)
CLOSED_XMAS_EVE = BusinessCalendar(
    "America/New_York", {d: [("08:00", "17:00")] for d in WEEKDAYS5}, closures=frozenset({date(2026, 12, 24)})
)
GAP = BusinessCalendar(  # window edges inside the DST gap / fold of America/New_York
    "America/New_York", {"sun": [("01:00", "03:00")]}, holiday_country=None
)


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NY)  # type: ignore[misc]


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)  # type: ignore[misc]


def la(*args: int) -> datetime:
    return datetime(*args, tzinfo=LA)  # type: ignore[misc]


# ----------------------------------------------------------------------------- covered, by hand

COVERED = [
    # (name, calendar, start, end, expected)
    ("same day inside hours", OFFICE, ny(2026, 3, 4, 9), ny(2026, 3, 4, 11, 30), 2.5 * H),
    ("before opening to after closing", OFFICE, ny(2026, 3, 4, 6), ny(2026, 3, 4, 20), 9 * H),
    ("Friday 16:00 to Monday 10:00", OFFICE, ny(2026, 3, 6, 16), ny(2026, 3, 9, 10), 3 * H),
    ("end before start is zero", OFFICE, ny(2026, 3, 4, 11), ny(2026, 3, 4, 9), timedelta(0)),
    ("weekend only is zero", OFFICE, ny(2026, 3, 7, 9), ny(2026, 3, 8, 17), timedelta(0)),
    # DST start (2026-03-08, a Sunday): wall-clock hours stay 9 h
    ("DST start day 08-17 is 9 h", EVERY_DAY, ny(2026, 3, 8), ny(2026, 3, 9), 9 * H),
    ("DST start day around the clock is 23 h", ROUND_CLOCK, ny(2026, 3, 8), ny(2026, 3, 9), 23 * H),
    ("DST end day 08-17 is 9 h", EVERY_DAY, ny(2026, 11, 1), ny(2026, 11, 2), 9 * H),
    ("DST end day around the clock is 25 h", ROUND_CLOCK, ny(2026, 11, 1), ny(2026, 11, 2), 25 * H),
    # window edges in the gap/fold, fold=0: 01:00 EST → 03:00 EDT is 1 h; 01:00 EDT → 03:00 EST is 3 h
    ("window across the spring gap", GAP, ny(2026, 3, 7), ny(2026, 3, 9), 1 * H),
    ("window across the autumn fold", GAP, ny(2026, 10, 31), ny(2026, 11, 2), 3 * H),
    # Independence Day 2026 is a Saturday: observed Friday 07-03 closed
    ("observed Friday holiday", OFFICE, ny(2026, 7, 2, 12), ny(2026, 7, 6, 12), 5 * H + 4 * H),
    ("observed Friday alone", OFFICE, ny(2026, 7, 3), ny(2026, 7, 4), timedelta(0)),
    ("Thanksgiving", OFFICE, ny(2026, 11, 26), ny(2026, 11, 27), timedelta(0)),
    # split windows: lunch 12-13 not covered
    ("split windows across lunch", SPLIT, berlin(2026, 3, 2, 11), berlin(2026, 3, 2, 14), 2 * H),
    ("split windows full Saturday", SPLIT, berlin(2026, 3, 7), berlin(2026, 3, 8), 10 * H),
    ("split windows Sunday closed", SPLIT, berlin(2026, 3, 8), berlin(2026, 3, 9), timedelta(0)),
    # closures
    ("contract closure", CLOSED_XMAS_EVE, ny(2026, 12, 23, 12), ny(2026, 12, 28, 12), 5 * H + 4 * H),
    # 24:00 ends a day; Monday 20:00-24:00 + Tuesday 00:00-04:00 is one night
    ("24:00 night window", NIGHT, la(2026, 3, 2, 22), la(2026, 3, 3, 2), 4 * H),
    ("whole night", NIGHT, la(2026, 3, 2), la(2026, 3, 4), 8 * H),
    # instants given in other zones are the same instants
    ("UTC instants", OFFICE, datetime(2026, 3, 4, 14, tzinfo=UTC), datetime(2026, 3, 4, 16, tzinfo=UTC), 2 * H),
    ("Los Angeles instants", OFFICE, la(2026, 3, 4, 5), la(2026, 3, 4, 7), 2 * H),
    # year boundary: New Year's Day closed; covered spans two yearly tables
    ("across new year", OFFICE, ny(2026, 12, 31, 16), ny(2027, 1, 4, 9), 1 * H + 1 * H),
]


@pytest.mark.parametrize(("name", "calendar", "start", "end", "expected"), COVERED, ids=[c[0] for c in COVERED])
def test_covered_hand_computed(
    name: str, calendar: BusinessCalendar, start: datetime, end: datetime, expected: timedelta
) -> None:
    assert calendar.covered(start, end) == expected


ADD = [
    # (name, calendar, start, amount, expected) — escalations land in business hours, never at midnight
    ("inside the day", OFFICE, ny(2026, 3, 4, 9), 2 * H, ny(2026, 3, 4, 11)),
    ("Friday 16:30 + 2 h is Monday 09:30", OFFICE, ny(2026, 3, 6, 16, 30), 2 * H, ny(2026, 3, 9, 9, 30)),
    ("exactly to closing stays at closing", OFFICE, ny(2026, 3, 4, 16), 1 * H, ny(2026, 3, 4, 17)),
    ("from Saturday starts Monday 08:00", OFFICE, ny(2026, 3, 7, 12), 30 * M, ny(2026, 3, 9, 8, 30)),
    ("zero is the start itself", OFFICE, ny(2026, 3, 7, 12), timedelta(0), ny(2026, 3, 7, 12)),
    ("over the observed holiday", OFFICE, ny(2026, 7, 2, 16), 2 * H, ny(2026, 7, 6, 9)),
    # 60 h = 6 business days of 9 h + 6 h, across the DST change on Sunday 03-08
    ("a target larger than a week", OFFICE, ny(2026, 3, 2, 8), 60 * H, ny(2026, 3, 10, 14)),
    ("split windows skip lunch", SPLIT, berlin(2026, 3, 2, 11), 2 * H, berlin(2026, 3, 2, 14)),
    ("night window over midnight", NIGHT, la(2026, 3, 2, 23), 2 * H, la(2026, 3, 3, 1)),
    ("across new year", OFFICE, ny(2026, 12, 31, 16), 2 * H, ny(2027, 1, 4, 9)),
]


@pytest.mark.parametrize(("name", "calendar", "start", "amount", "expected"), ADD, ids=[c[0] for c in ADD])
def test_add_hand_computed(
    name: str, calendar: BusinessCalendar, start: datetime, amount: timedelta, expected: datetime
) -> None:
    result = calendar.add(start, amount)
    assert result == expected
    assert result.tzinfo is UTC
    assert calendar.covered(start, result) == amount


def test_twenty_four_seven_is_real_time_across_dst() -> None:
    assert TWENTY_FOUR_SEVEN.covered(ny(2026, 3, 8), ny(2026, 3, 9)) == 23 * H
    assert TWENTY_FOUR_SEVEN.covered(ny(2026, 11, 1), ny(2026, 11, 2)) == 25 * H
    assert TWENTY_FOUR_SEVEN.add(ny(2026, 3, 7, 12), 24 * H) == ny(2026, 3, 8, 13)
    assert TWENTY_FOUR_SEVEN.covered(ny(2026, 3, 9), ny(2026, 3, 8)) == timedelta(0)


def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2026, 3, 4, 9)
    with pytest.raises(NaiveDatetime, match="start must be timezone-aware"):
        OFFICE.covered(naive, ny(2026, 3, 5))
    with pytest.raises(NaiveDatetime):
        OFFICE.add(naive, H)
    with pytest.raises(NaiveDatetime):
        TWENTY_FOUR_SEVEN.covered(ny(2026, 3, 5), naive)
    assert issubclass(NaiveDatetime, ValueError)


def test_negative_amount_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        OFFICE.add(ny(2026, 3, 4, 9), -H)


def test_tables_grow_backwards_and_forwards() -> None:
    cal = BusinessCalendar("America/New_York", {d: [("08:00", "17:00")] for d in WEEKDAYS5})
    assert cal.covered(ny(2026, 3, 4, 9), ny(2026, 3, 4, 10)) == H
    assert cal.covered(ny(2023, 3, 1, 9), ny(2023, 3, 1, 10)) == H  # earlier years loaded later
    assert cal.covered(ny(2026, 3, 4, 9), ny(2026, 3, 4, 10)) == H  # earlier answers unchanged
    assert cal.add(ny(2030, 12, 31, 16), 2 * H) == ny(2031, 1, 2, 9)  # 2031-01-01 is a holiday


# ----------------------------------------------------------------------------- reports helpers


def test_holidays_in_lists_observed_days_and_closures() -> None:
    days = CLOSED_XMAS_EVE.holidays_in(date(2026, 7, 1), date(2026, 12, 26))
    assert (date(2026, 7, 3), "Independence Day (observed)") in days
    assert (date(2026, 7, 4), "Independence Day") in days
    assert (date(2026, 12, 24), "Contract closure") in days
    assert (date(2026, 12, 25), "Christmas Day") in days
    assert days == sorted(days)
    assert all(date(2026, 7, 1) <= d < date(2026, 12, 26) for d, _ in days)
    assert SPLIT.holidays_in(date(2026, 1, 1), date(2027, 1, 1)) == []


def test_describe_hours() -> None:
    assert OFFICE.describe_hours() == "Mon–Fri 08:00–17:00 (America/New_York)"
    assert SPLIT.describe_hours() == "Mon–Sat 07:00–12:00, 13:00–18:00 (Europe/Berlin)"
    assert NIGHT.describe_hours() == "Mon 20:00–24:00; Tue 00:00–04:00 (America/Los_Angeles)"
    odd = BusinessCalendar("UTC", {"mon": [("09:00", "12:00")], "wed": [("09:00", "12:00")]}, holiday_country=None)
    assert odd.describe_hours() == "Mon, Wed 09:00–12:00 (UTC)"


def test_local_date_start() -> None:
    assert OFFICE.local_date_start(date(2026, 3, 8)) == datetime(2026, 3, 8, 5, tzinfo=UTC)
    assert OFFICE.local_date_start(date(2026, 3, 9)) == datetime(2026, 3, 9, 4, tzinfo=UTC)
    assert SPLIT.local_date_start(date(2026, 7, 1)) == datetime(2026, 6, 30, 22, tzinfo=UTC)


def test_calendars_compare_and_hash_by_value() -> None:
    twin = BusinessCalendar.from_spec(
        timezone="America/New_York", weekly_hours={d.upper(): ["08:00-17:00"] for d in WEEKDAYS5}
    )
    assert twin == OFFICE
    assert hash(twin) == hash(OFFICE)
    assert twin != CLOSED_XMAS_EVE


# ----------------------------------------------------------------------------- validation

INVALID = [
    ({"timezone": "Mars/Olympus"}, "unknown timezone 'Mars/Olympus'"),
    ({"timezone": ""}, "IANA zone"),
    ({"weekly_hours": {"mon": [("8:00", "17:00")]}}, "'8:00' is not a time of day in HH:MM form"),
    ({"weekly_hours": {"mon": [("08:00", "17:60")]}}, "'17:60' is not a valid time of day"),
    ({"weekly_hours": {"mon": [("24:00", "24:00")]}}, "24:00 can only end a window"),
    ({"weekly_hours": {"mon": [("17:00", "08:00")]}}, "mon window 1: 17:00–08:00 must start before it ends"),
    ({"weekly_hours": {"mon": [("08:00", "12:00"), ("11:00", "13:00")]}}, "overlap"),
    ({"weekly_hours": {"mon": [("13:00", "17:00"), ("08:00", "12:00")]}}, "must be in time order"),
    ({"weekly_hours": {"monday": [("08:00", "17:00")]}}, "unknown weekday 'monday'"),
    ({"weekly_hours": {"mon": []}}, "no working hours"),
    ({"weekly_hours": {"mon": "08:00-17:00"}}, "must be a list"),
    ({"weekly_hours": {"mon": [("08:00",)]}}, "is not a window"),
    ({"holiday_country": "XX"}, "no public holidays known for 'XX'"),
    ({"holiday_country": "US", "holiday_subdivision": "ZZ"}, "'US/ZZ'"),
    ({"holiday_country": None, "holiday_subdivision": "CA"}, "needs a holiday_country"),
    ({"closures": ["2026-13-01"]}, "is not a date"),
]


@pytest.mark.parametrize(("change", "message"), INVALID, ids=[m for _, m in INVALID])
def test_invalid_specs_are_refused_with_a_clear_message(change: dict[str, object], message: str) -> None:
    spec: dict[str, object] = {"timezone": "America/New_York", "weekly_hours": {"mon": [("08:00", "17:00")]}}
    spec.update(change)
    with pytest.raises(InvalidCalendar, match=message.replace("(", r"\(").replace(")", r"\)")):
        BusinessCalendar.from_spec(**spec)  # type: ignore[arg-type]


def test_constructor_validates_too() -> None:
    with pytest.raises(InvalidCalendar):
        BusinessCalendar("America/New_York", {"mon": [("09:00", "08:00")]})
    assert issubclass(InvalidCalendar, ValueError)


def test_from_spec_accepts_json_shapes() -> None:
    cal = BusinessCalendar.from_spec(
        timezone="America/New_York",
        weekly_hours={"Mon": [["08:00", "12:00"], "13:00 - 17:00"]},
        holiday_country="US",
        holiday_subdivision="NY",
        closures=["2026-12-24", date(2026, 12, 31)],
    )
    assert cal.weekly_hours == {"mon": (("08:00", "12:00"), ("13:00", "17:00"))}
    assert cal.closures == frozenset({date(2026, 12, 24), date(2026, 12, 31)})
    touching = BusinessCalendar.from_spec(timezone="UTC", weekly_hours={"mon": ["08:00-12:00", "12:00-17:00"]})
    assert touching.covered(datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 3, tzinfo=UTC)) == 9 * H


# ----------------------------------------------------------------------------- brute-force reference


def reference_covered(cal: BusinessCalendar, start: datetime, end: datetime) -> timedelta:
    """Independent reference: count whole minutes whose local wall time lies in a window.

    Only valid for minute-aligned instants and calendars whose window edges are not in a DST gap.
    """
    zone = ZoneInfo(cal.timezone)
    closed = set(cal.closures)
    if cal.holiday_country:
        years = range(start.year - 1, end.year + 2)
        closed |= set(holidays.country_holidays(cal.holiday_country, subdiv=cal.holiday_subdivision, years=years))
    windows = {
        day: [(time.fromisoformat(s), e) for s, e in spans] for day, spans in cal.weekly_hours.items()
    }
    names = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    count = 0
    t = start
    while t < end:
        local = t.astimezone(zone)
        if local.date() not in closed:
            clock = local.time().replace(tzinfo=None)
            for s, e in windows.get(names[local.weekday()], []):
                if s <= clock and (e == "24:00" or clock < time.fromisoformat(e)):
                    count += 1
                    break
        t += M
    return count * M


minutes = st.integers(min_value=0, max_value=60 * 24 * 400)
spans = st.integers(min_value=0, max_value=60 * 24 * 9)
CALENDARS = [OFFICE, EVERY_DAY, ROUND_CLOCK, SPLIT, NIGHT, CLOSED_XMAS_EVE]
calendars = st.sampled_from(CALENDARS)
ORIGIN = datetime(2026, 1, 1, tzinfo=UTC)


@settings(max_examples=60, deadline=None)
@given(calendars, minutes, spans)
def test_covered_matches_minute_by_minute_reference(cal: BusinessCalendar, offset: int, span: int) -> None:
    start = ORIGIN + offset * M
    end = start + span * M
    assert cal.covered(start, end) == reference_covered(cal, start, end)


instants = st.integers(min_value=0, max_value=400 * 86_400 * 10**6).map(
    lambda us: ORIGIN + timedelta(microseconds=us)
)
amounts = st.integers(min_value=0, max_value=30 * 86_400 * 10**6).map(lambda us: timedelta(microseconds=us))


@settings(max_examples=200, deadline=None)
@given(calendars, instants, amounts, amounts)
def test_covered_is_additive_over_adjacent_spans(
    cal: BusinessCalendar, start: datetime, first: timedelta, second: timedelta
) -> None:
    middle, end = start + first, start + first + second
    assert cal.covered(start, end) == cal.covered(start, middle) + cal.covered(middle, end)


@settings(max_examples=200, deadline=None)
@given(calendars, instants, amounts)
def test_add_is_the_earliest_instant_reaching_the_amount(
    cal: BusinessCalendar, start: datetime, amount: timedelta
) -> None:
    due = cal.add(start, amount)
    assert due >= start
    assert cal.covered(start, due) == amount
    if amount > timedelta(0):
        assert cal.covered(start, due - timedelta(microseconds=1)) < amount


@settings(max_examples=200, deadline=None)
@given(calendars, instants, amounts)
def test_covered_never_exceeds_real_time(cal: BusinessCalendar, start: datetime, span: timedelta) -> None:
    assert timedelta(0) <= cal.covered(start, start + span) <= span
    assert TWENTY_FOUR_SEVEN.covered(start, start + span) == span


@settings(max_examples=100, deadline=None)
@given(instants, amounts, st.sampled_from([NY, LA, BERLIN, UTC]))
def test_twenty_four_seven_equals_the_utc_difference(start: datetime, span: timedelta, zone: ZoneInfo) -> None:
    local_start, local_end = start.astimezone(zone), (start + span).astimezone(zone)
    assert TWENTY_FOUR_SEVEN.covered(local_start, local_end) == span
    assert TWENTY_FOUR_SEVEN.add(local_start, span) == start + span
