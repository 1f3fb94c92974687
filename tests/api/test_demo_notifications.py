"""`slatrack demo` shows notifications working: last month's review (and the one before) issued by
the schedule as of their due instants and delivered then, by mail and to NAVFAC's verifying
webhook receiver; the ledger still verifies."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest


def test_the_demo_delivers_its_scheduled_reviews_on_their_due_instants(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "slatrack"
    if not script.exists():
        pytest.skip(f"the slatrack console script is not installed beside {sys.executable}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLATRACK_")}
    env["SLATRACK_DATA_DIR"] = str(tmp_path)
    done = subprocess.run([str(script), "demo", "--no-serve", "--scale", "0.02", "--port", "8310"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert "webhook receiver  http://127.0.0.1:8311/" in done.stdout

    with sqlite3.connect(tmp_path / "slatrack.db") as db:
        reviews = db.execute("SELECT id, as_of, created_at FROM reports WHERE created_by = 'system:scheduler' "
                             "ORDER BY as_of").fetchall()
        deliveries = db.execute(
            "SELECT d.channel, d.status, d.delivered_at, n.data FROM notification_deliveries d "
            "JOIN notifications n ON n.id = d.notification_id WHERE n.type = 'report.issued'").fetchall()
    assert len(reviews) == 2  # the month before the schedule was made (at once) and last month (on its day)
    last = reviews[-1]
    assert last[1] == last[2]  # issued at its due instant, as of that instant
    on_time = [d for d in deliveries if json.loads(d[3])["report_id"] == last[0]]
    assert {(c, s) for c, s, _, _ in on_time} == {("email", "delivered"), ("webhook", "delivered")}
    assert all(when == last[2] for _, _, when, _ in on_time)  # delivered on schedule

    mails = [BytesParser(policy=policy.default).parsebytes(p.read_bytes()) for p in (tmp_path / "mail").glob("*.eml")]
    assert len(mails) == 4 and all(m["X-Slatrack-Event"] == "report.issued" for m in mails)
    assert any(part.get_content_type() == "application/pdf" for m in mails for part in m.iter_attachments())
    received = [json.loads(line) for line in (tmp_path / "webhook-receiver" / "received.jsonl").read_text()
                .splitlines()]
    assert [e["type"] for e in received] == ["report.issued", "report.issued"]
    assert all(e["verified"] for e in received)

    verify = subprocess.run([str(script), "audit", "verify"], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=300)
    assert verify.returncode == 0, verify.stdout[-2000:] + verify.stderr[-2000:]
