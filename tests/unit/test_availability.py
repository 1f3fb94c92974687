"""Availability: hand-computed units and fleets, month slices, timelines, and a minute-grid reference."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
    unit_availability_series,
)

H = timedelta(hours=1)
M = timedelta(minutes=1)
ZERO = timedelta(0)
DAY_START = datetime(2026, 3, 1, tzinfo=UTC)
DAY_END = datetime(2026, 3, 2, tzinfo=UTC)


def at(hour: float, day: int = 1) -> datetime:
    return DAY_START + timedelta(days=day - 1, hours=hour)


def down_up(start: float, end: float, day: int = 1) -> list[StatusChange]:
    return [StatusChange(at(start, day), "down"), StatusChange(at(end, day), "up")]


def unit(changes: list[StatusChange] | None = None, *,
         ticket_down: list[tuple[datetime, datetime | None]] | None = None,
         windows: list[tuple[datetime, datetime]] | None = None, exclude: bool = True,
         in_service_at: datetime = datetime(2025, 1, 1, tzinfo=UTC), before: str = "up",
         start: datetime = DAY_START, end: datetime = DAY_END) -> UnitAvailability:
    return unit_availability(start=start, end=end, in_service_at=in_service_at, changes=changes or [],
                             ticket_down=ticket_down or [], maintenance_windows=windows or [],
                             exclude_maintenance=exclude, state_before_first_change=before)


def figures(u: UnitAvailability) -> tuple[timedelta, timedelta, timedelta, int, timedelta]:
    return (u.period, u.excluded, u.downtime, u.failures, u.uptime)


# ----------------------------------------------------------------------------- hand-computed units


def test_always_up() -> None:
    u = unit()
    assert figures(u) == (24 * H, ZERO, ZERO, 0, 24 * H)
    assert (u.availability_percent, u.mtbf_hours, u.mttr_hours) == (100.0, None, None)


def test_down_and_up_inside_the_period() -> None:
    u = unit(down_up(10, 12))
    assert figures(u) == (24 * H, ZERO, 2 * H, 1, 22 * H)
    assert u.availability_percent == pytest.approx(100 * 22 / 24)
    assert (u.mtbf_hours, u.mttr_hours) == (22.0, 2.0)


def test_outages_across_the_period_boundaries() -> None:
    # down from the previous evening until 02:00 (not a failure of this period), and again from 23:00 on
    changes = [StatusChange(at(22, day=0), "down"), StatusChange(at(2), "up"), StatusChange(at(23), "down"),
               StatusChange(at(3, day=2), "up")]
    u = unit(changes)
    assert figures(u) == (24 * H, ZERO, 3 * H, 1, 21 * H)
    assert (u.mtbf_hours, u.mttr_hours) == (21.0, 3.0)
    before_only = unit(changes[:2])
    assert (before_only.downtime, before_only.failures, before_only.mtbf_hours) == (2 * H, 0, None)


def test_unit_put_in_service_mid_period() -> None:
    u = unit(down_up(14, 15), in_service_at=at(12))
    assert figures(u) == (12 * H, ZERO, H, 1, 11 * H)
    assert u.availability_percent == pytest.approx(100 * 11 / 12)
    early = unit(down_up(10, 13), in_service_at=at(12))  # only the hour after entering service counts
    assert (early.downtime, early.failures) == (H, 0)


def test_maintenance_excluded_and_not_excluded() -> None:
    changes = [StatusChange(at(8), "maintenance"), StatusChange(at(9), "down"), StatusChange(at(11), "up")]
    windows = [(at(8), at(10)), (at(20), at(21))]  # telemetry says maintenance 08–09; scheduled 08–10 and 20–21
    excluded = unit(changes, windows=windows, exclude=True)
    # maintenance 08–10 and 20–21 excluded (3 h); down 09–11 minus maintenance = 10–11
    assert figures(excluded) == (24 * H, 3 * H, H, 1, 20 * H)
    assert excluded.availability_percent == pytest.approx(100 * 20 / 21)
    counted = unit(changes, windows=windows, exclude=False)
    # operational availability: maintenance counts as downtime: 08–11 and 20–21
    assert figures(counted) == (24 * H, ZERO, 4 * H, 1, 20 * H)
    assert counted.availability_percent == pytest.approx(100 * 20 / 24)


def test_down_wholly_inside_excluded_maintenance_is_not_a_failure() -> None:
    u = unit(down_up(9, 10), windows=[(at(8), at(12))], exclude=True)
    assert figures(u) == (24 * H, 4 * H, ZERO, 0, 20 * H)
    assert unit(down_up(9, 10), windows=[(at(8), at(12))], exclude=False).failures == 1


def test_ticket_downtime_merges_with_telemetry() -> None:
    u = unit(down_up(10, 12), ticket_down=[(at(11), at(13)), (at(15), None)])
    # 10–13 (telemetry ∪ ticket) and 15–24 (not restored: down until the end)
    assert figures(u) == (24 * H, ZERO, 12 * H, 2, 12 * H)
    touching = unit(down_up(10, 12), ticket_down=[(at(12), at(13))])
    assert (touching.downtime, touching.failures) == (3 * H, 1)


def test_out_of_order_and_duplicate_delivery_give_the_same_figures() -> None:
    changes = [*down_up(1, 2), *down_up(5, 7.5), StatusChange(at(9), "maintenance"), StatusChange(at(10), "up"),
               *down_up(20, 21)]
    expected = unit(changes, windows=[(at(15), at(16))])
    shuffled = changes + changes[2:5]
    random.Random(4).shuffle(shuffled)
    assert unit(shuffled, windows=[(at(15), at(16))]) == expected


def test_simultaneous_changes_keep_their_given_order() -> None:
    t = at(10)
    last_down = unit([StatusChange(t, "up"), StatusChange(t, "down"), StatusChange(at(11), "up")])
    last_up = unit([StatusChange(t, "down"), StatusChange(t, "up"), StatusChange(at(11), "up")])
    assert (last_down.downtime, last_up.downtime) == (H, ZERO)


def test_state_before_the_first_change() -> None:
    u = unit([StatusChange(at(6), "up")], before="down")
    assert (u.downtime, u.failures) == (6 * H, 0)


def test_empty_period() -> None:
    u = unit(down_up(1, 2), in_service_at=at(0, day=3))
    assert figures(u) == (ZERO, ZERO, ZERO, 0, ZERO)
    assert (u.availability_percent, u.mtbf_hours, u.mttr_hours) == (None, None, None)
    all_maintenance = unit(windows=[(at(0), at(24))])
    assert all_maintenance.availability_percent is None


def test_bad_input() -> None:
    with pytest.raises(InvalidStatus, match="unknown unit state 'broken'"):
        StatusChange(at(1), "broken")  # type: ignore[arg-type]
    with pytest.raises(NaiveDatetime):
        StatusChange(datetime(2026, 3, 1, 1), "down")
    with pytest.raises(NaiveDatetime):
        unit(start=datetime(2026, 3, 1))
    with pytest.raises(InvalidStatus):
        unit(before="sideways")


def test_fleet_is_period_weighted() -> None:
    a = unit(down_up(10, 12))
    b = unit(in_service_at=at(12))
    fleet = fleet_availability([a, b])
    assert figures(fleet) == (36 * H, ZERO, 2 * H, 1, 34 * H)
    assert fleet.availability_percent == pytest.approx(100 * 34 / 36)
    assert (fleet.mtbf_hours, fleet.mttr_hours) == (34.0, 2.0)
    assert fleet_availability([]).availability_percent is None


def test_monthly_figures_add_up_to_the_year() -> None:
    changes = [StatusChange(datetime(2026, 1, 31, 22, tzinfo=UTC), "down"),
               StatusChange(datetime(2026, 2, 1, 7, tzinfo=UTC), "up"),
               StatusChange(datetime(2026, 2, 10, tzinfo=UTC), "down"),
               StatusChange(datetime(2026, 2, 10, 5, tzinfo=UTC), "up")]
    start, end = datetime(2026, 1, 1, 5, tzinfo=UTC), datetime(2026, 4, 1, 4, tzinfo=UTC)
    whole = unit(changes, start=start, end=end)
    months = [unit(changes, start=s, end=e) for s, e in months_between(start, end, "America/New_York")]
    assert figures(fleet_availability(months)) == figures(whole)
    assert [m.failures for m in months] == [1, 1, 0]


# ----------------------------------------------------------------------------- months and timelines


def test_months_between_in_the_contract_zone() -> None:
    ny = ZoneInfo("America/New_York")
    start, end = datetime(2026, 1, 15, tzinfo=ny), datetime(2026, 4, 10, tzinfo=ny)
    months = months_between(start, end, "America/New_York")
    assert months == [
        (datetime(2026, 1, 15, 5, tzinfo=UTC), datetime(2026, 2, 1, 5, tzinfo=UTC)),
        (datetime(2026, 2, 1, 5, tzinfo=UTC), datetime(2026, 3, 1, 5, tzinfo=UTC)),
        (datetime(2026, 3, 1, 5, tzinfo=UTC), datetime(2026, 4, 1, 4, tzinfo=UTC)),  # DST began in March
        (datetime(2026, 4, 1, 4, tzinfo=UTC), datetime(2026, 4, 10, 4, tzinfo=UTC)),
    ]
    assert [local_month_label(s, "America/New_York").isoformat() for s, _ in months] == [
        "2026-01-01", "2026-02-01", "2026-03-01", "2026-04-01"]
    assert months_between(end, start, "America/New_York") == []
    dec = months_between(datetime(2026, 12, 5, tzinfo=UTC), datetime(2027, 1, 2, tzinfo=UTC), "UTC")
    assert dec[-1] == (datetime(2027, 1, 1, tzinfo=UTC), datetime(2027, 1, 2, tzinfo=UTC))


def test_state_timeline_tiles_the_period() -> None:
    changes = [StatusChange(at(8), "maintenance"), StatusChange(at(9), "down"), StatusChange(at(11), "up")]
    spans = state_timeline(start=DAY_START, end=DAY_END, changes=changes, ticket_down=[(at(15), at(16))],
                           maintenance_windows=[(at(8), at(10))], in_service_at=at(1))
    assert spans == [
        (at(1), at(8), "up"),
        (at(8), at(10), "maintenance"),  # maintenance wins over down
        (at(10), at(11), "down"),
        (at(11), at(15), "up"),
        (at(15), at(16), "down"),
        (at(16), at(24), "up"),
    ]
    assert state_timeline(start=DAY_END, end=DAY_START, changes=changes) == []


# ----------------------------------------------------------------------------- reference on a minute grid

GRID = 48  # minutes; period is minutes [8, 40)
P0, P1 = 8, 40
T0 = datetime(2026, 3, 1, tzinfo=UTC)


def minute(i: int) -> datetime:
    return T0 + i * M


def reference(changes: list[tuple[int, str]], tickets: list[tuple[int, int | None]], windows: list[tuple[int, int]],
              exclude: bool, in_service: int) -> tuple[int, int, int, int]:
    lo = max(P0, in_service)
    state = ["up"] * GRID
    for i in range(GRID):
        for t, s in changes:  # given order: the last change at or before i wins
            if t <= i:
                state[i] = s if t == max(t2 for t2, _ in changes if t2 <= i) else state[i]
    down = [state[i] == "down" or any(r <= i < (e if e is not None else P1) for r, e in tickets) for i in range(GRID)]
    maint = [state[i] == "maintenance" or any(s <= i < e for s, e in windows) for i in range(GRID)]
    period = list(range(lo, P1))
    if exclude:
        excluded = sum(maint[i] for i in period)
        downtime = sum(down[i] and not maint[i] for i in period)
    else:
        excluded, downtime = 0, sum(down[i] or maint[i] for i in period)
    # a failure happens at the first minute of an outage that is down and not excluded maintenance
    # (its effective start), counted in the period that minute falls in: adjacent periods add up
    failures = 0
    for i in range(GRID):
        if down[i] and (i == 0 or not down[i - 1]):
            j = i
            while j < GRID and down[j]:
                j += 1
            effective = next((k for k in range(i, j) if not (exclude and maint[k])), None)
            if effective is not None and lo <= effective < P1:
                failures += 1
    return max(0, P1 - lo), excluded, downtime, failures


moments = st.integers(0, GRID - 1)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(moments, st.sampled_from(["up", "down", "maintenance"])), max_size=12),
    st.lists(st.tuples(moments, st.one_of(st.none(), moments)), max_size=3),
    st.lists(st.tuples(moments, moments), max_size=3),
    st.booleans(),
    st.integers(0, 20),
)
def test_unit_availability_matches_the_minute_grid(
    changes: list[tuple[int, str]], tickets: list[tuple[int, int | None]], windows: list[tuple[int, int]],
    exclude: bool, in_service: int,
) -> None:
    # a change at minute 0 fixes the state "before the first change" on the grid as "up"
    changes = [(0, "up"), *sorted(changes, key=lambda c: c[0])]
    got = unit_availability(
        start=minute(P0), end=minute(P1), in_service_at=minute(in_service),
        changes=[StatusChange(minute(t), s) for t, s in changes],  # type: ignore[arg-type]
        ticket_down=[(minute(r), None if e is None else minute(e)) for r, e in tickets],
        maintenance_windows=[(minute(s), minute(e)) for s, e in windows],
        exclude_maintenance=exclude,
    )
    period, excluded, downtime, failures = reference(changes, tickets, windows, exclude, in_service)
    assert (got.period, got.excluded, got.downtime, got.failures) == (period * M, excluded * M, downtime * M, failures)
    assert got.uptime + got.downtime + got.excluded == got.period
    if got.availability_percent is not None:
        assert 0 <= got.availability_percent <= 100
    reversed_changes = [StatusChange(minute(t), s) for t, s in changes]  # type: ignore[arg-type]
    again = unit_availability(
        start=minute(P0), end=minute(P1), in_service_at=minute(in_service), changes=reversed_changes[::-1][::-1],
        ticket_down=[(minute(r), None if e is None else minute(e)) for r, e in tickets[::-1]],
        maintenance_windows=[(minute(s), minute(e)) for s, e in windows[::-1]], exclude_maintenance=exclude)
    assert again == got


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(moments, st.sampled_from(["up", "down", "maintenance"])), max_size=12),
    st.lists(st.tuples(moments, st.one_of(st.none(), moments)), max_size=3),
    st.lists(st.tuples(moments, moments), max_size=3),
    st.booleans(),
    st.integers(0, 20),
    st.lists(moments, min_size=1, max_size=4),
    st.sampled_from(["up", "down", "maintenance"]),
)
def test_the_series_gives_each_span_what_unit_availability_gives_for_it(
    changes: list[tuple[int, str]], tickets: list[tuple[int, int | None]], windows: list[tuple[int, int]],
    exclude: bool, in_service: int, cuts: list[int], before: str,
) -> None:
    # a period cut into adjacent spans (months, say), plus an empty span and the period itself
    edges = sorted({P0, P1, *(min(max(c, P0), P1) for c in cuts)})
    spans = [(minute(a), minute(b)) for a, b in itertools.pairwise(edges)]
    spans += [(minute(P0), minute(P1)), (minute(P1), minute(P1))]
    inputs = {"in_service_at": minute(in_service),
              "ticket_down": [(minute(r), None if e is None else minute(e)) for r, e in tickets],
              "maintenance_windows": [(minute(s), minute(e)) for s, e in windows],
              "exclude_maintenance": exclude, "state_before_first_change": before}
    got = unit_availability_series(spans=spans, changes=[(minute(t), s) for t, s in changes], **inputs)
    one_by_one = [unit_availability(start=s, end=e, changes=[StatusChange(minute(t), s) for t, s in changes],  # type: ignore[arg-type]
                                    **inputs) for s, e in spans]
    assert got == one_by_one
    parts = fleet_availability(got[:-2])
    assert (parts.period, parts.excluded, parts.downtime, parts.failures) == (
        got[-2].period, got[-2].excluded, got[-2].downtime, got[-2].failures)


def test_the_series_refuses_unknown_states_and_naive_instants() -> None:
    span = [(DAY_START, DAY_END)]
    common = {"spans": span, "in_service_at": DAY_START, "ticket_down": [], "maintenance_windows": [],
              "exclude_maintenance": True}
    with pytest.raises(InvalidStatus, match="'broken'"):
        unit_availability_series(changes=[(DAY_START, "broken")], **common)  # type: ignore[arg-type]
    with pytest.raises(NaiveDatetime, match="occurred_at"):
        unit_availability_series(changes=[(datetime(2026, 3, 1, 5), "down")], **common)  # type: ignore[arg-type]
    ny = datetime(2026, 3, 1, 5, tzinfo=ZoneInfo("America/New_York"))
    (f,) = unit_availability_series(changes=[(ny, "down")], **common)  # type: ignore[arg-type]
    assert f.downtime == DAY_END - ny


def test_many_units_with_thousands_of_events_each_match_a_plain_sweep() -> None:
    """Downtime and excluded time for units with 2,000 events each equal a plain sweep over the
    state changes (speed is measured by bench/availability.py, not here)."""
    rng = random.Random(5)
    start, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    for _ in range(40):
        offsets = sorted(rng.randrange(365 * 86400) for _ in range(2000))
        changes = [StatusChange(start + timedelta(seconds=s), rng.choice(("up", "down", "up", "maintenance")))
                   for s in offsets]
        r = unit_availability(start=start, end=end, in_service_at=start, changes=changes, ticket_down=[],
                              maintenance_windows=[], exclude_maintenance=True)
        spent = {"up": timedelta(0), "down": timedelta(0), "maintenance": timedelta(0)}
        edges = [StatusChange(start, "up"), *changes, StatusChange(end, "up")]
        for a, b in itertools.pairwise(edges):
            spent[a.state] += b.occurred_at - a.occurred_at
        assert (r.period, r.downtime, r.excluded) == (end - start, spent["down"], spent["maintenance"])
