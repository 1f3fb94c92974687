"""Screenshots of the mail folder page (run from the repository root):

    .venv/bin/python docs/screenshots/make_mail.py

The world of ``make.py``, then notification contacts (the vendor's managers, the engineer, the
NAVFAC contracting officer's representative), a few facts that tell them (breaches that came
due, assignments, an acknowledgement, new P1 tickets, and a clock warning to the engineer for a
P1 about to breach), delivered by the mail channel into the folder (no SMTP host set), and the
pages shot as the manager, the engineer and the agency.

The demo contract (N00024-25-C-6311) runs its clocks 24x7: a P1's 30-minute response clock warns
at 75 % (22.5 minutes), at any hour. A warning is planned only for a clock not yet at risk when
the ticket is written, so the P1 is recorded 22 minutes after it was reported and the script
waits (about half a minute, real time) until its warning comes due, then fires the alarms: the
warning is told before the breach, as it would be by the worker.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make import ROOT, seed, shoot
from sqlalchemy import select

from fleet import dispatch, tickets
from fleet.db import utcnow
from fleet.models import Agency, ClockAlarm, Ticket
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
        tickets.create_ticket(s, SYSTEM, TicketIn(unit_id=ticket.unit_id, priority="P1",
                                                  summary="Hull crawler thruster fault, unit stopped",
                                                  reported_at=now - timedelta(minutes=1), unit_down=True,
                                                  reporter="Operations desk"))
        # a P1 nobody has acknowledged for 22 minutes: its 30-minute response clock (24x7) warns at 22.5
        late = tickets.create_ticket(s, SYSTEM, TicketIn(unit_id=ticket.unit_id, priority="P1",
                                                         summary="Crawler lost adhesion on the flight deck",
                                                         reported_at=now - timedelta(minutes=22), unit_down=True,
                                                         reporter="Operations desk"))
        dispatch.assign(s, SYSTEM, late.id, AssignmentIn(assignee="engineer"))
        late_id = late.id
    with db.transaction() as s:  # type: ignore[attr-defined]
        alarms.fire_due(s, SYSTEM, now=utcnow())  # what came due before (the demo's backlog of breaches)
    with db.transaction(write=False) as s:  # type: ignore[attr-defined]
        planned = {(a.metric, a.kind): a.due_at for a in s.scalars(
            select(ClockAlarm).where(ClockAlarm.ticket_id == late_id))}
    warn_at, breach_at = planned[("response", "warning")], planned[("response", "breach")]
    wait = (warn_at - utcnow()).total_seconds() + 1
    print(f"waiting {wait:.0f} s for the response warning of the late P1 (breach at {breach_at:%H:%M:%S} UTC)")
    time.sleep(max(wait, 0))
    with db.transaction() as s:  # type: ignore[attr-defined]
        told = alarms.fire_due(s, SYSTEM, now=utcnow())
    assert told >= 1 and utcnow() < breach_at, "the warning was not told before the breach"


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
        warning = next(i for i in mine if i.event == "clock.warning")  # none: no screenshot, not a breach instead
        shoot(live.base_url, [("mail", "/mail", "manager"), ("mail-engineer", "/mail", "engineer"),
                              ("mail-message", f"/mail/{warning.name}", "engineer"),
                              ("mail-agency", "/mail", "agency")])
    print(Path(__file__).resolve().parent.relative_to(ROOT))


if __name__ == "__main__":
    main()
