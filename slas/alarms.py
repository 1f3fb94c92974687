"""Clock alarms: when a ticket's running clocks will reach their warning and pass their target.

The plan is read from the clocks as they stand at an instant (:func:`slas.clocks.evaluate`) and
holds only for as long as nothing is recorded on the ticket: a pause, a resume, a correction or a
priority change moves it, so the caller re-plans after every ticket write, and checks an alarm
again when it comes due (:func:`is_due`) before telling anyone.

- A ``warning`` is planned for a ``running`` clock not yet at risk: the instant its elapsed time
  reaches ``warning_ratio`` × target (the same threshold as ``at_risk``). A clock already at risk
  when the plan is made (a ticket recorded late, a priority raised, a correction) has its warning
  due at once, at ``sla.at``: its assignee must not first hear of it at the breach. The caller
  drops a warning it has already told (re-planning after the warning fired would plan it again).
- A ``breach`` is planned for a ``running`` clock: the first instant
  its elapsed time is *more* than the target (a clock exactly at its target is not breached).
- A paused clock has no alarm: the resume is a ticket write, which re-plans. A stopped, breached
  or not-applicable clock has none either.
- Instants come from the metric's own clock (``24x7`` or the contract calendar), so an alarm of a
  business-hours clock falls inside business hours by construction; a ``24x7`` alarm falls
  whenever the time runs out, at night too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from slas.calendars import TWENTY_FOUR_SEVEN, Clock
from slas.clocks import MetricClock, TicketSla

AlarmKind = Literal["warning", "breach"]
ALARM_KINDS: tuple[AlarmKind, ...] = ("warning", "breach")
_PAST = timedelta(microseconds=1)


@dataclass(frozen=True)
class Alarm:
    """When ``metric``'s clock reaches its warning (``kind`` ``warning``) or passes its target (``breach``)."""

    metric: str
    kind: AlarmKind
    due_at: datetime


def threshold(m: MetricClock, warning_ratio: float) -> timedelta:
    """The warning threshold of a clock: ``warning_ratio`` × target, to the microsecond (as ``at_risk``)."""
    return timedelta(minutes=m.target_minutes * warning_ratio)


def plan(sla: TicketSla, *, calendar: Clock, warning_ratio: float) -> list[Alarm]:
    """The alarms of the clocks in ``sla`` (read at ``sla.at``), in metric order."""
    alarms: list[Alarm] = []
    for m in sla.metrics:
        if m.state != "running":
            continue
        clock = TWENTY_FOUR_SEVEN if m.clock == "24x7" else calendar
        warn = threshold(m, warning_ratio)
        if not m.at_risk and m.elapsed < warn:
            alarms.append(Alarm(m.metric, "warning", clock.add(sla.at, warn - m.elapsed)))
        elif m.at_risk:
            alarms.append(Alarm(m.metric, "warning", sla.at))
        target = timedelta(minutes=m.target_minutes)
        alarms.append(Alarm(m.metric, "breach", clock.add(sla.at, target - m.elapsed + _PAST)))
    return alarms


def is_due(sla: TicketSla, metric: str, kind: AlarmKind) -> MetricClock | None:
    """The clock, when an alarm of ``kind`` for ``metric`` is to be told as the clocks stand at
    ``sla.at``: a warning while the clock runs at risk (not once it is breached: the breach is
    told instead), a breach while it runs past its target. None when the alarm no longer holds."""
    for m in sla.metrics:
        if m.metric != metric or m.stopped_at is not None:
            continue
        if kind == "warning" and m.at_risk:
            return m
        if kind == "breach" and m.breached:
            return m
    return None
