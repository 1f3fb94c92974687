"""List pages read in a fixed number of queries, however many rows they show (no N+1)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from tests.builders import add_event, make_ticket, make_unit
from tests.web.conftest import World


@contextmanager
def counted(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _add(session: Session, world: World, n: int) -> None:
    now = datetime.now(UTC)
    for i in range(n):
        unit = make_unit(session, contract=world.contract, in_service_at=now - timedelta(days=30))
        t = make_ticket(session, unit=unit, priority="P2", reported_at=now - timedelta(minutes=30 + i))
        add_event(session, t, "acknowledged", now - timedelta(minutes=20))
    session.flush()


def test_my_work_reads_the_same_number_of_queries_for_2_or_12_tickets(engineer: TestClient, world: World,
                                                                      session: Session, engine: Engine) -> None:
    engineer.get("/work")  # fills the per-process caches (the contract's calendar and targets) first
    with counted(engine) as few:
        assert engineer.get("/work").status_code == 200
    _add(session, world, 10)
    with counted(engine) as many:
        html = engineer.get("/work").text
    assert html.count('class="item ') == 12
    assert few and len(many) == len(few), (len(few), len(many))
