"""The SLA clock engine: reduces a ticket's events to spans and measures them on its clocks.

The internals of :func:`slas.clocks.evaluate` (whose module docstring states the rules
applied here): :func:`_scan` reads the timeline, :func:`_plan` orders the targets, and
:func:`_read_all` reads each metric's clock.  Nothing here is public API.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from operator import attrgetter
from typing import Any

from slas.calendars import BusinessCalendar, Clock, PositionalClock, TwentyFourSeven
from slas.clock_types import EventLike, MetricClock, State, Target, _MetricClockDraft
from slas.errors import InvalidTarget
from slas.intervals import ZERO, Interval
from slas.vocabulary import CLOCK_KINDS, METRICS, MILESTONES, PRIORITIES

_occurred = attrgetter("occurred_at")


# --------------------------------------------------------------------------- timeline

#: What the ticket's events say (see :func:`_scan`): (current priority,
#: counting spans, paused spans, paused now, remote-fix instant, stop instant
#: per metric).
_Life = tuple[str, list[Interval], list[Interval], bool, "datetime | None", dict[str, "datetime | None"]]

_CONTACTS = frozenset(MILESTONES)  # any milestone is a contact: it stops the response clock


def _scan(
    reported: datetime, priority: str, events: Sequence[EventLike], at: datetime, until: datetime, pause_allowed: bool,
    in_order: bool = False, marks: list[tuple[Any, Any]] | None = None,
) -> _Life:
    """One pass over the events (≤ ``at``, in time order) applying the module rules.

    Collects the current priority, the first response, visit, remote fix and
    restore, the *runs* (the ticket open: reported → resolution, reopen →
    resolution …, the last one ending at ``until`` if still open) and the
    paused spans inside them; :func:`_spans_and_stops` finishes the reduction.
    ``marks``, when given, receives each pause as ``(paused event, the event that ended it or
    None)`` (:func:`pause_spans`).
    """
    runs: list[Interval] = []
    pauses: list[Interval] = []
    responded: datetime | None = None
    on_site: datetime | None = None
    no_visit: datetime | None = None
    restored: datetime | None = None
    run_start: datetime | None = reported
    pause_start: datetime | None = None
    opened: EventLike | None = None
    for event in events if in_order else sorted(events, key=_occurred):
        t = event.occurred_at
        if t > at:
            break
        if t < reported:
            t = reported
        kind = event.type
        if kind in _CONTACTS:
            if responded is None:
                responded = t
            if kind == "acknowledged":
                continue
            if on_site is None and no_visit is None:
                if kind == "on_site":
                    on_site = t
                else:
                    no_visit = t
            if kind == "restored":
                if restored is None:  # restored while resolved: restore stopped at that resolution
                    restored = t if run_start is not None else runs[-1][1]
            elif kind != "on_site" and run_start is not None:  # resolved or closed
                if pause_start is not None:
                    pauses.append((pause_start, t))
                    pause_start = None
                    if marks is not None:
                        marks.append((opened, event))
                runs.append((run_start, t))
                run_start = None
        elif kind == "paused":
            if pause_allowed and run_start is not None and pause_start is None:
                pause_start, opened = t, event
        elif kind == "resumed":
            if pause_start is not None:
                pauses.append((pause_start, t))
                pause_start = None
                if marks is not None:
                    marks.append((opened, event))
        elif kind == "reopened":
            if run_start is None:
                run_start = t
        elif kind == "priority_changed":
            priority = event.priority or priority
    ended_at = runs[-1][1] if run_start is None else None
    if run_start is not None:
        runs.append((run_start, until))
        if pause_start is not None:
            pauses.append((pause_start, until))
            if marks is not None:
                marks.append((opened, None))
    counting, stops = _spans_and_stops(runs, pauses, ended_at, responded, on_site, restored)
    return (priority, counting, pauses, ended_at is None and pause_start is not None, no_visit, stops)



def _spans_and_stops(
    runs: list[Interval], pauses: list[Interval], ended_at: datetime | None,
    responded: datetime | None, on_site: datetime | None, restored: datetime | None,
) -> tuple[list[Interval], dict[str, datetime | None]]:
    """The counting spans (runs minus pauses) and each metric's stop instant.

    A metric without its own stop event stops with the ticket's last
    resolution (``ended_at``; ``None`` while open).  The first response and
    the first visit always fall in the first run (a resolution is itself a
    response and a remote fix); a restore during a resolved gap was already
    moved back to that resolution by :func:`_scan`.
    """
    if pauses or len(runs) > 1:
        counting = _unpaused(runs, pauses)
    else:
        start, end = runs[0]
        counting = [(start, end)] if start < end else []
    return counting, {
        "response": ended_at if responded is None else responded,
        "on_site": ended_at if on_site is None else on_site,
        "restore": ended_at if restored is None else restored,
        "resolve": ended_at,
    }


def _unpaused(runs: list[Interval], pauses: list[Interval]) -> list[Interval]:
    """Runs minus pauses (pauses always lie inside runs), empty spans dropped."""
    out: list[Interval] = []
    j = 0
    for start, end in runs:
        cursor = start
        while j < len(pauses) and pauses[j][0] < end:
            if pauses[j][0] > cursor:
                out.append((cursor, pauses[j][0]))
            cursor = max(cursor, pauses[j][1])
            j += 1
        if cursor < end:
            out.append((cursor, end))
    return out


# --------------------------------------------------------------------------- plan

#: A metric to read: (metric, target minutes, clock kind, target as timedelta,
#: warning threshold, clock kind index in CLOCK_KINDS); a plan lists them per
#: priority in METRICS order.
_Step = tuple[str, int, str, timedelta, timedelta, int]
_Plan = dict[str, tuple[_Step, ...]]
_plan_cache: tuple[tuple[Target, ...], float, _Plan] = ((), 0.0, {})


def _plan(targets: Sequence[Target], warning_ratio: float) -> _Plan:
    """Targets by priority in metric order; two targets for the same priority
    and metric are an error.  The warning threshold is target × ratio, rounded
    to the microsecond.  The last plan is reused while the same tuple (or equal
    targets, compared item by item) and ratio are passed."""
    global _plan_cache
    cached, cached_ratio, plan = _plan_cache
    if targets is cached and warning_ratio == cached_ratio:
        return plan
    snapshot = tuple(targets)
    if snapshot == cached and warning_ratio == cached_ratio:
        _plan_cache = (snapshot, warning_ratio, plan)  # equal targets: the next call matches by identity
        return plan
    chosen: dict[tuple[str, str], Target] = {}
    for target in snapshot:
        if (target.priority, target.metric) in chosen:
            raise InvalidTarget(f"two targets for {target.priority} {target.metric}")
        chosen[(target.priority, target.metric)] = target
    plan = {}
    for priority in PRIORITIES:
        steps = []
        for metric in METRICS:
            found = chosen.get((priority, metric))
            if found is not None:
                limit = timedelta(minutes=found.minutes)
                kind = CLOCK_KINDS.index(found.clock)
                steps.append((metric, found.minutes, found.clock, limit, limit * warning_ratio, kind))
        plan[priority] = tuple(steps)
    _plan_cache = (snapshot, warning_ratio, plan)
    return plan


# --------------------------------------------------------------------------- reading


class _Positions:
    """Position view of a plain :class:`Clock`, anchored at the report instant."""

    __slots__ = ("anchor", "clock")

    def __init__(self, clock: Clock, anchor: datetime) -> None:
        self.clock, self.anchor = clock, anchor

    def position(self, t: datetime) -> timedelta:
        return self.clock.covered(self.anchor, t)

    def instant_at(self, pos: timedelta) -> datetime:
        return self.clock.add(self.anchor, pos)


_Positional = PositionalClock | _Positions


def _positional(clock: Clock, anchor: datetime) -> _Positional:
    """Use the clock's own cumulative positions when it has them (fast path)."""
    if isinstance(clock, (BusinessCalendar, TwentyFourSeven)):
        return clock
    if isinstance(clock, PositionalClock):
        return clock
    return _Positions(clock, anchor)


def _read_all(
    steps: tuple[_Step, ...], life: _Life, clocks: tuple[_Positional, _Positional],
    reported: datetime, until: datetime,
) -> tuple[MetricClock, ...]:
    """Read each planned metric's clock (module rules).

    Fast path: with one counting span ``[a, b)``, no pauses, and the metric
    stopped inside it (or still running with ``b`` the reading instant),
    elapsed is the covered time from ``a`` to the stop (or ``b``) and ``due_at``
    is ``add(a, target)`` whatever the state (the general rules reduce to
    that); on the 24x7 clock that is plain UTC arithmetic.  Otherwise
    :func:`_general` reads the spans measured once per clock kind.
    """
    _, counting, pauses, paused_now, no_visit, stops = life
    single = not pauses and len(counting) == 1
    a, b = counting[0] if single else (reported, reported)
    span_positions: tuple[timedelta, timedelta] | None = None  # calendar positions of a and b
    ledgers: list[tuple[_Ledger, _Ledger | None] | None] = [None, None]
    readings: list[MetricClock] = []
    for metric, minutes, clock_kind, limit, threshold, kind in steps:
        state: State
        stop: datetime | None
        due_at: datetime | None
        if no_visit is not None and metric == "on_site":
            stop, elapsed, due_at, state, at_risk, paused_for = no_visit, ZERO, None, "not_applicable", False, ZERO
        else:
            stop = stops[metric]
            paused_for = ZERO
            if single and limit and (b == until if stop is None else a < stop <= b):
                end = b if stop is None else stop
                if kind == 0:
                    elapsed, due_at = end - a, a + limit
                else:
                    clock = clocks[1]
                    if span_positions is None:
                        span_positions = (clock.position(a), clock.position(b))
                    elapsed = (span_positions[1] if end == b else clock.position(end)) - span_positions[0]
                    due_at = clock.instant_at(span_positions[0] + limit)
            else:
                pair = ledgers[kind]
                if pair is None:
                    pair = ledgers[kind] = _ledgers(counting, pauses, clocks[kind], until)
                elapsed, due_at = _general(pair[0], limit, stop, paused_now and stop is None, reported, until)
                if pair[1] is not None:
                    paused_for = _upto(pair[1], stop)[0]
            state = (
                "breached" if elapsed > limit else "met" if stop is not None else "paused" if paused_now else "running"
            )
            at_risk = state == "running" and elapsed >= threshold
        reading = _MetricClockDraft(metric, minutes, clock_kind, elapsed, due_at, stop, state, state == "breached",
                                    at_risk, paused_for)
        reading.__class__ = MetricClock  # type: ignore[assignment]
        readings.append(reading)  # type: ignore[arg-type]
    return tuple(readings)


def _general(
    ledger: _Ledger, limit: timedelta, stop: datetime | None, paused: bool, reported: datetime, until: datetime
) -> tuple[timedelta, datetime | None]:
    """Elapsed time and ``due_at`` of a metric stopped at ``stop`` (any spans)."""
    elapsed, stop_position = _upto(ledger, stop)
    if elapsed >= limit:
        return elapsed, (_reached(ledger, limit) if limit else reported)
    if paused:
        return elapsed, None
    clock = ledger[0]
    if stop_position is None:
        stop_position = clock.position(until if stop is None else stop)
    return elapsed, clock.instant_at(stop_position + (limit - elapsed))


#: Disjoint spans measured on one clock, shared by a ticket's metrics:
#: (clock, spans, positions of each span's start and end, total covered time,
#: position of the last span's end when that end is the reading instant).
_Ledger = tuple[_Positional, list[Interval], list[tuple[timedelta, timedelta]], timedelta, "timedelta | None"]


def _ledgers(
    counting: list[Interval], pauses: list[Interval], clock: _Positional, until: datetime
) -> tuple[_Ledger, _Ledger | None]:
    """The counting spans and the paused spans, each measured once on ``clock``."""
    return _ledger(counting, clock, until), _ledger(pauses, clock, until) if pauses else None


def _ledger(spans: list[Interval], clock: _Positional, until: datetime) -> _Ledger:
    """Measure ``spans`` once on ``clock``."""
    position = clock.position
    positions = []
    total = ZERO
    for start, end in spans:
        pos_start, pos_end = position(start), position(end)
        positions.append((pos_start, pos_end))
        total += pos_end - pos_start
    end_position = positions[-1][1] if spans and spans[-1][1] == until else None
    return (clock, spans, positions, total, end_position)


def _upto(ledger: _Ledger, stop: datetime | None) -> tuple[timedelta, timedelta | None]:
    """Covered time of the ledger's spans before ``stop`` (all for ``None``) and,
    when known without another look-up, the clock position of ``stop``."""
    clock, spans, positions, total, end_position = ledger
    if stop is None:
        return total, end_position
    counted = ZERO
    for (start, end), (pos_start, pos_end) in zip(spans, positions, strict=True):
        if start >= stop:
            break
        if end > stop:
            position = clock.position(stop)
            return counted + (position - pos_start), position
        counted += pos_end - pos_start
        if end == stop:
            return counted, pos_end
    return counted, None


def _reached(ledger: _Ledger, target: timedelta) -> datetime:
    """The instant the ledger's spans accumulate ``target`` (> 0, ≤ their total)."""
    clock, _, positions, _, _ = ledger
    counted = ZERO
    for pos_start, pos_end in positions:
        span = pos_end - pos_start
        if counted + span >= target:
            return clock.instant_at(pos_start + (target - counted))
        counted += span
    raise AssertionError("target not reached within the counted spans")

