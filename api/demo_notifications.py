"""``slatrack demo``'s notifications: contacts, NAVFAC's webhook to a receiver the demo serves on
the next port, and a monthly contract review whose last two issues the worker has already
delivered on schedule (the worker run at each due instant, on the demo's simulated clock).

The demo allows webhooks to loopback (``SLATRACK_WEBHOOK_ALLOWED_HOSTS=127.0.0.1`` unless set),
set in the environment so the server the demo starts allows it too.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from api.cli_worker import channels_for, scheduler_for
from api.demo_receiver import Inbox, serve
from api.settings import Settings, get_settings
from api.worker import Worker
from fleet import demo_notify
from fleet.db import Database, simulated_clock, utcnow
from fleet.notify.destinations import AllowedHosts
from fleet.notify.schedules import calendar_of
from fleet.principal import SYSTEM
from slas.schedule import ScheduleSpec, due_periods

SECRET_FILE = "demo-webhook-secret"
RECEIVER_DIR = "webhook-receiver"


def allow_receiver(settings: Settings) -> Settings:
    if settings.webhook_allowed_hosts:
        return settings
    os.environ["SLATRACK_WEBHOOK_ALLOWED_HOSTS"] = "127.0.0.1"
    get_settings.cache_clear()
    return get_settings()


def receiver_url(port: int) -> str:
    """Where NAVFAC's receiver listens: the port after the demo server's."""
    return f"http://127.0.0.1:{port + 1}/"


def setup(settings: Settings, db: Database, port: int) -> str:
    """Add the demo's contacts, webhook and schedule once (their delivered history too); the
    webhook's secret (kept in the data directory, mode 0600)."""
    path = settings.data_dir / SECRET_FILE
    receiver_port = port + 1
    url = receiver_url(port)
    with db.transaction(write=False) as s:
        if demo_notify.loaded(s):
            return path.read_text().strip() if path.exists() else ""
    with db.transaction() as s:
        demo_notify.add_contacts(s, SYSTEM)
        secret = demo_notify.register_webhook(s, url=url, allowed=AllowedHosts.parse(settings.webhook_allowed_hosts))
    _keep(path, secret)
    receiver = serve(Inbox(settings.data_dir / RECEIVER_DIR, secret), "127.0.0.1", receiver_port)
    try:
        _scheduled_history(settings, db)
    finally:
        receiver.shutdown()
        receiver.server_close()
    return secret


def _keep(path: Path, secret: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(secret + "\n")


def _scheduled_history(settings: Settings, db: Database) -> None:
    """Make the schedule an hour before last month's review fell due (so it also owes the month
    before, at once), and run the worker at both instants: both reviews issued as of their due
    instants and delivered then, by mail and to NAVFAC's webhook."""
    now = utcnow()
    with db.transaction(write=False) as s:
        contract = demo_notify.schedule_contract(s)
        calendar = calendar_of(s, contract)
    latest = due_periods(ScheduleSpec("monthly", 1, now), calendar, now)[-1]
    made_at = latest.due_at - timedelta(hours=1)
    with simulated_clock(lambda: made_at), db.transaction() as s:
        demo_notify.schedule_reviews(s, SYSTEM, contract.id)
    channels, scheduled = channels_for(settings, db), scheduler_for(settings, db)
    for moment in (made_at, latest.due_at):
        with simulated_clock(lambda m=moment: m):  # type: ignore[misc]
            Worker(db, channels, clock=lambda m=moment: m, scheduled=scheduled).tick()  # type: ignore[misc]


def serve_receiver(settings: Settings, host: str, port: int, secret: str) -> None:
    """NAVFAC's receiver, in this process, for as long as the demo serves."""
    if secret:
        serve(Inbox(settings.data_dir / RECEIVER_DIR, secret), "127.0.0.1", port + 1)
