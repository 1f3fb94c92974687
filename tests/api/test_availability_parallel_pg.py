"""A large availability read on PostgreSQL splits its status-change query over two connections
reading one exported snapshot; the figures are exactly those of the one-connection read.

Needs committed rows (a second connection cannot see a rolled-back test's data), so it runs in
its own scratch database ``<name>_avpar``, created, migrated and dropped here.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from api.migrate import upgrade
from fleet import period, period_pg, uptime
from fleet.db import Database, make_engine
from fleet.principal import SYSTEM
from tests.builders import (
    add_event,
    add_status,
    make_contract,
    make_ticket,
    make_unit,
    make_window,
    scratch_postgres_database,
)

pytestmark = pytest.mark.postgres

PG_URL = os.environ.get("SLATRACK_TEST_DATABASE_URL", "")
START = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[Database, str, datetime]]:
    if not PG_URL.startswith("postgresql"):
        pytest.skip("parallel availability test needs PostgreSQL: set SLATRACK_TEST_DATABASE_URL")
    with scratch_postgres_database(PG_URL, "avpar") as url:
        upgrade(url)
        db = Database(make_engine(url, pool_size=4))
        rnd = random.Random(5)
        with db.transaction() as s:
            contract = make_contract(s)
            for n in range(12):
                unit = make_unit(s, contract=contract, in_service_at=START + timedelta(days=n))
                when = START + timedelta(days=n, hours=1)
                for _ in range(60):
                    when += timedelta(hours=rnd.randrange(1, 30))
                    add_status(s, unit, when, rnd.choice(["up", "up", "down", "maintenance"]))
                if n % 4 == 0:
                    ticket = make_ticket(s, unit=unit, reported_at=START + timedelta(days=20, hours=n))
                    add_event(s, ticket, "restored", START + timedelta(days=21, hours=n))
            make_window(s, contract=contract, starts_at=START + timedelta(days=30), ends_at=START + timedelta(days=31))
            contract_id = contract.id
        try:
            yield db, contract_id, datetime.now(UTC)  # as of just after the commit: every row on record
        finally:
            db.engine.dispose()


def _availability(world: tuple[Database, str, datetime]) -> dict[str, Any]:
    db, contract_id, as_of = world
    with db.transaction(write=False) as s:
        out = uptime.contract_availability(s, SYSTEM, contract_id, start_date=date(2026, 1, 1),
                                           end_date=date(2026, 4, 1), at=None, as_of=as_of)
    return asdict(out)


def test_the_two_connection_read_gives_the_one_connection_figures(world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    db = world[0]
    taken: list[bool] = []
    real = period_pg._second_connection

    def spy(session, driver):  # type: ignore[no-untyped-def]
        second = real(session, driver)
        taken.append(second is not None)
        return second

    monkeypatch.setattr(period_pg, "_second_connection", spy)
    monkeypatch.setattr(period_pg, "PARALLEL_UNITS", 10**9)
    alone = _availability(world)
    assert taken == []
    monkeypatch.setattr(period_pg, "PARALLEL_UNITS", 2)
    split = _availability(world)
    assert taken == [True]
    assert split == alone
    assert alone["failures"] > 0 and len(alone["units"]) == 12 and alone["downtime_minutes"] > 0
    assert db.engine.pool.checkedout() == 0  # the second connection went back to the pool


def test_with_no_idle_connection_to_spare_the_read_stays_on_one_connection(world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    db = world[0]
    monkeypatch.setattr(period_pg, "PARALLEL_UNITS", 2)
    expected = _availability(world)
    held = [db.engine.connect() for _ in range(db.engine.pool.size())]
    try:
        seen: list[object] = []
        real = period_pg._second_connection
        monkeypatch.setattr(period_pg, "_second_connection", lambda s, d: seen.append(real(s, d)) or seen[-1])
        assert _availability(world) == expected
        assert seen == [None]
    finally:
        for c in held:
            c.close()


def test_an_error_on_the_second_connection_is_raised_and_both_are_released(world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    db = world[0]
    monkeypatch.setattr(period_pg, "PARALLEL_UNITS", 2)
    real = period_pg._pg_stream
    calls: list[int] = []

    def failing(driver, batches, p):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 2:  # the second connection's half
            raise RuntimeError("connection lost")
        yield from real(driver, batches, p)

    monkeypatch.setattr(period_pg, "_pg_stream", failing)
    with pytest.raises(RuntimeError, match="connection lost"):
        _availability(world)
    assert db.engine.pool.checkedout() == 0


def test_the_period_record_is_the_same_read_plainly_or_with_the_postgresql_speed_ups(world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    db, contract_id, as_of = world
    from fleet.models import Contract

    taken: list[bool] = []
    real = period_pg._second_connection
    monkeypatch.setattr(period_pg, "_second_connection", lambda s, d: taken.append(True) or real(s, d))
    monkeypatch.setattr(period_pg, "PARALLEL_UNITS", 2)
    with db.transaction(write=False) as s:
        contract = s.get_one(Contract, contract_id)
        p = period.period(date(2026, 1, 1), date(2026, 4, 1), "America/New_York", at=None, as_of=as_of)
        fast = period.read(s, contract, p, ratings=True, work_logs=True)
        plain = period.read(s, contract, p, plain=True, ratings=True, work_logs=True)
    assert taken == [True]  # the fast read went over two connections
    assert fast.facts == plain.facts
    assert (fast.units, fast.windows, fast.down, fast.tickets) == (plain.units, plain.windows, plain.down,
                                                                   plain.tickets)
    assert sum(len(u.changes) for u in fast.facts) > 100 and all(len(u.change_ids) == len(u.changes)
                                                                 for u in fast.facts)
    assert fast.tickets and fast.windows and len(fast.units) == 12
