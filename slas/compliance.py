"""Compliance: how many tickets met each (priority, metric) target, against the AQL.

Rules (DESIGN.md "SLA semantics"):

- The caller passes the tickets *reported in the period* ``[from, to)`` in the
  contract's timezone (see ``BusinessCalendar.local_date_start``), each read at
  the same instant ``at``.
- One row per (priority, metric) seen, the priority being the ticket's current
  priority; rows sorted P1..P4, then response, on_site, restore, resolve.
- ``percent_met = 100 × met / (met + breached)``; ``None`` when nothing was
  decided yet.  ``pending`` (running or paused, not breached) and
  ``not_applicable`` are listed but not counted.
- ``passed`` when ``percent_met ≥ aql_percent``, compared exactly (rational
  arithmetic, the AQL read as the decimal it was written as); ``None`` when
  ``percent_met`` is ``None``.
- ``target_minutes`` is the row's target, or ``None`` when its tickets were
  judged against different targets (several policy versions in the period).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from slas.clocks import TicketSla
from slas.vocabulary import METRICS, PRIORITIES


@dataclass(frozen=True)
class MetricCompliance:
    """Counts and verdict for one priority and metric over a period."""

    priority: str
    metric: str
    target_minutes: int | None
    total: int
    met: int
    breached: int
    pending: int
    not_applicable: int
    percent_met: float | None
    aql_percent: float
    passed: bool | None


class _Tally:
    __slots__ = ("breached", "met", "not_applicable", "pending", "targets")

    def __init__(self) -> None:
        self.targets: set[int] = set()
        self.met = self.breached = self.pending = self.not_applicable = 0


def _order(key: tuple[str, str]) -> tuple[int, str, int, str]:
    priority, metric = key
    p = PRIORITIES.index(priority) if priority in PRIORITIES else len(PRIORITIES)
    m = METRICS.index(metric) if metric in METRICS else len(METRICS)
    return (p, priority, m, metric)


def _check_aql(aql_percent: float) -> Fraction:
    if not 0 <= aql_percent <= 100:
        raise ValueError(f"aql_percent must be between 0 and 100, got {aql_percent!r}")
    return Fraction(repr(aql_percent)) if isinstance(aql_percent, float) else Fraction(aql_percent)


def _row(key: tuple[str, str], tally: _Tally, aql_percent: float, aql: Fraction) -> MetricCompliance:
    decided = tally.met + tally.breached
    percent = 100 * tally.met / decided if decided else None
    passed = Fraction(100 * tally.met, decided) >= aql if decided else None
    return MetricCompliance(
        priority=key[0],
        metric=key[1],
        target_minutes=next(iter(tally.targets)) if len(tally.targets) == 1 else None,
        total=decided + tally.pending + tally.not_applicable,
        met=tally.met,
        breached=tally.breached,
        pending=tally.pending,
        not_applicable=tally.not_applicable,
        percent_met=percent,
        aql_percent=aql_percent,
        passed=passed,
    )


def compliance(tickets: Iterable[TicketSla], *, aql_percent: float) -> list[MetricCompliance]:
    """Tally tickets' metric states per (priority, metric) and judge against the AQL."""
    aql = _check_aql(aql_percent)
    tallies: dict[tuple[str, str], _Tally] = {}
    for ticket in tickets:
        for clock in ticket.metrics:
            key = (ticket.priority, clock.metric)
            tally = tallies.get(key)
            if tally is None:
                tally = tallies[key] = _Tally()
            tally.targets.add(clock.target_minutes)
            state = clock.state
            if state == "met":
                tally.met += 1
            elif state == "breached":
                tally.breached += 1
            elif state == "not_applicable":
                tally.not_applicable += 1
            else:
                tally.pending += 1
    return [_row(key, tallies[key], aql_percent, aql) for key in sorted(tallies, key=_order)]


def all_passed(rows: Iterable[MetricCompliance]) -> bool | None:
    """The period's verdict: every row with a verdict passed (None: no row has one yet)."""
    verdicts = [r.passed for r in rows if r.passed is not None]
    return all(verdicts) if verdicts else None
