"""Webhooks: registered through the API, and the delivery log that shows what reached them.

An agency's key registers webhooks for its own agency (they receive that agency's events only:
:func:`fleet.notify.outbox.emit`), sees and deletes only those; admins and managers register the
vendor's (``agency_id`` None, every agency's events) and see all. The secret (``whsec_`` and the
base64 of 24 random bytes) is returned once, by :func:`register`; no read shows it again.

The destination is checked (:mod:`fleet.notify.destinations`) *before* the first statement of the
transaction: a DNS lookup is slow, and on SQLite a write request holds the write lock from its
first statement.
"""

from __future__ import annotations

import base64
import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from fleet import audit
from fleet.db import new_id, utcnow
from fleet.models import Delivery, Notification, NotificationContact, Webhook
from fleet.notify import deliveries, destinations
from fleet.notify.destinations import AllowedHosts, Resolver
from fleet.pagination import Page, paginate
from fleet.principal import Principal
from fleet.schemas.notify import WebhookIn
from fleet.tenancy import get_scoped, scoped


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def register(session: Session, principal: Principal, data: WebhookIn, *, allowed: AllowedHosts,
             resolve: Resolver | None = None) -> Webhook:
    """Register a webhook (an agency's key: for its agency; admin, manager: the vendor's). The
    row holds the secret: the registration's answer is the only one that shows it."""
    principal.require("webhooks.manage")
    destinations.check(data.url, allowed, resolve)
    hook = Webhook(id=new_id(), agency_id=principal.agency_id, url=data.url, events=list(dict.fromkeys(data.events)),
                   secret=new_secret(), created_by=principal.actor, deleted_at=None, created_at=utcnow())
    session.add(hook)
    session.flush()
    audit.record(session, principal, action="webhook.register", entity_type="webhook", entity_id=hook.id,
                 agency_id=hook.agency_id, after=audit.snapshot(hook, exclude=("secret",)), rows=[hook])
    return hook


def get(session: Session, principal: Principal, webhook_id: str) -> Webhook:
    """One webhook the principal may see (deleted ones too: their log stays readable)."""
    principal.require("webhooks.manage")
    return get_scoped(session, Webhook, webhook_id, principal, what="webhook")


def list_webhooks(session: Session, principal: Principal, *, limit: int, cursor: str | None) -> Page[Any]:
    """The live webhooks the principal may see, oldest first."""
    principal.require("webhooks.manage")
    stmt = scoped(select(Webhook).where(Webhook.deleted_at.is_(None)), Webhook, principal)
    return paginate(session, stmt, Webhook.id, limit=limit, cursor=cursor)


def delete(session: Session, principal: Principal, webhook_id: str) -> None:
    """Stop delivering to a webhook (its pending deliveries fail as permanent; its log stays).
    Deleting a deleted webhook changes nothing."""
    hook = get(session, principal, webhook_id)
    if hook.deleted_at is not None:
        return
    before = audit.snapshot(hook, exclude=("secret",))
    hook.deleted_at = utcnow()
    session.flush()
    audit.record(session, principal, action="webhook.delete", entity_type="webhook", entity_id=hook.id,
                 agency_id=hook.agency_id, before=before, after=audit.snapshot(hook, exclude=("secret",)),
                 rows=[hook])


# --- the delivery log -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class DeliveryEntry:
    """One delivery in the log: the row's fields and its notification's ``type``."""

    id: str
    notification_id: str
    type: str | None
    channel: str
    target: str
    status: str
    attempts: int
    last_error: str | None
    delivered_at: datetime | None
    next_attempt_at: datetime
    created_at: datetime


@dataclass(frozen=True, slots=True)
class NotificationEntry:
    """One notification in the log, with the deliveries the reader may see (oldest first)."""

    id: str
    type: str
    occurred_at: datetime
    agency_id: str | None
    contract_id: str | None
    ticket_id: str | None
    data: dict[str, Any]
    created_at: datetime
    deliveries: tuple[DeliveryEntry, ...]


def _entry(d: Delivery, type: str | None) -> DeliveryEntry:
    return DeliveryEntry(id=d.id, notification_id=d.notification_id, type=type, channel=d.channel, target=d.target,
                         status=d.status, attempts=d.attempts, last_error=d.last_error, delivered_at=d.delivered_at,
                         next_attempt_at=d.next_attempt_at, created_at=d.created_at)


def webhook_deliveries(session: Session, principal: Principal, webhook_id: str, *, limit: int,
                       cursor: str | None) -> Page[DeliveryEntry]:
    """The deliveries to one webhook, latest first, with their notification's type."""
    hook = get(session, principal, webhook_id)
    stmt = select(Delivery).where(Delivery.channel == "webhook", Delivery.target == hook.id)
    found = paginate(session, stmt, Delivery.id, limit=limit, cursor=cursor, newest_first=True)
    types = _types(session, {d.notification_id for d in found.items})
    return Page([_entry(d, types.get(d.notification_id)) for d in found.items], found.next_cursor)


def _types(session: Session, notification_ids: set[str]) -> dict[str, str]:
    if not notification_ids:
        return {}
    rows = session.execute(select(Notification.id, Notification.type).where(Notification.id.in_(notification_ids)))
    return {note_id: type_ for note_id, type_ in rows}


def own_destinations(principal: Principal) -> ColumnElement[bool] | None:
    """The deliveries an agency principal may see: to its own webhooks and its own contacts
    (None: all, for the vendor's side)."""
    if principal.agency_id is None:
        return None
    hooks = select(Webhook.id).where(Webhook.agency_id == principal.agency_id)
    contacts = select(NotificationContact.email).where(NotificationContact.audience == "agency",
                                                       NotificationContact.agency_id == principal.agency_id)
    return or_(and_(Delivery.channel == "webhook", Delivery.target.in_(hooks)),
               and_(Delivery.channel == "email", Delivery.target.in_(contacts)))


def list_notifications(session: Session, principal: Principal, *, limit: int,
                       cursor: str | None) -> Page[NotificationEntry]:
    """The notifications the principal may see, latest first (an agency: its own agency's), each
    with the deliveries it may see (an agency: those to its own destinations)."""
    principal.require("webhooks.manage")
    stmt = scoped(select(Notification), Notification, principal)
    found = paginate(session, stmt, Notification.id, limit=limit, cursor=cursor, newest_first=True)
    notes: list[Notification] = found.items
    by_note: dict[str, list[Delivery]] = defaultdict(list)
    if notes:
        mine = own_destinations(principal)
        where = [Delivery.notification_id.in_([n.id for n in notes]), *([] if mine is None else [mine])]
        rows = session.scalars(select(Delivery).where(*where).order_by(Delivery.id))
        for d in rows:
            by_note[d.notification_id].append(d)
    items = [NotificationEntry(id=n.id, type=n.type, occurred_at=n.occurred_at, agency_id=n.agency_id,
                               contract_id=n.contract_id, ticket_id=n.ticket_id, data=n.data,
                               created_at=n.created_at, deliveries=tuple(_entry(d, n.type) for d in by_note[n.id]))
             for n in notes]
    return Page(items, found.next_cursor)


def retry(session: Session, principal: Principal, delivery_id: str, *, now: datetime | None = None) -> DeliveryEntry:
    """An admin's (or manager's) retry of a dead delivery (409 ``not_dead`` otherwise)."""
    d = deliveries.retry(session, principal, delivery_id, now=now or utcnow())
    type_ = session.scalar(select(Notification.type).where(Notification.id == d.notification_id))
    return _entry(d, type_)


def delivery_log(session: Session, principal: Principal, *, limit: int = 200) -> list[dict[str, Any]]:
    """The latest deliveries for the admin page: each with its notification and destination."""
    principal.require("notifications.manage")
    rows = session.execute(
        select(Delivery, Notification.type, Notification.occurred_at, Notification.data, Webhook.url)
        .join(Notification, Notification.id == Delivery.notification_id)
        .outerjoin(Webhook, (Delivery.channel == "webhook") & (Webhook.id == Delivery.target))
        .order_by(Delivery.id.desc()).limit(limit)).all()
    return [{"d": d, "type": type_, "occurred_at": occurred_at, "ticket_number": (data or {}).get("ticket_number"),
             "ticket_id": (data or {}).get("ticket_id"), "contract_number": (data or {}).get("contract_number"),
             "destination": url if url is not None else d.target} for d, type_, occurred_at, data, url in rows]
