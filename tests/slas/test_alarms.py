"""Clock alarms (``slas.alarms``): when a running clock warns and breaches, and that an alarm
planned from the clocks is due exactly when the clocks say so.

Calendar: Mon–Fri 08:00–17:00 America/New_York. Mon 2 Mar 2026 … Fri 6 Mar 2026.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from slas import BusinessCalendar, Event, Target, evaluate
from slas.alarms import Alarm, is_due, plan

NY = ZoneInfo("America/New_York")
BIZ = BusinessCalendar("America/New_York", {d: [("08:00", "17:00")] for d in ("mon", "tue", "wed", "thu", "fri")})
TARGETS = (Target("P1", "response", 60, "24x7"), Target("P1", "resolve", 1440, "24x7"),
           Target("P2", "response", 120, "calendar"), Target("P2", "resolve", 2700, "calendar"))
US = timedelta(microseconds=1)


def ny(d: int, h: int, mi: int = 0) -> datetime:
    return datetime(2026, 3, d, h, mi, tzinfo=NY).astimezone(UTC)


def read(priority: str, reported: datetime, at: datetime, events: tuple[Event, ...] = (), ratio: float = 0.75):
    return evaluate(reported_at=reported, priority=priority, events=events, targets=TARGETS, calendar=BIZ, at=at,
                    pause_allowed=True, warning_ratio=ratio)


def test_a_fresh_24x7_ticket_warns_at_three_quarters_and_breaches_just_after_its_target() -> None:
    sla = read("P1", ny(2, 9), ny(2, 9))
    assert plan(sla, calendar=BIZ, warning_ratio=0.75) == [
        Alarm("response", "warning", ny(2, 9, 45)), Alarm("response", "breach", ny(2, 10) + US),
        Alarm("resolve", "warning", ny(3, 3)), Alarm("resolve", "breach", ny(3, 9) + US)]


def test_a_business_hours_alarm_falls_inside_business_hours() -> None:
    # reported Mon 16:00; response 120 business minutes: 60 today, 30 more to warn (Tue 08:30), due Tue 09:00
    sla = read("P2", ny(2, 16), ny(2, 16, 30))
    alarms = {(a.metric, a.kind): a.due_at for a in plan(sla, calendar=BIZ, warning_ratio=0.75)}
    assert alarms[("response", "warning")] == ny(3, 8, 30)
    assert alarms[("response", "breach")] == ny(3, 9) + US


def test_a_clock_already_at_risk_plans_its_warning_at_once_and_its_breach() -> None:
    """A ticket recorded late (or a priority raised) past the warning: the assignee is warned
    now, not first told at the breach."""
    sla = read("P1", ny(2, 9), ny(2, 9, 50))
    due = {(a.metric, a.kind): a.due_at for a in plan(sla, calendar=BIZ, warning_ratio=0.75)}
    assert due[("response", "warning")] == ny(2, 9, 50) and due[("response", "breach")] > ny(2, 9, 50)


def test_a_paused_or_stopped_clock_has_no_alarm() -> None:
    paused = read("P1", ny(2, 9), ny(2, 9, 30), (Event("paused", ny(2, 9, 10), reason="parts"),))
    assert plan(paused, calendar=BIZ, warning_ratio=0.75) == []
    acked = read("P1", ny(2, 9), ny(2, 9, 30), (Event("acknowledged", ny(2, 9, 5)),))
    assert [a.metric for a in plan(acked, calendar=BIZ, warning_ratio=0.75)] == ["resolve", "resolve"]


def test_an_alarm_is_due_only_while_it_still_holds() -> None:
    reported = ny(2, 9)
    assert is_due(read("P1", reported, ny(2, 9, 44)), "response", "warning") is None
    assert is_due(read("P1", reported, ny(2, 9, 45)), "response", "warning") is not None
    assert is_due(read("P1", reported, ny(2, 10)), "response", "breach") is None  # at its target: not breached
    assert is_due(read("P1", reported, ny(2, 10) + US), "response", "breach") is not None
    acked = (Event("acknowledged", ny(2, 9, 40)),)
    assert is_due(read("P1", reported, ny(2, 9, 50), acked), "response", "warning") is None  # stopped: cancelled


@settings(max_examples=150, deadline=None)
@given(start=st.integers(0, 5 * 24 * 60), minutes_in=st.integers(0, 3000), ratio=st.sampled_from([0.5, 0.75, 0.9]),
       priority=st.sampled_from(["P1", "P2"]))
def test_every_planned_alarm_is_due_at_its_instant_and_not_a_microsecond_before(
        start: int, minutes_in: int, ratio: float, priority: str) -> None:
    reported = ny(2, 0) + timedelta(minutes=start)
    at = reported + timedelta(minutes=minutes_in)
    for alarm in plan(read(priority, reported, at, ratio=ratio), calendar=BIZ, warning_ratio=ratio):
        if alarm.due_at == at:  # at risk already: warned at once
            assert alarm.kind == "warning" and is_due(read(priority, reported, at, ratio=ratio), alarm.metric,
                                                      "warning") is not None
            continue
        assert alarm.due_at > at
        assert is_due(read(priority, reported, alarm.due_at, ratio=ratio), alarm.metric, alarm.kind) is not None
        assert is_due(read(priority, reported, alarm.due_at - US, ratio=ratio), alarm.metric, alarm.kind) is None
        if alarm.metric == "response" and priority == "P2":  # a calendar clock: inside business hours
            local = alarm.due_at.astimezone(NY)
            at_close = (local.hour, local.minute, local.second) == (17, 0, 0)
            assert local.weekday() < 5 and (8 <= local.hour < 17 or at_close)
