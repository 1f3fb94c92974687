"""``slatrack worker``: deliver notifications, fire clock alarms, issue scheduled reports.

Settings are read here (``api/`` is the only layer that reads the environment) and passed down:
the channels (:func:`channels_for`) and the scheduled-report issuer (:func:`scheduler_for`).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated

import typer

from api.settings import Settings, get_settings
from api.worker import Worker, start_in_thread
from fleet.db import Database, is_sqlite
from fleet.notify.channels import Channel


def channels_for(settings: Settings, db: Database) -> dict[str, Channel]:
    """The e-mail channel (SMTP, or ``.eml`` files under the data directory when no host is set;
    a ``report.issued`` message carries its PDF) and the webhook channel (signed, behind the
    request-forgery guard)."""
    from fleet.notify.destinations import AllowedHosts
    from fleet.notify.mail import MailChannel
    from fleet.notify.webhook_http import WebhookChannel
    from reports.notify import mail_attachment

    return {"email": MailChannel(settings.mail_settings(), base_url=settings.public_url,
                                 attachment=mail_attachment(db)),
            "webhook": WebhookChannel(allowed=AllowedHosts.parse(settings.webhook_allowed_hosts),
                                      base_url=settings.public_url)}


def scheduler_for(settings: Settings, db: Database) -> Callable[[datetime], int]:
    """Issue the scheduled contract reviews that are due, signed with the configured key."""
    from reports.schedule import issue_due

    def run(now: datetime) -> int:
        return len(issue_due(db, now, signer=settings.signer(), vendor=settings.vendor_name,
                             timeout_s=settings.report_timeout_seconds, memory_mb=settings.report_memory_mb))

    return run


def make_worker(settings: Settings, db: Database, *, batch: int = 100) -> Worker:
    return Worker(db, channels_for(settings, db), batch=batch, scheduled=scheduler_for(settings, db),
                  lease=timedelta(seconds=settings.worker_lease_seconds))


def start_embedded(settings: Settings, db: Database) -> threading.Event | None:
    """On the embedded SQLite database, run the worker in a thread of this process (``serve``,
    ``demo``); on PostgreSQL run ``slatrack worker`` processes instead. Returns the stop event."""
    if not is_sqlite(settings.database_url) or not settings.embedded_worker:
        return None
    _, stop = start_in_thread(make_worker(settings, db))
    return stop


def worker_command(
    batch: Annotated[int, typer.Option(min=1, max=1000, help="deliveries claimed at a time")] = 100,
    idle_seconds: Annotated[float, typer.Option(min=0.05, help="wait after a tick that found nothing")] = 1.0,
) -> None:
    """Deliver notifications (e-mail, webhooks), fire clock alarms and issue scheduled reports until stopped."""
    from api.cli import get_database

    settings = get_settings()
    worker = make_worker(settings, get_database(), batch=batch)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    typer.echo(f"worker {worker.name}: delivering (stop with Ctrl-C)")
    worker.run(stop, idle_seconds=idle_seconds)
