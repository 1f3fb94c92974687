"""The transactional outbox: a notification is decided in the transaction of its fact.

:func:`emit` resolves who is told (the contract's rules or :data:`fleet.notify.events.DEFAULTS`
for e-mail; every live webhook subscribed to the type, of the vendor or of the fact's agency) and
writes one :class:`~fleet.models.Notification` with one :class:`~fleet.models.Delivery` per
destination, audited in one entry, before the caller commits: the fact and the promise to tell
it commit together or not at all. A notification nobody is to receive is not recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from fleet import audit
from fleet.canonical import to_jsonable
from fleet.db import new_id, utcnow
from fleet.dispatch import UNASSIGNED, dispatch_of
from fleet.models import (
    Calendar,
    Contract,
    Delivery,
    Notification,
    NotificationContact,
    NotificationRule,
    TeamMembership,
    Ticket,
    Unit,
    User,
    Webhook,
)
from fleet.notify.events import DEFAULTS, EventType, Recipient
from fleet.principal import Principal


def local_text(instant: datetime, timezone: str) -> str:
    """An instant as a reader in the contract's zone says it: ``Tue 8 Dec 2026 14:30 EST``."""
    local = instant.astimezone(ZoneInfo(timezone))
    return f"{local:%a} {local.day} {local:%b %Y %H:%M} {local.tzname()}"


def ticket_data(session: Session, ticket_id: str) -> dict[str, Any]:
    """What every ticket notification carries: ids, numbers, the unit and the contract's zone,
    and the ticket page's path (the deliverer makes it a link)."""
    row = session.execute(
        select(Ticket.id, Ticket.number, Ticket.priority, Ticket.summary, Ticket.reported_at, Unit.serial,
               Unit.site, Contract.id, Contract.number, Contract.title, Calendar.timezone)
        .join(Unit, Unit.id == Ticket.unit_id).join(Contract, Contract.id == Ticket.contract_id)
        .join(Calendar, Calendar.id == Contract.calendar_id).where(Ticket.id == ticket_id)).one()
    zone = row[10]
    return {"ticket_id": row[0], "ticket_number": row[1], "priority": row[2], "summary": row[3],
            "reported_at": row[4], "reported_local": local_text(row[4], zone), "unit_serial": row[5],
            "site": row[6], "contract_id": row[7], "contract_number": row[8], "contract_title": row[9],
            "timezone": zone, "path": f"/tickets/{row[0]}"}


def emit(session: Session, principal: Principal, *, type: EventType, dedupe_key: str, occurred_at: datetime,
         agency_id: str | None, contract_id: str | None, ticket_id: str | None,
         data: dict[str, Any] | Callable[[], dict[str, Any]], priority: str | None = None) -> Notification | None:
    """Decide a notification (once per ``dedupe_key``) and its deliveries, in the caller's
    transaction. Returns None when it was decided before or nobody is to receive it.

    Who is told is read first, so a fact nobody hears of costs a few reads and no write (``data``
    may be a function, called only when the notification is recorded)."""
    emails = _addresses(session, type, contract_id, agency_id, ticket_id, priority)
    hooks = _webhooks(session, type, agency_id)
    if not emails and not hooks:
        return None
    head = audit.lock_head(session)  # every writer queues here (a ticket write holds it already): no race below
    if session.scalar(select(Notification.id).where(Notification.dedupe_key == dedupe_key)) is not None:
        return None
    if callable(data):
        data = data()
    now = utcnow()
    note = Notification(id=new_id(), agency_id=agency_id, contract_id=contract_id, ticket_id=ticket_id, type=type,
                        dedupe_key=dedupe_key, occurred_at=occurred_at, data=to_jsonable(data), created_at=now)
    deliveries = [_delivery(note, "email", e, now) for e in emails] + [_delivery(note, "webhook", h, now)
                                                                       for h in hooks]
    session.add(note)
    session.flush()  # no ORM relationship orders the inserts: the notification goes first
    session.add_all(deliveries)
    session.flush()
    audit.record(session, principal, action="notification.decide", entity_type="notification", entity_id=note.id,
                 agency_id=agency_id, after={"type": type, "dedupe_key": dedupe_key,
                                             "to": [f"{d.channel}:{d.target}" for d in deliveries]},
                 head=head, rows=[note, *deliveries], scope=audit.Scope(contract_id, None) if contract_id else None)
    return note


def _delivery(note: Notification, channel: str, target: str, now: datetime) -> Delivery:
    return Delivery(id=new_id(), notification_id=note.id, agency_id=note.agency_id, channel=channel, target=target,
                    status="pending", attempts=0, next_attempt_at=now, last_error=None, delivered_at=None,
                    claimed_by=None, claimed_until=None, created_at=now)


def recipients_for(session: Session, type: EventType, contract_id: str | None,
                   priority: str | None) -> tuple[Recipient, ...]:
    """The recipients of ``type`` on this contract: its rule, else the default; none when the
    rule (or default) is limited to priorities that do not include ``priority``."""
    rule = None
    if contract_id is not None:
        rule = session.execute(select(NotificationRule.recipients, NotificationRule.priorities).where(
            NotificationRule.contract_id == contract_id, NotificationRule.event_type == type,
            NotificationRule.deleted_at.is_(None))).first()
    recipients, priorities = (tuple(rule[0]), rule[1]) if rule is not None else DEFAULTS[type]
    if priorities is not None and priority is not None and priority not in priorities:
        return ()
    return recipients  # type: ignore[return-value]


def _addresses(session: Session, type: EventType, contract_id: str | None, agency_id: str | None,
               ticket_id: str | None, priority: str | None) -> list[str]:
    wanted = recipients_for(session, type, contract_id, priority)
    if not wanted:
        return []
    dispatch = UNASSIGNED
    if ticket_id is not None and ("assignee" in wanted or "team" in wanted):
        dispatch = dispatch_of(session, [ticket_id]).get(ticket_id, UNASSIGNED)
    found: list[str] = []
    for who in wanted:
        found += _resolve(session, who, dispatch.assignee, dispatch.team, agency_id)
    return list(dict.fromkeys(found))


def _resolve(session: Session, who: Recipient, assignee: str | None, team: str | None,
             agency_id: str | None) -> list[str]:
    contacts = NotificationContact
    if who == "assignee":
        if assignee is not None:
            return _emails(session, contacts.audience == "engineer", contacts.username == assignee)
        return _resolve(session, "team", None, team, agency_id) if team else _resolve(
            session, "managers", None, None, agency_id)
    if who == "team":
        if team is None:
            return []
        members = select(User.username).join(TeamMembership, TeamMembership.user_id == User.id).where(
            TeamMembership.team == team, User.disabled_at.is_(None))
        return _emails(session, contacts.audience == "engineer", contacts.username.in_(members))
    if who == "managers":
        return _emails(session, contacts.audience == "manager")
    if agency_id is None:
        return []
    return _emails(session, contacts.audience == "agency", contacts.agency_id == agency_id)


def _emails(session: Session, *where: Any) -> list[str]:
    live = NotificationContact.deleted_at.is_(None)  # a removed contact is kept as a row, never told
    return list(session.scalars(select(NotificationContact.email).where(live, *where)
                                .order_by(NotificationContact.email)).all())


def _webhooks(session: Session, type: EventType, agency_id: str | None) -> list[str]:
    """Live webhooks subscribed to ``type``: the vendor's, and the fact's agency's own."""
    owners = Webhook.agency_id.is_(None) if agency_id is None else or_(Webhook.agency_id.is_(None),
                                                                         Webhook.agency_id == agency_id)
    rows = session.execute(select(Webhook.id, Webhook.events).where(Webhook.deleted_at.is_(None), owners)
                           .order_by(Webhook.id)).all()
    return [hook_id for hook_id, events in rows if type in events]
