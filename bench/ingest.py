"""Benchmark: status events through ``POST /api/v1/status-events`` on PostgreSQL, against COPY.

Usage: ``python bench/ingest.py [--events 1000000] [--units 1000] [--batch 5000] [--clients 4] [--workers 2]
[--database slt_bench_ingest] [--revision head]``

Creates a scratch database (``--database``), migrates it (to ``--revision``; ``0001`` is the
status_events schema before the covering index of docs/SCALING.md), registers a contract with
``--units`` units and a telemetry key, starts the real server (``uvicorn api.asgi:app --workers
2``) on a free loopback port, and posts ``--events`` events in batches of ``--batch`` from
``--clients`` concurrent httpx clients (the bodies are serialised before the clock starts: the
figure is the server's). Then it empties the table and loads the same rows with psycopg ``COPY``
(one connection, then ``--workers`` connections at once): the better is the ceiling. Prints
events/s for both and the ratio (targets: ≥ 25,000 events/s over HTTP and ≥ 25 % of COPY). The
database is dropped at the end.

It also prints the CPU the server processes and the PostgreSQL backends used per event.

Quiet runs, 2026-12-02 00:12 and 00:27 UTC (nothing else running, 2 CPUs), revision 20261201_0003
(no foreign key to units, no agency_id index) and the JSON-array insert:
- 33,120 events/s over HTTP (p50 598 ms a batch), COPY 46,815 / 78,164 rows/s (1 / 2
  connections): HTTP = 42 % of the best COPY; server 23.7 µs/event, PostgreSQL 21.3 µs/event.
- 31,712 events/s (p50 613 ms), COPY 42,048 / 75,271 rows/s: 42 %; server 24.0, PostgreSQL 29.7 µs/event.
Targets 25,000/s and 25 %: met (1.27–1.32x). The same bench on revision 0002 the evening before:
23,370–24,883 events/s. Under load (another job's test suite taking a core), 2026-12-01 23:15:
25,420 events/s with the server and PostgreSQL getting 1.14 cores between them.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import queue
import statistics
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api.migrate import upgrade
from bench._scratch import scratch_database, server
from bench.load import _cpu_seconds, postgres_pids, server_pids
from fleet import identity, registry
from fleet.db import Database, make_engine
from fleet.principal import SYSTEM
from fleet.schemas.registry import AgencyIn, CalendarIn, ContractIn, UnitIn

TARGET_RATE = 25_000
TARGET_RATIO = 0.25
IN_SERVICE = datetime(2024, 1, 1, tzinfo=UTC)
YEAR_START = datetime(2025, 1, 1, tzinfo=UTC)
STATES = ("up",) * 6 + ("down", "up", "maintenance", "up")


def setup(url: str, units: int) -> tuple[list[tuple[str, str]], str]:
    """A contract with ``units`` units and a telemetry key: [(unit_id, agency_id)], token."""
    db = Database(make_engine(url))
    with db.transaction() as s:
        agency = registry.create_agency(s, SYSTEM, AgencyIn(code="BENCH", name="Bench agency", timezone="UTC"))
        cal = registry.create_calendar(s, SYSTEM, CalendarIn(name="24x7", timezone="UTC", weekly_hours={
            d: [("00:00", "24:00")] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}, holiday_country=None))
        contract = registry.create_contract(s, SYSTEM, ContractIn.model_validate({
            "agency_id": agency.id, "number": "BENCH-1", "title": "Bench fleet", "start_date": "2025-01-01",
            "end_date": "2025-12-31", "calendar_id": cal.id, "value": "1000000.00", "currency": "USD",
            "point_of_contact": "bench", "aql_percent": "95", "availability_target_percent": "98",
            "exclude_scheduled_maintenance": True, "pause_allowed": False,
            "sla_targets": [{"priority": "P1", "metric": "response", "minutes": 60, "clock": "24x7"}]}))
        ids = [(registry.create_unit(s, SYSTEM, UnitIn(contract_id=contract.id, serial=f"BN-{i:05d}", model="X2",
                                                       site="Pier", in_service_at=IN_SERVICE)).id, agency.id)
               for i in range(units)]
        _, token = identity.create_key(s, SYSTEM, role="telemetry", name="bench telemetry")
    db.engine.dispose()
    return ids, token


def events(units: list[tuple[str, str]], total: int) -> list[tuple[str, str, str, str]]:
    """(unit_id, event_id, state, occurred_at) spread over 2025, unit-interleaved like a fleet gateway's."""
    per_unit = -(-total // len(units))
    step = timedelta(days=365) / per_unit
    out: list[tuple[str, str, str, str]] = []
    for k in range(per_unit):
        when = (YEAR_START + step * k).isoformat().replace("+00:00", "Z")
        for n, (unit_id, _) in enumerate(units):
            out.append((unit_id, f"{n}-{k}", STATES[(k + n) % len(STATES)], when))
            if len(out) == total:
                return out
    return out


def bodies(evs: list[tuple[str, str, str, str]], batch: int) -> list[bytes]:
    return [json.dumps({"events": [{"event_id": e, "unit_id": u, "state": s, "occurred_at": t}
                                   for u, e, s, t in evs[i:i + batch]]}).encode()
            for i in range(0, len(evs), batch)]


def post_all(base: str, token: str, payloads: list[bytes], clients: int) -> tuple[float, int, int, list[float]]:
    work: queue.Queue[bytes] = queue.Queue()
    for p in payloads:
        work.put(p)
    accepted = duplicates = 0
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    headers = {"Authorization": f"Bearer {token}", "content-type": "application/json"}

    def client() -> None:
        nonlocal accepted, duplicates
        with httpx.Client(base_url=base, headers=headers, timeout=120) as c:
            while True:
                try:
                    body = work.get_nowait()
                except queue.Empty:
                    return
                t0 = time.perf_counter()
                r = c.post("/api/v1/status-events", content=body)
                dt = time.perf_counter() - t0
                with lock:
                    latencies.append(dt)
                    if r.status_code != 200:
                        errors.append(f"{r.status_code} {r.text[:300]}")
                        continue
                    accepted += r.json()["accepted"]
                    duplicates += r.json()["duplicates"]

    threads = [threading.Thread(target=client) for _ in range(clients)]
    t0 = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - t0
    if errors:
        raise SystemExit(f"{len(errors)} requests failed, first: {errors[0]}")
    return elapsed, accepted, duplicates, latencies


def copy_ceiling(url: str, evs: list[tuple[str, str, str, str]], units: list[tuple[str, str]],
                 streams: int) -> float:
    """Empty the table, then COPY the same rows in over ``streams`` connections at once (text COPY
    data prepared before the clock starts; each stream one transaction). Returns seconds."""
    agency = dict(units)
    recorded = datetime.now(UTC).isoformat()
    chunks = []
    for k in range(streams):
        buf = io.StringIO()
        for u, e, s, t in evs[k::streams]:
            buf.write(f"{agency[u]}\t{u}\t{e}\t{s}\t{t}\t{recorded}\n")
        chunks.append(buf.getvalue().encode())
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("TRUNCATE status_events")
        conn.execute("CHECKPOINT")

    def copy(data: bytes) -> None:
        with psycopg.connect(dsn) as conn:
            with conn.cursor() as cur, cur.copy("COPY status_events (agency_id, unit_id, event_id, state, "
                                                 "occurred_at, recorded_at) FROM STDIN") as cp:
                for i in range(0, len(data), 1 << 20):
                    cp.write(data[i:i + (1 << 20)])
            conn.commit()

    threads = [threading.Thread(target=copy, args=(c,)) for c in chunks]
    t0 = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return time.perf_counter() - t0


def count_rows(url: str) -> int:
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        row = conn.execute("SELECT count(*) FROM status_events").fetchone()
        return int(row[0]) if row else 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--units", type=int, default=1_000)
    ap.add_argument("--batch", type=int, default=5_000)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--database", default="slt_bench_ingest", help="scratch database name")
    ap.add_argument("--revision", default="head", help="migrate to this revision (0001: before the covering index)")
    args = ap.parse_args()

    with scratch_database(args.database) as url:
        upgrade(url, args.revision)
        units, token = setup(url, args.units)
        evs = events(units, args.events)
        payloads = bodies(evs, args.batch)
        print(f"{len(evs):,} events for {len(units):,} units in {len(payloads)} batches of {args.batch:,}; "
              f"{args.clients} clients, {args.workers} server workers; "
              f"schema at revision {args.revision}; {date.today()}")
        parent: list[int] = []
        with server(url, workers=args.workers, pids=parent) as base:
            warm = json.dumps({"events": []}).encode()
            post_all(base, token, [warm] * (args.workers * 2), args.clients)
            procs = (server_pids(parent[0]), postgres_pids(url))
            cpu0 = (_cpu_seconds(procs[0]), _cpu_seconds(procs[1]), time.process_time())
            elapsed, accepted, duplicates, latencies = post_all(base, token, payloads, args.clients)
            cpu = (_cpu_seconds(procs[0]) - cpu0[0], _cpu_seconds(procs[1]) - cpu0[1], time.process_time() - cpu0[2])
        stored = count_rows(url)
        assert accepted == stored == len(evs) and duplicates == 0, (accepted, duplicates, stored)
        http_rate = accepted / elapsed
        lat = sorted(latencies)
        p50, p95 = statistics.median(lat) * 1000, lat[int(len(lat) * .95)] * 1000
        print(f"HTTP : {accepted:,} events in {elapsed:.2f} s = {http_rate:,.0f} events/s "
              f"(batch latency p50 {p50:.0f} ms, p95 {p95:.0f} ms)"
              f"  target {TARGET_RATE:,}: {http_rate / TARGET_RATE:.2f}x")
        per = [c / accepted * 1e6 for c in cpu]
        print(f"CPU  : server {per[0]:.1f} µs/event ({cpu[0] / elapsed:.2f} cores), PostgreSQL {per[1]:.1f} µs/event "
              f"({cpu[1] / elapsed:.2f} cores), clients {per[2]:.1f} µs/event; {os.cpu_count()} CPUs")
        rates = {}
        for streams in sorted({1, args.workers}):
            copy_s = copy_ceiling(url, evs, units, streams)
            rates[streams] = len(evs) / copy_s
            print(f"COPY : {len(evs):,} rows in {copy_s:.2f} s = {rates[streams]:,.0f} rows/s "
                  f"({streams} connection{'s' if streams > 1 else ''} at once)")
        copy_rate = max(rates.values())
        assert count_rows(url) == len(evs)
        ratio = http_rate / copy_rate
        print(f"ratio: HTTP is {ratio:.0%} of the best COPY ({copy_rate:,.0f} rows/s)  (target ≥ {TARGET_RATIO:.0%}: "
              f"{'met' if ratio >= TARGET_RATIO else 'NOT met'}; "
              f"{'met' if http_rate >= TARGET_RATE else 'NOT met'} for {TARGET_RATE:,} events/s)")


if __name__ == "__main__":
    main()
