"""CPU per request, by endpoint, in one process (the least noisy measure on a busy machine).

    python bench/cpu_per_request.py [--requests 200] [--profile ENDPOINT] [--db-name slatrack_bench_cpu]

Seeds a scratch PostgreSQL database as bench/load.py does, builds the app in this process and sends
``--requests`` sequential requests per endpoint of the load mix through ``httpx.ASGITransport``
(the whole ASGI stack, middleware, dependencies and the thread pool included; no sockets), and
prints the process CPU time (user + system, ``time.process_time``) per request for each endpoint.
PostgreSQL's own CPU is not included; the in-process httpx client's is (well under 1 ms).
``--profile "GET ticket"`` prints a cProfile of that endpoint's event-loop thread (the sync
handlers run in worker threads: for them use ``py-spy record --gil -f raw -- python bench/...``).

Figures (2026-12-01, 150 requests each, 2 CPUs shared with other jobs, load average 2-4.5), ms:

    endpoint            before  key cache  + own JSON  + idle ping
    GET ticket            13.6       11.9         8.7         7.8
    GET tickets           14.4       14.5         9.4         8.4
    GET ticket sla        16.7       17.0        13.1        11.4
    GET compliance        27.0       24.0        23.0        22.8
    GET availability      63.4       61.6        54.4        53.5
    GET units             10.5        9.2         7.3         7.6
    GET unit              11.5        6.2         5.0         5.4
    POST ticket           21.7       15.8        15.8        15.6
    POST event            22.7       15.4        17.0        16.7
    POST status-events    15.2       11.2        11.2        10.5
    mix (weighted)        19.7       16.8        14.6        14.0

"key cache": the per-process API key cache (api/deps.py, fleet/identity.py); "own JSON": hot read
handlers return their model's JSON, no second validation (api/routers); "idle ping": the pool
pings only connections idle over 2 s (fleet/db.py). Run to run noise is about ±1 ms.

Issue 8, second round (2026-12-01 23:04-23:57 UTC, 2 CPUs shared with the lead's ingest bench and
test suites, load average 2.6-6; at load ≥ 4 single endpoints move by ±30 % run to run, so the
"main" and "branch" columns are runs of the same bench made back to back, alternating):

    endpoint            main 23:04  main¹  branch¹  main² branch²  main³ branch³
    GET ticket               10.2    8.3      7.0   10.9    5.7    10.4    6.4
    GET tickets              10.1    7.6      7.4    9.7    6.5    10.9    8.4
    GET ticket sla           15.4   16.1     13.9   15.5   15.3    11.8   13.5
    GET compliance           28.6   24.3     27.6   23.0   25.8    23.3   24.9
    GET availability         62.8   51.2     43.3   56.9   43.7    51.2   39.5
    GET units                 9.7    7.0      7.0    9.6    6.5     7.5    7.0
    GET unit                  6.3    2.9      4.7    7.5    4.0     3.3    5.4
    POST ticket              18.5   17.2     10.2   19.4    8.5    15.5    9.3
    POST event               19.0   18.0     11.2   18.3   10.6    20.6   13.2
    POST status-events       13.7   12.3      9.5   13.8    8.0    11.9   10.4
    mix (weighted)           17.1   14.8     12.3   16.6   11.6    15.0   12.1

"main 23:04": this bench on main before the work (load 3.3; the client's failed ``import sniffio``
per request still counted, ≈ 0.5-1 ms on every row). ¹: this bench, fresh database each, load 5.6
and 6.0. ²,³: the same requests (100 each) against one long-lived seeded database
(/tmp harness, same ``measure``), load 4.3-5.9. What changed on the branch: writes without
unit-of-work flushes (idempotency claim = one ``INSERT … ON CONFLICT DO NOTHING RETURNING``;
audit append, ticket and event inserts, projection update as prebuilt Core statements; the
ticket's unit and the event's ticket + ``pause_allowed`` in one query each); ticket detail in
three prebuilt queries validated once; lists as column dicts validated as one page;
availability's ticket downtime from one join of only the stop events, a one-month period sliced
once, one validation of the answer; every hot handler ``async`` with its work and its commit in
one thread-pool trip (``api.deps.in_thread``), the cached principal and the session opened
without one. Compliance and the ticket SLA (fleet/sla_service.py, the lead's) are unchanged.

Quiet run after the merge (2026-12-02 00:43 UTC, 150 requests each), ms: GET ticket 4.1, GET
tickets 5.4, GET ticket sla 9.0, GET compliance 18.6, GET availability 39.1, GET units 5.5, GET
unit 3.4, POST ticket 8.1, POST event 8.6, POST status-events 7.0; mix (weighted) 9.1 (14.0 the
evening before).

Issue 8, third round (2026-12-02, quiet machine, 100–150 requests each; this VM's speed drifts by
about ±20 % within minutes, so single rows move by that much between runs). Now with PostgreSQL's
CPU per request too (its backends', read from /proc), server / PostgreSQL, ms:

    endpoint            01:54 before   02:04 answer cache   03:00 all of this round
    GET ticket             2.6 / 0.3        2.5 / 0.2           3.9 / 0.5
    GET tickets            2.6 / 0.6        2.5 / 0.7           3.0 / 0.7
    GET ticket sla         5.2 / 0.5        4.4 / 0.4           3.9 / 0.5
    GET compliance         8.1 / 3.0        2.3 / 0.1           2.8 / 0.3
    GET availability      17.2 / 9.8        2.4 / 0.3           2.9 / 0.1
    GET units              2.2 / 0.2        2.1 / 0.2           3.0 / 0.2
    GET unit               1.8 / 0.2        1.7 / 0.1           1.9 / 0.1
    POST ticket            3.4 / 0.8        3.1 / 0.9           4.3 / 1.1
    POST event             4.3 / 1.1        4.0 / 0.9           5.0 / 1.2
    POST status-events     3.4 / 1.4        3.1 / 1.2           3.8 / 1.5
    mix (weighted)         4.4 / 1.3        2.9 / 0.5           3.6 / 0.6

Compliance and availability here ask for March as the record stands now, so after the first
request they come from the answer cache (fleet/answers.py): the cost of a kept answer (one
ledger check, the contract, its time zone, the JSON). The 03:00 column ran in a slower spell
(GET ticket 3.9 against 2.5; the ticket SLA, faster despite it, gained from the per-process
calendar and target versions). Back-to-back A/B of the prebuilt ``get_scoped`` statement:
GET unit 2.3 → 1.95 ms, GET compliance 3.4 → 3.1 ms (server).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._scratch import scratch_database
from bench.load import MIX, Client, Stats, _cpu_seconds, load, postgres_pids

# httpx's ASGITransport runs ``import sniffio`` on every request to see whether it runs under trio;
# sniffio is not installed, so each request paid a failed import (a search of sys.path, ≈ 0.5 ms):
# client CPU, not the server's. Mark it absent once.
sys.modules.setdefault("sniffio", None)  # type: ignore[assignment]


async def measure(app: object, seed: object, *, requests: int, profile: str | None,
                  only: list[str] | None = None,
                  backends: Callable[[], list[int]] | None = None) -> dict[str, tuple[float, float]]:
    """{endpoint: (this process's CPU ms per request, PostgreSQL backends' CPU ms per request)}."""
    results: dict[str, tuple[float, float]] = {}
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
        for i, (name, _) in enumerate(MIX):
            if only and name not in only:
                continue
            client = Client(i, "", seed, Stats(), random.Random(i))  # type: ignore[arg-type]

            async def one(c: Client = client, n: str = name) -> None:
                got, method, url, kwargs = c.request(n)
                headers = {**c.headers, **kwargs.pop("headers", {})}
                resp = await http.request(method, url, headers=headers, **kwargs)
                if resp.status_code >= 300:
                    raise RuntimeError(f"{n}: {resp.status_code} {resp.text[:300]}")
                if got == "POST ticket":
                    body = resp.json()
                    from datetime import datetime
                    c.mine.append([body["id"], datetime.fromisoformat(body["reported_at"]), 0])

            if name == "POST event":  # each ticket takes 4 events: make enough tickets first
                for _ in range(requests // 4 + 1):
                    await one(n="POST ticket")
            for _ in range(10):  # warm-up
                await one()
            prof = cProfile.Profile() if profile == name else None
            pids = backends() if backends else []
            pg0, t0 = _cpu_seconds(pids), time.process_time()
            if prof:
                prof.enable()
            for _ in range(requests):
                await one()
            if prof:
                prof.disable()
            results[name] = ((time.process_time() - t0) / requests * 1000,
                             (_cpu_seconds(pids) - pg0) / requests * 1000)
            print(f"  {name:<20}{results[name][0]:>7.1f} ms  (PostgreSQL {results[name][1]:.1f} ms)", flush=True)
            if prof:
                pstats.Stats(prof).sort_stats("cumulative").print_stats(60)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--tickets", type=int, default=5000)
    parser.add_argument("--profile", default=None, help="endpoint name from the mix, e.g. 'GET ticket'")
    parser.add_argument("--only", action="append", help="measure only this endpoint (repeatable)")
    parser.add_argument("--db-name", default="slatrack_bench_cpu")
    args = parser.parse_args()
    with scratch_database(args.db_name) as url, tempfile.TemporaryDirectory() as data_dir:
        seed = load(url, units=args.units, tickets=args.tickets)
        os.environ.update({"SLATRACK_DATABASE_URL": url, "SLATRACK_DATA_DIR": data_dir,
                           "SLATRACK_SECRET_KEY": "bench", "SLATRACK_LOG_LEVEL": "WARNING"})
        from api.app import create_app
        from api.settings import Settings

        app = create_app(Settings())  # type: ignore[call-arg]
        try:
            results = asyncio.run(measure(app, seed, requests=args.requests, profile=args.profile,
                                          only=args.only, backends=lambda: postgres_pids(url)))
        finally:
            app.state.db.engine.dispose()
    print(f"\nserver CPU per request, 1 process, sequential, {args.requests} requests each "
          f"(load average {os.getloadavg()[0]:.1f}):")
    weights = dict(MIX)
    print(f"  {'endpoint':<20}{'server':>8}{'postgres':>10}{'both':>8}  (ms)")
    for name, (ms, pg) in results.items():
        print(f"  {name:<20}{ms:>8.1f}{pg:>10.1f}{ms + pg:>8.1f}")
    if len(results) < len(weights):
        return
    total = sum(weights.values())
    mean = sum(results[n][0] * w for n, w in weights.items()) / total
    pg_mean = sum(results[n][1] * w for n, w in weights.items()) / total
    print(f"  {'mix (weighted)':<20}{mean:>8.1f}{pg_mean:>10.1f}{mean + pg_mean:>8.1f}"
          f"  → {1000 / (mean + pg_mean):.0f} requests/s per core, server and PostgreSQL")


if __name__ == "__main__":
    main()
