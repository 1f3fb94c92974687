"""The notification worker: fires due clock alarms, issues due scheduled reports, delivers the outbox.

One :meth:`Worker.tick` does, each step in its own short transaction:

1. alarms due by now → notifications (:func:`fleet.notify.alarms.fire_due`);
2. scheduled reports due by now → issued, signed, ``report.issued`` decided (``scheduled``);
3. deliveries, batch by batch: claim (lease) → send concurrently with no transaction open →
   settle (:mod:`fleet.notify.deliveries`).

A look with no lock comes first, so an idle worker never takes SQLite's write lock. ``slatrack
worker`` runs it in a process of its own (several on PostgreSQL, on several hosts: row locks that
skip taken rows share the work); on the embedded SQLite default ``serve`` and ``demo`` run it in a
thread of the server's process. ``now`` comes from ``clock`` (tests and the demo pass their own).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from fleet.db import Database, utcnow
from fleet.notify import alarms, deliveries
from fleet.notify.channels import Channel
from fleet.notify.deliveries import Claimed, DeliveryFailed, Outcome
from fleet.principal import Principal

log = logging.getLogger("slatrack.worker")
WORKER = Principal(id="worker", name="worker", role="admin", kind="system")


@dataclass
class Tick:
    """What one tick did."""

    alarms: int = 0
    reports: int = 0
    delivered: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def busy(self) -> bool:
        return bool(self.alarms or self.reports or self.delivered or self.failed)


class Worker:
    def __init__(self, db: Database, channels: Mapping[str, Channel], *, name: str | None = None,
                 batch: int = 100, threads: int = 8, clock: Callable[[], datetime] = utcnow,
                 scheduled: Callable[[datetime], int] | None = None, lease: timedelta = deliveries.LEASE) -> None:
        self.db, self.channels, self.batch, self.clock, self.scheduled = db, channels, batch, clock, scheduled
        self.lease = lease
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident() % 100000}"
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="slatrack-deliver")

    def tick(self) -> Tick:
        done = Tick()
        now = self.clock()
        if self._alarms_due(now):
            with self.db.transaction() as session:
                done.alarms = alarms.fire_due(session, WORKER, now=now)
        if self.scheduled is not None:
            done.reports = self.scheduled(now)
        while True:
            sent = self._deliver_batch(done)
            if sent < self.batch:
                return done

    def _alarms_due(self, now: datetime) -> bool:
        with self.db.transaction(write=False) as session:
            return alarms.any_due(session, now=now)

    def _deliver_batch(self, done: Tick) -> int:
        now = self.clock()
        with self.db.transaction(write=False) as session:
            if not deliveries.any_due(session, now=now):
                return 0
        with self.db.transaction() as session:
            claimed = deliveries.claim(session, worker=self.name, now=now, limit=self.batch, lease=self.lease)
        if not claimed:
            return 0
        outcomes = list(self._pool.map(self._send, claimed))
        with self.db.transaction() as session:
            deliveries.settle(session, WORKER, outcomes, worker=self.name, now=self.clock())
        failed = [o for o in outcomes if o.error is not None]
        done.delivered += len(outcomes) - len(failed)
        done.failed += len(failed)
        done.errors += [f"{o.delivery_id}: {o.error}" for o in failed[:5]]
        return len(claimed)

    def _send(self, message: Claimed) -> Outcome:
        channel = self.channels.get(message.channel)
        if channel is None:
            return Outcome(message.delivery_id, f"no {message.channel} channel configured")
        try:
            channel.send(message)
        except DeliveryFailed as e:
            return Outcome(message.delivery_id, str(e), e.permanent)
        except Exception as e:  # a channel bug must not lose the batch: it is retried like a failure
            log.exception("delivery %s failed", message.delivery_id)
            return Outcome(message.delivery_id, f"{type(e).__name__}: {e}")
        return Outcome(message.delivery_id)

    def run(self, stop: threading.Event, *, idle_seconds: float = 1.0) -> None:
        """Tick until ``stop`` is set, waiting ``idle_seconds`` after a tick that found nothing to do."""
        log.info("worker %s started", self.name)
        while not stop.is_set():
            try:
                done = self.tick()
            except Exception:  # the database away for a moment: try again after a pause
                log.exception("worker tick failed")
                done = Tick()
            if done.busy:
                log.info("worker: %d alarms, %d reports, %d delivered, %d failed", done.alarms, done.reports,
                         done.delivered, done.failed)
            else:
                stop.wait(idle_seconds)
        self._pool.shutdown(wait=True)
        log.info("worker %s stopped", self.name)


def start_in_thread(worker: Worker, *, idle_seconds: float = 1.0) -> tuple[threading.Thread, threading.Event]:
    """Run ``worker`` in a daemon thread of this process (``serve``/``demo`` on SQLite)."""
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), kwargs={"idle_seconds": idle_seconds},
                              name="slatrack-worker", daemon=True)
    thread.start()
    return thread, stop
