"""The PostgreSQL speed-up behind :mod:`fleet.period`: a contract's status changes (each with
its event id) found by a recursive skip from change to change along the covering
``(unit_id, occurred_at, id)`` index, streamed in libpq chunks, and for a large fleet read over two
connections that share one exported snapshot. :func:`fleet.period.plain_changes` is the portable
reading (a ``lag()`` window) that gives the same rows on any database; a test checks both agree.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

import psycopg
from psycopg import sql as psql
from sqlalchemy import Connection, Engine, QueuePool
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from fleet.period import Changes, Period

#: PostgreSQL: the same changes, found by jumping from change to change instead of a ``lag()``
#: over every event. Per unit: its first event in the period, then, recursively, the first later
#: event (in ``(occurred_at, id)`` order) whose state differs from the current one: every event
#: in between repeats the current state, so these are exactly the rows ``lag()`` keeps. Each step
#: is one descent of the covering ``(unit_id, occurred_at, id) INCLUDE (state, recorded_at)``
#: index whose scan skips the repeats inside the index (no heap, no window, no sort of the events;
#: ``lag()`` costs PostgreSQL 15 ≈ 2 µs an event). The units of one batch advance together (one
#: recursion level per change), so a unit's rows come out in time order, and a unit with no next
#: change emits one closing row with a null ``occurred_at``: it is complete.
_PG_BATCH = """
{name}(unit_id, occurred_at, id, state) AS (
    SELECT first.* FROM unnest(%({units})s::varchar[]) AS u(unit_id) CROSS JOIN LATERAL (
        SELECT e.unit_id, e.occurred_at, e.id, e.state FROM status_events e
        WHERE e.unit_id = u.unit_id AND e.occurred_at >= %(start)s AND e.occurred_at < %(end)s
          AND e.recorded_at <= %(as_of)s
        ORDER BY e.occurred_at, e.id LIMIT 1) AS first
  UNION ALL
    SELECT c.unit_id, next.occurred_at, next.id, next.state FROM {name} c LEFT JOIN LATERAL (
        SELECT e.occurred_at, e.id, e.state FROM status_events e
        WHERE e.unit_id = c.unit_id AND (e.occurred_at, e.id) > (c.occurred_at, c.id) AND e.occurred_at < %(end)s
          AND e.state <> c.state AND e.recorded_at <= %(as_of)s
        ORDER BY e.occurred_at, e.id LIMIT 1) AS next ON true
    WHERE c.id IS NOT NULL
)"""




def _pg_changes(batches: int) -> str:
    """The batches one after another in one statement (``UNION ALL`` runs them in order), so the
    server computes the next batch while the client computes the units of the one it streamed."""
    ctes = ",".join(_PG_BATCH.format(name=f"batch{k}", units=f"units{k}") for k in range(batches))
    body = " UNION ALL ".join(f"SELECT unit_id, occurred_at, state, id FROM batch{k}" for k in range(batches))
    return f"WITH RECURSIVE {ctes}\n{body}"


def _pg_stream(driver: psycopg.Connection[Any], batches: list[list[str]], p: Period
               ) -> Iterator[tuple[str, Changes]]:
    params: dict[str, Any] = {"start": p.start, "end": p.end, "as_of": p.as_of}
    params.update({f"units{k}": batch for k, batch in enumerate(batches)})
    pending: dict[str, Changes] = {}
    with _bulk_read(driver), driver.cursor() as cursor:
        chunk = 2_000 if psycopg.pq.version() >= 170_000 else 1  # rows per libpq result (chunked mode: libpq 17)
        for uid, t, s, event_id in cursor.stream(_pg_changes(len(batches)), params, size=chunk):
            if t is None:  # the unit's closing row
                yield uid, pending.pop(uid)
            else:
                found = pending.get(uid)
                if found is None:
                    found = pending[uid] = ([], [])
                found[0].append((t, s))
                found[1].append(event_id)


PARALLEL_UNITS = 400
"""From this many units a contract's changes are read over two connections at once."""


def _second_connection(session: Session, driver: psycopg.Connection[Any]) -> Connection | None:
    """Another pooled connection reading the same snapshot as the session's, or None.

    The session's transaction exports its snapshot (``pg_export_snapshot()``) and the second
    connection imports it in a ``REPEATABLE READ`` transaction (``SET TRANSACTION SNAPSHOT``, as
    ``pg_dump --jobs`` does), so both halves read exactly the same committed record. None when the
    session is not on its own engine connection (tests run inside an outer transaction whose rows
    another connection cannot see), or when the pool has no idle connection to spare: a busy
    server is better served by one connection per request than by waiting for a second."""
    bind = session.get_bind()
    if not isinstance(bind, Engine) or session.in_nested_transaction():
        return None
    pool = bind.pool
    if isinstance(pool, QueuePool) and pool.checkedout() >= pool.size():
        return None
    snapshot = driver.execute("SELECT pg_export_snapshot()").fetchone()
    second = bind.connect()
    try:
        raw = cast(psycopg.Connection[Any], second.connection.driver_connection)
        if raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            raw.rollback()  # the import must be the new transaction's first statement
        raw.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        raw.execute(psql.SQL("SET TRANSACTION SNAPSHOT {}").format(psql.Literal(snapshot[0] if snapshot else "")))
    except BaseException:
        second.close()
        raise
    return second


#: Units per contract are read in this many batches (see :func:`_pg_changes`).
_BATCHES = 4


_BULK_READ = {"jit": "off", "work_mem": "'128MB'"}


@contextmanager
def _bulk_read(driver: psycopg.Connection[Any]) -> Iterator[None]:
    """PostgreSQL settings for reading a whole fleet's changes (these queries only): compiling
    them with JIT costs more than it saves, and the final sort of the changes stays in memory."""
    for name, value in _BULK_READ.items():
        driver.execute(f"SET LOCAL {name} = {value}")
    try:
        yield
    finally:
        for name in _BULK_READ:
            driver.execute(f"SET LOCAL {name} TO DEFAULT")


def stream_changes(session: Session, unit_ids: list[str], p: Period) -> Iterator[tuple[str, Changes]]:
    """``(unit_id, Changes)`` per unit that has changes in the period, each as soon as it is
    complete, in no particular order: :func:`_pg_changes` over :data:`_BATCHES` batches of units,
    streamed in libpq chunks, rows as plain tuples straight from the driver; a large read
    (:data:`PARALLEL_UNITS` units or more) runs half the batches on a second connection at the
    same time (:func:`_second_connection`), so the server's work, the bulk of the time, uses two
    cores."""
    driver = cast(psycopg.Connection[Any], session.connection().connection.driver_connection)
    size = -(-len(unit_ids) // _BATCHES)
    batches = [unit_ids[i:i + size] for i in range(0, len(unit_ids), size)]
    second = _second_connection(session, driver) if len(unit_ids) >= PARALLEL_UNITS and len(batches) > 1 else None
    if second is None:
        yield from _pg_stream(driver, batches, p)
        return
    half = len(batches) // 2
    found: queue.SimpleQueue[tuple[str, Changes] | BaseException | None] = queue.SimpleQueue()

    def other_half() -> None:
        try:
            other = cast(psycopg.Connection[Any], second.connection.driver_connection)
            for item in _pg_stream(other, batches[half:], p):
                found.put(item)
            found.put(None)
        except BaseException as exc:  # handed to the caller's thread, raised there
            found.put(exc)

    worker = threading.Thread(target=other_half, name="availability-changes", daemon=True)
    try:
        worker.start()
        yield from _pg_stream(driver, batches[:half], p)
        while (item := found.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        worker.join()
        second.close()  # back to the pool (its read-only transaction is rolled back)
