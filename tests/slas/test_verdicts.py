"""The verdicts slas gives beside the clocks: the most urgent clock, the percent of a target used,
a period's overall compliance pass and an availability figure against its target (exact)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from slas.availability import UnitAvailability, meets_target
from slas.clocks import MetricClock, most_urgent, percent_used
from slas.compliance import MetricCompliance, all_passed

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def clock(metric: str, state: str, *, due_in: int | None = 60, stopped: bool = False, elapsed: int = 30,
          target: int = 60) -> MetricClock:
    return MetricClock(metric=metric, target_minutes=target, clock="24x7", elapsed=timedelta(minutes=elapsed),
                       due_at=None if due_in is None else T0 + timedelta(minutes=due_in),
                       stopped_at=T0 if stopped else None, state=state,  # type: ignore[arg-type]
                       breached=state == "breached", at_risk=False, paused_for=timedelta(0))


@pytest.mark.parametrize(("metrics", "expected"), [
    ([], None),
    ([clock("response", "met", stopped=True)], None),
    ([clock("response", "running", due_in=30), clock("restore", "running", due_in=10)], "restore"),
    ([clock("response", "running", due_in=5), clock("restore", "breached", due_in=90)], "restore"),
    ([clock("response", "paused", due_in=1), clock("restore", "running", due_in=500)], "restore"),
    ([clock("response", "paused", due_in=None)], "response"),
])
def test_the_most_urgent_clock_is_breached_then_soonest_due_then_paused(metrics, expected) -> None:  # type: ignore[no-untyped-def]
    found = most_urgent(metrics)
    assert (found.metric if found else None) == expected


@pytest.mark.parametrize(("elapsed", "target", "expected"), [(30, 60, 50.0), (61, 60, 101.7), (0, 240, 0.0),
                                                             (5, 0, None)])
def test_percent_used_is_elapsed_over_target_to_one_place(elapsed: int, target: int, expected: float | None) -> None:
    assert percent_used(clock("response", "running", elapsed=elapsed, target=target)) == expected


def _row(passed: bool | None) -> MetricCompliance:
    return MetricCompliance(priority="P1", metric="response", target_minutes=60, total=1, met=1, breached=0,
                            pending=0, not_applicable=0, percent_met=100.0, aql_percent=95.0, passed=passed)


@pytest.mark.parametrize(("verdicts", "expected"), [([], None), ([None, None], None), ([True, None], True),
                                                    ([True, False], False), ([True, True], True)])
def test_a_period_passes_when_every_judged_row_passes(verdicts: list[bool | None], expected: bool | None) -> None:
    assert all_passed([_row(v) for v in verdicts]) == expected


def _figures(period_min: int, excluded_min: int, down_us: int) -> UnitAvailability:
    period, excluded = timedelta(minutes=period_min), timedelta(minutes=excluded_min)
    down = timedelta(microseconds=down_us)
    return UnitAvailability(period=period, excluded=excluded, downtime=down, uptime=period - excluded - down,
                            failures=1, availability_percent=None, mtbf_hours=None, mttr_hours=None)


def test_availability_meets_its_target_exactly_to_the_microsecond() -> None:
    # 99.5 % of 10,000 minutes leaves exactly 50 minutes of downtime
    assert meets_target(_figures(10_000, 0, 50 * 60_000_000), Decimal("99.5")) is True
    assert meets_target(_figures(10_000, 0, 50 * 60_000_000 + 1), Decimal("99.5")) is False
    assert meets_target(_figures(10_100, 100, 50 * 60_000_000), Decimal("99.5")) is True  # excluded time is out
    assert meets_target(_figures(100, 100, 0), Decimal("99.5")) is None  # nothing measured
