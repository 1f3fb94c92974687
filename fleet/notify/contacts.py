"""Notification contacts: the addresses rules name.

The vendor's admins and managers (``notifications.manage``) keep every contact; an agency's own
key or user keeps its agency's contacts only (the audience is ``agency``, the agency its own;
another agency's contact answers 404 as a missing one does). A removed contact stays as a row
with ``deleted_at`` (the ledger proves every row) and no rule reaches it any more.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleet import audit
from fleet.db import utcnow
from fleet.errors import Conflict, Forbidden, Invalid, NotFound
from fleet.models import Agency, NotificationContact, User
from fleet.pagination import Page, paginate
from fleet.principal import Principal
from fleet.schemas.notify import ContactIn
from fleet.tenancy import get_scoped, scoped


def _require(principal: Principal) -> None:
    """Agency principals keep their own agency's contacts; the vendor needs ``notifications.manage``."""
    if principal.agency_id is not None:
        principal.require("read")
        return
    principal.require("notifications.manage")


def create_contact(session: Session, principal: Principal, data: ContactIn) -> NotificationContact:
    _require(principal)
    audience, agency_id, username = data.audience, data.agency_id, data.username
    if principal.agency_id is not None:
        if audience not in (None, "agency") or username is not None:
            raise Forbidden("an agency keeps its own agency's contacts only (audience agency, no username)",
                            code="forbidden")
        if agency_id not in (None, principal.agency_id):
            raise NotFound(f"agency {agency_id} not found")
        audience, agency_id = "agency", principal.agency_id
    elif audience is None:
        raise Invalid("audience is required: engineer, manager or agency", code="invalid_contact")
    elif audience == "agency":
        if agency_id is None or username is not None:
            raise Invalid("an agency contact names its agency_id and no username", code="invalid_contact")
        get_scoped(session, Agency, agency_id, principal, what="agency")
    elif agency_id is not None:
        raise Invalid(f"a {audience} contact belongs to the vendor: no agency_id", code="invalid_contact")
    elif audience == "engineer":
        if username is None:
            raise Invalid("an engineer contact names the username of the engineer it reaches",
                          code="invalid_contact")
        if session.scalar(select(User.id).where(User.username == username)) is None:
            raise Invalid(f"no user is named {username!r}", code="unknown_user")
    live = session.scalar(select(NotificationContact.id).where(
        NotificationContact.deleted_at.is_(None), NotificationContact.audience == audience,
        NotificationContact.email == data.email,
        NotificationContact.agency_id.is_(None) if agency_id is None else NotificationContact.agency_id == agency_id,
        NotificationContact.username.is_(None) if username is None else NotificationContact.username == username))
    if live is not None:
        raise Conflict(f"contact {live} already has this address for this audience", code="duplicate_contact")
    contact = NotificationContact(agency_id=agency_id, audience=audience, username=username, name=data.name,
                                  email=data.email, created_by=principal.actor, deleted_at=None)
    session.add(contact)
    session.flush()
    audit.record(session, principal, action="notification_contact.create", entity_type="notification_contact",
                 entity_id=contact.id, agency_id=agency_id, after=audit.snapshot(contact), rows=[contact],
                 scope=audit.Scope(None, utcnow()))  # no figure moves
    return contact


def list_contacts(session: Session, principal: Principal, *, limit: int, cursor: str | None,
                  audience: str | None = None, agency_id: str | None = None) -> Page[NotificationContact]:
    """The live contacts the principal keeps, oldest first."""
    _require(principal)
    stmt = scoped(select(NotificationContact), NotificationContact, principal).where(
        NotificationContact.deleted_at.is_(None))
    if audience is not None:
        stmt = stmt.where(NotificationContact.audience == audience)
    if agency_id is not None:
        stmt = stmt.where(NotificationContact.agency_id == agency_id)
    return paginate(session, stmt, NotificationContact.id, limit=limit, cursor=cursor)


def delete_contact(session: Session, principal: Principal, contact_id: str) -> NotificationContact:
    """Remove a contact: no rule reaches it from now on (deliveries already decided stay)."""
    _require(principal)
    contact = get_scoped(session, NotificationContact, contact_id, principal, what="notification contact")
    if contact.deleted_at is not None:
        raise NotFound(f"notification contact {contact_id} not found")
    before = audit.snapshot(contact)
    contact.deleted_at = utcnow()
    session.flush()
    audit.record(session, principal, action="notification_contact.delete", entity_type="notification_contact",
                 entity_id=contact.id, agency_id=contact.agency_id, before=before, after=audit.snapshot(contact),
                 rows=[contact], scope=audit.Scope(None, contact.deleted_at))
    return contact


def addresses_of(session: Session, principal: Principal) -> set[str] | None:
    """The addresses whose mail the principal may read on the mail folder page (lower-case);
    None: every message (admins and managers)."""
    if principal.agency_id is None and principal.can("notifications.manage"):
        return None
    c = NotificationContact
    if principal.agency_id is not None:
        where = [c.audience == "agency", c.agency_id == principal.agency_id]
    elif principal.role == "engineer":
        where = [c.audience == "engineer", c.username == principal.name]
    else:
        return set()
    return {e.lower() for e in session.scalars(select(c.email).where(*where))}
