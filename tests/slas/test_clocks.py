"""SLA clocks (``slas.clocks.evaluate``): hand-computed tables for each rule and trap.

Calendar: Mon–Fri 08:00–17:00 America/New_York with US federal holidays.  Dates are
2026: Mon 2 Mar … Fri 6 Mar, DST starts Sun 8 Mar (so Mon 9 Mar 08:00 is EDT).
Targets (minutes):   P1 24x7: response 60, on_site 240, restore 480, resolve 1440
                     P2 calendar: response 120, on_site 540, restore 1080, resolve 2700 (5 business days)
                     P3 calendar: response 240, resolve 4500
                     P4 calendar: resolve 3000 (more than a business week)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from slas import (
    BusinessCalendar,
    Event,
    InvalidEvent,
    InvalidTarget,
    MetricClock,
    NaiveDatetime,
    PolicyVersion,
    Target,
    TicketSla,
    evaluate,
    targets_in_force,
)

NY = ZoneInfo("America/New_York")
LA = ZoneInfo("America/Los_Angeles")
WORKDAYS = ("mon", "tue", "wed", "thu", "fri")
ZERO = timedelta(0)
H = timedelta(hours=1)
MIN = timedelta(minutes=1)

NY_BIZ = BusinessCalendar("America/New_York", {d: [("08:00", "17:00")] for d in WORKDAYS})
LA_BIZ = BusinessCalendar("America/Los_Angeles", {d: [("08:00", "17:00")] for d in WORKDAYS})


def ny(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=NY)


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


def _targets(spec: dict[str, dict[str, tuple[int, str]]]) -> tuple[Target, ...]:
    return tuple(Target(p, m, minutes, clock) for p, row in spec.items() for m, (minutes, clock) in row.items())


TARGETS = _targets({
    "P1": {"response": (60, "24x7"), "on_site": (240, "24x7"), "restore": (480, "24x7"), "resolve": (1440, "24x7")},
    "P2": {"response": (120, "calendar"), "on_site": (540, "calendar"), "restore": (1080, "calendar"),
           "resolve": (2700, "calendar")},
    "P3": {"response": (240, "calendar"), "resolve": (4500, "calendar")},
    "P4": {"resolve": (3000, "calendar")},
})

R = ny(2026, 3, 2, 9)  # Monday 09:00 EST


def ev(kind: str, at: datetime, priority: str | None = None) -> Event:
    return Event(kind, at, priority=priority)


def run(events: list[Event], at: datetime, *, priority: str = "P2", reported: datetime = R,
        pause_allowed: bool = True, calendar: BusinessCalendar = NY_BIZ, targets=TARGETS,
        warning_ratio: float = 0.75) -> TicketSla:
    return evaluate(reported_at=reported, priority=priority, events=events, targets=targets, calendar=calendar,
                    at=at, pause_allowed=pause_allowed, warning_ratio=warning_ratio)


def by_metric(sla: TicketSla) -> dict[str, MetricClock]:
    return {clock.metric: clock for clock in sla.metrics}


# --------------------------------------------------------------------------- scenarios

SCENARIOS: dict[str, dict] = {
    "p2-ack-in-time": dict(events=[ev("acknowledged", ny(2026, 3, 2, 10, 30))], at=ny(2026, 3, 2, 12)),
    "p2-ack-late": dict(events=[ev("acknowledged", ny(2026, 3, 2, 11, 30))], at=ny(2026, 3, 2, 12)),
    "p2-no-ack-at-target": dict(events=[], at=ny(2026, 3, 2, 11)),
    "p2-no-ack-past-target": dict(events=[], at=ny(2026, 3, 2, 11, 1)),
    # Zammad/GLPI trap: escalation must land at business start + remainder, not midnight
    "escalation-fri-16": dict(events=[], reported=ny(2026, 3, 6, 16), at=ny(2026, 3, 7, 12)),
    "pause-over-weekend-calendar": dict(
        events=[ev("acknowledged", ny(2026, 3, 2, 9, 30)), ev("paused", ny(2026, 3, 6, 15)),
                ev("resumed", ny(2026, 3, 10, 10))],
        at=ny(2026, 3, 10, 12)),
    "pause-over-weekend-24x7": dict(
        priority="P1", reported=ny(2026, 3, 6, 20),
        events=[ev("acknowledged", ny(2026, 3, 6, 20, 30)), ev("paused", ny(2026, 3, 7, 8)),
                ev("resumed", ny(2026, 3, 9, 8))],
        at=ny(2026, 3, 9, 12)),
    "pause-never-resumed": dict(
        events=[ev("acknowledged", ny(2026, 3, 2, 9, 30)), ev("paused", ny(2026, 3, 3, 10))],
        at=ny(2026, 3, 5, 12)),
    # Frappe Helpdesk trap: resolved straight from paused, months later
    "resolved-while-paused": dict(
        priority="P1", reported=utc(2026, 1, 5, 10),
        events=[ev("acknowledged", utc(2026, 1, 5, 10, 10)), ev("paused", utc(2026, 1, 5, 12)),
                ev("resolved", utc(2026, 4, 10, 15))],
        at=utc(2026, 5, 1)),
    "closed-while-paused-resume-after-ignored": dict(
        priority="P1", reported=utc(2026, 1, 5, 10),
        events=[ev("acknowledged", utc(2026, 1, 5, 10, 10)), ev("paused", utc(2026, 1, 5, 12)),
                ev("closed", utc(2026, 4, 10, 15)), ev("resumed", utc(2026, 4, 12))],
        at=utc(2026, 5, 1)),
    "resolved-while-paused-pausing-not-allowed": dict(
        priority="P1", reported=utc(2026, 1, 5, 10), pause_allowed=False,
        events=[ev("acknowledged", utc(2026, 1, 5, 10, 10)), ev("paused", utc(2026, 1, 5, 12)),
                ev("resolved", utc(2026, 4, 10, 15))],
        at=utc(2026, 5, 1)),
    # GLPI trap: priority change keeps elapsed and pause time
    "priority-p3-to-p2": dict(
        priority="P3",
        events=[ev("acknowledged", ny(2026, 3, 2, 9, 30)), ev("paused", ny(2026, 3, 2, 10)),
                ev("resumed", ny(2026, 3, 3, 10)), ev("priority_changed", ny(2026, 3, 3, 11), "P2")],
        at=ny(2026, 3, 3, 12)),
    "priority-p3-to-p1-clock-becomes-24x7": dict(
        priority="P3",
        events=[ev("acknowledged", ny(2026, 3, 2, 9, 30)), ev("paused", ny(2026, 3, 2, 10)),
                ev("resumed", ny(2026, 3, 3, 10)), ev("priority_changed", ny(2026, 3, 3, 11), "P1")],
        at=ny(2026, 3, 3, 12)),
    "priority-p1-downgraded-to-p3": dict(
        priority="P1",
        events=[ev("acknowledged", ny(2026, 3, 2, 10, 30)), ev("priority_changed", ny(2026, 3, 2, 10, 45), "P3")],
        at=ny(2026, 3, 2, 12)),
    "priority-change-after-at-ignored": dict(
        priority="P3",
        events=[ev("acknowledged", ny(2026, 3, 2, 9, 30)), ev("priority_changed", ny(2026, 3, 3, 13), "P1")],
        at=ny(2026, 3, 3, 12)),
    # a target larger than a week
    "p4-50h-running-fri": dict(priority="P4", reported=ny(2026, 3, 2, 8), events=[], at=ny(2026, 3, 6, 17)),
    "p4-50h-breached-mon": dict(priority="P4", reported=ny(2026, 3, 2, 8), events=[], at=ny(2026, 3, 9, 14)),
    # a site in another zone; every instant given in UTC
    "la-site-utc-instants": dict(
        calendar=LA_BIZ, reported=utc(2026, 3, 10, 14),
        events=[ev("acknowledged", utc(2026, 3, 10, 16, 30))], at=utc(2026, 3, 10, 18)),
    "pausing-not-allowed": dict(
        pause_allowed=False,
        events=[ev("acknowledged", ny(2026, 3, 2, 9, 30)), ev("paused", ny(2026, 3, 2, 10)),
                ev("resumed", ny(2026, 3, 3, 10))],
        at=ny(2026, 3, 3, 12)),
    "pausing-not-allowed-never-resumed": dict(
        pause_allowed=False,
        events=[ev("acknowledged", ny(2026, 3, 2, 9, 30)), ev("paused", ny(2026, 3, 2, 10))],
        at=ny(2026, 3, 3, 12)),
    "remote-restore": dict(priority="P1", events=[ev("restored", ny(2026, 3, 2, 10))], at=ny(2026, 3, 2, 12)),
    "on-site-visit": dict(
        priority="P1",
        events=[ev("acknowledged", ny(2026, 3, 2, 9, 20)), ev("on_site", ny(2026, 3, 2, 11)),
                ev("restored", ny(2026, 3, 2, 12))],
        at=ny(2026, 3, 2, 13)),
    "reopened-and-resolved-again": dict(
        events=[ev("acknowledged", ny(2026, 3, 2, 9, 10)), ev("restored", ny(2026, 3, 2, 11)),
                ev("resolved", ny(2026, 3, 2, 12)), ev("reopened", ny(2026, 3, 4, 10)),
                ev("resolved", ny(2026, 3, 4, 15))],
        at=ny(2026, 3, 5, 12)),
    "reopened-still-open": dict(
        events=[ev("acknowledged", ny(2026, 3, 2, 9, 10)), ev("restored", ny(2026, 3, 2, 11)),
                ev("resolved", ny(2026, 3, 2, 12)), ev("reopened", ny(2026, 3, 4, 10))],
        at=ny(2026, 3, 4, 12)),
    "reopened-read-before-reopen": dict(
        events=[ev("acknowledged", ny(2026, 3, 2, 9, 10)), ev("restored", ny(2026, 3, 2, 11)),
                ev("resolved", ny(2026, 3, 2, 12)), ev("reopened", ny(2026, 3, 4, 10))],
        at=ny(2026, 3, 3, 12)),
    "reopened-never-restored": dict(
        events=[ev("acknowledged", ny(2026, 3, 2, 9, 10)), ev("resolved", ny(2026, 3, 2, 12)),
                ev("reopened", ny(2026, 3, 4, 10))],
        at=ny(2026, 3, 4, 12)),
    "restored-in-closed-gap-then-reopened": dict(
        events=[ev("acknowledged", ny(2026, 3, 2, 9, 10)), ev("resolved", ny(2026, 3, 2, 12)),
                ev("restored", ny(2026, 3, 2, 13)), ev("reopened", ny(2026, 3, 4, 10))],
        at=ny(2026, 3, 4, 12)),
    "resolved-while-paused-reopened-paused-again": dict(
        events=[ev("paused", ny(2026, 3, 2, 10)), ev("resolved", ny(2026, 3, 2, 12)),
                ev("reopened", ny(2026, 3, 4, 10)), ev("paused", ny(2026, 3, 4, 11))],
        at=ny(2026, 3, 4, 12)),
    "closed-without-resolved": dict(
        events=[ev("acknowledged", ny(2026, 3, 2, 9, 30)), ev("closed", ny(2026, 3, 2, 13))],
        at=ny(2026, 3, 3, 12)),
    "event-after-at-ignored": dict(events=[ev("acknowledged", ny(2026, 3, 2, 10, 30))], at=ny(2026, 3, 2, 10)),
    "event-before-reported": dict(events=[ev("acknowledged", ny(2026, 3, 2, 8, 50))], at=ny(2026, 3, 2, 10)),
    "at-before-reported": dict(events=[], at=ny(2026, 3, 2, 8)),
    "double-pause-and-resume-ignored": dict(
        events=[ev("acknowledged", ny(2026, 3, 2, 9, 30)), ev("paused", ny(2026, 3, 2, 10)),
                ev("paused", ny(2026, 3, 2, 11)), ev("resumed", ny(2026, 3, 2, 12)),
                ev("resumed", ny(2026, 3, 2, 13))],
        at=ny(2026, 3, 2, 14)),
    "pause-after-resolved-ignored": dict(
        events=[ev("acknowledged", ny(2026, 3, 2, 9, 30)), ev("resolved", ny(2026, 3, 2, 12)),
                ev("paused", ny(2026, 3, 2, 13))],
        at=ny(2026, 3, 2, 15)),
    "breached-while-paused": dict(priority="P1", events=[ev("paused", ny(2026, 3, 2, 10, 30))], at=ny(2026, 3, 2, 12)),
    "24x7-dst-start-night-23h": dict(priority="P1", reported=ny(2026, 3, 7, 22), events=[], at=ny(2026, 3, 8, 22)),
    "24x7-dst-end-night-25h": dict(priority="P1", reported=ny(2026, 10, 31, 22), events=[], at=ny(2026, 11, 1, 22)),
}


@dataclass(frozen=True)
class X:
    """Expected reading: state, elapsed minutes, due_at, stopped_at, paused_for, at_risk."""

    state: str
    elapsed: float
    due: datetime | None
    stopped: datetime | None = None
    paused_for: timedelta = ZERO
    at_risk: bool = False


JAN5_TO_APR10 = timedelta(days=95, hours=3)  # 2026-01-05T12:00Z → 2026-04-10T15:00Z

EXPECTED = [
    ("p2-ack-in-time", "response", X("met", 90, ny(2026, 3, 2, 11), ny(2026, 3, 2, 10, 30))),
    ("p2-ack-in-time", "on_site", X("running", 180, ny(2026, 3, 3, 9))),
    ("p2-ack-in-time", "restore", X("running", 180, ny(2026, 3, 4, 9))),
    ("p2-ack-in-time", "resolve", X("running", 180, ny(2026, 3, 9, 9))),
    ("p2-ack-late", "response", X("breached", 150, ny(2026, 3, 2, 11), ny(2026, 3, 2, 11, 30))),
    ("p2-no-ack-at-target", "response", X("running", 120, ny(2026, 3, 2, 11), at_risk=True)),
    ("p2-no-ack-past-target", "response", X("breached", 121, ny(2026, 3, 2, 11))),
    ("escalation-fri-16", "response", X("running", 60, ny(2026, 3, 9, 9))),
    ("escalation-fri-16", "on_site", X("running", 60, ny(2026, 3, 9, 16))),
    ("pause-over-weekend-calendar", "response", X("met", 30, ny(2026, 3, 2, 11), ny(2026, 3, 2, 9, 30))),
    ("pause-over-weekend-calendar", "on_site", X("breached", 44 * 60, ny(2026, 3, 3, 9), paused_for=13 * H)),
    ("pause-over-weekend-calendar", "restore", X("breached", 44 * 60, ny(2026, 3, 4, 9), paused_for=13 * H)),
    ("pause-over-weekend-calendar", "resolve",
     X("running", 44 * 60, ny(2026, 3, 10, 13), paused_for=13 * H, at_risk=True)),
    ("pause-over-weekend-24x7", "response", X("met", 30, ny(2026, 3, 6, 21), ny(2026, 3, 6, 20, 30))),
    ("pause-over-weekend-24x7", "on_site", X("breached", 16 * 60, ny(2026, 3, 7, 0), paused_for=47 * H)),
    ("pause-over-weekend-24x7", "restore", X("breached", 16 * 60, ny(2026, 3, 7, 4), paused_for=47 * H)),
    ("pause-over-weekend-24x7", "resolve", X("running", 16 * 60, ny(2026, 3, 9, 20), paused_for=47 * H)),
    ("pause-never-resumed", "on_site", X("breached", 600, ny(2026, 3, 3, 9), paused_for=20 * H)),
    ("pause-never-resumed", "restore", X("paused", 600, None, paused_for=20 * H)),
    ("pause-never-resumed", "resolve", X("paused", 600, None, paused_for=20 * H)),
    ("resolved-while-paused", "response", X("met", 10, utc(2026, 1, 5, 11), utc(2026, 1, 5, 10, 10))),
    ("resolved-while-paused", "on_site", X("not_applicable", 0, None, utc(2026, 4, 10, 15))),
    ("resolved-while-paused", "restore",
     X("met", 120, utc(2026, 4, 10, 21), utc(2026, 4, 10, 15), paused_for=JAN5_TO_APR10)),
    ("resolved-while-paused", "resolve",
     X("met", 120, utc(2026, 4, 11, 13), utc(2026, 4, 10, 15), paused_for=JAN5_TO_APR10)),
    ("closed-while-paused-resume-after-ignored", "resolve",
     X("met", 120, utc(2026, 4, 11, 13), utc(2026, 4, 10, 15), paused_for=JAN5_TO_APR10)),
    ("resolved-while-paused-pausing-not-allowed", "resolve",
     X("breached", (95 * 24 + 5) * 60, utc(2026, 1, 6, 10), utc(2026, 4, 10, 15))),
    ("priority-p3-to-p2", "response", X("met", 30, ny(2026, 3, 2, 11), ny(2026, 3, 2, 9, 30))),
    ("priority-p3-to-p2", "on_site", X("running", 180, ny(2026, 3, 4, 9), paused_for=9 * H)),
    ("priority-p3-to-p2", "restore", X("running", 180, ny(2026, 3, 5, 9), paused_for=9 * H)),
    ("priority-p3-to-p2", "resolve", X("running", 180, ny(2026, 3, 10, 9), paused_for=9 * H)),
    ("priority-p3-to-p1-clock-becomes-24x7", "response", X("met", 30, ny(2026, 3, 2, 10), ny(2026, 3, 2, 9, 30))),
    ("priority-p3-to-p1-clock-becomes-24x7", "on_site",
     X("running", 180, ny(2026, 3, 3, 13), paused_for=24 * H, at_risk=True)),
    ("priority-p3-to-p1-clock-becomes-24x7", "restore", X("running", 180, ny(2026, 3, 3, 17), paused_for=24 * H)),
    ("priority-p3-to-p1-clock-becomes-24x7", "resolve", X("running", 180, ny(2026, 3, 4, 9), paused_for=24 * H)),
    ("priority-p1-downgraded-to-p3", "response", X("met", 90, ny(2026, 3, 2, 13), ny(2026, 3, 2, 10, 30))),
    ("priority-change-after-at-ignored", "resolve", X("running", 8 * 60 + 4 * 60, ny(2026, 3, 12, 12))),
    ("p4-50h-running-fri", "resolve", X("running", 45 * 60, ny(2026, 3, 9, 13), at_risk=True)),
    ("p4-50h-breached-mon", "resolve", X("breached", 51 * 60, ny(2026, 3, 9, 13))),
    ("la-site-utc-instants", "response", X("met", 90, utc(2026, 3, 10, 17), utc(2026, 3, 10, 16, 30))),
    ("la-site-utc-instants", "on_site", X("running", 180, utc(2026, 3, 11, 0))),  # 17:00 PDT, window end
    ("pausing-not-allowed", "resolve", X("running", 12 * 60, ny(2026, 3, 9, 9))),
    ("pausing-not-allowed-never-resumed", "resolve", X("running", 12 * 60, ny(2026, 3, 9, 9))),
    ("remote-restore", "response", X("met", 60, ny(2026, 3, 2, 10), ny(2026, 3, 2, 10))),
    ("remote-restore", "on_site", X("not_applicable", 0, None, ny(2026, 3, 2, 10))),
    ("remote-restore", "restore", X("met", 60, ny(2026, 3, 2, 17), ny(2026, 3, 2, 10))),
    ("remote-restore", "resolve", X("running", 180, ny(2026, 3, 3, 9))),
    ("on-site-visit", "response", X("met", 20, ny(2026, 3, 2, 10), ny(2026, 3, 2, 9, 20))),
    ("on-site-visit", "on_site", X("met", 120, ny(2026, 3, 2, 13), ny(2026, 3, 2, 11))),
    ("on-site-visit", "restore", X("met", 180, ny(2026, 3, 2, 17), ny(2026, 3, 2, 12))),
    ("reopened-and-resolved-again", "response", X("met", 10, ny(2026, 3, 2, 11), ny(2026, 3, 2, 9, 10))),
    ("reopened-and-resolved-again", "on_site", X("not_applicable", 0, None, ny(2026, 3, 2, 11))),
    ("reopened-and-resolved-again", "restore", X("met", 120, ny(2026, 3, 4, 9), ny(2026, 3, 2, 11))),
    ("reopened-and-resolved-again", "resolve", X("met", 8 * 60, ny(2026, 3, 10, 16), ny(2026, 3, 4, 15))),
    ("reopened-still-open", "restore", X("met", 120, ny(2026, 3, 4, 9), ny(2026, 3, 2, 11))),
    ("reopened-still-open", "resolve", X("running", 5 * 60, ny(2026, 3, 10, 16))),
    ("reopened-read-before-reopen", "resolve", X("met", 180, ny(2026, 3, 9, 9), ny(2026, 3, 2, 12))),
    ("reopened-never-restored", "on_site", X("not_applicable", 0, None, ny(2026, 3, 2, 12))),
    ("reopened-never-restored", "restore", X("running", 5 * 60, ny(2026, 3, 5, 16))),
    ("reopened-never-restored", "resolve", X("running", 5 * 60, ny(2026, 3, 10, 16))),
    ("restored-in-closed-gap-then-reopened", "restore", X("met", 180, ny(2026, 3, 4, 9), ny(2026, 3, 2, 12))),
    ("restored-in-closed-gap-then-reopened", "resolve", X("running", 300, ny(2026, 3, 10, 16))),
    ("resolved-while-paused-reopened-paused-again", "response",
     X("met", 60, ny(2026, 3, 2, 13), ny(2026, 3, 2, 12), paused_for=2 * H)),
    ("resolved-while-paused-reopened-paused-again", "restore", X("paused", 120, None, paused_for=3 * H)),
    ("resolved-while-paused-reopened-paused-again", "resolve", X("paused", 120, None, paused_for=3 * H)),
    ("closed-without-resolved", "on_site", X("not_applicable", 0, None, ny(2026, 3, 2, 13))),
    ("closed-without-resolved", "restore", X("met", 240, ny(2026, 3, 4, 9), ny(2026, 3, 2, 13))),
    ("closed-without-resolved", "resolve", X("met", 240, ny(2026, 3, 9, 9), ny(2026, 3, 2, 13))),
    ("event-after-at-ignored", "response", X("running", 60, ny(2026, 3, 2, 11))),
    ("event-before-reported", "response", X("met", 0, ny(2026, 3, 2, 11), ny(2026, 3, 2, 9))),
    ("at-before-reported", "response", X("running", 0, ny(2026, 3, 2, 11))),
    ("at-before-reported", "resolve", X("running", 0, ny(2026, 3, 9, 9))),
    ("double-pause-and-resume-ignored", "resolve", X("running", 180, ny(2026, 3, 9, 11), paused_for=2 * H)),
    ("pause-after-resolved-ignored", "resolve", X("met", 180, ny(2026, 3, 9, 9), ny(2026, 3, 2, 12))),
    ("breached-while-paused", "response", X("breached", 90, ny(2026, 3, 2, 10), paused_for=90 * MIN)),
    ("breached-while-paused", "resolve", X("paused", 90, None, paused_for=90 * MIN)),
    ("24x7-dst-start-night-23h", "resolve", X("running", 23 * 60, ny(2026, 3, 8, 23), at_risk=True)),
    ("24x7-dst-end-night-25h", "resolve", X("breached", 25 * 60, ny(2026, 11, 1, 21))),
]


@pytest.mark.parametrize(("scenario", "metric", "expected"), [
    pytest.param(s, m, x, id=f"{s}:{m}") for s, m, x in EXPECTED
])
def test_metric_clock(scenario: str, metric: str, expected: X) -> None:
    clock = by_metric(run(**SCENARIOS[scenario]))[metric]
    got = X(clock.state, clock.elapsed / MIN, clock.due_at, clock.stopped_at, clock.paused_for, clock.at_risk)
    assert got == expected
    assert clock.breached is (expected.state == "breached")


def test_every_scenario_is_checked() -> None:
    assert {s for s, _, _ in EXPECTED} == set(SCENARIOS)


@pytest.mark.parametrize(("scenario", "priority"), [
    ("priority-p3-to-p2", "P2"),
    ("priority-p3-to-p1-clock-becomes-24x7", "P1"),
    ("priority-p1-downgraded-to-p3", "P3"),
    ("priority-change-after-at-ignored", "P3"),
    ("p4-50h-running-fri", "P4"),
])
def test_targets_follow_the_current_priority(scenario: str, priority: str) -> None:
    sla = run(**SCENARIOS[scenario])
    assert sla.priority == priority
    expected = [t.metric for t in TARGETS if t.priority == priority]
    assert [c.metric for c in sla.metrics] == expected
    assert all(c.target_minutes == {t.metric: t.minutes for t in TARGETS if t.priority == priority}[c.metric]
               for c in sla.metrics)


def test_resolve_while_paused_does_not_count_the_months_on_hold() -> None:
    """Frappe Helpdesk trap, as a contrast: the same events with pausing allowed vs not."""
    allowed = by_metric(run(**SCENARIOS["resolved-while-paused"]))["resolve"]
    denied = by_metric(run(**SCENARIOS["resolved-while-paused-pausing-not-allowed"]))["resolve"]
    assert (allowed.state, allowed.elapsed) == ("met", 2 * H)
    assert denied.state == "breached"
    assert denied.elapsed - allowed.elapsed == JAN5_TO_APR10


def test_a_site_in_another_zone_reads_the_same_whatever_zone_the_instants_are_written_in() -> None:
    """Frappe trap: instants in UTC vs site-local vs server-local give one answer, and no false failure."""
    base = SCENARIOS["la-site-utc-instants"]
    readings = []
    for zone in (UTC, LA, NY, ZoneInfo("Asia/Kolkata")):
        events = [Event(e.type, e.occurred_at.astimezone(zone)) for e in base["events"]]
        readings.append(run(calendar=LA_BIZ, reported=base["reported"].astimezone(zone), events=events,
                            at=base["at"].astimezone(zone)))
    assert all(r == readings[0] for r in readings)
    assert [c.state for c in readings[0].metrics] == ["met", "running", "running", "running"]


def test_escalation_due_times_are_inside_business_hours() -> None:
    """No calendar due_at ever lands at local midnight (Zammad #4432, GLPI #22678)."""
    for reported in (ny(2026, 3, 6, 16), ny(2026, 3, 6, 23, 59), ny(2026, 7, 2, 16, 30), ny(2026, 3, 7, 0)):
        for at in (reported, reported + 2 * H, reported + 30 * H):
            sla = run([], at, reported=reported)
            for clock in sla.metrics:
                local = clock.due_at.astimezone(NY)
                assert 8 <= local.hour <= 17 and local.weekday() < 5, (reported, at, clock)
                assert (local.hour, local.minute) != (0, 0)


@pytest.mark.parametrize(("at", "ratio", "at_risk"), [
    pytest.param(ny(2026, 3, 2, 10, 29), 0.75, False, id="89m-of-120-below-75pct"),
    pytest.param(ny(2026, 3, 2, 10, 30), 0.75, True, id="90m-of-120-at-75pct"),
    pytest.param(ny(2026, 3, 2, 10), 0.5, True, id="60m-of-120-at-50pct"),
    pytest.param(ny(2026, 3, 2, 9, 59), 0.5, False, id="59m-of-120-below-50pct"),
    pytest.param(ny(2026, 3, 2, 11, 1), 0.75, False, id="breached-is-not-at-risk"),
])
def test_warning_threshold(at: datetime, ratio: float, at_risk: bool) -> None:
    assert by_metric(run([], at, warning_ratio=ratio))["response"].at_risk is at_risk


def test_paused_clock_is_not_at_risk() -> None:
    clocks = by_metric(run(**SCENARIOS["pause-never-resumed"], warning_ratio=0))
    assert clocks["resolve"].state == "paused"
    assert clocks["resolve"].at_risk is False


def test_negative_warning_ratio_is_refused() -> None:
    with pytest.raises(ValueError, match="warning_ratio"):
        run([], ny(2026, 3, 2, 10), warning_ratio=-0.1)


def test_elapsed_minutes_rounds_to_two_decimals() -> None:
    clock = by_metric(run([], ny(2026, 3, 2, 10, 30) + timedelta(seconds=20)))["response"]
    assert clock.elapsed == timedelta(minutes=90, seconds=20)
    assert clock.elapsed_minutes == 90.33


def test_the_reading_instant_is_kept_in_utc() -> None:
    sla = run([], ny(2026, 3, 2, 12))
    assert sla.at == utc(2026, 3, 2, 17)
    assert sla.at.utcoffset() == ZERO


# --------------------------------------------------------------------------- versioned policy

V1 = PolicyVersion(ny(2026, 1, 1), _targets({"P2": {"response": (240, "calendar")}}))
V2 = PolicyVersion(ny(2026, 7, 1), _targets({"P2": {"response": (60, "calendar")}}))


@pytest.mark.parametrize(("versions", "reported", "expected"), [
    pytest.param([V1, V2], ny(2026, 3, 2, 9), V1, id="before-v2-gets-v1"),
    pytest.param([V1, V2], ny(2026, 7, 1), V2, id="exactly-at-v2-gets-v2"),
    pytest.param([V1, V2], ny(2026, 6, 30, 23, 59), V1, id="minute-before-v2-gets-v1"),
    pytest.param([V2, V1], ny(2026, 8, 3, 9), V2, id="unordered-input-after-v2"),
    pytest.param([V2, V1], ny(2025, 12, 1), V1, id="before-every-version-gets-earliest"),
    pytest.param([], ny(2026, 3, 2), None, id="no-versions-no-targets"),
])
def test_targets_in_force(versions: list[PolicyVersion], reported: datetime, expected: PolicyVersion | None) -> None:
    assert targets_in_force(versions, reported) == (expected.targets if expected else ())


def test_a_later_policy_version_does_not_rewrite_old_outcomes() -> None:
    versions = [V1, V2]
    ack_after_2h = [ev("acknowledged", ny(2026, 3, 2, 11))]
    march = run(ack_after_2h, ny(2026, 3, 3), targets=targets_in_force(versions, R))
    assert (march.metrics[0].target_minutes, march.metrics[0].state) == (240, "met")
    july_reported = ny(2026, 7, 6, 9)
    july = run([ev("acknowledged", ny(2026, 7, 6, 11))], ny(2026, 7, 7), reported=july_reported,
               targets=targets_in_force(versions, july_reported))
    assert (july.metrics[0].target_minutes, july.metrics[0].state) == (60, "breached")


# --------------------------------------------------------------------------- validation

@pytest.mark.parametrize(("args", "message"), [
    pytest.param(("P5", "response", 60, "24x7"), "unknown priority 'P5'", id="priority"),
    pytest.param(("P1", "fix", 60, "24x7"), "unknown metric 'fix'", id="metric"),
    pytest.param(("P1", "response", 60, "business"), "unknown clock 'business'", id="clock"),
    pytest.param(("P1", "response", -1, "24x7"), "whole number ≥ 0, got -1", id="negative-minutes"),
    pytest.param(("P1", "response", 1.5, "24x7"), "whole number ≥ 0, got 1.5", id="fractional-minutes"),
    pytest.param(("P1", "response", True, "24x7"), "whole number ≥ 0, got True", id="bool-minutes"),
])
def test_invalid_targets(args: tuple, message: str) -> None:
    with pytest.raises(InvalidTarget, match=message):
        Target(*args)


def test_duplicate_targets_are_refused() -> None:
    with pytest.raises(InvalidTarget, match="two targets for P1 response"):
        run([], ny(2026, 3, 2, 10), targets=(*TARGETS, Target("P1", "response", 30, "24x7")))


@pytest.mark.parametrize(("build", "error", "message"), [
    pytest.param(lambda: Event("escalated", R), InvalidEvent, "unknown event type 'escalated'", id="event-type"),
    pytest.param(lambda: Event("priority_changed", R), InvalidEvent, "needs a priority", id="no-priority"),
    pytest.param(lambda: Event("priority_changed", R, priority="P9"), InvalidEvent, "got 'P9'", id="bad-priority"),
    pytest.param(lambda: Event("acknowledged", datetime(2026, 3, 2, 9)), NaiveDatetime,
                 "occurred_at must be timezone-aware", id="naive-event"),
    pytest.param(lambda: PolicyVersion(datetime(2026, 1, 1), ()), NaiveDatetime,
                 "effective_from must be timezone-aware", id="naive-policy"),
    pytest.param(lambda: targets_in_force([V1], datetime(2026, 3, 2)), NaiveDatetime,
                 "reported_at must be timezone-aware", id="naive-targets-in-force"),
    pytest.param(lambda: run([], ny(2026, 3, 3), reported=datetime(2026, 3, 2, 9)), NaiveDatetime,
                 "reported_at must be timezone-aware", id="naive-reported"),
    pytest.param(lambda: run([], datetime(2026, 3, 3)), NaiveDatetime, "at must be timezone-aware", id="naive-at"),
    pytest.param(lambda: run([], ny(2026, 3, 3), priority="P0"), InvalidEvent, "unknown priority 'P0'",
                 id="unknown-ticket-priority"),
])
def test_invalid_input_is_refused(build, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        build()


def test_events_are_stored_in_utc() -> None:
    event = Event("acknowledged", ny(2026, 3, 2, 9))
    assert event.occurred_at == utc(2026, 3, 2, 14)
    assert event.occurred_at.tzinfo is UTC
