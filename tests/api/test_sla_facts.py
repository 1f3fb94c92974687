"""Reading a period's facts in bulk gives what reading and replaying each ticket alone gives."""

from __future__ import annotations

import gc
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.builders import add_event, make_contract, make_ticket, make_unit

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
H = timedelta(hours=1)


def _tickets(session):  # type: ignore[no-untyped-def]
    """A contract with a plain ticket, events logged out of order, two at one instant, a moved
    event, a voided event, and a ticket without events."""
    from fleet import tickets
    from fleet.principal import SYSTEM
    from fleet.schemas.tickets import CorrectionIn

    contract = make_contract(session)
    unit = make_unit(session, contract=contract)
    plain = make_ticket(session, unit=unit, reported_at=T0)
    for kind, h in (("acknowledged", 1), ("on_site", 3), ("restored", 5), ("resolved", 6)):
        add_event(session, plain, kind, T0 + h * H)
    late = make_ticket(session, unit=unit, reported_at=T0 + H)
    add_event(session, late, "on_site", T0 + 4 * H)
    add_event(session, late, "acknowledged", T0 + 2 * H)  # logged after, occurred before
    same = make_ticket(session, unit=unit, reported_at=T0 + 2 * H)
    add_event(session, same, "restored", T0 + 5 * H)
    add_event(session, same, "resolved", T0 + 5 * H)
    add_event(session, same, "acknowledged", T0 + 5 * H)  # same instant: milestone order, not recorded order
    moved = make_ticket(session, unit=unit, priority="P1", reported_at=T0 + 3 * H)
    ack = add_event(session, moved, "acknowledged", T0 + 9 * H)
    add_event(session, moved, "resolved", T0 + 10 * H)
    tickets.correct_event(session, SYSTEM, moved.id, CorrectionIn(event_id=ack.id, occurred_at=T0 + 4 * H,
                                                                  reason="tablet clock was wrong"))
    voided = make_ticket(session, unit=unit, reported_at=T0 + 4 * H)
    wrong = add_event(session, voided, "on_site", T0 + 6 * H)
    add_event(session, voided, "acknowledged", T0 + 5 * H)
    tickets.correct_event(session, SYSTEM, voided.id, CorrectionIn(event_id=wrong.id, void=True,
                                                                   reason="logged on the wrong ticket"))
    empty = make_ticket(session, unit=unit, reported_at=T0 + 5 * H)
    session.flush()
    return contract, [plain, late, same, moved, voided, empty]


def test_bulk_timelines_equal_each_tickets_replayed_timeline(session) -> None:  # type: ignore[no-untyped-def]
    from fleet import timeline
    from fleet.models import Ticket
    from fleet.ticket_facts import fact, facts_where, timelines_where
    from fleet.tickets import _events

    contract, all_tickets = _tickets(session)
    plain, late, same, moved, voided, empty = all_tickets
    as_of = datetime.now(UTC) + H
    facts, timelines = timelines_where(session, [Ticket.contract_id == contract.id], as_of=as_of)
    for t in all_tickets:
        recorded = [fact(e) for e in _events(session, t)]
        assert sorted(facts.get(t.id, []), key=lambda f: f.id) == sorted(recorded, key=lambda f: f.id)
        assert timelines.get(t.id, []) == timeline.effective(recorded, as_of=as_of)
        assert [f.occurred_at for f in facts.get(t.id, [])] == sorted(f.occurred_at for f in recorded)
    assert timelines[plain.id] is facts[plain.id] and timelines[late.id] is facts[late.id]  # nothing to replay
    assert [f.type for f in timelines[same.id]] == ["acknowledged", "restored", "resolved"]
    assert [(f.type, f.occurred_at) for f in timelines[moved.id]] == [("acknowledged", T0 + 4 * H),
                                                                      ("resolved", T0 + 10 * H)]
    assert [f.type for f in timelines[voided.id]] == ["acknowledged"]
    assert empty.id not in timelines and facts_where(session, [Ticket.id == empty.id]) == {}
    assert all(f.occurred_at.tzinfo is UTC and f.recorded_at.tzinfo is UTC for fs in facts.values() for f in fs)


def test_bulk_timelines_as_of_before_a_correction_ignore_it(session) -> None:  # type: ignore[no-untyped-def]
    from fleet import timeline
    from fleet.models import Ticket
    from fleet.ticket_facts import fact, timelines_where
    from fleet.tickets import _events

    contract, all_tickets = _tickets(session)
    moved = all_tickets[3]
    events = _events(session, moved)
    as_of = max(e.recorded_at for e in events if e.type != "corrected")
    _, timelines = timelines_where(session, [Ticket.contract_id == contract.id], as_of=as_of)
    assert timelines[moved.id] == timeline.effective([fact(e) for e in events], as_of=as_of)
    assert [(f.type, f.occurred_at) for f in timelines[moved.id]] == [("acknowledged", T0 + 9 * H),
                                                                      ("resolved", T0 + 10 * H)]


def test_a_period_evaluated_in_bulk_equals_each_ticket_read_alone(session) -> None:  # type: ignore[no-untyped-def]
    from fleet import sla_service
    from fleet.principal import SYSTEM

    contract, all_tickets = _tickets(session)
    moments = sla_service.instants(T0 + 8 * H, None)
    ctx = sla_service.ContractClocks.load(session, contract, as_of=moments.as_of)
    start, end = sla_service.period_bounds(ctx.calendar, date(2026, 3, 1), date(2026, 4, 1))
    evaluated = sla_service.evaluate_period(session, ctx, start, end, moments)
    assert [e.id for e in evaluated] == [t.id for t in all_tickets]
    for e in evaluated:
        alone = sla_service.ticket_sla(session, SYSTEM, e.id, at=moments.at, as_of=moments.as_of)
        assert (e.sla.priority, e.policy_version) == (alone.priority, alone.policy_version)
        assert e.sla.metrics == alone.metrics
        assert e.sla == ctx.evaluate(e.reported_at, _initial(all_tickets, e.id), e.facts, moments)[1]
    assert {m.state for e in evaluated for m in e.sla.metrics} >= {"met", "running"}


@pytest.mark.parametrize("hours_after", [8, 30])
@pytest.mark.parametrize("before_corrections", [False, True])
def test_the_lean_clock_inputs_read_the_same_clocks_as_the_full_facts(  # type: ignore[no-untyped-def]
        session, hours_after, before_corrections) -> None:
    from fleet import sla_service
    from fleet.models import TicketEvent

    contract, all_tickets = _tickets(session)
    as_of = None
    if before_corrections:
        from sqlalchemy import func, select
        as_of = session.scalar(select(func.max(TicketEvent.recorded_at)).where(TicketEvent.type != "corrected"))
    moments = sla_service.instants(T0 + hours_after * H, as_of)
    ctx = sla_service.ContractClocks.load(session, contract, as_of=moments.as_of)
    start, end = sla_service.period_bounds(ctx.calendar, date(2026, 3, 1), date(2026, 4, 1))
    full = sla_service.evaluate_period(session, ctx, start, end, moments)
    lean = sla_service._period_clock_inputs(session, ctx, start, end, moments)
    assert [(r[0], r[1]) for r in lean] == [(e.reported_at, _initial(all_tickets, e.id)) for e in full]
    assert [sla for _, sla in ctx.evaluate_timelines(lean, moments)] == [e.sla for e in full]
    assert [[(f.type, f.occurred_at) for f in r[2]] for r in lean][1:3] == [
        [("acknowledged", T0 + 2 * H), ("on_site", T0 + 4 * H)],
        [("acknowledged", T0 + 5 * H), ("restored", T0 + 5 * H), ("resolved", T0 + 5 * H)]]


def _initial(tickets, ticket_id):  # type: ignore[no-untyped-def]
    return next(t.initial_priority for t in tickets if t.id == ticket_id)


@pytest.mark.parametrize("enabled", [True, False])
def test_the_garbage_collector_is_left_as_it_was_after_compliance(session, enabled) -> None:  # type: ignore[no-untyped-def]
    from fleet import sla_service
    from fleet.errors import Invalid
    from fleet.gcpause import gc_paused
    from fleet.principal import SYSTEM

    contract, _ = _tickets(session)
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        out = sla_service.contract_compliance(session, SYSTEM, contract.id, start_date=date(2026, 3, 1),
                                              end_date=date(2026, 4, 1), at=None, as_of=None)
        assert out.tickets == 6 and gc.isenabled() is enabled
        with gc_paused():
            with gc_paused():
                assert not gc.isenabled()
            assert not gc.isenabled()
        assert gc.isenabled() is enabled
        with pytest.raises(Invalid), gc_paused():
            raise Invalid("boom")
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
