"""One conversation per ticket: comments with a visibility.

``public`` comments are read by the agency and the vendor; ``internal`` ones only by the vendor's
side (principals with ``comments.internal``: engineers, managers, admins). The rule is applied
here, in every read (:func:`visible`), so no page, list, export or report can forget it.
Comments are append-only facts (a correction is a new comment), audited, and never touch a clock.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from fleet import audit
from fleet.db import new_id, utcnow
from fleet.errors import Forbidden
from fleet.models import Ticket, TicketComment
from fleet.pagination import Page, paginate
from fleet.principal import Principal
from fleet.schemas.dispatch import CommentIn
from fleet.tenancy import get_scoped


def visible(principal: Principal) -> list[ColumnElement[bool]]:
    """The WHERE clauses that keep a principal to the comments it may read."""
    return [] if principal.can("comments.internal") else [TicketComment.visibility == "public"]


def side_of(principal: Principal) -> str:
    return "agency" if principal.agency_id is not None or principal.role == "agency" else "vendor"


def add_comment(session: Session, principal: Principal, ticket_id: str, data: CommentIn) -> TicketComment:
    principal.require("comments.write")
    if data.visibility == "internal" and not principal.can("comments.internal"):
        raise Forbidden("an agency writes public comments only", code="internal_comment_forbidden")
    ticket = get_scoped(session, Ticket, ticket_id, principal, what="ticket")
    comment = TicketComment(id=new_id(), agency_id=ticket.agency_id, ticket_id=ticket.id, visibility=data.visibility,
                            side=side_of(principal), author=principal.name, actor=principal.actor, body=data.body,
                            recorded_at=utcnow())
    session.add(comment)
    session.flush()
    audit.record(session, principal, action=f"ticket.comment.{data.visibility}", entity_type="ticket_comment",
                 entity_id=comment.id, agency_id=ticket.agency_id, after=audit.snapshot(comment), rows=[comment],
                 scope=audit.Scope(ticket.contract_id, comment.recorded_at))  # no figure moves
    return comment


def list_comments(session: Session, principal: Principal, ticket_id: str, *, limit: int,
                  cursor: str | None) -> Page[Any]:
    """A page of the ticket's conversation the principal may read, oldest first."""
    principal.require("read")
    ticket = get_scoped(session, Ticket, ticket_id, principal, what="ticket")
    stmt = select(TicketComment).where(TicketComment.ticket_id == ticket.id, *visible(principal))
    return paginate(session, stmt, TicketComment.id, limit=limit, cursor=cursor)


def thread(session: Session, principal: Principal, ticket_id: str) -> list[TicketComment]:
    """The whole conversation the principal may read (for the ticket page), oldest first."""
    principal.require("read")
    ticket = get_scoped(session, Ticket, ticket_id, principal, what="ticket")
    return list(session.scalars(select(TicketComment).where(TicketComment.ticket_id == ticket.id, *visible(principal))
                                .order_by(TicketComment.recorded_at, TicketComment.id)))


def public_comments(session: Session, ticket_ids: Sequence[str], *, as_of: datetime) -> dict[str, list[TicketComment]]:
    """The public comments of these tickets recorded by ``as_of`` (for agency-facing documents:
    never an internal one), per ticket, oldest first."""
    out: dict[str, list[TicketComment]] = defaultdict(list)
    ids = list(ticket_ids)
    for i in range(0, len(ids), 500):
        for c in session.scalars(select(TicketComment).where(
                TicketComment.ticket_id.in_(ids[i:i + 500]), TicketComment.visibility == "public",
                TicketComment.recorded_at <= as_of).order_by(TicketComment.recorded_at, TicketComment.id)):
            out[c.ticket_id].append(c)
    return out
