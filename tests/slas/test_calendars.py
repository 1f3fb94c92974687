"""Business calendars and the 24x7 clock: covered time and ``add``, hand-computed.

Reference facts used below (2026): Mon 2 Mar; DST starts Sun 8 Mar (America/New_York
02:00 EST → 03:00 EDT) and ends Sun 1 Nov (02:00 EDT → 01:00 EST); Independence Day
Sat 4 Jul is observed Fri 3 Jul; Christmas Fri 25 Dec; New Year 2027 is a Friday;
2022-01-01 (a Saturday) was observed Fri 2021-12-31.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from slas import (
    TWENTY_FOUR_SEVEN,
    BusinessCalendar,
    Clock,
    InvalidCalendar,
    NaiveDatetime,
    PositionalClock,
    SlaError,
)

NY = ZoneInfo("America/New_York")
LA = ZoneInfo("America/Los_Angeles")
TOKYO = ZoneInfo("Asia/Tokyo")
WORKDAYS = ("mon", "tue", "wed", "thu", "fri")
ALL_DAYS = (*WORKDAYS, "sat", "sun")
H = timedelta(hours=1)
M = timedelta(minutes=1)


def ny(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=NY)


def la(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=LA)


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


def cal(hours: dict, tz: str = "America/New_York", country: str | None = "US", closures=()) -> BusinessCalendar:
    return BusinessCalendar(timezone=tz, weekly_hours=hours, holiday_country=country, closures=frozenset(closures))


NY_BIZ = cal({d: [("08:00", "17:00")] for d in WORKDAYS})
NY_BIZ_NO_HOLIDAYS = cal({d: [("08:00", "17:00")] for d in WORKDAYS}, country=None)
NY_BIZ_CLOSURE = cal({d: [("08:00", "17:00")] for d in WORKDAYS}, closures=[date(2026, 12, 24)])
NY_MON_SAT = cal({d: [("08:00", "17:00")] for d in (*WORKDAYS, "sat")})
NY_ALL_WEEK = cal({d: [("08:00", "17:00")] for d in ALL_DAYS}, country=None)
NY_NIGHT = cal({"sun": [("00:00", "06:00")]}, country=None)  # spans the DST change
NY_GAP = cal({"sun": [("02:00", "04:00")]}, country=None)  # 02:00 missing on 8 Mar
NY_FOLD = cal({"sun": [("01:00", "02:00")]}, country=None)  # 01:00 twice on 1 Nov
NY_DST_OVERLAP = cal({"sun": [("01:00", "02:30"), ("03:00", "04:00")]}, country=None)
NY_MIDNIGHTS = cal({d: [("00:00", "24:00")] for d in ALL_DAYS}, country=None)
NY_LATE = cal({"mon": [("20:00", "24:00")], "fri": [("18:00", "24:00")], "sat": [("00:00", "06:00")]}, country=None)
NY_SPLIT = cal({d: [("07:00", "12:00"), ("12:30", "19:00")] for d in WORKDAYS})
LA_BIZ = cal({d: [("08:00", "17:00")] for d in WORKDAYS}, tz="America/Los_Angeles")


# --------------------------------------------------------------------------- covered

COVERED = [
    # plain business hours
    pytest.param(NY_BIZ, ny(2026, 3, 2), ny(2026, 3, 3), 9 * H, id="biz-monday-full-day-9h"),
    pytest.param(NY_BIZ, ny(2026, 3, 2), ny(2026, 3, 9), 45 * H, id="biz-mon-to-mon-45h"),
    pytest.param(NY_BIZ, ny(2026, 3, 7), ny(2026, 3, 9), timedelta(0), id="biz-weekend-zero"),
    pytest.param(NY_BIZ, ny(2026, 3, 2, 9, 15), ny(2026, 3, 2, 10, 45), 90 * M, id="biz-inside-one-window"),
    pytest.param(NY_BIZ, ny(2026, 3, 2, 5), ny(2026, 3, 2, 20), 9 * H, id="biz-before-to-after-hours"),
    pytest.param(NY_BIZ, ny(2026, 3, 2, 12), ny(2026, 3, 2, 10), timedelta(0), id="biz-reversed-span-zero"),
    pytest.param(NY_BIZ, ny(2026, 3, 2, 12), ny(2026, 3, 2, 12), timedelta(0), id="biz-empty-span-zero"),
    pytest.param(NY_BIZ, ny(2026, 3, 6, 16), ny(2026, 3, 9, 10), 3 * H, id="biz-fri16-to-mon10-over-dst-3h"),
    # DST: business windows keep their wall-clock hours
    pytest.param(NY_BIZ, ny(2026, 3, 6), ny(2026, 3, 13), 45 * H, id="dst-start-week-still-45h"),
    pytest.param(NY_BIZ, ny(2026, 10, 30), ny(2026, 11, 6), 45 * H, id="dst-end-week-still-45h"),
    pytest.param(NY_ALL_WEEK, ny(2026, 3, 8), ny(2026, 3, 9), 9 * H, id="dst-start-sunday-08-17-is-9h"),
    pytest.param(NY_ALL_WEEK, ny(2026, 11, 1), ny(2026, 11, 2), 9 * H, id="dst-end-sunday-08-17-is-9h"),
    pytest.param(NY_ALL_WEEK, utc(2026, 3, 8, 12), utc(2026, 3, 8, 21), 9 * H, id="dst-start-utc-12z-21z-is-08-17-edt"),
    pytest.param(NY_ALL_WEEK, utc(2026, 3, 8, 13), utc(2026, 3, 8, 22), 8 * H, id="dst-start-utc-13z-22z-is-09-18-edt"),
    pytest.param(NY_ALL_WEEK, utc(2026, 11, 1, 13), utc(2026, 11, 1, 22), 9 * H, id="dst-end-utc-13z-22z-is-08-17-est"),
    # a window spanning the change lasts its real length
    pytest.param(NY_NIGHT, ny(2026, 3, 1), ny(2026, 3, 2), 6 * H, id="night-00-06-normal-sunday-6h"),
    pytest.param(NY_NIGHT, ny(2026, 3, 8), ny(2026, 3, 9), 5 * H, id="night-00-06-spring-forward-5h"),
    pytest.param(NY_NIGHT, ny(2026, 11, 1), ny(2026, 11, 2), 7 * H, id="night-00-06-fall-back-7h"),
    # window edges in the gap / the fold resolve with fold=0 (offset before the change)
    pytest.param(NY_GAP, ny(2026, 3, 1), ny(2026, 3, 2), 2 * H, id="gap-02-04-normal-sunday-2h"),
    pytest.param(NY_GAP, ny(2026, 3, 8), ny(2026, 3, 9), 1 * H, id="gap-02-04-spring-forward-1h"),
    pytest.param(NY_GAP, ny(2026, 11, 1), ny(2026, 11, 2), 2 * H, id="gap-02-04-fall-back-2h"),
    pytest.param(NY_FOLD, ny(2026, 11, 1), ny(2026, 11, 2), 2 * H, id="fold-01-02-fall-back-2h"),
    pytest.param(NY_FOLD, ny(2026, 3, 8), ny(2026, 3, 9), 1 * H, id="fold-01-02-spring-forward-1h"),
    pytest.param(NY_DST_OVERLAP, ny(2026, 3, 8), ny(2026, 3, 9), 2 * H, id="windows-overlapping-on-dst-merged-2h"),
    pytest.param(NY_DST_OVERLAP, ny(2026, 3, 1), ny(2026, 3, 2), 150 * M, id="same-windows-normal-sunday-2h30"),
    # a 00:00-24:00 calendar is real time: 23 / 25 h DST days
    pytest.param(NY_MIDNIGHTS, ny(2026, 3, 8), ny(2026, 3, 9), 23 * H, id="midnights-spring-forward-23h"),
    pytest.param(NY_MIDNIGHTS, ny(2026, 11, 1), ny(2026, 11, 2), 25 * H, id="midnights-fall-back-25h"),
    pytest.param(NY_MIDNIGHTS, ny(2026, 3, 2), ny(2026, 3, 3), 24 * H, id="midnights-normal-day-24h"),
    pytest.param(NY_MIDNIGHTS, ny(2026, 12, 31, 23), ny(2027, 1, 1, 1), 2 * H, id="midnights-across-new-year"),
    # holidays: observed Friday closed, Saturday holiday closed for a Saturday calendar
    pytest.param(NY_BIZ, ny(2026, 7, 3), ny(2026, 7, 4), timedelta(0), id="holiday-observed-fri-jul3-closed"),
    pytest.param(NY_BIZ, ny(2026, 7, 2), ny(2026, 7, 3), 9 * H, id="holiday-thu-jul2-open"),
    pytest.param(NY_BIZ, ny(2026, 6, 29), ny(2026, 7, 6), 36 * H, id="holiday-week-of-jul4-36h"),
    pytest.param(NY_BIZ_NO_HOLIDAYS, ny(2026, 7, 3), ny(2026, 7, 4), 9 * H, id="no-holidays-jul3-open"),
    pytest.param(NY_MON_SAT, ny(2026, 7, 3), ny(2026, 7, 5), timedelta(0), id="holiday-sat-jul4-and-fri-closed"),
    pytest.param(NY_MON_SAT, ny(2026, 7, 10), ny(2026, 7, 12), 18 * H, id="normal-fri-sat-open"),
    pytest.param(NY_BIZ, ny(2021, 12, 31), ny(2022, 1, 1), timedelta(0), id="observed-in-previous-year-closed"),
    pytest.param(NY_BIZ, ny(2026, 12, 31), ny(2027, 1, 5), 18 * H, id="new-year-2027-friday-closed"),
    # contract closures
    pytest.param(NY_BIZ_CLOSURE, ny(2026, 12, 24), ny(2026, 12, 25), timedelta(0), id="closure-dec24-closed"),
    pytest.param(NY_BIZ, ny(2026, 12, 24), ny(2026, 12, 25), 9 * H, id="no-closure-dec24-open"),
    pytest.param(NY_BIZ_CLOSURE, ny(2026, 12, 21), ny(2026, 12, 28), 27 * H, id="closure-and-christmas-week-27h"),
    # split windows 07:00-12:00 + 12:30-19:00
    pytest.param(NY_SPLIT, ny(2026, 3, 2), ny(2026, 3, 3), 690 * M, id="split-day-11h30"),
    pytest.param(NY_SPLIT, ny(2026, 3, 2, 11), ny(2026, 3, 2, 13), 90 * M, id="split-11-to-13-skips-lunch"),
    pytest.param(NY_SPLIT, ny(2026, 3, 2, 12), ny(2026, 3, 2, 12, 30), timedelta(0), id="split-lunch-zero"),
    pytest.param(NY_SPLIT, ny(2026, 3, 2, 12, 15), ny(2026, 3, 2, 12, 45), 15 * M, id="split-half-in-lunch"),
    # 24:00 ends a day; Fri 18-24 touches Sat 00-06
    pytest.param(NY_LATE, ny(2026, 3, 6, 23), ny(2026, 3, 7, 1), 2 * H, id="24h-fri-23-to-sat-01"),
    pytest.param(NY_LATE, ny(2026, 3, 2), ny(2026, 3, 3), 4 * H, id="24h-mon-20-24"),
    pytest.param(NY_LATE, ny(2026, 3, 2, 23), ny(2026, 3, 3), 1 * H, id="24h-ends-at-next-midnight"),
    # another zone: the same UTC span, a different calendar zone
    pytest.param(LA_BIZ, utc(2026, 3, 10, 14), utc(2026, 3, 11, 0), 9 * H, id="la-07pdt-to-17pdt-9h"),
    pytest.param(NY_BIZ, utc(2026, 3, 10, 14), utc(2026, 3, 11, 0), 7 * H, id="ny-10edt-to-20edt-7h"),
    pytest.param(LA_BIZ, utc(2026, 1, 6, 16), utc(2026, 1, 6, 17), 1 * H, id="la-winter-08pst-1h"),
    # 24x7
    pytest.param(TWENTY_FOUR_SEVEN, ny(2026, 3, 8), ny(2026, 3, 9), 23 * H, id="24x7-dst-start-night-23h"),
    pytest.param(TWENTY_FOUR_SEVEN, ny(2026, 11, 1), ny(2026, 11, 2), 25 * H, id="24x7-dst-end-night-25h"),
    pytest.param(TWENTY_FOUR_SEVEN, ny(2026, 3, 7, 22), ny(2026, 3, 8, 22), 23 * H, id="24x7-sat22-to-sun22-23h"),
    pytest.param(TWENTY_FOUR_SEVEN, ny(2026, 3, 2), ny(2026, 3, 9), 167 * H, id="24x7-week-over-dst-167h"),
    pytest.param(TWENTY_FOUR_SEVEN, ny(2026, 3, 2, 10), ny(2026, 3, 2, 9), timedelta(0), id="24x7-reversed-zero"),
]


@pytest.mark.parametrize(("clock", "start", "end", "expected"), COVERED)
def test_covered(clock: Clock, start: datetime, end: datetime, expected: timedelta) -> None:
    assert clock.covered(start, end) == expected


@pytest.mark.parametrize(("clock", "start", "end", "expected"), COVERED)
def test_covered_does_not_depend_on_the_zone_instants_are_written_in(
    clock: Clock, start: datetime, end: datetime, expected: timedelta
) -> None:
    assert clock.covered(start.astimezone(UTC), end.astimezone(TOKYO)) == expected
    assert clock.covered(start.astimezone(LA), end.astimezone(UTC)) == expected


# --------------------------------------------------------------------------- add

ADD = [
    # escalation does not fire at midnight: business start + remainder
    pytest.param(NY_BIZ, ny(2026, 3, 6, 16), 120, ny(2026, 3, 9, 9), id="biz-fri16+2h-mon09-edt"),
    pytest.param(NY_BIZ, ny(2026, 3, 2, 16), 61, ny(2026, 3, 3, 8, 1), id="biz-mon16+61m-tue0801"),
    pytest.param(NY_BIZ, ny(2026, 3, 7, 12), 1, ny(2026, 3, 9, 8, 1), id="biz-saturday+1m-mon0801"),
    pytest.param(NY_BIZ, ny(2026, 3, 2, 6), 60, ny(2026, 3, 2, 9), id="biz-before-hours+1h"),
    pytest.param(NY_BIZ, ny(2026, 3, 2, 8), 540, ny(2026, 3, 2, 17), id="biz-exactly-window-end-not-next-day"),
    pytest.param(NY_BIZ, ny(2026, 3, 7, 3), 0, ny(2026, 3, 7, 3), id="biz-zero-is-start-even-off-hours"),
    pytest.param(NY_BIZ, ny(2026, 7, 2, 16), 120, ny(2026, 7, 6, 9), id="biz-skips-observed-friday"),
    pytest.param(NY_BIZ_CLOSURE, ny(2026, 12, 23, 16), 120, ny(2026, 12, 28, 9), id="biz-skips-closure+christmas"),
    pytest.param(NY_BIZ, ny(2026, 12, 31, 16), 120, ny(2027, 1, 4, 9), id="biz-across-new-year"),
    # targets larger than a week
    pytest.param(NY_BIZ, ny(2026, 3, 2, 8), 3000, ny(2026, 3, 9, 13), id="biz-50h-over-a-week-and-dst"),
    pytest.param(NY_BIZ, ny(2026, 3, 2, 8), 5400, ny(2026, 3, 13, 17), id="biz-90h-two-weeks"),
    # split windows
    pytest.param(NY_SPLIT, ny(2026, 3, 2, 11, 30), 30, ny(2026, 3, 2, 12), id="split-lands-at-lunch-start"),
    pytest.param(NY_SPLIT, ny(2026, 3, 2, 11, 30), 60, ny(2026, 3, 2, 13), id="split-skips-lunch"),
    pytest.param(NY_SPLIT, ny(2026, 3, 2, 18, 30), 60, ny(2026, 3, 3, 7, 30), id="split-next-morning"),
    pytest.param(NY_SPLIT, ny(2026, 3, 6, 18), 120, ny(2026, 3, 9, 8), id="split-fri-to-mon-over-dst"),
    # 24:00
    pytest.param(NY_LATE, ny(2026, 3, 6, 23, 30), 60, ny(2026, 3, 7, 0, 30), id="24h-fri-runs-into-sat"),
    pytest.param(NY_LATE, ny(2026, 3, 2, 23), 120, ny(2026, 3, 6, 19), id="24h-mon-end-then-fri-18"),
    # another zone
    pytest.param(LA_BIZ, utc(2026, 3, 10, 23), 120, la(2026, 3, 11, 9), id="la-16pdt+2h-wed-09pdt"),
    pytest.param(LA_BIZ, utc(2026, 3, 10, 14), 60, utc(2026, 3, 10, 16), id="la-before-hours-utc-in-out"),
    # DST-crossing real time
    pytest.param(NY_MIDNIGHTS, ny(2026, 3, 8), 23 * 60, ny(2026, 3, 9), id="midnights-23h-is-next-midnight"),
    pytest.param(NY_MIDNIGHTS, ny(2026, 11, 1), 25 * 60, ny(2026, 11, 2), id="midnights-25h-is-next-midnight"),
    pytest.param(TWENTY_FOUR_SEVEN, ny(2026, 3, 7, 12), 1440, ny(2026, 3, 8, 13), id="24x7-24h-shows-13-edt"),
    pytest.param(TWENTY_FOUR_SEVEN, ny(2026, 10, 31, 12), 1440, ny(2026, 11, 1, 11), id="24x7-24h-shows-11-est"),
    pytest.param(TWENTY_FOUR_SEVEN, ny(2026, 3, 5, 12), 8 * 1440, ny(2026, 3, 13, 13), id="24x7-8-days-over-dst"),
]


@pytest.mark.parametrize(("clock", "start", "minutes", "expected"), ADD)
def test_add(clock: Clock, start: datetime, minutes: int, expected: datetime) -> None:
    due = clock.add(start, timedelta(minutes=minutes))
    assert due == expected
    assert due.utcoffset() == timedelta(0)  # results are UTC instants
    assert clock.covered(start, due) == timedelta(minutes=minutes)


def test_add_never_lands_at_local_midnight_on_a_business_calendar() -> None:
    # Zammad/GLPI trap: a due time computed in whole days lands at 00:00.
    starts = [ny(2026, 3, 6, 16), ny(2026, 3, 6, 17), ny(2026, 3, 7, 0), ny(2026, 7, 2, 16, 59), ny(2026, 11, 1)]
    for start in starts:
        for minutes in (1, 60, 120, 540, 541, 2700):
            local = NY_BIZ.add(start, timedelta(minutes=minutes)).astimezone(NY)
            assert (local.hour, local.minute) != (0, 0)
            assert 8 <= local.hour <= 17, (start, minutes, local)
            assert local.weekday() < 5


def test_add_refuses_a_negative_amount() -> None:
    for clock in (NY_BIZ, TWENTY_FOUR_SEVEN):
        with pytest.raises(ValueError, match="negative"):
            clock.add(ny(2026, 3, 2, 9), timedelta(minutes=-1))


def test_clocks_satisfy_the_protocols() -> None:
    assert isinstance(NY_BIZ, PositionalClock)
    assert isinstance(TWENTY_FOUR_SEVEN, PositionalClock)


def test_a_fresh_calendar_grows_its_table_backwards_and_forwards() -> None:
    """First look at 2027, then 2025, then a span over both: positions stay consistent."""
    fresh = cal({d: [("08:00", "17:00")] for d in WORKDAYS})
    assert fresh.covered(ny(2027, 3, 1), ny(2027, 3, 8)) == 45 * H
    assert fresh.covered(ny(2025, 3, 3), ny(2025, 3, 10)) == 45 * H
    pieces = (
        NY_BIZ.covered(ny(2025, 3, 3), ny(2026, 1, 1))
        + NY_BIZ.covered(ny(2026, 1, 1), ny(2027, 1, 1))
        + NY_BIZ.covered(ny(2027, 1, 1), ny(2027, 3, 8))
    )
    assert fresh.covered(ny(2025, 3, 3), ny(2027, 3, 8)) == pieces
    # 2026: 261 weekdays - 11 federal holiday closures on weekdays (Jul 4 observed Fri) = 250 days
    assert NY_BIZ.covered(ny(2026, 1, 1), ny(2027, 1, 1)) == 250 * 9 * H


def test_a_fresh_calendar_adds_forward_into_years_it_has_not_built() -> None:
    fresh = cal({d: [("08:00", "17:00")] for d in WORKDAYS})
    # 250 business days from Thu 2026-12-31 08:00: that day, then all 249 of 2027 (261 weekdays less 12
    # closed: Jan 1, MLK, Presidents, Memorial, Fri Jun 18 and Mon Jul 5 observed, Labor, Columbus,
    # Veterans, Thanksgiving, Fri Dec 24 observed, and Fri Dec 31 2027 = New Year 2028 observed).
    due = fresh.add(ny(2026, 12, 31, 8), timedelta(hours=9 * 250))
    assert due == ny(2027, 12, 30, 17)
    assert fresh.covered(ny(2026, 12, 31, 8), due) == timedelta(hours=9 * 250)


# --------------------------------------------------------------------------- naive datetimes

@pytest.mark.parametrize("clock", [NY_BIZ, TWENTY_FOUR_SEVEN], ids=["business", "24x7"])
def test_naive_datetimes_are_refused(clock: Clock) -> None:
    naive = datetime(2026, 3, 2, 9)
    with pytest.raises(NaiveDatetime, match=r"start must be timezone-aware .*naive 2026-03-02T09:00:00"):
        clock.covered(naive, ny(2026, 3, 2, 10))
    with pytest.raises(NaiveDatetime, match="end must be timezone-aware"):
        clock.covered(ny(2026, 3, 2, 8), naive)
    with pytest.raises(NaiveDatetime, match="start must be timezone-aware"):
        clock.add(naive, H)


# --------------------------------------------------------------------------- invalid specs

INVALID = [
    pytest.param({"weekly_hours": {"mon": [("08:00", "12:00"), ("11:00", "17:00")]}},
                 r"mon: windows 08:00–12:00 and 11:00–17:00 overlap", id="overlap"),
    pytest.param({"weekly_hours": {"mon": [("13:00", "17:00"), ("08:00", "12:00")]}},
                 r"mon: windows must be in time order", id="out-of-order"),
    pytest.param({"weekly_hours": {"mon": [("8:00", "17:00")]}},
                 r"mon window 1: '8:00' is not a time of day in HH:MM form", id="bad-hhmm-one-digit"),
    pytest.param({"weekly_hours": {"tue": [("08:00", "25:00")]}},
                 r"tue window 1: '25:00' is not a valid time of day", id="bad-hhmm-hour-25"),
    pytest.param({"weekly_hours": {"wed": [("08:00", "12:00"), ("12:60", "17:00")]}},
                 r"wed window 2: '12:60' is not a valid time of day", id="bad-hhmm-minute-60"),
    pytest.param({"weekly_hours": {"mon": [("24:00", "24:00")]}},
                 r"24:00 can only end a window", id="24-00-as-start"),
    pytest.param({"weekly_hours": {"mon": [("17:00", "08:00")]}},
                 r"17:00–08:00 must start before it ends", id="start-after-end"),
    pytest.param({"weekly_hours": {"mon": [("08:00", "08:00")]}},
                 r"must start before it ends", id="empty-window"),
    pytest.param({"weekly_hours": {"funday": [("08:00", "17:00")]}},
                 r"unknown weekday 'funday'", id="unknown-weekday"),
    pytest.param({"weekly_hours": {}}, r"no working hours", id="no-hours"),
    pytest.param({"weekly_hours": {"mon": []}}, r"no working hours", id="only-empty-days"),
    pytest.param({"weekly_hours": {"mon": "08:00-17:00"}}, r"mon: windows must be a list", id="windows-not-a-list"),
    pytest.param({"weekly_hours": {"mon": [("08:00",)]}}, r"is not a window like", id="window-not-a-pair"),
    pytest.param({"timezone": "Mars/Olympus_Mons"}, r"unknown timezone 'Mars/Olympus_Mons'", id="unknown-zone"),
    pytest.param({"timezone": ""}, r"timezone must be an IANA zone name", id="empty-zone"),
    pytest.param({"holiday_country": "XX"}, r"no public holidays known for 'XX'", id="unknown-country"),
    pytest.param({"holiday_country": "US", "holiday_subdivision": "ZZ"},
                 r"no public holidays known for 'US/ZZ'", id="unknown-subdivision"),
    pytest.param({"holiday_country": None, "holiday_subdivision": "CA"},
                 r"holiday_subdivision needs a holiday_country", id="subdivision-without-country"),
    pytest.param({"closures": frozenset({"2026-13-01"})}, r"closure '2026-13-01' is not a date", id="bad-closure"),
    pytest.param({"closures": frozenset({datetime(2026, 12, 24, tzinfo=UTC)})},
                 r"must be a date, not a datetime", id="closure-datetime"),
]


@pytest.mark.parametrize(("overrides", "message"), INVALID)
def test_invalid_calendar_specs_give_clear_messages(overrides: dict, message: str) -> None:
    spec = {"timezone": "America/New_York", "weekly_hours": {"mon": [("08:00", "17:00")]}, **overrides}
    with pytest.raises(InvalidCalendar, match=message) as info:
        BusinessCalendar(**spec)
    assert isinstance(info.value, SlaError)
    assert isinstance(info.value, ValueError)


def test_from_spec_accepts_loose_json_input() -> None:
    spec = BusinessCalendar.from_spec(
        "America/New_York",
        {"MON": ["08:00-17:00"], "Tue": [["07:00", "12:00"], "12:30 – 19:00"]},
        closures=["2026-03-10"],
    )
    assert spec.weekly_hours == {"mon": (("08:00", "17:00"),), "tue": (("07:00", "12:00"), ("12:30", "19:00"))}
    assert spec.covered(ny(2026, 3, 2), ny(2026, 3, 4)) == 9 * H + 690 * M
    assert spec.covered(ny(2026, 3, 9), ny(2026, 3, 11)) == 9 * H  # Tue 10 Mar closed
    with pytest.raises(InvalidCalendar, match="mon: windows must be a list"):
        BusinessCalendar.from_spec("America/New_York", {"mon": "08:00-17:00"})
    with pytest.raises(InvalidCalendar, match="weekly_hours must map weekdays"):
        BusinessCalendar.from_spec("America/New_York", [("mon", "08:00-17:00")])  # type: ignore[arg-type]


# --------------------------------------------------------------------------- report helpers

def test_holidays_in_lists_observed_days_and_closures() -> None:
    assert NY_BIZ_CLOSURE.holidays_in(date(2026, 7, 1), date(2026, 7, 8)) == [
        (date(2026, 7, 3), "Independence Day (observed)"),
        (date(2026, 7, 4), "Independence Day"),
    ]
    assert NY_BIZ_CLOSURE.holidays_in(date(2026, 12, 20), date(2026, 12, 26)) == [
        (date(2026, 12, 24), "Contract closure"),
        (date(2026, 12, 25), "Christmas Day"),
    ]
    assert NY_BIZ.holidays_in(date(2026, 12, 25), date(2026, 12, 25)) == []  # end exclusive
    assert NY_BIZ_NO_HOLIDAYS.holidays_in(date(2026, 1, 1), date(2027, 1, 1)) == []
    assert TWENTY_FOUR_SEVEN.holidays_in(date(2026, 1, 1), date(2027, 1, 1)) == []


@pytest.mark.parametrize(
    ("calendar", "text"),
    [
        pytest.param(NY_BIZ, "Mon–Fri 08:00–17:00 (America/New_York)", id="weekdays"),
        pytest.param(NY_SPLIT, "Mon–Fri 07:00–12:00, 12:30–19:00 (America/New_York)", id="split"),
        pytest.param(NY_LATE, "Mon 20:00–24:00; Fri 18:00–24:00; Sat 00:00–06:00 (America/New_York)", id="late"),
        pytest.param(cal({"mon": [("08:00", "12:00")], "wed": [("08:00", "12:00")]}),
                     "Mon, Wed 08:00–12:00 (America/New_York)", id="non-adjacent-days"),
        pytest.param(TWENTY_FOUR_SEVEN, "24x7 (real elapsed time)", id="24x7"),
    ],
)
def test_describe_hours(calendar: Clock, text: str) -> None:
    assert calendar.describe_hours() == text  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(date(2026, 3, 2), utc(2026, 3, 2, 5), id="winter-est"),
        pytest.param(date(2026, 3, 8), utc(2026, 3, 8, 5), id="spring-forward-day-est-midnight"),
        pytest.param(date(2026, 3, 9), utc(2026, 3, 9, 4), id="first-edt-day"),
        pytest.param(date(2026, 11, 1), utc(2026, 11, 1, 4), id="fall-back-day-edt-midnight"),
        pytest.param(date(2026, 11, 2), utc(2026, 11, 2, 5), id="first-est-day"),
    ],
)
def test_local_date_start(day: date, expected: datetime) -> None:
    assert NY_BIZ.local_date_start(day) == expected
