"""A year of demo telemetry: what the fleet's own status reports would have said.

Each unit reports ``up`` when it enters service and a daily heartbeat while it is up. Units fail
on their own now and then (comms drops, controller resets that no one files a ticket for: a
median of about 40 minutes down, rarely a day); one unit in sixteen is a "lemon" that fails five
times as often and stays down longer, so some units and months miss the target. A unit goes
``down`` a few minutes before a ``unit_down`` ticket is reported and comes back ``up`` when it is
restored, and goes into ``maintenance`` during its contract's quarterly maintenance windows (which
are registered as scheduled maintenance, so contracts that exclude it do so). Events come from the
same seeded random generator as the rest of the demo world and are stored through
:func:`fleet.status_events.ingest`, in batches, exactly as telemetry posts them.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast

from sqlalchemy.orm import Session

from fleet import status_events, uptime
from fleet.models import Contract, Unit
from fleet.principal import Principal
from fleet.schemas.uptime import MaintenanceWindowIn, StatusEventIn

BATCH = 5_000
HEARTBEAT = timedelta(days=1)
MAINTENANCE_EVERY_DAYS = 91
MAINTENANCE_HOURS = 4
FAILURES_PER_MONTH = 0.7


@dataclass(frozen=True)
class Outage:
    """A ticket that took its unit down: telemetry shows it down from a little before the report
    until it was restored (``None``: not restored yet)."""

    unit_id: str
    reported_at: datetime
    restored_at: datetime | None


def load(session: Session, principal: Principal, rnd: random.Random, units: list[tuple[Contract, Unit]],
         outages: Iterable[Outage], *, start: datetime, now: datetime,
         progress: Callable[[int, int], None] | None = None,
         clock: Callable[[datetime], object] | None = None) -> int:
    """Register the maintenance windows and ingest the telemetry; returns the number of events.

    ``clock`` (the demo's simulated recording clock) is set before each write: a window is
    registered two weeks ahead, and each day's telemetry arrives in one batch just after the day."""
    set_clock = clock or (lambda _when: None)
    windows = _maintenance_windows(session, principal, {c.id: c for c, _ in units}.values(), start, now, set_clock)
    by_unit: dict[str, list[Outage]] = {}
    for o in outages:
        by_unit.setdefault(o.unit_id, []).append(o)
    events: list[StatusEventIn] = []
    for contract, unit in units:
        events.extend(_unit_events(rnd, unit, windows.get(contract.id, []), by_unit.get(unit.id, []), start, now))
    events.sort(key=lambda e: e["occurred_at"])
    done = 0
    for _day, batch in itertools.groupby(events, key=lambda e: e["occurred_at"].date()):
        day = list(batch)
        for i in range(0, len(day), BATCH):
            chunk = day[i:i + BATCH]
            set_clock(chunk[-1]["occurred_at"] + timedelta(minutes=20))
            status_events.ingest(session, principal, chunk)
            done += len(chunk)
        if progress is not None:
            progress(done, len(events))
    return len(events)


def _maintenance_windows(session: Session, principal: Principal, contracts: Iterable[Contract], start: datetime,
                         now: datetime, set_clock: Callable[[datetime], object]
                         ) -> dict[str, list[tuple[datetime, datetime]]]:
    """A contract-wide window every quarter, early on a Sunday (UTC), registered in advance."""
    out: dict[str, list[tuple[datetime, datetime]]] = {}
    for i, contract in enumerate(contracts):
        first = start + timedelta(days=20 + 9 * i)
        first += timedelta(days=(6 - first.weekday()) % 7)
        spans = []
        begin = first.replace(hour=7, minute=0, second=0, microsecond=0)
        while begin + timedelta(hours=MAINTENANCE_HOURS) < now:
            end = begin + timedelta(hours=MAINTENANCE_HOURS)
            set_clock(begin - timedelta(days=14))
            uptime.create_window(session, principal, MaintenanceWindowIn(
                contract_id=contract.id, starts_at=begin, ends_at=end,
                reason="Quarterly preventive maintenance: firmware, seals and sensor calibration"))
            spans.append((begin, end))
            begin += timedelta(days=MAINTENANCE_EVERY_DAYS)
        out[contract.id] = spans
    return out


def _unit_events(rnd: random.Random, unit: Unit, windows: list[tuple[datetime, datetime]], outages: list[Outage],
                 start: datetime, now: datetime) -> list[StatusEventIn]:
    """The unit's state changes (merged so that the latest reason to be down wins) and heartbeats."""
    first = max(start, unit.in_service_at)
    if first >= now:
        return []
    spans: list[tuple[datetime, datetime | None, str]] = []
    for o in outages:
        spans.append((max(first, o.reported_at - timedelta(minutes=rnd.uniform(1, 12))), o.restored_at, "down"))
    lemon = rnd.random() < 1 / 16
    rate, median = (FAILURES_PER_MONTH * 5, 5.0) if lemon else (FAILURES_PER_MONTH, 3.7)
    t = first
    while True:
        t += timedelta(days=rnd.expovariate(rate / 30.4))
        if t >= now:
            break
        spans.append((t, t + timedelta(minutes=min(rnd.lognormvariate(median, 0.9), 1440)), "down"))
    for begin, end in windows:
        if begin >= first:
            spans.append((begin, end, "maintenance"))
    changes = _changes(spans, first, now)
    beats = _heartbeats(changes, first, now)
    events = sorted(changes + beats)
    return [cast(StatusEventIn, {"event_id": f"{unit.serial}-{when:%Y%m%dT%H%M%S}-{state}", "unit_id": unit.id,
                                 "state": state, "occurred_at": when}) for when, state in events]


def _changes(spans: list[tuple[datetime, datetime | None, str]], first: datetime,
             now: datetime) -> list[tuple[datetime, str]]:
    """Turn possibly overlapping down/maintenance spans into a sequence of state changes:
    a unit is down while any down span covers it, else in maintenance while a window does, else up."""
    edges = {first, now}
    for begin, end, _ in spans:
        edges.add(begin)
        if end is not None and end < now:
            edges.add(end)
    changes: list[tuple[datetime, str]] = []
    ordered = sorted(e for e in edges if first <= e <= now)
    for moment in ordered[:-1]:
        states = {s for b, e, s in spans if b <= moment and (e is None or moment < e)}
        state = "down" if "down" in states else "maintenance" if states else "up"
        if not changes or changes[-1][1] != state:
            changes.append((moment.astimezone(UTC), state))
    return changes


def _heartbeats(changes: list[tuple[datetime, str]], first: datetime, now: datetime) -> list[tuple[datetime, str]]:
    """A daily ``up`` report while the unit is up (repeated states: availability must not count them)."""
    beats = []
    t = first + HEARTBEAT
    i = 0
    while t < now - timedelta(minutes=10):
        while i + 1 < len(changes) and changes[i + 1][0] <= t:
            i += 1
        if changes[i][1] == "up" and changes[i][0] != t:
            beats.append((t, "up"))
        t += HEARTBEAT
    return beats
