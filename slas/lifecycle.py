"""A ticket's lifecycle: which events are in effect as of an instant, which sequences are
possible, and the status a timeline gives (pure; :mod:`fleet.timeline` applies it to the record).

Events are append-only. A ``corrected`` event supersedes the event it names: it moves it to a new
``occurred_at`` or voids it; the latest correction recorded by ``as_of`` wins. The effective
timeline is the originals, corrected, in ``occurred_at`` order (same instant: milestone order,
then the order recorded).

Rules a timeline must keep (checked by :func:`replay` on the would-be timeline, so an earlier
milestone logged late is accepted whenever the result is consistent):

* nothing happens before the ticket was reported;
* milestones keep the order acknowledged ≤ on_site ≤ restored ≤ resolved ≤ closed, each at most
  once per cycle (a ``reopened`` starts a new cycle for restored, resolved and closed);
* ``paused`` and ``resumed`` alternate, a pause needs a reason and a contract that allows pausing;
  ``resolved`` or ``closed`` while paused ends the pause there;
* after ``closed`` only ``reopened``; ``reopened`` only after resolved or closed;
* ``closed`` needs ``resolved`` first; ``priority_changed`` names a different priority and a reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from slas.errors import ImpossibleEvent
from slas.vocabulary import MILESTONES as MILESTONES
from slas.vocabulary import RECORDED_EVENT_TYPES

EVENT_TYPES = RECORDED_EVENT_TYPES
_RANK: dict[str, int] = {t: i for i, t in enumerate(RECORDED_EVENT_TYPES)}


class Fact(NamedTuple):
    """One event as the rules see it (a named tuple: reading a year of them must be cheap)."""

    id: str
    type: str
    occurred_at: datetime
    recorded_at: datetime
    reason: str | None = None
    priority: str | None = None
    corrects_id: str | None = None
    void: bool = False
    actor: str = ""


def effective(facts: Iterable[Fact], *, as_of: datetime | None = None) -> list[Fact]:
    """The timeline in effect as of ``as_of``: corrections applied, voided events dropped."""
    facts = list(facts)
    if as_of is not None:
        facts = [f for f in facts if f.recorded_at <= as_of]
    if not any(f.type == "corrected" for f in facts):
        return ordered(facts)
    originals: dict[str, Fact] = {}
    corrections: dict[str, Fact] = {}
    for f in sorted(facts, key=lambda f: f.recorded_at):
        if as_of is not None and f.recorded_at > as_of:
            continue
        if f.type == "corrected" and f.corrects_id:
            corrections[f.corrects_id] = f
        else:
            originals[f.id] = f
    out = []
    for f in originals.values():
        c = corrections.get(f.id)
        if c is None:
            out.append(f)
        elif not c.void:
            out.append(f._replace(occurred_at=c.occurred_at))
    return ordered(out)


def ordered(facts: Iterable[Fact]) -> list[Fact]:
    return sorted(facts, key=lambda f: (f.occurred_at, _RANK.get(f.type, 99), f.recorded_at))


@dataclass
class State:
    """What the timeline says about the ticket after replaying it."""

    status: str = "open"
    priority: str = "P4"
    paused: bool = False
    milestones: dict[str, datetime] | None = None

    def at(self, name: str) -> datetime | None:
        return (self.milestones or {}).get(name)


def replay(reported_at: datetime, priority: str, facts: Sequence[Fact], *, pause_allowed: bool) -> State:
    """Replay an ordered timeline, raising :class:`ImpossibleEvent` at the first impossible event."""
    state = State(priority=priority, milestones={})
    cycle: dict[str, datetime] = {}
    for f in facts:
        _apply(state, cycle, f, reported_at, pause_allowed)
    return state


def _reject(f: Fact, why: str) -> ImpossibleEvent:
    when = f.occurred_at.isoformat().replace("+00:00", "Z")
    return ImpossibleEvent(f"{f.type} at {when} is not possible: {why}")


def _apply(state: State, cycle: dict[str, datetime], f: Fact, reported_at: datetime, pause_allowed: bool) -> None:
    ms = state.milestones if state.milestones is not None else {}
    if f.occurred_at < reported_at:
        raise _reject(f, f"it is before the ticket was reported ({reported_at.isoformat()})")
    if state.status == "closed" and f.type != "reopened":
        raise _reject(f, "the ticket is closed (reopen it first)")
    if f.type in MILESTONES:
        _milestone(state, cycle, ms, f)
    elif f.type == "paused":
        if not pause_allowed:
            raise _reject(f, "this contract does not allow pausing SLA clocks")
        if not f.reason:
            raise _reject(f, "a pause needs a reason")
        if state.paused:
            raise _reject(f, "the ticket is already paused")
        if "resolved" in cycle:
            raise _reject(f, "the ticket is resolved")
        state.paused, state.status = True, "paused"
    elif f.type == "resumed":
        if not state.paused:
            raise _reject(f, "the ticket is not paused")
        state.paused = False
        state.status = _status_from(cycle, ms)
    elif f.type == "reopened":
        if "resolved" not in cycle:
            raise _reject(f, "only a resolved or closed ticket can be reopened")
        cycle.clear()
        state.status = _status_from(cycle, ms)
    elif f.type == "priority_changed":
        if not f.priority or f.priority == state.priority:
            raise _reject(f, f"the new priority must differ from the current one ({state.priority})")
        if not f.reason:
            raise _reject(f, "a priority change needs a reason")
        state.priority = f.priority


def _milestone(state: State, cycle: dict[str, datetime], ms: dict[str, datetime], f: Fact) -> None:
    repeatable_after_reopen = f.type in ("restored", "resolved", "closed")
    if f.type in cycle or (not repeatable_after_reopen and f.type in ms):
        raise _reject(f, f"the ticket was already {f.type.replace('_', ' ')}")
    if f.type == "closed" and "resolved" not in cycle:
        raise _reject(f, "a ticket must be resolved before it is closed")
    rank = MILESTONES.index(f.type)
    for later in MILESTONES[rank + 1:]:
        t = cycle.get(later) or (ms.get(later) if later in ("acknowledged", "on_site") else None)
        if t is not None and t < f.occurred_at:
            raise _reject(f, f"it would come after {later.replace('_', ' ')} ({t.isoformat()})")
    cycle[f.type] = f.occurred_at
    ms.setdefault(f.type, f.occurred_at)
    if f.type in ("resolved", "closed"):
        state.paused = False
    if state.paused:
        return
    state.status = _status_from(cycle, ms)


def _status_from(cycle: dict[str, datetime], ms: dict[str, datetime]) -> str:
    for name in reversed(MILESTONES):
        if name in cycle or (name in ("acknowledged", "on_site") and name in ms):
            return name
    return "open"


def status_at(effective: Sequence[Fact], at: datetime) -> tuple[str, dict[str, datetime]]:
    """The ticket's status at ``at`` and the last instant of each milestone, from its effective
    timeline: the projection :func:`replay` keeps (paused while a pause is open; otherwise the
    latest milestone of the current cycle, :func:`_status_from`), in one pass without re-checking
    the rules every stored timeline was checked against when it was written."""
    cycle: dict[str, datetime] = {}
    seen: dict[str, datetime] = {}
    last: dict[str, datetime] = {}
    paused = False
    for f in effective:
        if f.occurred_at > at:
            break
        kind = f.type
        if kind in MILESTONES:
            cycle[kind] = seen[kind] = last[kind] = f.occurred_at
            if kind in ("resolved", "closed"):
                paused = False
        elif kind == "paused":
            paused = True
        elif kind == "resumed":
            paused = False
        elif kind == "reopened":
            cycle.clear()
    return ("paused" if paused else _status_from(cycle, seen)), last
