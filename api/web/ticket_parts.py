"""What the ticket page shows of dispatch and the conversation (its forms post to :mod:`api.web.dispatch`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from fleet import conversation, dispatch
from fleet.principal import Principal
from fleet.ticket_views import TicketDetail
from slas.vocabulary import FINISHED_STATUSES


def ticket_extras(session: Session, principal: Principal, detail: TicketDetail) -> dict[str, Any]:
    """The ticket page's dispatch and conversation parts (see ``_ticket_dispatch.html``)."""
    d = dispatch.dispatch_of(session, [detail.id]).get(detail.id, dispatch.UNASSIGNED)
    can_dispatch = principal.can("tickets.dispatch")
    engineer = principal.role == "engineer" and principal.can("tickets.assign")
    return {
        "dispatch": d, "time_to_assign": dispatch.minutes_to_assign(detail.reported_at, d),
        "assignments": dispatch.assignments(session, detail.id)
        if principal.can("tickets.assign") else [],
        "can_dispatch": can_dispatch and detail.status != "closed",
        "can_take": engineer and d.assignee is None and detail.status != "closed",
        "can_hand_back": engineer and d.assignee == principal.name and detail.status != "closed",
        "engineers": dispatch.engineers(session) if can_dispatch else [],
        "comments": conversation.thread(session, principal, detail.id),
        "can_comment": principal.can("comments.write"), "can_internal": principal.can("comments.internal"),
        "can_rate": principal.can("ratings.write") and detail.status in FINISHED_STATUSES
        and detail.rating is None,
    }
