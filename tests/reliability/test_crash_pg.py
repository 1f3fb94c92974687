"""Crash safety on PostgreSQL: SIGKILL the server in the middle of bulk status ingest and ticket
writes, restart it, replay what the clients did not get an answer to (and some they did), then:
every acknowledged write is there exactly once, no batch is partly stored, the audit chain verifies.

A real server (uvicorn subprocess, 2 workers) on a scratch database next to
``SLATRACK_TEST_DATABASE_URL``; client threads send ``event_id``-keyed status batches and ticket
creates and events with ``Idempotency-Key`` (all retry-safe by design).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from api.migrate import upgrade
from fleet import audit
from fleet.db import Database, make_engine
from fleet.models import StatusEvent, Ticket, TicketEvent
from tests.builders import make_contract, make_key, make_unit, scratch_postgres_database
from tests.conftest import PG_URL
from tests.reliability.server import Server

pytestmark = [pytest.mark.postgres, pytest.mark.slow,
              pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (SLATRACK_TEST_DATABASE_URL)")]

BATCH = 250
UNITS = 20


@dataclass
class Sent:
    """One retry-safe request and whether the client got its answer."""

    kind: str  # "batch" | "ticket" | "event"
    key: str
    url: str
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    acked: bool = False
    answer: dict[str, Any] | None = None


class Traffic:
    def __init__(self, base_url: str, token: str, unit_ids: list[str]):
        self.base = base_url
        self.auth = {"Authorization": f"Bearer {token}"}
        self.unit_ids = unit_ids
        self.sent: list[Sent] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.seq = itertools.count()

    def send(self, client: httpx.Client, s: Sent) -> bool:
        try:
            r = client.post(self.base + s.url, json=s.body, headers={**self.auth, **s.headers}, timeout=30)
        except httpx.HTTPError:
            return False
        if r.status_code in (200, 201):
            s.acked, s.answer = True, r.json()
            return True
        if r.status_code >= 500:
            return False
        raise AssertionError(f"{s.kind} {s.key}: unexpected {r.status_code} {r.text}")

    def batches(self) -> None:
        with httpx.Client() as client:
            while not self.stop.is_set():
                n = next(self.seq)
                events = [{"event_id": f"crash-b{n}-{i}", "unit_id": self.unit_ids[i % UNITS],
                           "state": ("down", "up")[(i // UNITS) % 2],
                           "occurred_at": f"2026-03-{1 + n % 27:02d}T{(i // UNITS) % 24:02d}:{n % 60:02d}:00Z"}
                          for i in range(BATCH)]
                s = Sent("batch", f"b{n}", "/api/v1/status-events", {"events": events})
                with self.lock:
                    self.sent.append(s)
                if not self.send(client, s):
                    return

    def tickets(self) -> None:
        with httpx.Client() as client:
            while not self.stop.is_set():
                n = next(self.seq)
                t = Sent("ticket", f"t{n}", "/api/v1/tickets",
                         {"unit_id": self.unit_ids[n % UNITS], "priority": "P2", "summary": f"crash ticket t{n}",
                          "reported_at": "2026-03-02T14:00:00Z", "unit_down": True},
                         {"Idempotency-Key": f"crash-t{n}"})
                with self.lock:
                    self.sent.append(t)
                if not self.send(client, t):
                    return
                assert t.answer is not None
                e = Sent("event", f"e{n}", f"/api/v1/tickets/{t.answer['id']}/events",
                         {"type": "acknowledged", "occurred_at": "2026-03-02T14:05:00Z"},
                         {"Idempotency-Key": f"crash-e{n}"})
                with self.lock:
                    self.sent.append(e)
                if not self.send(client, e):
                    return

    def acked(self, kind: str) -> int:
        return sum(1 for s in self.sent if s.kind == kind and s.acked)


def _check_record(db: Database, traffic: Traffic, *, complete: bool) -> None:
    """Every acknowledged write exactly once; nothing partial; ``complete``: every write present."""
    with db.transaction(write=False) as session:
        counts: Counter[str] = Counter(
            e.split("-")[1] for e in session.scalars(select(StatusEvent.event_id)
                                                     .where(StatusEvent.event_id.like("crash-b%"))))
        tickets = dict(session.execute(select(Ticket.summary, func.count()).group_by(Ticket.summary)).all())
        acks = dict(session.execute(select(TicketEvent.ticket_id, func.count())
                                    .where(TicketEvent.type == "acknowledged")
                                    .group_by(TicketEvent.ticket_id)).all())
        for s in traffic.sent:
            if s.kind == "batch":
                stored = counts.get(s.key, 0)
                assert stored in (0, BATCH), f"batch {s.key} partly stored: {stored} of {BATCH}"
                if s.acked or complete:
                    assert stored == BATCH, f"acknowledged batch {s.key} missing ({stored})"
            elif s.kind == "ticket":
                stored = tickets.get(s.body["summary"], 0)
                assert stored <= 1, f"ticket {s.key} stored {stored} times"
                if s.acked or complete:
                    assert stored == 1, f"acknowledged ticket {s.key} missing"
            else:
                ticket_id = s.url.split("/")[4]
                stored = acks.get(ticket_id, 0)
                assert stored <= 1, f"event {s.key} stored {stored} times"
                if s.acked or complete:
                    assert stored == 1, f"acknowledged event {s.key} missing"
        check = audit.verify(session)
        assert check.ok, f"audit chain broken at {check.first_bad_seq}: {check.problem}"


def test_a_killed_server_loses_and_duplicates_nothing_it_acknowledged(tmp_path: Path):
    with scratch_postgres_database(PG_URL, "crash") as url:
        upgrade(url)
        db = Database(make_engine(url, pool_size=2))
        with db.transaction(write=True) as session:
            contract = make_contract(session)
            unit_ids = [make_unit(session, contract=contract).id for _ in range(UNITS)]
            token = make_key(session, "admin")
        server = Server(url, tmp_path, workers=2, env={"SLATRACK_RATE_LIMIT_PER_MINUTE": "0"})
        server.start()
        traffic = Traffic(server.url, token, unit_ids)
        threads = [threading.Thread(target=f, daemon=True) for f in
                   (traffic.batches, traffic.batches, traffic.tickets, traffic.tickets, traffic.tickets)]
        try:
            for t in threads:
                t.start()
            deadline = time.monotonic() + 60
            while (traffic.acked("batch") < 6 or traffic.acked("event") < 10) and time.monotonic() < deadline:
                time.sleep(0.05)
            server.kill()
            traffic.stop.set()
            for t in threads:
                t.join(timeout=40)
            assert traffic.acked("batch") >= 6 and traffic.acked("event") >= 10, "too little traffic before the kill"
            unanswered = [s for s in traffic.sent if not s.acked]
            assert unanswered, "the kill interrupted nothing in flight"

            _check_record(db, traffic, complete=False)  # as the crash left it

            server.start()
            replayed_acked = [s for s in traffic.sent if s.acked][::3]
            first_answers = {id(s): s.answer for s in replayed_acked}
            with httpx.Client() as client:
                for s in [*unanswered, *replayed_acked]:
                    if s.kind == "event" and s.url.startswith("/api/v1/tickets/None"):
                        continue
                    assert traffic.send(client, s), f"replay of {s.kind} {s.key} failed"
            for s in replayed_acked:
                before, after = first_answers[id(s)], s.answer
                if s.kind == "batch":
                    assert after == {"accepted": 0, "duplicates": BATCH}, after
                else:
                    assert after == before, f"replay of {s.key} answered differently"
            _check_record(db, traffic, complete=True)
        finally:
            traffic.stop.set()
            server.stop()
            db.engine.dispose()
