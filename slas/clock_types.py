"""The SLA clocks' types: targets, policy versions, events and the readings (see :mod:`slas.clocks`).

Split out of :mod:`slas.clocks`, which re-exports every public name here: import them from
there (or from :mod:`slas`).  :mod:`slas.clock_engine` builds the readings through the
mutable twins at the end of this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from slas.errors import InvalidEvent, InvalidTarget
from slas.intervals import as_utc
from slas.vocabulary import CLOCK_KINDS, EVENT_TYPES, METRICS, PRIORITIES, ClockKind, MetricState

State = MetricState
_MINUTE = timedelta(minutes=1)


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

    @property
    def paused_minutes(self) -> float:
        """Minutes the clock stood paused, rounded to 2 decimals (display only)."""
        return round(self.paused_for.total_seconds() / 60.0, 2)


@dataclass(frozen=True)
class TicketSla:
    """All metric clocks of one ticket at instant ``at`` under its current priority."""

    priority: str
    metrics: tuple[MetricClock, ...]
    at: datetime



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
