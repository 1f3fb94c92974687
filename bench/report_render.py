"""Benchmark: a contract_review of a big fleet, through render and issue.

Usage: ``python bench/report_render.py [--units 500] [--tickets 20000] [--months 12] [--no-sign]``

Targets (issue 6): ≤ 20 s in total including gather, ≤ 1.5 GB peak memory.

Phases, timed separately:

- **build**: synthetic report data (``tests/reports/samples.py``) standing in for *gather*,
  which comes in a later round; real gather cost (database reads + SLA/availability maths)
  will replace this line.
- **data**: canonical ``report-data.json`` and its SHA-256.
- **render**: HTML, charts and CSV attachments here, then WeasyPrint (PDF/A-3b, tagged) in a
  worker process with the production limits (120 s, 1536 MB address space).
- **issue**: sign (PAdES, demo key) and register the PDF in a scratch SQLite database, with its
  audit entry (the already-rendered PDF is handed in, so render is not counted twice).

Peak memory is the maximum resident set of this process and of the render worker.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TARGET_S = 20.0
TARGET_MB = 1536


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    # Imported here, not at module level: the render worker (forkserver) re-imports this script
    # as ``__mp_main__``, and should not pay for the database and sample-data imports.
    import pypdf

    from api.migrate import upgrade
    from fleet.db import Database, make_engine
    from fleet.principal import SYSTEM
    from reports.compose import render_report
    from reports.data import data_sha256, report_data_json
    from reports.issue import issue_report
    from reports.pdf import render_in_worker
    from reports.signing import SigningKey, make_demo_signing_key
    from tests.reports import samples

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=500)
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--no-sign", action="store_true")
    parser.add_argument("--out", type=Path, help="write the PDF here")
    args = parser.parse_args()

    c0 = time.process_time()
    t0 = time.perf_counter()
    data = samples.contract_review(units=args.units, tickets=args.tickets, months=args.months)
    t_build = time.perf_counter() - t0

    t0 = time.perf_counter()
    raw = report_data_json(data)
    sha = data_sha256(data)
    t_data = time.perf_counter() - t0

    t0 = time.perf_counter()
    rendered = render_report(data)
    t_prepare = time.perf_counter() - t0
    c_parent = time.process_time() - c0
    t0 = time.perf_counter()
    pdf, stats = render_in_worker(rendered, timeout_s=120, memory_mb=TARGET_MB)
    t_write = time.perf_counter() - t0
    pages = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        db = Database(make_engine(url))
        signer = None if args.no_sign else SigningKey(*make_demo_signing_key(Path(tmp) / "keys"))
        t0 = time.perf_counter()
        with db.transaction() as session:
            row = issue_report(
                session, kind=data.kind, parameters=data.parameters.model_dump(), as_of=data.as_of, data=data,
                created_by=SYSTEM, agency_id=None, audit_head=data.audit_head, signer=signer,
                signed_at=datetime(2026, 7, 1, 7, tzinfo=UTC), renderer=lambda _d: pdf,
            )
            size, signed, final_pages = row.size_bytes, row.signed, row.page_count
        t_issue = time.perf_counter() - t0
        db.engine.dispose()
    if args.out:
        args.out.write_bytes(pdf)

    total = t_build + t_data + t_prepare + t_write + t_issue
    peak = max(_peak_mb(), stats.worker_peak_rss_mb)
    print(f"contract_review: {args.units} units, {len(data.tickets):,} tickets, {len(data.events):,} events, "
          f"{len(data.breaches):,} breaches, {args.months} months")
    print(f"  build (synthetic, stands in for gather) {t_build:6.2f} s")
    print(f"  data JSON + SHA-256                     {t_data:6.2f} s   ({len(raw) / 1e6:.1f} MB, {sha[:16]}…)")
    print(f"  render: HTML, charts, CSVs              {t_prepare:6.2f} s")
    print(f"  render: WeasyPrint in worker            {t_write:6.2f} s   ({pages} pages; worker CPU "
          f"{stats.worker_cpu_s:.2f} s)")
    print(f"  issue: {'sign + ' if signed else ''}register + audit        {t_issue:6.2f} s   "
          f"({size / 1e6:.1f} MB PDF, {final_pages} pages)")
    print(f"  total                                   {total:6.2f} s   (target ≤ {TARGET_S:g} s incl. gather)")
    print(f"  CPU: build + data + prepare {c_parent:.2f} s in this process, worker {stats.worker_cpu_s:.2f} s")
    print(f"  peak memory: this process {_peak_mb():,.0f} MB, render worker {stats.worker_peak_rss_mb:,.0f} MB "
          f"(target ≤ {TARGET_MB} MB)")
    ok = total <= TARGET_S and peak <= TARGET_MB
    pipeline = total - t_build
    print(f"  pipeline without build: {pipeline:.2f} s, leaving {TARGET_S - pipeline:.2f} s for gather; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print("  within target" if ok else "  OVER TARGET")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
