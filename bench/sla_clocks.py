"""Benchmark: SLA clock evaluations per second (target ≥ 50,000 tickets/s, one process).

Usage: ``python bench/sla_clocks.py [--tickets 100000] [--seed 7] [--repeat 3]``

Generates synthetic tickets spread over 2025–2026 across three calendars
(24x7; Mon–Fri 08:00–17:00 America/New_York with US holidays; a split
window Mon–Sat 07:00–12:00 + 13:00–18:00 Europe/Berlin with German holidays),
with acknowledgements, visits, remote fixes, pauses (some never resumed),
reopenings and priority changes, then evaluates every metric of every ticket
with :func:`slas.evaluate` and prints the rate and its ratio to the target.

The rate is the best of ``--repeat`` runs, in wall-clock time and in the
process's own CPU time (the latter is what other work on a shared host cannot
skew; PASS means either reaches the target).  The input tickets are built
first and frozen out of the garbage collector's way (``gc.freeze``); a last
run streams the readings into :func:`slas.compliance` as the compliance
endpoint does.

Measured 62–65k/s on a quiet host; on 2026-12-01, with other helpers loading the 2 cores (load
≈ 8), main 9af7ed0 and the evaluate_many branch back to back both gave 28.4k tickets/s of CPU time
(50,000 tickets), i.e. no regression: the per-ticket :func:`slas.evaluate` path is unchanged.

Quiet re-runs on 2026-12-02 00:29–00:42 UTC (nothing else running): 50,797, 46,100 and 51,403
tickets/s (CPU time within 0.1 % of wall): at the target, 0.92–1.03x. Commit 9af7ed0, run back to
back with the last of them, gave 39,540/s: the engine did not get slower; this host is slower
today than on the day of the 62–65k figure.
Half an hour later (01:03–01:09 UTC), nothing else running (vmstat: one core busy, steal ≤ 1 %):
33,174, 37,353, 41,124, 35,849, 37,145, 36,534 and 41,350 tickets/s (0.66–0.83x). The same code on
this VM moves by a third within an hour with no other process running; the target is met only in
its fast spells.
Next session (2026-12-02 01:56–03:22 UTC, nothing else running, the same engine; the contract's
calendar and target versions now built once per process, which this in-process bench does not
touch): 91,445, 75,624, 71,888 and 75,243 tickets/s, 1.44–1.83x the target. The host ran faster
this session than in the slow spell above, by more than its drift within the session.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from slas import (
    PRIORITIES,
    BusinessCalendar,
    Clock,
    Event,
    MetricCompliance,
    Target,
    TwentyFourSeven,
    compliance,
    evaluate,
)

TARGET_RATE = 50_000
AT = datetime(2026, 12, 31, 12, tzinfo=UTC)
START = datetime(2025, 1, 1, tzinfo=UTC)

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
CALENDARS: tuple[Clock, ...] = (
    TwentyFourSeven(),
    BusinessCalendar("America/New_York", {d: [("08:00", "17:00")] for d in _WEEKDAYS}),
    BusinessCalendar(
        "Europe/Berlin",
        {d: [("07:00", "12:00"), ("13:00", "18:00")] for d in (*_WEEKDAYS, "sat")},
        holiday_country="DE",
        holiday_subdivision="BE",
    ),
)

_MINUTES = {"P1": (30, 240, 480, 1440), "P2": (60, 480, 960, 2880), "P3": (240, 1440, 2880, 7200),
            "P4": (480, 2880, 7200, 20160)}
TARGETS = tuple(
    Target(p, metric, minutes, "24x7" if metric == "response" else "calendar")
    for p, values in _MINUTES.items()
    for metric, minutes in zip(("response", "on_site", "restore", "resolve"), values, strict=True)
)


@dataclass(frozen=True)
class Ticket:
    reported_at: datetime
    priority: str
    events: tuple[Event, ...]
    calendar: Clock
    pause_allowed: bool


def _events(rng: random.Random, reported: datetime) -> list[Event]:
    t = reported
    out: list[Event] = []

    def step(kind: str, max_minutes: int, **kw: str) -> None:
        nonlocal t
        t += timedelta(minutes=rng.randint(1, max_minutes), seconds=rng.randint(0, 59))
        out.append(Event(kind, t, **kw))

    step("acknowledged", 90)
    if rng.random() < 0.1:
        step("priority_changed", 120, priority=rng.choice(PRIORITIES))
    if rng.random() < 0.35:
        step("paused", 600)
        if rng.random() < 0.9:
            step("resumed", 4000)
    remote = rng.random() < 0.3
    if not remote:
        step("on_site", 1500)
    if rng.random() < 0.85:
        step("restored", 2000)
    if rng.random() < 0.8:
        step("resolved", 3000)
        if rng.random() < 0.05:
            step("reopened", 2000)
            if rng.random() < 0.7:
                step("resolved", 2000)
    return out


def make_tickets(n: int, seed: int) -> list[Ticket]:
    rng = random.Random(seed)
    span = int((AT - START).total_seconds()) - 86400 * 3
    tickets = []
    for _ in range(n):
        reported = START + timedelta(seconds=rng.randrange(span))
        events = _events(rng, reported)
        rng.shuffle(events)  # the engine sorts by occurred_at
        tickets.append(Ticket(reported, rng.choice(PRIORITIES), tuple(events),
                              rng.choice(CALENDARS), rng.random() < 0.8))
    return tickets


def run(tickets: list[Ticket]) -> tuple[float, float]:
    """Evaluate every metric of every ticket; return (wall, CPU) seconds taken."""
    wall, cpu = time.perf_counter(), time.process_time()
    for ticket in tickets:
        evaluate(reported_at=ticket.reported_at, priority=ticket.priority, events=ticket.events,
                 targets=TARGETS, calendar=ticket.calendar, at=AT, pause_allowed=ticket.pause_allowed)
    return time.perf_counter() - wall, time.process_time() - cpu


def run_compliance(tickets: list[Ticket]) -> tuple[float, list[MetricCompliance]]:
    """The compliance path: readings streamed into the per-(priority, metric) tallies."""
    begin = time.perf_counter()
    readings = (evaluate(reported_at=t.reported_at, priority=t.priority, events=t.events, targets=TARGETS,
                         calendar=t.calendar, at=AT, pause_allowed=t.pause_allowed) for t in tickets)
    rows = compliance(readings, aql_percent=95.0)
    return time.perf_counter() - begin, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs; the best is reported")
    args = parser.parse_args()
    tickets = make_tickets(args.tickets, args.seed)
    gc.collect()
    gc.freeze()  # the input tickets are long-lived: keep the collector from rescanning them
    run(tickets[: min(2000, len(tickets))])  # warm the per-year calendar tables
    timings = [run(tickets) for _ in range(max(1, args.repeat))]
    wall = min(t[0] for t in timings)
    cpu = min(t[1] for t in timings)
    rate, cpu_rate = len(tickets) / wall, len(tickets) / cpu
    compliance_s, rows = run_compliance(tickets)
    metric_count = sum(row.total for row in rows)
    states = {"met": sum(r.met for r in rows), "breached": sum(r.breached for r in rows),
              "pending": sum(r.pending for r in rows), "not_applicable": sum(r.not_applicable for r in rows)}
    print(f"tickets evaluated : {len(tickets):,} ({metric_count:,} metric clocks), best of {len(timings)} runs: "
          f"{wall:.3f} s wall, {cpu:.3f} s CPU")
    print(f"states            : {states}")
    print(f"evaluations/s     : {rate:,.0f} tickets/s wall-clock ({metric_count / wall:,.0f} metric clocks/s)")
    print(f"                    {cpu_rate:,.0f} tickets/s of process CPU time (immune to other load on the host)")
    best = max(rate, cpu_rate)
    print(f"target            : {TARGET_RATE:,}/s  ratio {rate / TARGET_RATE:.2f}x wall, "
          f"{cpu_rate / TARGET_RATE:.2f}x CPU  {'PASS' if best >= TARGET_RATE else 'FAIL'}")
    print(f"with compliance   : {len(tickets) / compliance_s:,.0f} tickets/s evaluated and tallied "
          f"({len(rows)} rows, wall)")
    print(f"host load average : {os.getloadavg()[0]:.2f} (1 min) on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
