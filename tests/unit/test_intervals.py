"""Interval arithmetic against brute-force sets of minutes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slas import NaiveDatetime, as_utc
from slas.intervals import Interval, clip, intersect, merge, subtract, total, union

T0 = datetime(2026, 3, 1, tzinfo=UTC)
M = timedelta(minutes=1)


def iv(a: int, b: int) -> Interval:
    return (T0 + a * M, T0 + b * M)


def minutes(intervals: list[Interval]) -> set[int]:
    return {m for s, e in intervals for m in range((s - T0) // M, (e - T0) // M)}


def is_merged(intervals: list[Interval]) -> bool:
    return all(s < e for s, e in intervals) and all(a[1] < b[0] for a, b in pairwise(intervals))


raw = st.lists(st.tuples(st.integers(0, 120), st.integers(0, 120)).map(lambda p: iv(*p)), max_size=12)


@settings(max_examples=300, deadline=None)
@given(raw, raw, st.integers(0, 120), st.integers(0, 120))
def test_operations_match_sets_of_minutes(a: list[Interval], b: list[Interval], lo: int, hi: int) -> None:
    ma, mb = merge(a), merge(b)
    assert is_merged(ma) and minutes(ma) == minutes(a)
    for result, expected in (
        (union(ma, mb), minutes(a) | minutes(b)),
        (subtract(ma, mb), minutes(a) - minutes(b)),
        (intersect(ma, mb), minutes(a) & minutes(b)),
        (clip(ma, *iv(lo, hi)), {m for m in minutes(a) if lo <= m < hi}),
    ):
        assert is_merged(result)
        assert minutes(result) == expected
        assert total(result) == len(expected) * M


def test_hand_cases() -> None:
    assert merge([iv(5, 7), iv(1, 3), iv(3, 4), iv(6, 6)]) == [iv(1, 4), iv(5, 7)]
    assert subtract([iv(0, 10), iv(20, 30)], [iv(5, 22), iv(25, 26)]) == [iv(0, 5), iv(22, 25), iv(26, 30)]
    assert union([iv(0, 2), iv(10, 12)], [iv(2, 3), iv(5, 6)]) == [iv(0, 3), iv(5, 6), iv(10, 12)]
    assert clip([iv(0, 10), iv(20, 30)], *iv(5, 25)) == [iv(5, 10), iv(20, 25)]
    assert total([]) == timedelta(0)


def test_as_utc() -> None:
    ny = datetime(2026, 3, 8, 3, 30, tzinfo=ZoneInfo("America/New_York"))
    assert as_utc(ny) == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    assert as_utc(ny).tzinfo is UTC
    with pytest.raises(NaiveDatetime, match="when must be timezone-aware"):
        as_utc(datetime(2026, 3, 8), "when")
