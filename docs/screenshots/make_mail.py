"""Screenshots of the mail folder page (run from the repository root):

    .venv/bin/python docs/screenshots/make_mail.py

The world of ``make.py``, then notification contacts (the vendor's managers, the engineer, the
NAVFAC contracting officer's representative), a few facts that tell them (breaches that came
due, assignments, an acknowledgement, new P1 tickets), delivered by the mail channel into the
folder (no SMTP host set), and the pages shot as the manager, the engineer and the agency. The
demo contract's clocks run in business hours: at night no warning comes due (by construction).
"""

from __future__ import annotations

import sys
import tempfile
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make import ROOT, seed, shoot
from sqlalchemy import select

from fleet import dispatch, tickets
from fleet.db import utcnow
from fleet.models import Agency, Ticket
from fleet.notify import alarms, deliveries
from fleet.notify.deliveries import DeliveryFailed, Outcome
from fleet.notify.mail import MailChannel, read_folder
from fleet.principal import SYSTEM
from fleet.schemas.dispatch import AssignmentIn
from fleet.schemas.tickets import EventIn, TicketIn
from tests.browser.server import serve
from tests.builders import make_contact


def tell(db: object, ticket_id: str) -> None:
    now = utcnow()
    with db.transaction() as s:  # type: ignore[attr-defined]
        navfac = s.scalars(select(Agency).where(Agency.code == "NAVFAC")).one()
        make_contact(s, "manager", "contract.managers@meridian-robotics.example.com", name="Contract managers")
        make_contact(s, "engineer", "engineer@meridian-robotics.example.com", username="engineer", name="Engineer")
        make_contact(s, "agency", "cor.hull-robots@navfac.example.gov", agency=navfac, name="NAVFAC COR")
    with db.transaction() as s:  # type: ignore[attr-defined]
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None
        dispatch.assign(s, SYSTEM, ticket_id, AssignmentIn(assignee="engineer"))
        tickets.add_event(s, SYSTEM, ticket_id, EventIn(type="acknowledged", occurred_at=now - timedelta(minutes=2)))
        # a P1 nobody has acknowledged for 25 minutes: in business hours its response warning is due
        late = tickets.create_ticket(s, SYSTEM, TicketIn(unit_id=ticket.unit_id, priority="P1",
                                                         summary="Crawler lost adhesion on the flight deck",
                                                         reported_at=now - timedelta(minutes=25), unit_down=True,
                                                         reporter="Operations desk"))
        dispatch.assign(s, SYSTEM, late.id, AssignmentIn(assignee="engineer"))
        tickets.create_ticket(s, SYSTEM, TicketIn(unit_id=ticket.unit_id, priority="P1",
                                                  summary="Hull crawler thruster fault, unit stopped",
                                                  reported_at=now - timedelta(minutes=1), unit_down=True,
                                                  reporter="Operations desk"))
    with db.transaction() as s:  # type: ignore[attr-defined]
        alarms.fire_due(s, SYSTEM, now=utcnow())


def deliver(db: object, channel: MailChannel) -> int:
    with db.transaction() as s:  # type: ignore[attr-defined]
        batch = deliveries.claim(s, worker="shots", now=utcnow())
    outcomes = []
    for message in batch:
        try:
            channel.send(message)
            outcomes.append(Outcome(message.delivery_id))
        except DeliveryFailed as e:
            outcomes.append(Outcome(message.delivery_id, str(e), e.permanent))
    with db.transaction() as s:  # type: ignore[attr-defined]
        deliveries.settle(s, SYSTEM, outcomes, worker="shots", now=utcnow())
    return len(batch)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, serve(f"sqlite:///{tmp}/shots.db", Path(tmp)) as live:
        _, ticket_id = seed(live.db)
        tell(live.db, ticket_id)
        settings = live.settings
        sent = deliver(live.db, MailChannel(settings.mail_settings(), base_url=settings.public_url))
        items = read_folder(settings.mail_settings().folder)
        print(f"{sent} messages delivered, {len(items)} in the folder")
        for i in items:
            print(f"  {i.date:%H:%M} {', '.join(i.to):50} {i.subject}")
        mine = [i for i in items if "engineer@meridian-robotics.example.com" in i.to]
        warning = next((i for i in mine if i.event.startswith("clock.")), mine[0])
        shoot(live.base_url, [("mail", "/mail", "manager"), ("mail-message", f"/mail/{warning.name}", "engineer"),
                              ("mail-agency", "/mail", "agency")])
    print(Path(__file__).resolve().parent.relative_to(ROOT))


if __name__ == "__main__":
    main()
