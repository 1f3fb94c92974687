"""Regenerate the delivery log screenshots in docs/screenshots/ (from the repository root):

    .venv/bin/python docs/screenshots/make_notifications.py

The same world as ``make.py``, then three webhooks on real local receivers (the vendor's answers
204, one agency's 410 Gone, another's 500), a few tickets opened and acknowledged, and one round
of delivery (claim, send through the webhook channel, settle) and a second one later: the
manager's /notifications page shows delivered, dead (with Retry) and pending-with-an-error rows.
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from fleet import tickets  # noqa: E402
from fleet.db import new_id, utcnow  # noqa: E402
from fleet.models import Agency, Unit, Webhook  # noqa: E402
from fleet.notify import deliveries  # noqa: E402
from fleet.notify.destinations import AllowedHosts  # noqa: E402
from fleet.notify.webhook_http import WebhookChannel  # noqa: E402
from fleet.notify.webhooks import new_secret  # noqa: E402
from fleet.principal import SYSTEM  # noqa: E402
from fleet.schemas.tickets import EventIn, TicketIn  # noqa: E402
from tests.browser.server import serve  # noqa: E402
from tests.webhook_receiver import receiver  # noqa: E402

OUT = Path(__file__).resolve().parent


def _make_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("shots_make", OUT / "make.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _round(db, channel: WebhookChannel, now) -> None:  # type: ignore[no-untyped-def]
    with db.transaction() as s:
        batch = deliveries.claim(s, worker="shots", now=now)
    outcomes = []
    for message in batch:
        try:
            channel.send(message)
            outcomes.append(deliveries.Outcome(message.delivery_id))
        except deliveries.DeliveryFailed as exc:
            outcomes.append(deliveries.Outcome(message.delivery_id, str(exc), exc.permanent))
    with db.transaction() as s:
        deliveries.settle(s, SYSTEM, outcomes, worker="shots", now=now)


def main() -> None:
    make = _make_module()
    with tempfile.TemporaryDirectory() as tmp, serve(f"sqlite:///{tmp}/shots.db", Path(tmp)) as live, \
            receiver(204) as vendor, receiver(410) as gone, receiver(500) as broken:
        make.seed(live.db)
        now = utcnow()
        with live.db.transaction() as s:
            agencies = s.scalars(select(Agency).order_by(Agency.code)).all()
            hooks = [(None, vendor.url.replace("/hook", "/slatrack-events")),
                     (agencies[0].id, gone.url.replace("/hook", "/old-integration")),
                     (agencies[-1].id, broken.url.replace("/hook", "/intake"))]
            for agency_id, url in hooks:
                s.add(Webhook(id=new_id(), agency_id=agency_id, url=url,
                              events=["ticket.opened", "ticket.acknowledged"], secret=new_secret(),
                              created_by="key:integration", deleted_at=None, created_at=now))
            s.flush()
            for agency in agencies:
                units = s.scalars(select(Unit).where(Unit.agency_id == agency.id).order_by(Unit.serial).limit(2)).all()
                for i, unit in enumerate(units):
                    t = tickets.create_ticket(s, SYSTEM, TicketIn(
                        unit_id=unit.id, priority="P1" if i == 0 else "P2", summary="Crawler stalled on the ramp",
                        reported_at=now - timedelta(minutes=30 + 10 * i), unit_down=i == 0))
                    if i == 0:
                        tickets.add_event(s, SYSTEM, t.id, EventIn(type="acknowledged",
                                                                   occurred_at=now - timedelta(minutes=5)))
        channel = WebhookChannel(allowed=AllowedHosts.parse("127.0.0.1"), base_url=live.base_url, timeout=5.0)
        _round(live.db, channel, utcnow())
        _round(live.db, channel, utcnow() + timedelta(minutes=2))
        channel.close()
        make.shoot(live.base_url, [("notifications", "/notifications", "manager")])


if __name__ == "__main__":
    main()
