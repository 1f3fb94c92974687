"""Exports vs their JSON answers for a contract-year of 20,000 tickets, in process, on PostgreSQL.

    python bench/exports.py [--tickets 20000] [--runs 3]

Loads the contract of bench/compliance_http.py (200 units, tickets with 2–5 events, some pauses)
into a scratch database, then times, per kind, the JSON answer (the service's value projected by
``api/schemas`` + ``model_dump_json``) and the CSV and XLSX exports (:func:`reports.exports.export`:
the same service, then the table),
each with ``as_of`` given (computed every time) in its own read transaction. The difference is
what the projection costs.

2026-12-07 03:30 UTC, shared 2-core host under load (load average 12–13: other engineers' tests),
20,000 tickets and 88,072 events, medians of 3 runs (absolute figures inflated by the load):

    compliance    json 1.202 s   csv 1.234 s   xlsx 1.618 s
    availability  json 0.697 s   csv 0.628 s   xlsx 0.656 s
    tickets       json 6.043 s (14.1 MB)   csv 7.243 s (6.5 MB)   xlsx 19.511 s (2.7 MB)

The figures are the JSON's work; the CSV projection adds about 1 s for a year's 20,000-ticket list
(960,000 cells); XLSX adds XlsxWriter's ~10 µs per cell (13 s for that list, ~0.4 s of workbook
overhead for a small one). A month's export (the web link) is a twelfth of that.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._scratch import scratch_database
from bench.compliance_http import load

YEAR = {"start_date": date(2026, 1, 1), "end_date": date(2027, 1, 1)}


def timed(db: object, work: Callable[[object], int], runs: int) -> tuple[list[float], int]:
    timings, size = [], 0
    for _ in range(runs + 1):
        t0 = time.perf_counter()
        with db.transaction(write=False) as s:  # type: ignore[attr-defined]
            size = work(s)
        timings.append(time.perf_counter() - t0)
    return timings[1:], size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from api.schemas.sla import ComplianceOut, PeriodTicketsOut
    from api.schemas.uptime import ContractAvailabilityOut
    from fleet import period_tickets, sla_service, uptime
    from fleet.db import Database, make_engine
    from fleet.principal import SYSTEM
    from reports.exports import export

    with scratch_database("slt_bench_h_exports") as url:
        contract_id, _ = load(url, args.tickets)
        db = Database(make_engine(url))
        as_of = datetime.now(UTC)
        moments = {"at": None, "as_of": as_of}
        json_of: dict[str, Callable[[object], int]] = {
            "compliance": lambda s: len(ComplianceOut.model_validate(sla_service.contract_compliance(
                s, SYSTEM, contract_id, **YEAR, **moments)).model_dump_json()),
            "availability": lambda s: len(ContractAvailabilityOut.model_validate(uptime.contract_availability(
                s, SYSTEM, contract_id, **YEAR, **moments)).model_dump_json()),
            "tickets": lambda s: len(PeriodTicketsOut.model_validate(period_tickets.period_tickets(
                s, SYSTEM, contract_id, **YEAR, **moments)).model_dump_json()),
        }
        for kind, as_json in json_of.items():
            line = [f"{kind:12s}"]
            for label, work in [("json", as_json)] + [
                    (fmt, lambda s, k=kind, f=fmt: len(export(s, SYSTEM, k, f, contract_id, **YEAR, **moments).content))
                    for fmt in ("csv", "xlsx")]:
                timings, size = timed(db, work, args.runs)
                line.append(f"{label} median {statistics.median(timings):.3f} s ({size / 1e6:.2f} MB)")
            print("  ".join(line), flush=True)
        db.engine.dispose()


if __name__ == "__main__":
    main()
