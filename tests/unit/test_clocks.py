"""SLA clocks: hand-computed scenarios (including peers' known traps) and a reference model."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, replace
from datetime import UTC, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slas import (
    METRICS,
    TWENTY_FOUR_SEVEN,
    BusinessCalendar,
    Clock,
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
BERLIN = ZoneInfo("Europe/Berlin")
H = timedelta(hours=1)
M = timedelta(minutes=1)
WEEKDAYS5 = ("mon", "tue", "wed", "thu", "fri")
OFFICE = BusinessCalendar("America/New_York", {d: [("08:00", "17:00")] for d in WEEKDAYS5})
LA_OFFICE = BusinessCalendar("America/Los_Angeles", {d: [("08:00", "17:00")] for d in WEEKDAYS5})
SPLIT = BusinessCalendar(
    "Europe/Berlin", {d: [("07:00", "12:00"), ("13:00", "18:00")] for d in (*WEEKDAYS5, "sat")}, holiday_country=None
)


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NY)  # type: ignore[misc]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def targets(priority: str = "P1", response: int = 60, on_site: int = 240, restore: int = 480,
            resolve: int = 1440) -> list[Target]:
    return [
        Target(priority, "response", response, "24x7"),
        Target(priority, "on_site", on_site, "calendar"),
        Target(priority, "restore", restore, "calendar"),
        Target(priority, "resolve", resolve, "calendar"),
    ]


def run(reported: datetime, events: list[Event], at: datetime, *, tgts: list[Target] | None = None,
        calendar: Clock = OFFICE, pause_allowed: bool = True, priority: str = "P1") -> dict[str, MetricClock]:
    sla = evaluate(reported_at=reported, priority=priority, events=events, targets=tgts or targets(),
                   calendar=calendar, at=at, pause_allowed=pause_allowed)
    return {m.metric: m for m in sla.metrics}


# ----------------------------------------------------------------------------- basics


def test_response_met_on_the_24x7_clock() -> None:
    m = run(ny(2026, 3, 4, 9), [Event("acknowledged", ny(2026, 3, 4, 9, 40))], ny(2026, 3, 4, 12))
    r = m["response"]
    assert (r.state, r.elapsed, r.elapsed_minutes) == ("met", 40 * M, 40.0)
    assert (r.stopped_at, r.due_at, r.breached, r.at_risk) == (ny(2026, 3, 4, 9, 40), ny(2026, 3, 4, 10), False, False)
    assert r.stopped_at is not None and r.stopped_at.tzinfo is UTC
    res = m["resolve"]
    assert (res.state, res.elapsed, res.stopped_at) == ("running", 3 * H, None)
    assert res.due_at == ny(2026, 3, 6, 15)  # 24 h of Mon–Fri 08–17 from Wed 09:00: 8 + 9 + 7


def test_response_breached_while_still_running() -> None:
    r = run(ny(2026, 3, 4, 9), [], ny(2026, 3, 4, 10, 1))["response"]
    assert (r.state, r.breached, r.elapsed) == ("breached", True, 61 * M)
    assert (r.due_at, r.stopped_at) == (ny(2026, 3, 4, 10), None)


def test_exactly_at_target_is_met_not_breached() -> None:
    r = run(ny(2026, 3, 4, 9), [Event("acknowledged", ny(2026, 3, 4, 10))], ny(2026, 3, 5))["response"]
    assert (r.state, r.elapsed) == ("met", H)


def test_at_risk_from_the_warning_ratio() -> None:
    reported = ny(2026, 3, 4, 9)
    assert run(reported, [], reported + 45 * M)["response"].at_risk is True
    assert run(reported, [], reported + 45 * M - timedelta(microseconds=1))["response"].at_risk is False
    sla = evaluate(reported_at=reported, priority="P1", events=[], targets=targets(), calendar=OFFICE,
                   at=reported + 30 * M, pause_allowed=True, warning_ratio=0.5)
    assert sla.metrics[0].at_risk is True


def test_metrics_follow_target_order_and_missing_targets_are_omitted() -> None:
    only = [Target("P2", "resolve", 100, "calendar"), Target("P2", "response", 10, "24x7")]
    sla = evaluate(reported_at=ny(2026, 3, 4, 9), priority="P2", events=[], targets=only + targets("P1"),
                   calendar=OFFICE, at=ny(2026, 3, 4, 9), pause_allowed=True)
    assert [m.metric for m in sla.metrics] == ["response", "resolve"]
    assert isinstance(sla, TicketSla) and sla.priority == "P2" and sla.at == ny(2026, 3, 4, 9)


def test_results_are_genuine_frozen_dataclasses() -> None:
    sla = evaluate(reported_at=ny(2026, 3, 4, 9), priority="P1", events=[], targets=targets(), calendar=OFFICE,
                   at=ny(2026, 3, 4, 10), pause_allowed=True)
    m = sla.metrics[0]
    assert type(m) is MetricClock and type(sla) is TicketSla
    assert m == MetricClock("response", 60, "24x7", H, ny(2026, 3, 4, 10), None, "running", False, True,
                            timedelta(0))
    assert replace(m, state="met").state == "met"
    with pytest.raises(FrozenInstanceError):
        m.state = "met"  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        sla.priority = "P2"  # type: ignore[misc]


def test_results_of_evaluate_many_are_genuine_frozen_dataclasses_too() -> None:
    from slas.clocks import evaluate_many

    (sla,) = evaluate_many([(ny(2026, 3, 4, 9), "P1", [], targets())], calendar=OFFICE, at=ny(2026, 3, 4, 10),
                           pause_allowed=True)
    assert type(sla) is TicketSla and type(sla.metrics[0]) is MetricClock and sla.at.tzinfo is UTC
    with pytest.raises(FrozenInstanceError):
        sla.priority = "P2"  # type: ignore[misc]


class _Fact(NamedTuple):
    """A record's fact: the three attributes the engine reads, and others it does not."""

    id: str
    type: str
    occurred_at: datetime
    priority: str | None = None


def test_any_event_like_object_reads_as_the_same_events() -> None:
    reported = utc(2026, 3, 4, 14)
    raw = [("acknowledged", 1, None), ("priority_changed", 2, "P2"), ("paused", 3, None), ("resumed", 20, None),
           ("on_site", 30, None), ("resolved", 40, None)]
    events = [Event(kind, reported + h * H, priority=p) for kind, h, p in raw]
    facts = [_Fact(str(i), kind, reported + h * H, p) for i, (kind, h, p) in enumerate(raw)]
    tg = [*targets("P1"), *targets("P2", 30, 120, 240, 600)]
    at = reported + 50 * H
    assert run(reported, facts, at, tgts=tg) == run(reported, events, at, tgts=tg)  # type: ignore[arg-type]


def test_evaluate_many_rejects_what_evaluate_rejects() -> None:
    from slas.clocks import evaluate_many

    def many(priority: str = "P1", at: datetime = utc(2026, 3, 4, 10), ratio: float = 0.75) -> list[TicketSla]:
        return list(evaluate_many([(utc(2026, 3, 4, 9), priority, [], targets())], calendar=OFFICE, at=at,
                                  pause_allowed=True, warning_ratio=ratio))

    with pytest.raises(InvalidEvent):
        many(priority="P9")
    with pytest.raises(NaiveDatetime):
        many(at=datetime(2026, 3, 4, 10))
    with pytest.raises(ValueError):
        many(ratio=-1)
    with pytest.raises(InvalidTarget):
        list(evaluate_many([(utc(2026, 3, 4, 9), "P1", [], [*targets(), *targets()])], calendar=OFFICE,
                           at=utc(2026, 3, 4, 10), pause_allowed=True))


def test_equal_targets_passed_anew_read_the_same() -> None:
    reported, at = ny(2026, 3, 4, 9), ny(2026, 3, 4, 12)
    first = run(reported, [Event("acknowledged", ny(2026, 3, 4, 9, 30))], at, tgts=targets())
    again = run(reported, [Event("acknowledged", ny(2026, 3, 4, 9, 30))], at, tgts=targets())  # equal, not identical
    changed = run(reported, [Event("acknowledged", ny(2026, 3, 4, 9, 30))], at, tgts=targets(response=20))
    assert first == again and first["response"].state == "met" and changed["response"].state == "breached"


# ----------------------------------------------------------------------------- pauses


def test_pause_spanning_a_weekend() -> None:
    # Fri 15:00 reported; paused Fri 16:00 (1 h counted); resumed Mon 10:00; read Mon 12:00 (2 h more)
    events = [Event("paused", ny(2026, 3, 6, 16), reason="awaiting customer"), Event("resumed", ny(2026, 3, 9, 10))]
    res = run(ny(2026, 3, 6, 15), events, ny(2026, 3, 9, 12), tgts=targets(resolve=600))["resolve"]
    assert (res.state, res.elapsed, res.paused_for) == ("running", 3 * H, 3 * H)  # paused: Fri 16–17, Mon 08–10
    assert res.due_at == ny(2026, 3, 10, 10)  # 7 h left: Mon 12–17, Tue 08–10 (EDT after the DST change)
    ignored = run(ny(2026, 3, 6, 15), events, ny(2026, 3, 9, 12), tgts=targets(resolve=600), pause_allowed=False)
    assert (ignored["resolve"].elapsed, ignored["resolve"].paused_for) == (6 * H, timedelta(0))


def test_pause_never_resumed_runs_to_at() -> None:
    events = [Event("acknowledged", ny(2026, 3, 4, 9, 5)), Event("paused", ny(2026, 3, 4, 10))]
    m = run(ny(2026, 3, 4, 9), events, ny(2026, 3, 6, 12), tgts=targets(resolve=120))
    res = m["resolve"]
    assert (res.state, res.elapsed, res.due_at, res.at_risk) == ("paused", H, None, False)
    assert res.paused_for == 7 * H + 9 * H + 4 * H
    assert m["response"].state == "met"  # stopped clocks are not "paused"


def test_breached_while_paused_stays_breached_with_its_due_time() -> None:
    events = [Event("paused", ny(2026, 3, 4, 11))]
    res = run(ny(2026, 3, 4, 9), events, ny(2026, 3, 5, 12), tgts=targets(resolve=60))["resolve"]
    assert (res.state, res.elapsed, res.due_at) == ("breached", 2 * H, ny(2026, 3, 4, 10))


def test_resolved_straight_from_paused_does_not_count_the_hold() -> None:
    """Frappe Helpdesk #3776: a ticket resolved while paused counted its months on hold."""
    events = [
        Event("paused", ny(2026, 3, 2, 10)),
        Event("resolved", ny(2026, 3, 20, 12)),
        Event("resumed", ny(2026, 3, 23, 9)),  # after the resolution: ignored
    ]
    m = run(ny(2026, 3, 2, 9), events, ny(2026, 5, 1), tgts=targets(resolve=600))
    res = m["resolve"]
    assert (res.state, res.elapsed, res.stopped_at) == ("met", H, ny(2026, 3, 20, 12))
    assert res.paused_for == 7 * H + 36 * H + 45 * H + 36 * H + 4 * H  # Mar 2 10:00 → Mar 20 12:00
    assert res.due_at == ny(2026, 3, 23, 12)  # 9 h more from the resolution: Fri 12–17, Mon 08–12


def test_priority_change_keeps_time_and_pauses() -> None:
    """GLPI #6902/#15605: pause time was lost when the ticket's SLA changed."""
    events = [
        Event("acknowledged", ny(2026, 3, 2, 9, 10)),
        Event("paused", ny(2026, 3, 2, 10)),
        Event("resumed", ny(2026, 3, 3, 10)),
        Event("priority_changed", ny(2026, 3, 3, 11), priority="P1"),
    ]
    tgts = targets("P3", resolve=1440) + targets("P1", resolve=600)
    sla = evaluate(reported_at=ny(2026, 3, 2, 9), priority="P3", events=events, targets=tgts, calendar=OFFICE,
                   at=ny(2026, 3, 3, 12), pause_allowed=True)
    res = {m.metric: m for m in sla.metrics}["resolve"]
    assert sla.priority == "P1"
    assert (res.target_minutes, res.elapsed, res.paused_for) == (600, 3 * H, 9 * H)
    assert (res.state, res.due_at) == ("running", ny(2026, 3, 4, 10))
    before = evaluate(reported_at=ny(2026, 3, 2, 9), priority="P3", events=events, targets=tgts, calendar=OFFICE,
                      at=ny(2026, 3, 3, 10, 59), pause_allowed=True)
    assert before.priority == "P3" and before.metrics[-1].target_minutes == 1440


def test_pause_events_out_of_place_are_ignored() -> None:
    events = [
        Event("resumed", ny(2026, 3, 4, 9, 30)),  # not paused
        Event("paused", ny(2026, 3, 4, 10)),
        Event("paused", ny(2026, 3, 4, 11)),  # already paused
        Event("resumed", ny(2026, 3, 4, 12)),
    ]
    res = run(ny(2026, 3, 4, 9), events, ny(2026, 3, 4, 13))["resolve"]
    assert (res.elapsed, res.paused_for) == (2 * H, 2 * H)


def test_pause_while_resolved_is_ignored() -> None:
    events = [
        Event("resolved", ny(2026, 3, 2, 11)),
        Event("paused", ny(2026, 3, 3, 9)),  # the ticket is resolved: ignored
        Event("reopened", ny(2026, 3, 4, 9)),
    ]
    res = run(ny(2026, 3, 2, 9), events, ny(2026, 3, 4, 12))["resolve"]
    assert (res.state, res.elapsed, res.paused_for) == ("running", 5 * H, timedelta(0))


# ----------------------------------------------------------------------------- stops, reopen, close


def test_remote_fix_makes_on_site_not_applicable() -> None:
    events = [Event("acknowledged", ny(2026, 3, 4, 9, 10)), Event("restored", ny(2026, 3, 4, 11))]
    m = run(ny(2026, 3, 4, 9), events, ny(2026, 3, 4, 12))
    site = m["on_site"]
    assert (site.state, site.elapsed, site.due_at, site.stopped_at) == ("not_applicable", timedelta(0), None,
                                                                        ny(2026, 3, 4, 11))
    assert (m["restore"].state, m["restore"].elapsed) == ("met", 2 * H)
    assert m["resolve"].state == "running"


def test_on_site_after_a_visit() -> None:
    events = [Event("on_site", ny(2026, 3, 4, 12)), Event("restored", ny(2026, 3, 4, 13))]
    m = run(ny(2026, 3, 4, 9), events, ny(2026, 3, 4, 14))
    assert (m["response"].stopped_at, m["response"].elapsed) == (ny(2026, 3, 4, 12), 3 * H)  # a visit responds
    assert (m["response"].state, m["on_site"].state, m["on_site"].elapsed) == ("breached", "met", 3 * H)


def test_restore_falls_back_to_the_resolution() -> None:
    m = run(ny(2026, 3, 4, 9), [Event("resolved", ny(2026, 3, 4, 15))], ny(2026, 3, 5))
    assert (m["restore"].stopped_at, m["restore"].elapsed) == (ny(2026, 3, 4, 15), 6 * H)
    assert (m["response"].stopped_at, m["on_site"].state) == (ny(2026, 3, 4, 15), "not_applicable")


def test_reopened_resumes_resolve_from_its_accumulated_time() -> None:
    events = [
        Event("resolved", ny(2026, 3, 2, 11)),
        Event("reopened", ny(2026, 3, 4, 9)),
        Event("resolved", ny(2026, 3, 4, 10)),
    ]
    m = run(ny(2026, 3, 2, 9), events, ny(2026, 3, 5))
    assert (m["resolve"].elapsed, m["resolve"].stopped_at, m["resolve"].state) == (3 * H, ny(2026, 3, 4, 10), "met")
    assert (m["restore"].elapsed, m["restore"].stopped_at) == (3 * H, ny(2026, 3, 4, 10))  # never restored
    assert m["response"].stopped_at == ny(2026, 3, 2, 11)  # response never restarts
    still_open = run(ny(2026, 3, 2, 9), events[:2], ny(2026, 3, 4, 12))["resolve"]
    assert (still_open.state, still_open.elapsed, still_open.stopped_at) == ("running", 5 * H, None)
    assert still_open.due_at == ny(2026, 3, 6, 13)  # 19 h left from Wed 12:00: 5 + 9 + 5


def test_reopened_at_the_reading_instant_is_due_from_the_reopening() -> None:
    events = [Event("resolved", ny(2026, 3, 2, 11)), Event("reopened", ny(2026, 3, 4, 12))]
    res = run(ny(2026, 3, 2, 9), events, ny(2026, 3, 4, 12))["resolve"]
    assert (res.state, res.elapsed, res.due_at) == ("running", 2 * H, ny(2026, 3, 6, 16))  # 22 h: 5 + 9 + 8


def test_reopen_does_not_restart_a_restored_unit() -> None:
    events = [
        Event("restored", ny(2026, 3, 2, 10, 30)),
        Event("resolved", ny(2026, 3, 2, 11)),
        Event("reopened", ny(2026, 3, 4, 9)),
    ]
    m = run(ny(2026, 3, 2, 9), events, ny(2026, 3, 4, 12))
    restore = m["restore"]
    assert (restore.elapsed, restore.stopped_at, restore.state) == (90 * M, ny(2026, 3, 2, 10, 30), "met")
    assert m["resolve"].elapsed == 5 * H


def test_restored_after_the_resolution_stops_restore_at_the_resolution() -> None:
    events = [Event("resolved", ny(2026, 3, 2, 11)), Event("restored", ny(2026, 3, 3, 9)),
              Event("reopened", ny(2026, 3, 4, 9))]
    restore = run(ny(2026, 3, 2, 9), events, ny(2026, 3, 4, 12))["restore"]
    assert (restore.elapsed, restore.stopped_at) == (2 * H, ny(2026, 3, 2, 11))


def test_simultaneous_events_keep_their_given_order() -> None:
    restored_first = [Event("closed", ny(2026, 3, 2, 11)), Event("restored", ny(2026, 3, 4, 9)),
                      Event("reopened", ny(2026, 3, 4, 9))]
    restore = run(ny(2026, 3, 2, 9), restored_first, ny(2026, 3, 4, 12))["restore"]
    assert (restore.stopped_at, restore.elapsed) == (ny(2026, 3, 2, 11), 2 * H)  # restored while closed
    reopened_first = [restored_first[0], restored_first[2], restored_first[1]]
    restore = run(ny(2026, 3, 2, 9), reopened_first, ny(2026, 3, 4, 12))["restore"]
    assert (restore.stopped_at, restore.elapsed) == (ny(2026, 3, 4, 9), 2 * H)


def test_closed_without_resolution_stops_every_clock() -> None:
    m = run(ny(2026, 3, 4, 9), [Event("closed", ny(2026, 3, 4, 9, 30))], ny(2026, 3, 10))
    assert {k: v.state for k, v in m.items()} == {"response": "met", "on_site": "not_applicable", "restore": "met",
                                                  "resolve": "met"}
    assert m["resolve"].elapsed == 30 * M


def test_events_after_at_are_ignored_and_early_events_count_at_the_report() -> None:
    events = [Event("acknowledged", ny(2026, 3, 4, 8, 55)), Event("resolved", ny(2026, 3, 4, 12))]
    m = run(ny(2026, 3, 4, 9), events, ny(2026, 3, 4, 11))
    assert (m["response"].elapsed, m["response"].stopped_at, m["response"].state) == (timedelta(0),
                                                                                      ny(2026, 3, 4, 9), "met")
    assert (m["resolve"].state, m["resolve"].elapsed) == ("running", 2 * H)


def test_at_before_reported_reads_zero() -> None:
    m = run(ny(2026, 3, 4, 9), [Event("acknowledged", ny(2026, 3, 4, 9, 5))], ny(2026, 3, 4, 8))
    r = m["response"]
    assert (r.state, r.elapsed, r.due_at) == ("running", timedelta(0), ny(2026, 3, 4, 10))


def test_zero_minute_target_is_due_at_the_report() -> None:
    tgts = [Target("P1", "response", 0, "calendar")]
    saturday = ny(2026, 3, 7, 12)
    assert run(saturday, [], saturday + H, tgts=tgts)["response"].state == "running"  # no covered time yet
    r = run(saturday, [], ny(2026, 3, 9, 8, 1), tgts=tgts)["response"]
    assert (r.state, r.due_at) == ("breached", saturday)
    met = run(saturday, [Event("acknowledged", saturday)], saturday + H, tgts=tgts)["response"]
    assert (met.state, met.elapsed) == ("met", timedelta(0))


# ----------------------------------------------------------------------------- time zones, DST, holidays


def test_site_in_another_zone_has_no_false_failures() -> None:
    """Frappe #3776: site-local naive times showed false failures to agents elsewhere."""
    reported, arrived = utc(2026, 3, 10, 23, 30), utc(2026, 3, 11, 16)  # 16:30 and 09:00 PDT
    tgts = [Target("P1", "on_site", 120, "calendar")]
    site = run(reported, [Event("on_site", arrived)], utc(2026, 3, 12), tgts=tgts, calendar=LA_OFFICE)["on_site"]
    assert (site.state, site.elapsed) == ("met", 90 * M)
    again = run(reported.astimezone(BERLIN), [Event("on_site", arrived.astimezone(NY))],
                utc(2026, 3, 12).astimezone(LA), tgts=tgts, calendar=LA_OFFICE)["on_site"]
    assert again == site


def test_escalation_is_due_in_business_hours_not_at_midnight() -> None:
    """Zammad #4432 / GLPI #22678: escalations fired at midnight."""
    tgts = [Target("P2", "response", 120, "calendar")]
    r = run(ny(2026, 3, 6, 16, 30), [], ny(2026, 3, 7, 12), tgts=tgts, priority="P2")["response"]
    assert (r.due_at, r.elapsed, r.state, r.at_risk) == (ny(2026, 3, 9, 9, 30), 30 * M, "running", False)


def test_target_larger_than_a_week() -> None:
    res = run(ny(2026, 3, 2, 8), [], ny(2026, 3, 4, 8), tgts=targets(resolve=3600))["resolve"]
    assert (res.elapsed, res.due_at) == (18 * H, ny(2026, 3, 10, 14))


def test_dst_weekend_on_both_clocks() -> None:
    tgts = [Target("P1", "response", 4320, "24x7"), Target("P1", "resolve", 4320, "calendar")]
    m = run(ny(2026, 3, 6, 16), [], ny(2026, 3, 9, 9), tgts=tgts)
    assert m["response"].elapsed == 64 * H  # Fri 21:00Z → Mon 13:00Z
    assert m["resolve"].elapsed == 2 * H


def test_observed_holiday_friday() -> None:
    tgts = [Target("P1", "on_site", 120, "calendar")]
    site = run(ny(2026, 7, 2, 16), [], ny(2026, 7, 3, 12), tgts=tgts)["on_site"]
    assert (site.elapsed, site.due_at) == (H, ny(2026, 7, 6, 9))


def test_a_plain_clock_works_through_the_protocol() -> None:
    class Wall:
        def covered(self, start: datetime, end: datetime) -> timedelta:
            return max(end - start, timedelta(0))

        def add(self, start: datetime, amount: timedelta) -> datetime:
            return start + amount

    tgts = [Target("P1", "resolve", 60, "calendar")]
    events = [Event("paused", ny(2026, 3, 4, 9, 30)), Event("resumed", ny(2026, 3, 4, 10))]
    res = run(ny(2026, 3, 4, 9), events, ny(2026, 3, 4, 10, 10), tgts=tgts, calendar=Wall())["resolve"]
    assert (res.elapsed, res.paused_for, res.due_at) == (40 * M, 30 * M, ny(2026, 3, 4, 10, 30))


# ----------------------------------------------------------------------------- input errors and policy versions


def test_bad_input_is_refused() -> None:
    with pytest.raises(NaiveDatetime):
        Event("acknowledged", datetime(2026, 3, 4, 9))
    with pytest.raises(NaiveDatetime, match="reported_at"):
        run(datetime(2026, 3, 4, 9), [], ny(2026, 3, 4, 10))
    with pytest.raises(NaiveDatetime, match="at must"):
        run(ny(2026, 3, 4, 9), [], datetime(2026, 3, 4, 10))
    with pytest.raises(InvalidEvent, match="unknown event type 'escalated'"):
        Event("escalated", ny(2026, 3, 4, 9))
    with pytest.raises(InvalidEvent, match="priority_changed needs a priority"):
        Event("priority_changed", ny(2026, 3, 4, 9))
    with pytest.raises(InvalidEvent, match="unknown priority 'P9'"):
        run(ny(2026, 3, 4, 9), [], ny(2026, 3, 4, 10), priority="P9")
    with pytest.raises(InvalidTarget, match="two targets for P1 response"):
        run(ny(2026, 3, 4, 9), [], ny(2026, 3, 4, 10), tgts=[*targets(), Target("P1", "response", 5, "24x7")])
    for bad in (("P5", "response", 1, "24x7"), ("P1", "repair", 1, "24x7"), ("P1", "response", -1, "24x7"),
                ("P1", "response", 1.5, "24x7"), ("P1", "response", 1, "business")):
        with pytest.raises(InvalidTarget):
            Target(*bad)  # type: ignore[arg-type]


def test_policy_version_in_force_at_the_report() -> None:
    v1 = PolicyVersion(utc(2026, 1, 1), tuple(targets(resolve=1440)))
    v2 = PolicyVersion(utc(2026, 6, 1), tuple(targets(resolve=600)))
    assert targets_in_force([v2, v1], utc(2026, 5, 31, 23, 59))[-1].minutes == 1440
    assert targets_in_force([v2, v1], utc(2026, 6, 1))[-1].minutes == 600
    assert targets_in_force([v2, v1], utc(2025, 12, 1))[-1].minutes == 1440  # before all: the first policy
    assert targets_in_force([], utc(2026, 1, 1)) == ()


# ----------------------------------------------------------------------------- reference model


def reference(reported: datetime, priority: str, events: list[Event], tgts: list[Target], calendar: Clock,
              at: datetime, pause_allowed: bool, ratio: float) -> TicketSla:
    """A slow, direct reading of the rules, metric by metric, through the public Clock API."""
    timeline = [(max(e.occurred_at, reported), e) for e in sorted(events, key=lambda e: e.occurred_at)
                if e.occurred_at <= at]
    until = max(at, reported)
    for _, e in timeline:
        if e.type == "priority_changed":
            assert e.priority is not None
            priority = e.priority
    readings = []
    for metric in METRICS:
        chosen = [t for t in tgts if t.priority == priority and t.metric == metric]
        if chosen:
            clock = TWENTY_FOUR_SEVEN if chosen[0].clock == "24x7" else calendar
            readings.append(reference_metric(metric, chosen[0], timeline, reported, until, clock,
                                             pause_allowed, ratio))
    return TicketSla(priority, tuple(readings), at.astimezone(UTC))


def reference_metric(metric: str, target: Target, timeline: list[tuple[datetime, Event]], reported: datetime,
                     until: datetime, clock: Clock, pause_allowed: bool, ratio: float) -> MetricClock:
    kinds = [e.type for _, e in timeline if e.type in ("on_site", "restored", "resolved", "closed")]
    if metric == "on_site" and kinds and kinds[0] != "on_site":
        fix = next(t for t, e in timeline if e.type == kinds[0])
        return MetricClock(metric, target.minutes, target.clock, timedelta(0), None, fix, "not_applicable",
                           False, False, timedelta(0))
    killers = {"response": ("acknowledged", "on_site", "restored", "resolved", "closed"),
               "on_site": ("on_site",), "restore": ("restored",), "resolve": ()}[metric]
    is_open, paused, alive = True, False, True
    states = [(reported, is_open, paused, alive)]
    for t, e in timeline:
        if e.type in killers:
            alive = False
        if e.type in ("resolved", "closed") and is_open:
            is_open, paused = False, False
        elif e.type == "reopened" and not is_open:
            is_open = True
        elif e.type == "paused" and pause_allowed and is_open and not paused:
            paused = True
        elif e.type == "resumed" and paused:
            paused = False
        states.append((t, is_open, paused, alive))
    counted, on_hold = [], []
    stopped_at = None
    running_before = True
    for (t0, o, p, a), (t1, *_rest) in zip(states, [*states[1:], (until, None, None, None)], strict=True):
        running = o and a
        if running_before and not running:
            stopped_at = t0
        if running:
            stopped_at = None
            (on_hold if p else counted).append((t0, t1))
        running_before = running
    elapsed = sum((clock.covered(s, e) for s, e in counted), timedelta(0))
    paused_for = sum((clock.covered(s, e) for s, e in on_hold), timedelta(0))
    limit = timedelta(minutes=target.minutes)
    paused_now = stopped_at is None and states[-1][2]
    due: datetime | None = None
    if elapsed >= limit:
        due = reported
        remaining = limit
        for s, e in counted:
            if limit and clock.covered(s, e) >= remaining:
                due = clock.add(s, remaining)
                break
            remaining -= clock.covered(s, e)
    elif not paused_now:
        due = clock.add(stopped_at or until, limit - elapsed)
    state = ("breached" if elapsed > limit else "met" if stopped_at else "paused" if paused_now else "running")
    at_risk = state == "running" and elapsed >= limit * ratio
    return MetricClock(metric, target.minutes, target.clock, elapsed, due, stopped_at and stopped_at.astimezone(UTC),
                       state, state == "breached", at_risk, paused_for)  # type: ignore[arg-type]


KINDS = ["acknowledged", "on_site", "restored", "resolved", "closed", "paused", "resumed", "reopened",
         "priority_changed", "reported"]
BASE = datetime(2026, 2, 27, 14, tzinfo=UTC)  # a Friday, one week before the DST change


@st.composite
def tickets(draw: st.DrawFn) -> tuple[datetime, list[Event], datetime, str]:
    reported = BASE + draw(st.integers(0, 60 * 24 * 5)) * M
    count = draw(st.integers(0, 9))
    events = []
    for _ in range(count):
        kind = draw(st.sampled_from(KINDS))
        when = reported + draw(st.integers(-60, 60 * 24 * 12)) * M
        priority = draw(st.sampled_from(["P1", "P2"])) if kind == "priority_changed" else None
        events.append(Event(kind, when, priority))
    at = reported + draw(st.integers(-120, 60 * 24 * 14)) * M
    return reported, events, at, draw(st.sampled_from(["P1", "P2"]))


TARGET_SETS = [
    targets("P1", 60, 240, 480, 1440) + targets("P2", 240, 480, 960, 4800),
    [Target("P1", m, 0, "calendar") for m in METRICS] + [Target("P2", m, 30, "24x7") for m in METRICS],
]


@settings(max_examples=400, deadline=None)
@given(tickets(), st.sampled_from([OFFICE, SPLIT, TWENTY_FOUR_SEVEN]), st.booleans(),
       st.sampled_from(TARGET_SETS))
def test_engine_agrees_with_the_reference_model(
    ticket: tuple[datetime, list[Event], datetime, str], calendar: Clock, pause_allowed: bool, tgts: list[Target]
) -> None:
    reported, events, at, priority = ticket
    got = evaluate(reported_at=reported, priority=priority, events=events, targets=tgts, calendar=calendar, at=at,
                   pause_allowed=pause_allowed)
    assert got == reference(reported, priority, events, tgts, calendar, at, pause_allowed, 0.75)


@settings(max_examples=150, deadline=None)
@given(tickets(), st.integers(0, 60 * 24 * 12), st.integers(0, 60 * 24 * 3))
def test_pausing_never_increases_elapsed(
    ticket: tuple[datetime, list[Event], datetime, str], start: int, length: int
) -> None:
    reported, events, at, priority = ticket
    tgts = TARGET_SETS[0]
    kwargs = {"reported_at": reported, "priority": priority, "targets": tgts, "calendar": OFFICE, "at": at}
    allowed = evaluate(events=events, pause_allowed=True, **kwargs)  # type: ignore[arg-type]
    ignored = evaluate(events=events, pause_allowed=False, **kwargs)  # type: ignore[arg-type]
    for a, b in zip(allowed.metrics, ignored.metrics, strict=True):
        assert a.elapsed <= b.elapsed
    plain = [e for e in events if e.type not in ("paused", "resumed")]
    pause = [Event("paused", reported + start * M), Event("resumed", reported + (start + length) * M)]
    without = evaluate(events=plain, pause_allowed=True, **kwargs)  # type: ignore[arg-type]
    held = evaluate(events=plain + pause, pause_allowed=True, **kwargs)  # type: ignore[arg-type]
    for a, b in zip(without.metrics, held.metrics, strict=True):
        assert b.elapsed <= a.elapsed
        assert b.elapsed + b.paused_for == a.elapsed


@settings(max_examples=100, deadline=None)
@given(tickets())
def test_event_order_in_the_input_does_not_matter(ticket: tuple[datetime, list[Event], datetime, str]) -> None:
    reported, events, at, priority = ticket
    distinct = list({e.occurred_at: e for e in events}.values())  # equal instants keep input order
    kwargs = {"reported_at": reported, "priority": priority, "targets": TARGET_SETS[0], "calendar": SPLIT,
              "at": at, "pause_allowed": True}
    assert evaluate(events=distinct, **kwargs) == evaluate(events=distinct[::-1], **kwargs)  # type: ignore[arg-type]
