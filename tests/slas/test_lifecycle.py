"""The ticket lifecycle rules (slas.lifecycle): table-driven refusals, and the one-pass status
projection agreeing with the full replay on every timeline the rules accept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slas.errors import ImpossibleEvent
from slas.lifecycle import Fact, ordered, replay, status_at

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _facts(*steps: tuple[str, int] | tuple[str, int, str]) -> list[Fact]:
    return [Fact(id=str(i), type=s[0], occurred_at=T0 + timedelta(minutes=s[1]),
                 recorded_at=T0 + timedelta(minutes=s[1]), reason=s[2] if len(s) > 2 else None,  # type: ignore[misc]
                 priority="P1" if s[0] == "priority_changed" else None)
            for i, s in enumerate(steps)]


@pytest.mark.parametrize(("steps", "why"), [
    ((("acknowledged", -5),), "before the ticket was reported"),
    ((("acknowledged", 5), ("acknowledged", 6)), "already acknowledged"),
    ((("restored", 10), ("acknowledged", 20)), "would come after restored"),
    ((("closed", 10),), "resolved before it is closed"),
    ((("paused", 10),), "a pause needs a reason"),
    ((("resumed", 10),), "not paused"),
    ((("reopened", 10),), "only a resolved or closed ticket"),
    ((("resolved", 10), ("closed", 11), ("acknowledged", 12)), "the ticket is closed"),
    ((("priority_changed", 10),), "a priority change needs a reason"),
])
def test_an_impossible_event_is_refused_with_the_reason(steps, why) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ImpossibleEvent, match=why):
        replay(T0, "P2", _facts(*steps), pause_allowed=True)


def test_a_pause_on_a_contract_that_forbids_it_is_refused() -> None:
    with pytest.raises(ImpossibleEvent, match="does not allow pausing"):
        replay(T0, "P2", _facts(("paused", 10, "parts on order")), pause_allowed=False)


def test_a_reopened_ticket_goes_round_again() -> None:
    state = replay(T0, "P2", _facts(("acknowledged", 5), ("resolved", 30), ("reopened", 40), ("restored", 50)),
                   pause_allowed=True)
    assert state.status == "restored" and state.at("acknowledged") == T0 + timedelta(minutes=5)


EVENTS = st.sampled_from(["acknowledged", "on_site", "restored", "resolved", "closed", "paused", "resumed",
                          "reopened", "priority_changed"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(EVENTS, st.integers(0, 500)), max_size=12))
def test_the_status_projection_agrees_with_the_replay_on_every_accepted_timeline(steps) -> None:  # type: ignore[no-untyped-def]
    facts = ordered(_facts(*((t, m, "because") for t, m in steps)))
    try:
        state = replay(T0, "P2", facts, pause_allowed=True)
    except ImpossibleEvent:
        return
    assert status_at(facts, T0 + timedelta(days=1))[0] == state.status
