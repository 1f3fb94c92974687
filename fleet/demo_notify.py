"""The demo's notifications: who is told (contacts for the vendor's manager and engineers and each
agency's contracting officer), the NAVFAC agency's webhook (to the demo's receiver), and a monthly
contract review for NAVFAC's first contract. Added after the rest of the demo, through the real
services, so the demo's facts and figures are exactly what they were.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleet.demo_dispatch import TEAMS
from fleet.models import Agency, Contract, NotificationContact
from fleet.notify import contacts, schedules, webhooks
from fleet.notify.destinations import AllowedHosts
from fleet.notify.events import EVENT_TYPES
from fleet.principal import Principal
from fleet.schemas.notify import ContactIn, WebhookIn
from fleet.schemas.schedules import ScheduleIn

VENDOR_DOMAIN = "meridian-robotics.example"
WEBHOOK_AGENCY = "NAVFAC"


def loaded(session: Session) -> bool:
    return session.scalar(select(NotificationContact.id).limit(1)) is not None


def add_contacts(session: Session, principal: Principal) -> int:
    """The demo manager, the six engineers, and one contracting officer per agency."""
    made = [ContactIn(name="Contract manager", email=f"manager@{VENDOR_DOMAIN}", audience="manager",
                      username="manager")]
    made += [ContactIn(name=username, email=f"{username}@{VENDOR_DOMAIN}", audience="engineer", username=username)
             for username in TEAMS]
    for agency_id, code in session.execute(select(Agency.id, Agency.code).order_by(Agency.code)).all():
        made.append(ContactIn(name=f"{code} contracting officer", audience="agency", agency_id=agency_id,
                              email=f"contracting.officer@{code.lower()}.example.gov"))
    for body in made:
        contacts.create_contact(session, principal, body)
    return len(made)


def register_webhook(session: Session, *, url: str, allowed: AllowedHosts) -> str:
    """NAVFAC's webhook for every event type, registered with NAVFAC's own authority; its secret."""
    agency_id = session.scalar(select(Agency.id).where(Agency.code == WEBHOOK_AGENCY))
    assert agency_id is not None
    agency = Principal(id=f"demo-{agency_id}", name=f"{WEBHOOK_AGENCY} integration", role="agency",
                       agency_id=agency_id, kind="key")
    made = webhooks.register(session, agency, WebhookIn(url=url, events=list(EVENT_TYPES)), allowed=allowed)
    return made.secret


def schedule_contract(session: Session) -> Contract:
    """The contract the demo schedules reviews for: NAVFAC's first."""
    contract = session.scalar(select(Contract).join(Agency, Agency.id == Contract.agency_id)
                              .where(Agency.code == WEBHOOK_AGENCY).order_by(Contract.number).limit(1))
    assert contract is not None
    return contract


def schedule_reviews(session: Session, principal: Principal, contract_id: str) -> None:
    """A monthly review, issued on the first working day after each month."""
    schedules.put(session, principal, contract_id, ScheduleIn(cadence="monthly", working_day=1))
