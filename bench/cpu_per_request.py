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
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._scratch import scratch_database
from bench.load import MIX, Client, Stats, load


async def measure(app: object, seed: object, *, requests: int, profile: str | None,
                  only: list[str] | None = None) -> dict[str, float]:
    results: dict[str, float] = {}
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
            t0 = time.process_time()
            if prof:
                prof.enable()
            for _ in range(requests):
                await one()
            if prof:
                prof.disable()
            results[name] = (time.process_time() - t0) / requests * 1000
            print(f"  {name:<20}{results[name]:>7.1f} ms", flush=True)
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
                                          only=args.only))
        finally:
            app.state.db.engine.dispose()
    print(f"\nserver CPU per request, 1 process, sequential, {args.requests} requests each "
          f"(load average {os.getloadavg()[0]:.1f}):")
    weights = dict(MIX)
    for name, ms in results.items():
        print(f"  {name:<20}{ms:>7.1f} ms")
    if len(results) < len(weights):
        return
    mean = sum(results[n] * w for n, w in weights.items()) / sum(weights.values())
    print(f"  {'mix (weighted)':<20}{mean:>7.1f} ms  → {1000 / mean:.0f} requests/s per core for the server alone")


if __name__ == "__main__":
    main()
