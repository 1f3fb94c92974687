"""Ids: UUIDv7, and monotonic within a process (records made in one millisecond list in order)."""

from __future__ import annotations

import uuid

from fleet.db import _bump, new_id


def test_ids_made_in_one_burst_sort_in_the_order_they_were_made():
    ids = [new_id() for _ in range(5000)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)


def test_every_id_is_a_version_7_uuid_of_the_rfc_variant():
    for value in (uuid.UUID(new_id()) for _ in range(100)):
        assert value.version == 7 and value.variant == uuid.RFC_4122


def test_the_next_id_in_a_millisecond_keeps_the_time_version_and_variant():
    first = uuid.UUID(new_id()).int
    second = _bump(first)
    assert second > first and second >> 80 == first >> 80
    assert uuid.UUID(int=second).version == 7 and uuid.UUID(int=second).variant == uuid.RFC_4122
