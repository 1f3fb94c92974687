"""The status batch hash is canonical JSON of the batch, byte for byte, whatever the strings hold."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from fleet.canonical import canonical_json
from fleet.status_events import batch_sha256

_EVENT = st.fixed_dictionaries({
    "event_id": st.text(min_size=1, max_size=20),
    "unit_id": st.text(min_size=1, max_size=36),
    "state": st.sampled_from(["up", "down", "maintenance"]),
    "occurred_at": st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),
                                timezones=st.just(UTC)),
})


def _reference(events: list[dict[str, object]]) -> str:
    return hashlib.sha256(canonical_json([
        {"event_id": e["event_id"], "occurred_at": e["occurred_at"], "state": e["state"], "unit_id": e["unit_id"]}
        for e in events])).hexdigest()


@given(st.lists(_EVENT, max_size=8))
def test_the_batch_hash_is_the_sha256_of_the_canonical_json_of_the_events(events: list[dict[str, object]]) -> None:
    assert batch_sha256(events) == _reference(events)  # type: ignore[arg-type]


def test_quotes_backslashes_control_and_non_ascii_characters_hash_as_canonical_json() -> None:
    when = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    events = [{"event_id": 'a"b\\c\n\x01\u2028é', "unit_id": "ü-1", "state": "down", "occurred_at": when},
              {"event_id": "x", "unit_id": "u", "state": "up", "occurred_at": when + timedelta(microseconds=5)}]
    assert batch_sha256(events) == _reference(events)  # type: ignore[arg-type]
