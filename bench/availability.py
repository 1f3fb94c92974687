"""Benchmark: a year of availability for a 1,000-unit contract on PostgreSQL, against a full scan.

Usage: ``python bench/availability.py [--units 1000] [--events-per-unit 2000] [--churn] [--runs 5]
[--database slt_bench_availability] [--keep] [--revision head]``

Creates a scratch database (``--database``), migrates it (to ``--revision``: ``0001`` gives the
schema before the covering index of docs/SCALING.md, to compare), registers a contract with
``--units`` units, loads a year (2025) of status events with psycopg ``COPY`` (≈ 2,000,000 rows,
in time order as telemetry would deliver them; ``recorded_at`` a few seconds after
``occurred_at``), plus monthly contract-wide maintenance windows and unit-down tickets, runs
``VACUUM ANALYZE`` (what autovacuum does after a bulk load), then times
:func:`fleet.uptime.contract_availability` for the year with its monthly series and a plain
``SELECT count(*), max(occurred_at) FROM status_events`` full scan, and prints both and the
ratio (target: ≤ 2 s). The database is dropped at the end, unless ``--keep``: then it stays, and a
later ``--keep`` run with the same database and arguments reuses its data instead of loading again.

Telemetry mix per unit: a heartbeat ``up`` every few hours, about two outages a month (down for
1–12 hours), and a monthly ``maintenance`` spell. ``--churn`` makes every event a state change
instead (the worst case for the query: nothing for ``lag()`` to drop).

Quiet runs 2026-12-02 (nothing else running; the data loaded once, ``--keep``):
- one connection (as before), 00:29–00:33 UTC: medians 2.275, 1.945 and 2.193 s over 5/7/9 runs
  (best 1.751 s); CPU Python 0.77–0.85 s, PostgreSQL backend 1.75–1.99 s: the server's one
  backend is the critical path, and the 2 s target is met in one run of three.
- two connections reading one exported snapshot (``fleet.period_pg._second_connection``, from 400
  units), 00:35 and 00:40 UTC: medians 1.394 and 1.599 s over 9 runs (best 1.043 s); CPU Python
  0.62–0.78 s, the session's backend 0.87–0.93 s (the second backend's CPU is not counted here).
  Target ≤ 2 s: met (1.25–1.43x). Same figures: 98.204 %, 24,041 failures, MTBF 354.9249 h.
  Again at 01:08 UTC, in the half hour when pure-Python benches ran a third slower: median 1.512 s,
  best 1.284 s over 9 runs (freshly loaded data); CPU Python 0.69 s, session backend 0.91 s.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import random
import statistics
import sys
import time
from bisect import bisect_right
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg
from sqlalchemy import func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api.migrate import upgrade
from bench._scratch import ADMIN_DSN, scratch_database
from bench.ingest import setup
from fleet import tickets, uptime
from fleet.db import Database, make_engine
from fleet.models import Contract, StatusEvent, Unit
from fleet.principal import SYSTEM
from fleet.schemas.tickets import EventIn, TicketIn
from fleet.schemas.uptime import MaintenanceWindowIn

TARGET_SECONDS = 2.0
YEAR = datetime(2025, 1, 1, tzinfo=UTC)
YEAR_END = datetime(2026, 1, 1, tzinfo=UTC)


def unit_events(rng: random.Random, n: int, churn: bool) -> list[tuple[datetime, str]]:
    """About ``n`` status events for one unit over 2025, in time order."""
    span = (YEAR_END - YEAR).total_seconds()
    if churn:
        times = sorted(YEAR + timedelta(seconds=rng.uniform(0, span)) for _ in range(n))
        return [(t, ("down", "up", "maintenance", "up")[i % 4]) for i, t in enumerate(times)]
    changes: list[tuple[datetime, str]] = []
    for month in range(12):
        start = datetime(2025, month + 1, 1, tzinfo=UTC)
        for _ in range(2):
            down = start + timedelta(hours=rng.uniform(0, 24 * 27))
            changes += [(down, "down"), (down + timedelta(hours=rng.uniform(1, 12)), "up")]
        spell = start + timedelta(days=rng.uniform(0, 27))
        changes += [(spell, "maintenance"), (spell + timedelta(hours=4), "up")]
    changes.sort()
    times = [t for t, _ in changes]
    beats = n - len(changes)
    out = list(changes)
    for k in range(beats):  # each heartbeat repeats the state the unit is in
        t = YEAR + timedelta(seconds=span * (k + rng.random()) / beats)
        i = bisect_right(times, t)
        out.append((t, changes[i - 1][1] if i else "up"))
    out.sort()
    return out


def load(url: str, units: list[tuple[str, str]], per_unit: int, churn: bool) -> int:
    rng = random.Random(2025)
    rows: list[tuple[datetime, str, str, str]] = []
    for n, (unit_id, _) in enumerate(units):
        for k, (t, s) in enumerate(unit_events(rng, per_unit, churn)):
            rows.append((t, unit_id, f"{n}-{k}", s))
    rows.sort()
    agency = dict(units)
    buf = io.StringIO()
    for t, u, e, s in rows:
        buf.write(f"{agency[u]}\t{u}\t{e}\t{s}\t{t.isoformat()}\t{(t + timedelta(seconds=3)).isoformat()}\n")
    data = buf.getvalue().encode()
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as conn:
        with conn.cursor() as cur, cur.copy("COPY status_events (agency_id, unit_id, event_id, state, occurred_at, "
                                             "recorded_at) FROM STDIN") as cp:
            for i in range(0, len(data), 1 << 20):
                cp.write(data[i:i + (1 << 20)])
        conn.commit()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE status_events")
    return len(rows)


def add_tickets_and_windows(db: Database, contract_id: str, unit_ids: list[str], count: int) -> None:
    rng = random.Random(7)
    with db.transaction() as s:
        for month in range(1, 13):
            start = datetime(2025, month, 15, 2, tzinfo=UTC)
            uptime.create_window(s, SYSTEM, MaintenanceWindowIn(contract_id=contract_id, starts_at=start,
                                                                ends_at=start + timedelta(hours=2),
                                                                reason="monthly patching"))
        for _ in range(count):
            reported = YEAR + timedelta(hours=rng.uniform(0, 365 * 24 - 48))
            ticket = tickets.create_ticket(s, SYSTEM, TicketIn(unit_id=rng.choice(unit_ids), priority="P2",
                                                               summary="unit stopped", reported_at=reported,
                                                               unit_down=True))
            restored = reported + timedelta(hours=rng.uniform(1, 24))
            tickets.add_event(s, SYSTEM, ticket.id, EventIn(type="restored", occurred_at=restored))
            tickets.add_event(s, SYSTEM, ticket.id, EventIn(type="resolved",
                                                            occurred_at=restored + timedelta(hours=1)))


def backend_cpu(pid: int) -> float:
    """CPU seconds (user + system) a PostgreSQL backend on this machine has used; NaN if unreadable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def kept_database(name: str) -> Iterator[str]:
    """The database ``name``, created if missing and left in place afterwards (``--keep``)."""
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            conn.execute(f"CREATE DATABASE {name}")
    yield ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"


def prepare(url: str, args: argparse.Namespace) -> str:
    """Migrate, register and load (or, ``--keep`` with data already there, reuse): the contract id."""
    db = Database(make_engine(url))
    try:
        if args.keep:
            with db.transaction(write=False) as s, contextlib.suppress(Exception):
                contract_id = s.execute(select(Contract.id).where(Contract.number == "BENCH-1")).scalar_one()
                rows = s.execute(select(func.count()).select_from(StatusEvent)).scalar_one()
                if rows:
                    print(f"reusing {rows:,} status events in the kept database; {date.today()}")
                    return contract_id
        upgrade(url, args.revision)
        units, _ = setup(url, args.units)
        with db.transaction() as s:
            contract_id = s.get_one(Unit, units[0][0]).contract_id
        add_tickets_and_windows(db, contract_id, [u for u, _ in units], args.tickets)
        t0 = time.perf_counter()
        rows = load(url, units, args.events_per_unit, args.churn)
        print(f"{rows:,} status events for {len(units):,} units in 2025 loaded by COPY in "
              f"{time.perf_counter() - t0:.1f} s ({'churn: every event a change' if args.churn else 'realistic mix'})"
              f", {args.tickets} unit-down tickets, 12 maintenance windows; schema at revision {args.revision}; "
              f"{date.today()}")
        return contract_id
    finally:
        db.engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=1_000)
    ap.add_argument("--events-per-unit", type=int, default=2_000)
    ap.add_argument("--tickets", type=int, default=300)
    ap.add_argument("--churn", action="store_true", help="every event a state change (worst case)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--database", default="slt_bench_availability", help="scratch database name")
    ap.add_argument("--keep", action="store_true", help="keep the database (and reuse its data next time)")
    ap.add_argument("--revision", default="head", help="migrate to this revision (0001: before the covering index)")
    args = ap.parse_args()

    with (kept_database if args.keep else scratch_database)(args.database) as url:
        contract_id = prepare(url, args)
        db = Database(make_engine(url))
        times, client_cpu, server_cpu = [], [], []
        for _ in range(args.runs):
            with db.transaction(write=False) as s:
                backend = s.execute(text("SELECT pg_backend_pid()")).scalar_one()
                b0, c0, t0 = backend_cpu(backend), time.process_time(), time.perf_counter()
                result = uptime.contract_availability(s, SYSTEM, contract_id, start_date=date(2025, 1, 1),
                                                      end_date=date(2026, 1, 1))
                times.append(time.perf_counter() - t0)
                client_cpu.append(time.process_time() - c0)
                server_cpu.append(backend_cpu(backend) - b0)
        scans = []
        for _ in range(args.runs):
            with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
                t0 = time.perf_counter()
                count, latest = conn.execute("SELECT count(*), max(occurred_at) FROM status_events").fetchone() \
                    or (0, None)
                scans.append(time.perf_counter() - t0)
        db.engine.dispose()

    best, med = min(times), statistics.median(times)
    scan = statistics.median(scans)
    print(f"fleet availability {result.availability_percent:.3f} % (target {result.target_percent} %, passed "
          f"{result.passed}), {result.failures:,} failures, MTBF {result.mtbf_hours} h, MTTR {result.mttr_hours} h, "
          f"{len(result.units)} units, {len(result.monthly)} months")
    print(f"contract_availability, year + monthly series: median {med:.3f} s, best {best:.3f} s over {args.runs} runs "
          f"(target ≤ {TARGET_SECONDS:.0f} s: {'met' if med <= TARGET_SECONDS else 'NOT met'})")
    if all(c == c for c in server_cpu):
        print(f"CPU seconds, median: Python {statistics.median(client_cpu):.3f}, PostgreSQL backend "
              f"{statistics.median(server_cpu):.3f} (on a loaded machine the wall time is several times the CPU time; "
              f"{os.getloadavg()[0]:.1f} load average now)")
    print(f"all runs (s): {', '.join(f'{t:.3f}' for t in times)}")
    print(f"full scan SELECT count(*), max(occurred_at): median {scan:.3f} s ({count:,} rows, latest {latest})")
    print(f"ratio: availability takes {med / scan:.1f}x a full scan of the table")


if __name__ == "__main__":
    main()
