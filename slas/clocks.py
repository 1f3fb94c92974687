"""SLA clocks: from a ticket's events and the contract's targets, each metric's state.

Definitions (DESIGN.md "SLA semantics"; every rule here is applied by
:func:`evaluate`):

- Metrics: ``response`` stops at the first of acknowledged, on_site, restored,
  resolved or closed; ``on_site`` stops at the first on_site and is
  ``not_applicable`` when restored, resolved or closed came first (a remote
  fix); ``restore`` stops at the first restored, else at the resolution (a
  ``restored`` logged while the ticket is resolved stops it at that
  resolution); ``resolve`` stops at resolved (or closed).
- ``closed`` without ``resolved`` ends the ticket's life like a resolution: every
  clock still running stops there.
- ``reopened`` after a resolution re-opens the ticket: the ``resolve`` clock runs
  again from its accumulated time (the closed gap does not count); ``restore``
  runs again too unless a ``restored`` event had already stopped it (a reopen
  means the work was not finished, not that the unit went down again);
  ``response`` and ``on_site`` never restart.
- ``elapsed`` = covered time of the target's clock in the ticket's running
  spans (``[reported, stop or at)``, plus reopened spans) minus the paused
  spans, exact to the microsecond.
- Pauses (``paused`` → ``resumed``) are subtracted only when the contract allows
  pausing; otherwise pause events are ignored.  A pause never resumed runs to
  ``at``; ``resolved``/``closed`` while paused ends the pause at that instant (a
  ticket resolved straight from paused does not count its time on hold);
  ``paused`` while already paused, ``resumed`` while not paused, and pause
  events while the ticket is resolved are ignored.
- Events after ``at`` are ignored; the rest are taken in ``occurred_at`` order,
  events at the same instant in the order given (e.g. ``restored`` then
  ``reopened`` at one instant: restored while still resolved).  An event dated before ``reported_at`` counts as at
  ``reported_at``.  If ``at`` is before ``reported_at`` the clocks read zero.
- Targets follow the *current* priority (the last ``priority_changed`` at or
  before ``at``); the clock is never restarted by a priority change, so time
  already elapsed and pauses already taken are kept (elapsed is always
  recomputed from the whole timeline).
- State: ``breached`` when elapsed > target (stopped or not); ``met`` when
  stopped with elapsed ≤ target; ``paused`` when currently paused and not
  breached; otherwise ``running``.
- ``due_at`` = the instant elapsed reaches the target given the pauses so far:
  for a breached (or exactly-at-target) clock the past instant it reached the
  target; for a stopped clock the instant it would have reached it had it kept
  running from the stop (``add(stop, target - elapsed)``); for a running clock
  ``add(at, target - elapsed)``; for a paused clock ``None`` (the resume time is
  unknown).  A 0-minute target is due at ``reported_at``.  With a calendar clock
  it falls inside business hours (never at midnight).
- ``at_risk``: state ``running`` and elapsed ≥ ``warning_ratio`` × target (the
  threshold rounded to the microsecond).
- ``paused_for``: covered time (on the target's clock) excluded as paused.
- A ``not_applicable`` metric has zero elapsed and paused time, no ``due_at``,
  and ``stopped_at`` = the remote fix (restored/resolved/closed) instant.
- All instants must be timezone-aware (``NaiveDatetime`` otherwise); results
  are in UTC.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from operator import attrgetter
from typing import Any, Protocol, TypeVar

from slas.calendars import TWENTY_FOUR_SEVEN, BusinessCalendar, Clock, PositionalClock, TwentyFourSeven
from slas.errors import InvalidEvent, InvalidTarget
from slas.intervals import ZERO, Interval, as_utc
from slas.vocabulary import CLOCK_KINDS as CLOCK_KINDS
from slas.vocabulary import EVENT_TYPES as EVENT_TYPES
from slas.vocabulary import METRICS as METRICS
from slas.vocabulary import MILESTONES, ClockKind, MetricState
from slas.vocabulary import PRIORITIES as PRIORITIES

State = MetricState
_MINUTE = timedelta(minutes=1)
_occurred = attrgetter("occurred_at")


@dataclass(frozen=True)
class Target:
    """An SLA target: ``minutes`` of the given ``clock`` for one priority and metric."""

    priority: str
    metric: str
    minutes: int
    clock: ClockKind

    def __post_init__(self) -> None:
        if self.priority not in PRIORITIES:
            raise InvalidTarget(f"unknown priority {self.priority!r} (use {', '.join(PRIORITIES)})")
        if self.metric not in METRICS:
            raise InvalidTarget(f"unknown metric {self.metric!r} (use {', '.join(METRICS)})")
        if self.clock not in CLOCK_KINDS:
            raise InvalidTarget(f"unknown clock {self.clock!r} (use {' or '.join(CLOCK_KINDS)})")
        if isinstance(self.minutes, bool) or not isinstance(self.minutes, int) or self.minutes < 0:
            raise InvalidTarget(f"target minutes must be a whole number ≥ 0, got {self.minutes!r}")


@dataclass(frozen=True)
class PolicyVersion:
    """A set of targets in force from ``effective_from`` (versioned SLA policy)."""

    effective_from: datetime
    targets: tuple[Target, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "effective_from", as_utc(self.effective_from, "effective_from"))


def targets_in_force(versions: Sequence[PolicyVersion], reported_at: datetime) -> tuple[Target, ...]:
    """Targets of the policy version in force at ``reported_at``.

    Rule: the version with the latest ``effective_from`` ≤ ``reported_at``; a ticket
    reported before every version gets the earliest version (the contract's
    first policy); no versions gives no targets.  Changing a contract's targets
    later therefore never rewrites older tickets' outcomes.
    """
    if not versions:
        return ()
    reported = as_utc(reported_at, "reported_at")
    ordered = sorted(versions, key=attrgetter("effective_from"))
    chosen = ordered[0]
    for version in ordered:
        if version.effective_from <= reported:
            chosen = version
    return chosen.targets


@dataclass(frozen=True, slots=True)
class Event:
    """One fact of a ticket's (already corrected) timeline.

    ``occurred_at`` must be aware and is stored in UTC; ``priority_changed``
    needs the new ``priority``.
    """

    type: str
    occurred_at: datetime
    priority: str | None = None
    reason: str | None = None

    def __post_init__(self) -> None:
        if self.type not in EVENT_TYPES:
            raise InvalidEvent(f"unknown event type {self.type!r} (use {', '.join(EVENT_TYPES)})")
        if self.occurred_at.tzinfo is not UTC:
            object.__setattr__(self, "occurred_at", as_utc(self.occurred_at, "occurred_at"))
        if self.type == "priority_changed" and self.priority not in PRIORITIES:
            raise InvalidEvent(f"priority_changed needs a priority in {', '.join(PRIORITIES)}, got {self.priority!r}")


class EventLike(Protocol):
    """What :func:`evaluate` reads of an event: an :class:`Event`, or any object with the same
    three attributes whose values the caller vouches are valid (a known type, an aware UTC
    ``occurred_at``, a priority on ``priority_changed``), e.g. a fact read back from a record
    that was checked when written; :class:`Event` checks them when built."""

    @property
    def type(self) -> str: ...

    @property
    def occurred_at(self) -> datetime: ...

    @property
    def priority(self) -> str | None: ...


@dataclass(frozen=True)
class MetricClock:
    """One metric's clock as read at a moment (see the module rules)."""

    metric: str
    target_minutes: int
    clock: str
    elapsed: timedelta
    due_at: datetime | None
    stopped_at: datetime | None
    state: State
    breached: bool
    at_risk: bool
    paused_for: timedelta

    @property
    def elapsed_minutes(self) -> float:
        """Elapsed covered minutes, rounded to 2 decimals (display only)."""
        return round(self.elapsed / _MINUTE, 2)


@dataclass(frozen=True)
class TicketSla:
    """All metric clocks of one ticket at instant ``at`` under its current priority."""

    priority: str
    metrics: tuple[MetricClock, ...]
    at: datetime


# --------------------------------------------------------------------------- evaluate


def evaluate(
    *,
    reported_at: datetime,
    priority: str,
    events: Sequence[EventLike],
    targets: Sequence[Target],
    calendar: Clock,
    at: datetime,
    pause_allowed: bool,
    warning_ratio: float = 0.75,
) -> TicketSla:
    """Read every metric clock of one ticket at instant ``at``.

    Applies the rules of this module's docstring.  ``targets`` are the policy
    version in force at ``reported_at`` (see :func:`targets_in_force`); the
    metrics returned are those ``targets`` define for the ticket's current
    priority, in the order response, on_site, restore, resolve.  ``24x7``
    targets use real time, ``calendar`` targets use ``calendar``.  ``events``
    are :class:`Event` objects or other :class:`EventLike` ones.  For many
    tickets of one contract, :func:`evaluate_many` gives the same readings.
    """
    reported = reported_at if reported_at.tzinfo is UTC else as_utc(reported_at, "reported_at")
    read_at = at if at.tzinfo is UTC else as_utc(at, "at")
    if priority not in PRIORITIES:
        raise InvalidEvent(f"unknown priority {priority!r} (use {', '.join(PRIORITIES)})")
    if not warning_ratio >= 0:
        raise ValueError(f"warning_ratio must be ≥ 0, got {warning_ratio!r}")
    until = read_at if read_at > reported else reported
    life = _scan(reported, priority, events, read_at, until, pause_allowed)
    clocks = (TWENTY_FOUR_SEVEN, calendar if type(calendar) is BusinessCalendar else _positional(calendar, reported))
    cached, cached_ratio, plan = _plan_cache
    if targets is not cached or warning_ratio != cached_ratio:
        plan = _plan(targets, warning_ratio)
    metrics = _read_all(plan[life[0]], life, clocks, reported, until)
    sla = _TicketSlaDraft(life[0], metrics, read_at)
    sla.__class__ = TicketSla  # type: ignore[assignment]
    return sla  # type: ignore[return-value]


#: One ticket for :func:`evaluate_many`: (reported_at, priority, events, targets).
TicketInput = tuple[datetime, str, Sequence[EventLike], Sequence[Target]]


def evaluate_many(
    tickets: Iterable[TicketInput],
    *,
    calendar: Clock,
    at: datetime,
    pause_allowed: bool,
    warning_ratio: float = 0.75,
    in_order: bool = False,
) -> Iterator[TicketSla]:
    """:func:`evaluate` for each ``(reported_at, priority, events, targets)`` of a contract's
    tickets read at one instant with one calendar and pause rule, yielded in input order.

    Each result is exactly ``evaluate(reported_at=…, priority=…, events=…, targets=…,
    calendar=calendar, at=at, pause_allowed=pause_allowed, warning_ratio=warning_ratio)``;
    what does not depend on the ticket (checking ``at`` and the ratio, the plans of
    ``targets``) is done once, not per ticket.  ``in_order`` says each ticket's events are
    already sorted by ``occurred_at`` (e.g. an effective timeline), so they are not sorted
    again: events are taken in the order given, which is what sorting them (a stable sort)
    would give.
    """
    read_at = at if at.tzinfo is UTC else as_utc(at, "at")
    if not warning_ratio >= 0:
        raise ValueError(f"warning_ratio must be ≥ 0, got {warning_ratio!r}")
    business = calendar if type(calendar) is BusinessCalendar else None
    plans: list[tuple[Sequence[Target], _Plan]] = []  # by targets identity (a few policy versions)
    last_targets: Sequence[Target] | None = None
    plan: _Plan = {}
    scan, read_all, draft = _scan, _read_all, _TicketSlaDraft
    for reported_at, priority, events, targets in tickets:
        reported = reported_at if reported_at.tzinfo is UTC else as_utc(reported_at, "reported_at")
        if priority not in PRIORITIES:
            raise InvalidEvent(f"unknown priority {priority!r} (use {', '.join(PRIORITIES)})")
        if targets is not last_targets:
            for known, known_plan in plans:
                if known is targets:
                    plan = known_plan
                    break
            else:
                plan = _plan(targets, warning_ratio)
                plans.append((targets, plan))
            last_targets = targets
        until = read_at if read_at > reported else reported
        life = scan(reported, priority, events, read_at, until, pause_allowed, in_order)
        clocks = (TWENTY_FOUR_SEVEN, business if business is not None else _positional(calendar, reported))
        sla = draft(life[0], read_all(plan[life[0]], life, clocks, reported, until), read_at)
        sla.__class__ = TicketSla  # type: ignore[assignment]
        yield sla  # type: ignore[misc]


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


E = TypeVar("E", bound=EventLike)


def pause_spans(reported: datetime, events: Sequence[E], at: datetime) -> list[tuple[E, E | None]]:
    """The pauses the clocks subtract from a ticket whose contract allows pausing, read at ``at``
    from its effective timeline (in time order): each as ``(the paused event, the resumed,
    resolved or closed event that ended it, or None while it runs)``. The clocks' own rule
    (:func:`_scan`): a pause while paused or resolved is ignored, resolving or closing ends one."""
    marks: list[tuple[Any, Any]] = []
    _scan(reported, "P4", events, at, at, True, True, marks)
    return marks


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


class _MetricClockDraft:
    """A mutable twin of :class:`MetricClock` (same fields, same layout).

    The engine fills one with plain attribute stores, then turns it into a
    genuine, frozen ``MetricClock`` by class assignment: the result is exactly
    ``MetricClock(...)`` (same type, fields, equality, immutability) at a
    fraction of the cost of the frozen constructor's per-field
    ``object.__setattr__`` calls — this is the engine's hot path.
    """

    def __init__(
        self, metric: str, target_minutes: int, clock: str, elapsed: timedelta, due_at: datetime | None,
        stopped_at: datetime | None, state: State, breached: bool, at_risk: bool, paused_for: timedelta,
    ) -> None:
        self.metric = metric
        self.target_minutes = target_minutes
        self.clock = clock
        self.elapsed = elapsed
        self.due_at = due_at
        self.stopped_at = stopped_at
        self.state = state
        self.breached = breached
        self.at_risk = at_risk
        self.paused_for = paused_for


class _TicketSlaDraft:
    """Mutable twin of :class:`TicketSla` (see :class:`_MetricClockDraft`)."""

    def __init__(self, priority: str, metrics: tuple[MetricClock, ...], at: datetime) -> None:
        self.priority = priority
        self.metrics = metrics
        self.at = at
