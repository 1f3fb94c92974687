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
from datetime import UTC, datetime
from operator import attrgetter
from typing import Any, TypeVar

from slas import clock_engine as _engine
from slas.calendars import TWENTY_FOUR_SEVEN, BusinessCalendar, Clock
from slas.clock_engine import _Plan, _plan, _positional, _read_all, _scan
from slas.clock_types import Event as Event
from slas.clock_types import EventLike as EventLike
from slas.clock_types import MetricClock as MetricClock
from slas.clock_types import PolicyVersion as PolicyVersion
from slas.clock_types import State as State
from slas.clock_types import Target as Target
from slas.clock_types import TicketSla as TicketSla
from slas.clock_types import _TicketSlaDraft
from slas.errors import InvalidEvent
from slas.intervals import as_utc
from slas.vocabulary import CLOCK_KINDS as CLOCK_KINDS
from slas.vocabulary import EVENT_TYPES as EVENT_TYPES
from slas.vocabulary import METRICS as METRICS
from slas.vocabulary import PRIORITIES as PRIORITIES


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
    cached, cached_ratio, plan = _engine._plan_cache
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


E = TypeVar("E", bound=EventLike)


def pause_spans(reported: datetime, events: Sequence[E], at: datetime) -> list[tuple[E, E | None]]:
    """The pauses the clocks subtract from a ticket whose contract allows pausing, read at ``at``
    from its effective timeline (in time order): each as ``(the paused event, the resumed,
    resolved or closed event that ended it, or None while it runs)``. The clocks' own rule
    (:func:`_scan`): a pause while paused or resolved is ignored, resolving or closing ends one."""
    marks: list[tuple[Any, Any]] = []
    _scan(reported, "P4", events, at, at, True, True, marks)
    return marks



_FAR = datetime(9999, 1, 1, tzinfo=UTC)


def most_urgent(metrics: Iterable[MetricClock]) -> MetricClock | None:
    """The clock to act on first among those still counting or paused (not stopped): breached
    ones first, then the soonest due; paused ones (no due time moving) last. None: all stopped."""
    live = [m for m in metrics if m.stopped_at is None and m.state in ("running", "breached", "paused")]
    return min(live, key=lambda m: (m.state == "paused", not m.breached, m.due_at or _FAR), default=None)


def percent_used(m: MetricClock) -> float | None:
    """How much of the clock's target is used, in percent to one place (None for a 0-minute target)."""
    return round(100 * m.elapsed.total_seconds() / (m.target_minutes * 60.0), 1) if m.target_minutes else None
