"""Availability, failures, MTBF/MTTR, fleet weighting and month slicing, hand-computed.

Period for most cases: March 2026 in UTC, [2026-03-01T00Z, 2026-04-01T00Z) = 31 days = 744 h.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from slas import (
    InvalidStatus,
    NaiveDatetime,
    StatusChange,
    UnitAvailability,
    fleet_availability,
    local_month_label,
    months_between,
    state_timeline,
    unit_availability,
)

NY = ZoneInfo("America/New_York")
H = timedelta(hours=1)
START = datetime(2026, 3, 1, tzinfo=UTC)
END = datetime(2026, 4, 1, tzinfo=UTC)


def utc(mo: int, d: int, h: int = 0, mi: int = 0, y: int = 2026) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


def ny(y: int, mo: int, d: int, h: int = 0) -> datetime:
    return datetime(y, mo, d, h, tzinfo=NY)


def sc(t: datetime, state: str) -> StatusChange:
    return StatusChange(t, state)  # type: ignore[arg-type]


def avail(changes=(), tickets=(), windows=(), *, exclude: bool = True, start: datetime = START,
          end: datetime = END, in_service: datetime = utc(1, 1, y=2025), initial: str = "up") -> UnitAvailability:
    return unit_availability(start=start, end=end, in_service_at=in_service, changes=list(changes),
                             ticket_down=list(tickets), maintenance_windows=list(windows),
                             exclude_maintenance=exclude, state_before_first_change=initial)


def figures(u: UnitAvailability) -> tuple:
    return (u.period / H, u.excluded / H, u.downtime / H, u.failures, u.uptime / H,
            u.availability_percent, u.mtbf_hours, u.mttr_hours)


def expect(period: float, excluded: float, down: float, failures: int) -> tuple:
    """Expected figures derived by the DESIGN.md formulas from hand-counted hours."""
    up = period - excluded - down
    return (period, excluded, down, failures, up,
            pytest.approx(100 * up / (period - excluded)) if period - excluded else None,
            pytest.approx(up / failures) if failures else None,
            pytest.approx(down / failures) if failures else None)


OUTAGE_MAR10 = [sc(utc(3, 10, 10), "down"), sc(utc(3, 10, 14), "up")]  # 4 h
MAINT_MAR5 = [sc(utc(3, 5, 0), "maintenance"), sc(utc(3, 5, 6), "up")]  # 6 h telemetry maintenance
WINDOW_MAR20 = [(utc(3, 20, 10), utc(3, 20, 12))]  # 2 h scheduled window

# down 10:00, up and down again at 12:00, up 14:00: one continuous 4 h outage
FLAP = [sc(utc(3, 10, 10), "down"), sc(utc(3, 10, 12), "up"), sc(utc(3, 10, 12), "down"), sc(utc(3, 10, 14), "up")]

CASES = [
    pytest.param(dict(), expect(744, 0, 0, 0), id="no-events-100pct"),
    pytest.param(dict(changes=OUTAGE_MAR10), expect(744, 0, 4, 1), id="one-4h-outage"),
    pytest.param(dict(changes=[sc(utc(2, 28, 20), "down"), sc(utc(3, 1, 2), "up")]), expect(744, 0, 2, 0),
                 id="outage-across-start-charged-not-a-failure"),
    pytest.param(dict(changes=[sc(utc(2, 28, 20), "down"), sc(utc(3, 1, 2), "up")], start=utc(2, 1), end=START),
                 expect(672, 0, 4, 1), id="same-outage-in-february-is-the-failure"),
    pytest.param(dict(changes=[sc(utc(3, 31, 22), "down"), sc(utc(4, 1, 3), "up")]), expect(744, 0, 2, 1),
                 id="outage-across-end-clipped"),
    pytest.param(dict(changes=[sc(utc(3, 31, 22), "down"), sc(utc(4, 1, 3), "up")], start=END, end=utc(5, 1)),
                 expect(720, 0, 3, 0), id="outage-across-end-rest-in-april"),
    pytest.param(dict(changes=[sc(utc(3, 31, 20), "down")]), expect(744, 0, 4, 1), id="still-down-at-end"),
    pytest.param(dict(changes=[*OUTAGE_MAR10, sc(utc(3, 20, 10), "down"), sc(utc(3, 20, 12), "up")],
                      in_service=utc(3, 16)), expect(384, 0, 2, 1), id="in-service-mid-period"),
    pytest.param(dict(changes=[sc(utc(3, 15), "down"), sc(utc(3, 16, 6), "up")], in_service=utc(3, 16)),
                 expect(384, 0, 6, 0), id="down-when-entering-service"),
    pytest.param(dict(changes=OUTAGE_MAR10, in_service=utc(4, 5)), expect(0, 0, 0, 0), id="in-service-after-end"),
    pytest.param(dict(changes=OUTAGE_MAR10, start=END, end=START), expect(0, 0, 0, 0), id="empty-period"),
    pytest.param(dict(changes=OUTAGE_MAR10, end=utc(3, 10, 12)), expect(228, 0, 2, 1), id="as-of-mid-outage"),
    # maintenance excluded vs counted as down (Ao)
    pytest.param(dict(changes=[*MAINT_MAR5, *OUTAGE_MAR10], windows=WINDOW_MAR20), expect(744, 8, 4, 1),
                 id="maintenance-excluded"),
    pytest.param(dict(changes=[*MAINT_MAR5, *OUTAGE_MAR10], windows=WINDOW_MAR20, exclude=False),
                 expect(744, 0, 12, 1), id="maintenance-counted-as-down"),
    pytest.param(dict(changes=[sc(utc(3, 20, 11), "down"), sc(utc(3, 20, 13), "up")], windows=WINDOW_MAR20),
                 expect(744, 2, 1, 1), id="down-overlapping-window-excluded-part"),
    pytest.param(dict(changes=[sc(utc(3, 20, 11), "down"), sc(utc(3, 20, 13), "up")], windows=WINDOW_MAR20,
                      exclude=False), expect(744, 0, 3, 1), id="down-overlapping-window-ao"),
    pytest.param(dict(changes=[sc(utc(3, 20, 11), "down"), sc(utc(3, 20, 11, 30), "up")], windows=WINDOW_MAR20),
                 expect(744, 2, 0, 0), id="down-inside-window-no-failure"),
    pytest.param(dict(windows=[(utc(3, 31, 20), None)]), expect(744, 4, 0, 0), id="open-window-until-end"),
    # ticket downtime ∪ telemetry
    pytest.param(dict(changes=OUTAGE_MAR10, tickets=[(utc(3, 10, 12), utc(3, 10, 16))]), expect(744, 0, 6, 1),
                 id="ticket-overlaps-telemetry-union"),
    pytest.param(dict(changes=[sc(utc(3, 10, 10), "down"), sc(utc(3, 10, 12), "up")],
                      tickets=[(utc(3, 10, 12), utc(3, 10, 14))]), expect(744, 0, 4, 1), id="touching-spans-merge"),
    pytest.param(dict(tickets=[(utc(3, 10, 10), utc(3, 10, 11, 30))]), expect(744, 0, 1.5, 1), id="ticket-only"),
    pytest.param(dict(tickets=[(utc(3, 31, 20), None)]), expect(744, 0, 4, 1), id="ticket-not-yet-restored"),
    pytest.param(dict(changes=OUTAGE_MAR10, tickets=[(utc(3, 10, 11), utc(3, 10, 12))]), expect(744, 0, 4, 1),
                 id="ticket-inside-telemetry-outage"),
    # telemetry details
    pytest.param(dict(changes=[sc(utc(3, 10, 10), "down"), sc(utc(3, 10, 11), "down"), sc(utc(3, 10, 14), "up"),
                               sc(utc(3, 10, 15), "up")]), expect(744, 0, 4, 1), id="repeated-state-no-transition"),
    pytest.param(dict(changes=[sc(utc(3, 1, 6), "up")], initial="down"), expect(744, 0, 6, 0),
                 id="down-before-first-change"),
    pytest.param(dict(changes=[sc(utc(3, 10, 10), "down"), sc(utc(3, 10, 10), "up")]), expect(744, 0, 0, 0),
                 id="simultaneous-last-given-wins"),
    pytest.param(dict(changes=FLAP), expect(744, 0, 4, 1), id="flap-at-one-instant-one-failure"),
    pytest.param(dict(changes=[sc(utc(3, 10, 10), "down"), sc(utc(3, 10, 11), "maintenance"),
                               sc(utc(3, 10, 14), "up")]), expect(744, 3, 1, 1), id="down-then-maintenance"),
    pytest.param(dict(changes=[sc(utc(3, 2), "down"), sc(utc(3, 3), "up"), sc(utc(3, 9), "down"),
                               sc(utc(3, 9, 12), "up"), sc(utc(3, 20), "down"), sc(utc(3, 20, 6), "up")]),
                 expect(744, 0, 42, 3), id="three-failures-mtbf-mttr"),
    # maintenance windows across DST (Uptime Kuma trap): wall-clock windows last real time
    pytest.param(dict(windows=[(ny(2026, 3, 8, 0), ny(2026, 3, 8, 4))]), expect(744, 3, 0, 0),
                 id="window-00-04-spring-forward-3h"),
    pytest.param(dict(windows=[(ny(2026, 11, 1, 0), ny(2026, 11, 1, 3))], start=utc(11, 1), end=utc(12, 1)),
                 expect(720, 4, 0, 0), id="window-00-03-fall-back-4h"),
]


@pytest.mark.parametrize(("kwargs", "expected"), CASES)
def test_unit_availability(kwargs: dict, expected: tuple) -> None:
    assert figures(avail(**kwargs)) == expected


def _distinct_instants(case) -> bool:
    changes = case.values[0].get("changes", ())
    return len({c.occurred_at for c in changes}) == len(changes)


# (simultaneous changes keep their given order by rule, so those cases are left out)
@pytest.mark.parametrize(("kwargs", "expected"), [c for c in CASES if _distinct_instants(c)])
def test_out_of_order_input_gives_the_same_result(kwargs: dict, expected: tuple) -> None:
    changes = list(kwargs.get("changes", ()))
    shuffled = {**kwargs, "changes": changes[1::2][::-1] + changes[::2],
                "tickets": list(kwargs.get("tickets", ()))[::-1], "windows": list(kwargs.get("windows", ()))[::-1]}
    assert figures(avail(**shuffled)) == expected


def test_monthly_failures_and_downtime_add_up_to_the_quarter() -> None:
    changes = [sc(utc(2, 28, 20), "down"), sc(utc(3, 1, 2), "up"), *OUTAGE_MAR10,
               sc(utc(3, 31, 22), "down"), sc(utc(4, 1, 3), "up")]
    months = [avail(changes, start=s, end=e) for s, e in [(utc(2, 1), START), (START, END), (END, utc(5, 1))]]
    quarter = avail(changes, start=utc(2, 1), end=utc(5, 1))
    assert [m.failures for m in months] == [1, 2, 0]
    assert [m.downtime / H for m in months] == [4, 2 + 4 + 2, 3]
    assert quarter.failures == 3
    assert quarter.downtime == sum((m.downtime for m in months), timedelta(0)) == 15 * H


def test_fleet_availability_is_period_weighted() -> None:
    a = avail(OUTAGE_MAR10)  # 744 h, 4 h down, 1 failure
    b = avail([sc(utc(3, 20), "down"), sc(utc(3, 20, 12), "up"), sc(utc(3, 25), "down"), sc(utc(3, 25, 8), "up")],
              in_service=utc(3, 16))  # 384 h, 20 h down, 2 failures
    c = avail(MAINT_MAR5, windows=WINDOW_MAR20)  # 744 h, 8 h excluded
    fleet = fleet_availability([a, b, c])
    assert figures(fleet) == expect(1872, 8, 24, 3)
    assert fleet.availability_percent == pytest.approx(100 * 1840 / 1864)
    mean_of_percents = (a.availability_percent + b.availability_percent + c.availability_percent) / 3
    assert fleet.availability_percent != pytest.approx(mean_of_percents)
    assert figures(fleet_availability([])) == expect(0, 0, 0, 0)


def test_state_timeline_tiles_the_period() -> None:
    day = state_timeline(
        start=utc(3, 10), end=utc(3, 11), changes=OUTAGE_MAR10,
        ticket_down=[(utc(3, 10, 15), utc(3, 10, 16))], maintenance_windows=[(utc(3, 10, 12), utc(3, 10, 13))],
    )
    assert day == [
        (utc(3, 10, 0), utc(3, 10, 10), "up"),
        (utc(3, 10, 10), utc(3, 10, 12), "down"),
        (utc(3, 10, 12), utc(3, 10, 13), "maintenance"),
        (utc(3, 10, 13), utc(3, 10, 14), "down"),
        (utc(3, 10, 14), utc(3, 10, 15), "up"),
        (utc(3, 10, 15), utc(3, 10, 16), "down"),
        (utc(3, 10, 16), utc(3, 11), "up"),
    ]
    assert state_timeline(start=utc(3, 10), end=utc(3, 11), changes=[], in_service_at=utc(3, 10, 18)) == [
        (utc(3, 10, 18), utc(3, 11), "up")]
    assert state_timeline(start=utc(3, 11), end=utc(3, 10), changes=OUTAGE_MAR10) == []


def test_state_timeline_merges_a_flap_at_one_instant() -> None:
    assert state_timeline(start=utc(3, 10), end=utc(3, 11), changes=FLAP) == [
        (utc(3, 10, 0), utc(3, 10, 10), "up"),
        (utc(3, 10, 10), utc(3, 10, 14), "down"),
        (utc(3, 10, 14), utc(3, 11), "up"),
    ]


def test_an_unrelated_ticket_outage_adds_exactly_one_failure() -> None:
    alone = avail([sc(utc(3, 10, 10), "down"), sc(utc(3, 10, 14), "up")])
    with_ticket = avail([sc(utc(3, 10, 10), "down"), sc(utc(3, 10, 14), "up")],
                        tickets=[(utc(3, 20, 1), utc(3, 20, 2))])
    assert (alone.failures, with_ticket.failures) == (1, 2)
    assert with_ticket.downtime - alone.downtime == H


# --------------------------------------------------------------------------- months

@pytest.mark.parametrize(("start", "end", "tz", "slices", "hours"), [
    pytest.param(ny(2026, 2, 15), ny(2026, 4, 15), "America/New_York",
                 [(ny(2026, 2, 15), ny(2026, 3, 1)), (ny(2026, 3, 1), ny(2026, 4, 1)),
                  (ny(2026, 4, 1), ny(2026, 4, 15))],
                 [14 * 24, 31 * 24 - 1, 14 * 24], id="ny-across-spring-forward-march-743h"),
    pytest.param(ny(2026, 10, 1), ny(2026, 12, 1), "America/New_York",
                 [(ny(2026, 10, 1), ny(2026, 11, 1)), (ny(2026, 11, 1), ny(2026, 12, 1))],
                 [31 * 24, 30 * 24 + 1], id="ny-across-fall-back-november-721h"),
    pytest.param(utc(3, 1, 2), ny(2026, 3, 2), "America/New_York",
                 [(utc(3, 1, 2), ny(2026, 3, 1)), (ny(2026, 3, 1), ny(2026, 3, 2))],
                 [3, 24], id="utc-start-is-still-february-locally"),
    pytest.param(utc(1, 1), utc(3, 1), "UTC", [(utc(1, 1), utc(2, 1)), (utc(2, 1), utc(3, 1))], [744, 672],
                 id="utc-whole-months"),
    pytest.param(utc(12, 15, y=2026), utc(1, 15, y=2027), "UTC",
                 [(utc(12, 15), utc(1, 1, y=2027)), (utc(1, 1, y=2027), utc(1, 15, y=2027))], [17 * 24, 14 * 24],
                 id="across-new-year"),
])
def test_months_between(start: datetime, end: datetime, tz: str, slices: list, hours: list) -> None:
    got = months_between(start, end, tz)
    assert got == slices
    assert [(e - s) / H for s, e in got] == hours
    assert all(s.utcoffset() == timedelta(0) for s, _ in got)


def test_local_month_label() -> None:
    slices = months_between(utc(3, 1, 2), ny(2026, 4, 15), "America/New_York")
    assert [local_month_label(s, "America/New_York") for s, _ in slices] == [
        date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1)]


# --------------------------------------------------------------------------- invalid input

@pytest.mark.parametrize(("build", "error", "message"), [
    pytest.param(lambda: sc(utc(3, 1), "offline"), InvalidStatus, "unknown unit state 'offline'", id="bad-state"),
    pytest.param(lambda: avail(initial="broken"), InvalidStatus, "unknown unit state 'broken'", id="bad-initial"),
    pytest.param(lambda: sc(datetime(2026, 3, 1), "down"), NaiveDatetime, "occurred_at must be timezone-aware",
                 id="naive-change"),
    pytest.param(lambda: avail(tickets=[(datetime(2026, 3, 1), None)]), NaiveDatetime,
                 "ticket_down must be timezone-aware", id="naive-ticket"),
    pytest.param(lambda: avail(windows=[(utc(3, 1), datetime(2026, 3, 2))]), NaiveDatetime,
                 "maintenance_windows must be timezone-aware", id="naive-window"),
    pytest.param(lambda: avail(start=datetime(2026, 3, 1)), NaiveDatetime, "start must be timezone-aware",
                 id="naive-start"),
    pytest.param(lambda: months_between(datetime(2026, 3, 1), END, "UTC"), NaiveDatetime,
                 "start must be timezone-aware", id="naive-months"),
])
def test_invalid_input_is_refused(build, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        build()


def test_failures_add_up_when_an_outage_starts_in_maintenance_across_a_month_boundary() -> None:
    changes = [sc(utc(3, 31, 23, 30), "down"), sc(utc(4, 1, 2), "up")]
    window = [(utc(3, 31, 23), utc(4, 1, 1))]  # maintenance 23:00 → 01:00 wins; down is charged 01:00 → 02:00
    march = avail(changes, windows=window, start=START, end=END)
    april = avail(changes, windows=window, start=END, end=utc(5, 1))
    both = avail(changes, windows=window, start=START, end=utc(5, 1))
    assert (march.downtime, april.downtime, both.downtime) == (timedelta(0), H, H)
    assert both.failures == 1
    assert march.failures + april.failures == both.failures
