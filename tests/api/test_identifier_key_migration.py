"""The migration that adds the identifier keys (20261207_0002) on a database holding serials
that collide once case is ignored: the upgrade succeeds, the oldest keeps the plain key, the
later one gets a key suffixed with its id, and no row changes otherwise."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from api.migrate import alembic_config
from fleet.db import make_engine
from tests.builders import scratch_postgres_database

PG_URL = os.environ.get("SLATRACK_TEST_DATABASE_URL", "")


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path: Path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'keys.db'}"
        return
    if not PG_URL:
        pytest.skip("needs SLATRACK_TEST_DATABASE_URL (creates and drops a scratch database <name>_keys)")
    with scratch_postgres_database(PG_URL, "keys") as scratch:
        yield scratch


def test_colliding_serials_get_distinct_keys_and_the_upgrade_succeeds(url: str) -> None:
    config = alembic_config(url)
    command.upgrade(config, "20261202_0004")
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO agencies (id, code, name, timezone, created_at) VALUES "
                              "('a1', 'NAVFAC', 'n', 'UTC', '2026-01-01 00:00:00+00:00')"))
            conn.execute(text("INSERT INTO calendars (id, name, timezone, weekly_hours, holiday_country, "
                              "holiday_subdivision, closures, created_at) VALUES "
                              "('c1', 'c', 'UTC', '{}', NULL, NULL, '[]', '2026-01-01 00:00:00+00:00')"))
            conn.execute(text(
                "INSERT INTO contracts (id, agency_id, number, title, start_date, end_date, calendar_id, value, "
                "currency, point_of_contact, aql_percent, availability_target_percent, "
                "exclude_scheduled_maintenance, pause_allowed, warning_percent, ticket_seq, created_at) "
                "VALUES ('k1', 'a1', 'N-1', 't', '2026-01-01', '2026-12-31', 'c1', 1, 'USD', 'p', 90, 98, "
                "true, true, 75, 0, '2026-01-01 00:00:00+00:00')"))
            for uid, serial, day in [("u2", "rbt-7781", "02"), ("u1", "RBT-7781", "01"), ("u3", "OTHER", "03")]:
                conn.execute(text(
                    "INSERT INTO units (id, agency_id, contract_id, serial, model, site, in_service_at, created_at) "
                    f"VALUES ('{uid}', 'a1', 'k1', '{serial}', 'm', 's', '2026-01-01 00:00:00+00:00', "
                    f"'2026-01-{day} 00:00:00+00:00')"))
        command.upgrade(config, "head")
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, serial, serial_key FROM units ORDER BY id")).all()
            code_key = conn.execute(text("SELECT code_key FROM agencies")).scalar_one()
    finally:
        engine.dispose()
    assert [tuple(r) for r in rows] == [("u1", "RBT-7781", "rbt-7781"), ("u2", "rbt-7781", "rbt-7781#u2"),
                                        ("u3", "OTHER", "other")]
    assert code_key == "navfac"
