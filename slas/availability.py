"""Availability of units and fleets from status changes, tickets and maintenance.

Rules (DESIGN.md "Availability"):

- Period: ``[max(start, in_service_at), end)``; the caller passes
  ``end = min(to, as_of)``.  Nothing before the unit entered service counts.
- Telemetry: status changes are taken in ``occurred_at`` order; each state
  holds from its change to the next; before the first change the unit is
  ``state_before_first_change`` (``up``).  A repeated state is no transition.
  Of several changes at the same instant the last one given wins (a state that
  lasted no time is dropped, so down → maintenance → down at one instant stays
  one outage).  Input order otherwise does not matter.
- Down = telemetry ``down`` ∪ ``[reported, restored)`` of unit-down tickets (not
  yet restored: down until ``end``; restored at or before the report: no
  span); overlapping or touching spans merge.
- Maintenance = telemetry ``maintenance`` ∪ scheduled windows.
  With ``exclude_maintenance`` it is removed from numerator *and* denominator
  and wins where it overlaps down (a unit down during its maintenance window is
  not charged); otherwise it counts as downtime (operational availability, Ao).
- ``availability = 100 × (period − excluded − downtime) / (period − excluded)``;
  ``None`` when the denominator is zero.
- Failures: entries into down (the merged down timeline), each counted at its
  *effective start*: where the outage begins or, if it begins inside excluded
  maintenance, where that maintenance ends with the unit still down.  It counts
  in the period that instant falls in, so an outage already under way at the
  period start is charged as downtime but counted as a failure only in the
  period where it became one, and monthly counts add up to the yearly count.
  An outage wholly inside excluded maintenance is no failure; maintenance
  itself is never one (even when it counts as downtime).
- ``MTBF = uptime ÷ failures``, ``MTTR = downtime ÷ failures`` in hours;
  ``None`` when there were no failures.
- Fleet figures are period-weighted: sums of period, excluded, downtime, uptime
  and failures, with the ratios recomputed from the sums.
- Cost: one sort and a C-level grouping of the changes, then work per state
  transition and per ticket/window (bisection); never per minute.
  :func:`unit_availability_series` builds the timelines once for a period and
  its months (each month is then a few bisections).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from itertools import groupby
from operator import itemgetter
from typing import Literal
from zoneinfo import ZoneInfo

from slas.errors import InvalidStatus
from slas.intervals import DAWN, DUSK, ZERO, Interval, as_utc, clip, covered, merge, subtract, total, union

STATES = ("up", "down", "maintenance")
_STATE_SET = frozenset(STATES)
UnitState = Literal["up", "down", "maintenance"]
_HOUR = timedelta(hours=1)
_time = itemgetter(0)  # of an (occurred_at, state) change
_held = itemgetter(1)
_start = itemgetter(0)
_end = itemgetter(1)


@dataclass(frozen=True, slots=True)
class StatusChange:
    """A telemetry status event: the unit is in ``state`` from ``occurred_at`` (stored UTC)."""

    occurred_at: datetime
    state: UnitState

    def __post_init__(self) -> None:
        if self.state not in STATES:
            raise InvalidStatus(f"unknown unit state {self.state!r} (use up, down or maintenance)")
        if self.occurred_at.tzinfo is not UTC:
            object.__setattr__(self, "occurred_at", as_utc(self.occurred_at, "occurred_at"))


@dataclass(frozen=True)
class UnitAvailability:
    """Availability figures for one unit (or a fleet) over a period."""

    period: timedelta
    excluded: timedelta
    downtime: timedelta
    failures: int
    uptime: timedelta
    availability_percent: float | None
    mtbf_hours: float | None
    mttr_hours: float | None


def _figures(period: timedelta, excluded: timedelta, downtime: timedelta, failures: int) -> UnitAvailability:
    """Derive uptime, availability, MTBF and MTTR from the four sums."""
    uptime = period - excluded - downtime
    denominator = period - excluded
    return UnitAvailability(
        period=period,
        excluded=excluded,
        downtime=downtime,
        failures=failures,
        uptime=uptime,
        availability_percent=100 * (uptime / denominator) if denominator > ZERO else None,
        mtbf_hours=(uptime / _HOUR) / failures if failures else None,
        mttr_hours=(downtime / _HOUR) / failures if failures else None,
    )


def _telemetry(changes: Sequence[tuple[datetime, str]], initial: str) -> tuple[list[Interval], list[Interval]]:
    """Down and maintenance spans from ``(occurred_at, state)`` changes (unclipped, sorted, merged).

    The initial state holds from the dawn of time, the last state to the end.
    Runs of changes to the same state are grouped in C (``itertools.groupby``),
    so the Python loop runs once per transition, not once per event.  Changes
    at the same instant are handed to :func:`_telemetry_with_ties`.
    """
    ordered = sorted(changes, key=_time)
    down: list[Interval] = []
    maintenance: list[Interval] = []
    spans_of = {"down": down.append, "maintenance": maintenance.append}
    state, since = initial, DAWN
    for new, group in groupby(ordered, key=_held):
        if new == state:
            continue
        t = next(group)[0]
        if t == since:
            return _telemetry_with_ties(ordered, initial)
        add = spans_of.get(state)
        if add is not None:
            add((since, t))
        state, since = new, t
    add = spans_of.get(state)
    if add is not None:
        add((since, DUSK))
    return down, maintenance


def _telemetry_with_ties(ordered: list[tuple[datetime, str]], initial: str) -> tuple[list[Interval], list[Interval]]:
    """As :func:`_telemetry`, when some changes share an instant: of those the last
    given wins; a state that lasted no time is dropped and the state before it
    resumes (so down → maintenance → down at one instant stays one outage)."""
    spans: list[tuple[datetime, datetime, str]] = []
    state, since = initial, DAWN
    for new, group in groupby(ordered, key=_held):
        if new == state:
            continue
        t = next(group)[0]
        if t == since and spans:  # the current state lasted no time
            if spans[-1][2] == new:  # back to the state before it, which goes on
                since = spans.pop()[0]
            state = new
            continue
        spans.append((since, t, state))
        state, since = new, t
    spans.append((since, DUSK, state))
    down = [(s, e) for s, e, held in spans if held == "down"]
    maintenance = [(s, e) for s, e, held in spans if held == "maintenance"]
    return down, maintenance


def _spans(pairs: Sequence[tuple[datetime, datetime | None]], open_end: datetime, name: str) -> list[Interval]:
    return [
        (as_utc(s, name), as_utc(e, name) if e is not None else open_end)
        for s, e in pairs
    ]


def _timelines(
    changes: Sequence[StatusChange],
    ticket_down: Sequence[tuple[datetime, datetime | None]],
    maintenance_windows: Sequence[tuple[datetime, datetime]],
    state_before_first_change: str,
    end: datetime,
) -> tuple[list[Interval], list[Interval]]:
    """Merged down and maintenance timelines (unclipped)."""
    return _timelines_of_pairs([(c.occurred_at, c.state) for c in changes], ticket_down, maintenance_windows,
                               state_before_first_change, end)


def _timelines_of_pairs(
    changes: Sequence[tuple[datetime, str]],
    ticket_down: Sequence[tuple[datetime, datetime | None]],
    maintenance_windows: Sequence[tuple[datetime, datetime]],
    state_before_first_change: str,
    end: datetime,
) -> tuple[list[Interval], list[Interval]]:
    if state_before_first_change not in STATES:
        raise InvalidStatus(f"unknown unit state {state_before_first_change!r} (use up, down or maintenance)")
    down, maintenance = _telemetry(changes, state_before_first_change)
    if ticket_down:
        down = union(down, merge(_spans(ticket_down, end, "ticket_down")))
    if maintenance_windows:
        maintenance = union(maintenance, merge(_spans(maintenance_windows, end, "maintenance_windows")))
    return down, maintenance


def unit_availability(
    *,
    start: datetime,
    end: datetime,
    in_service_at: datetime,
    changes: Sequence[StatusChange],
    ticket_down: Sequence[tuple[datetime, datetime | None]],
    maintenance_windows: Sequence[tuple[datetime, datetime]],
    exclude_maintenance: bool,
    state_before_first_change: str = "up",
) -> UnitAvailability:
    """One unit's availability over ``[max(start, in_service_at), end)`` (module rules)."""
    lo = max(as_utc(start, "start"), as_utc(in_service_at, "in_service_at"))
    hi = as_utc(end, "end")
    if hi <= lo:
        return _figures(ZERO, ZERO, ZERO, 0)
    down, maintenance = _timelines(changes, ticket_down, maintenance_windows, state_before_first_change, hi)
    down_in = clip(down, lo, hi)
    maintenance_in = clip(maintenance, lo, hi)
    # telemetry alone never has a unit down and in maintenance at once: only
    # unit-down tickets and scheduled windows can make the two overlap
    overlapping = bool(ticket_down or maintenance_windows)
    if exclude_maintenance:
        excluded = total(maintenance_in)
        downtime = total(subtract(down_in, maintenance_in) if overlapping else down_in)
    else:
        excluded = ZERO
        downtime = total(union(down_in, maintenance_in)) if overlapping else total(down_in) + total(maintenance_in)
    failures = _failures(down, maintenance if overlapping and exclude_maintenance else [], lo, hi)
    return _figures(hi - lo, excluded, downtime, failures)


def unit_availability_series(
    *,
    spans: Sequence[tuple[datetime, datetime]],
    in_service_at: datetime,
    changes: Sequence[tuple[datetime, str]],
    ticket_down: Sequence[tuple[datetime, datetime | None]],
    maintenance_windows: Sequence[tuple[datetime, datetime]],
    exclude_maintenance: bool,
    state_before_first_change: str = "up",
) -> list[UnitAvailability]:
    """One unit's availability over each of ``spans`` (a period and its months, say): for each
    span exactly what :func:`unit_availability` gives with the same inputs, but the merged
    timelines are built once and each span is a few bisections into them.

    ``changes`` are ``(occurred_at, state)`` pairs (the module rules; no
    :class:`StatusChange` per event needed); an open ticket runs to the latest span end.
    """
    if not spans:
        return []
    known = {state for _, state in changes}
    if not known <= _STATE_SET:
        raise InvalidStatus(f"unknown unit state {min(known - _STATE_SET)!r} (use up, down or maintenance)")
    if not all(t.tzinfo is UTC for t, _ in changes):
        changes = [(as_utc(t, "occurred_at"), state) for t, state in changes]
    bounds = [(as_utc(s, "start"), as_utc(e, "end")) for s, e in spans]
    service = as_utc(in_service_at, "in_service_at")
    down, maintenance = _timelines_of_pairs(changes, ticket_down, maintenance_windows, state_before_first_change,
                                            max(e for _, e in bounds))
    overlapping = bool(ticket_down or maintenance_windows)  # as in unit_availability
    if exclude_maintenance:
        excluded = maintenance
        charged = subtract(down, maintenance) if overlapping else down
    else:
        excluded = []
        charged = union(down, maintenance)
    holes = maintenance if overlapping and exclude_maintenance else []
    out = []
    for start, hi in bounds:
        lo = max(start, service)
        if hi <= lo:
            out.append(_figures(ZERO, ZERO, ZERO, 0))
            continue
        out.append(_figures(hi - lo, covered(excluded, lo, hi), covered(charged, lo, hi),
                            _failures(down, holes, lo, hi)))
    return out


def _failures(down: list[Interval], excluded: list[Interval], lo: datetime, hi: datetime) -> int:
    """Failures in ``[lo, hi)``: down spans whose *effective start* lies in the period.

    A down span becomes a failure where it starts, or, when it starts inside an excluded
    maintenance span, where that maintenance ends (if it is still down then); a down span
    wholly inside excluded maintenance is no failure. Counting at the effective start makes
    the failures of adjacent periods add up to those of the whole (both lists are merged
    and sorted, so one bisection finds the covering maintenance span)."""
    first = bisect_right(down, lo, key=_end)  # spans ending at or before lo cannot start a failure in the period
    last = bisect_left(down, hi, lo=first, key=_start)
    count = 0
    for start, end in down[first:last]:
        effective: datetime | None = start
        i = bisect_right(excluded, start, key=_start) - 1
        if i >= 0 and excluded[i][0] <= start < excluded[i][1]:
            effective = excluded[i][1] if end > excluded[i][1] else None
        if effective is not None and lo <= effective < hi:
            count += 1
    return count


def fleet_availability(units: Sequence[UnitAvailability]) -> UnitAvailability:
    """Period-weighted fleet figures: sums of the units' times and failures."""
    return _figures(
        sum((u.period for u in units), ZERO),
        sum((u.excluded for u in units), ZERO),
        sum((u.downtime for u in units), ZERO),
        sum(u.failures for u in units),
    )


def months_between(start: datetime, end: datetime, tz: str) -> list[tuple[datetime, datetime]]:
    """Calendar-month slices of ``[start, end)`` in zone ``tz``, as UTC instants.

    Rule: months begin at local midnight of the 1st (fold=0); the first and
    last slices are cut at ``start`` and ``end``.
    """
    lo, hi = as_utc(start, "start"), as_utc(end, "end")
    zone = ZoneInfo(tz)
    local = lo.astimezone(zone)
    year, month = local.year, local.month
    out: list[tuple[datetime, datetime]] = []
    month_start = datetime(year, month, 1, tzinfo=zone).astimezone(UTC)
    while month_start < hi:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        next_start = datetime(year, month, 1, tzinfo=zone).astimezone(UTC)
        if next_start > lo:
            out.append((max(lo, month_start), min(hi, next_start)))
        month_start = next_start
    return out


def state_timeline(
    *,
    start: datetime,
    end: datetime,
    changes: Sequence[StatusChange],
    ticket_down: Sequence[tuple[datetime, datetime | None]] = (),
    maintenance_windows: Sequence[tuple[datetime, datetime]] = (),
    in_service_at: datetime | None = None,
    state_before_first_change: str = "up",
) -> list[tuple[datetime, datetime, str]]:
    """The unit's merged state over ``[max(start, in_service_at), end)``.

    Rule: ``maintenance`` wins over ``down`` (as when maintenance is excluded),
    ``down`` (telemetry ∪ unit-down tickets) over ``up``; consecutive spans of
    the same state are merged; the spans tile the period without gaps.
    """
    lo = as_utc(start, "start")
    if in_service_at is not None:
        lo = max(lo, as_utc(in_service_at, "in_service_at"))
    hi = as_utc(end, "end")
    if hi <= lo:
        return []
    down, maintenance = _timelines(changes, ticket_down, maintenance_windows, state_before_first_change, hi)
    maintenance_in = clip(maintenance, lo, hi)
    marked = [(s, e, "maintenance") for s, e in maintenance_in]
    marked += [(s, e, "down") for s, e in subtract(clip(down, lo, hi), maintenance_in)]
    marked.sort()
    out: list[tuple[datetime, datetime, str]] = []
    cursor = lo
    for s, e, state in marked:
        if s > cursor:
            out.append((cursor, s, "up"))
        out.append((s, e, state))
        cursor = e
    if cursor < hi:
        out.append((cursor, hi, "up"))
    return out


def local_month_label(month_start: datetime, tz: str) -> date:
    """The local first-of-month date of a slice from :func:`months_between`."""
    local = month_start.astimezone(ZoneInfo(tz)).date()
    return local.replace(day=1)


def meets_target(f: UnitAvailability, target_percent: Decimal) -> bool | None:
    """Availability ≥ target, exactly: uptime × 100 ≥ target × (period − excluded), in whole
    microseconds and fractions (no float rounding). None when there is no figure (nothing measured)."""
    denominator = f.period - f.excluded
    if denominator <= timedelta(0):
        return None
    us = timedelta(microseconds=1)
    return Fraction(f.uptime // us) * 100 >= Fraction(target_percent) * (denominator // us)
