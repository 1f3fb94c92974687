"""Dispatch: who works a ticket. Teams of engineers, assignment facts, and the read side
(each ticket's assignment as of an instant, time to assign).

An assignment is a fact in ``ticket_assignments`` (append-only, audited), never a ticket event:
the SLA clocks replay events only, so assigning never moves a clock. The assignment as of an
instant is the latest fact recorded by then.

Who may do what: a manager (``tickets.dispatch``) assigns, reassigns (with a reason) and hands
back anyone's ticket, and may dispatch to a team; an engineer (``tickets.assign``) takes an
unassigned ticket for themself or hands their own back. Only active engineer users can be assignees.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from fleet import audit
from fleet.db import new_id, utcnow
from fleet.errors import Conflict, Forbidden, Invalid, NotFound
from fleet.models import TeamMembership, Ticket, TicketAssignment, User
from fleet.principal import Principal
from fleet.schemas.dispatch import AssignmentIn
from fleet.tenancy import get_scoped

if TYPE_CHECKING:  # fleet.ticket_views imports this module (a page of tickets reads their assignments)
    from fleet.ticket_views import TicketDetail

_ASSIGNMENTS = cast(Table, TicketAssignment.__table__)
CLOSED = ("closed",)


@dataclass(frozen=True)
class Engineer:
    username: str
    team: str | None


@dataclass(frozen=True)
class Dispatch:
    """A ticket's assignment as of an instant: who, which team, since when, and when it was
    first given to someone (for time to assign)."""

    assignee: str | None = None
    team: str | None = None
    since: datetime | None = None
    first_assigned_at: datetime | None = None


UNASSIGNED = Dispatch()


@dataclass(frozen=True, slots=True, kw_only=True)
class AssignmentView:
    """An assignment fact as a ticket's history shows it (``reason`` withheld from an agency)."""

    id: str
    ticket_id: str
    assignee: str | None
    team: str | None
    reason: str | None
    actor: str
    recorded_at: datetime


# --- teams ------------------------------------------------------------------------------------
def engineers(session: Session) -> list[Engineer]:
    """Active engineer users with their team, by team then name."""
    rows = session.execute(
        select(User.username, TeamMembership.team).outerjoin(TeamMembership, TeamMembership.user_id == User.id)
        .where(User.role == "engineer", User.disabled_at.is_(None))).all()
    return sorted((Engineer(u, t) for u, t in rows), key=lambda e: (e.team or "~", e.username))


def team_of(session: Session, username: str) -> str | None:
    return session.scalar(select(TeamMembership.team).join(User, User.id == TeamMembership.user_id)
                          .where(User.username == username))


def set_team(session: Session, principal: Principal, *, username: str, team: str) -> TeamMembership:
    """Put a user in a team (moving them from the one they were in). Audited with the row it leaves."""
    principal.require("identity.manage")
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFound(f"no user named {username!r}", code="unknown_user")
    team = team.strip()
    if not team or len(team) > 80 or "\x00" in team:
        raise Invalid("a team name has 1 to 80 characters", code="invalid_team")
    member = session.scalars(select(TeamMembership).where(TeamMembership.user_id == user.id)).first()
    before = audit.snapshot(member) if member is not None else None
    if member is None:
        member = TeamMembership(user_id=user.id, team=team, recorded_at=utcnow(), created_by=principal.actor)
        session.add(member)
    else:
        member.team, member.recorded_at, member.created_by = team, utcnow(), principal.actor
    session.flush()
    audit.record(session, principal, action="user.team", entity_type="team_membership", entity_id=member.id,
                 agency_id=None, before=before, after=audit.snapshot(member), rows=[member])
    return member


# --- reading ----------------------------------------------------------------------------------
def dispatch_where(session: Session, ticket_filter: Sequence[Any], *, as_of: datetime | None = None
                   ) -> dict[str, Dispatch]:
    """The assignment of each ticket matching ``ticket_filter`` (on ``Ticket`` columns) as of
    ``as_of`` (default: now), in one query. Tickets never assigned are absent."""
    where = [*ticket_filter]
    if as_of is not None:
        where.append(_ASSIGNMENTS.c.recorded_at <= as_of)
    rows = session.connection().execute(
        select(_ASSIGNMENTS.c.ticket_id, _ASSIGNMENTS.c.assignee, _ASSIGNMENTS.c.team, _ASSIGNMENTS.c.recorded_at)
        .join(Ticket, Ticket.id == _ASSIGNMENTS.c.ticket_id).where(*where)
        .order_by(_ASSIGNMENTS.c.ticket_id, _ASSIGNMENTS.c.recorded_at, _ASSIGNMENTS.c.id)).all()
    out: dict[str, Dispatch] = {}
    for ticket_id, assignee, team, at in rows:
        first = out[ticket_id].first_assigned_at if ticket_id in out else None
        if first is None and assignee is not None:
            first = at
        out[ticket_id] = Dispatch(assignee, team, at, first)
    return out


def dispatch_of(session: Session, ticket_ids: Iterable[str], *, as_of: datetime | None = None
                ) -> dict[str, Dispatch]:
    ids = list(ticket_ids)
    out: dict[str, Dispatch] = {}
    for i in range(0, len(ids), 500):
        out.update(dispatch_where(session, [Ticket.id.in_(ids[i:i + 500])], as_of=as_of))
    return out


def minutes_to_assign(reported_at: datetime, d: Dispatch) -> float | None:
    """Reported → first assignment to an engineer, in minutes (None: never assigned)."""
    if d.first_assigned_at is None:
        return None
    return round(max(0.0, (d.first_assigned_at - reported_at).total_seconds()) / 60, 1)


def with_dispatch(session: Session, principal: Principal, detail: TicketDetail) -> TicketDetail:
    """A ticket's detail with its assignment, its assignment history and time to assign. The
    reasons are the vendor's own business: a principal that may not read internal comments
    (an agency) gets the history without them."""
    reasons = principal.can("comments.internal")
    history = tuple(AssignmentView(id=a.id, ticket_id=a.ticket_id, assignee=a.assignee, team=a.team,
                                   reason=a.reason if reasons else None, actor=a.actor, recorded_at=a.recorded_at)
                    for a in session.scalars(select(TicketAssignment).where(TicketAssignment.ticket_id == detail.id)
                                             .order_by(TicketAssignment.recorded_at, TicketAssignment.id)))
    d = dispatch_of(session, [detail.id]).get(detail.id, UNASSIGNED)
    return replace(detail, assignee=d.assignee, team=d.team, assignments=history,
                   time_to_assign_minutes=minutes_to_assign(detail.reported_at, d))


# --- writing ----------------------------------------------------------------------------------
def assign(session: Session, principal: Principal, ticket_id: str, data: AssignmentIn) -> TicketAssignment:
    """Record who works the ticket from now on (see the module docstring for the rules)."""
    principal.require("tickets.assign")
    ticket = get_scoped(session, Ticket, ticket_id, principal, what="ticket")
    if ticket.status in CLOSED:
        raise Conflict(f"ticket {ticket.number} is closed; reopen it before assigning it", code="ticket_closed")
    head = audit.lock_head(session)  # every writer queues here: read the assignment only once it is ours
    current = dispatch_of(session, [ticket.id]).get(ticket.id, UNASSIGNED)
    team = _check(session, principal, current, data)
    if (data.assignee, team) == (current.assignee, current.team):
        who = data.assignee or "nobody"
        raise Conflict(f"ticket {ticket.number} is already assigned to {who}", code="already_assigned")
    row = TicketAssignment(id=new_id(), agency_id=ticket.agency_id, ticket_id=ticket.id, assignee=data.assignee,
                           team=team, reason=data.reason, actor=principal.actor, recorded_at=utcnow())
    session.add(row)
    session.flush()
    action = "ticket.assign" if data.assignee else "ticket.unassign"
    audit.record(session, principal, action=action, entity_type="ticket_assignment", entity_id=row.id,
                 agency_id=ticket.agency_id, reason=data.reason,
                 before={"assignee": current.assignee, "team": current.team}, after=audit.snapshot(row),
                 rows=[row], scope=audit.Scope(ticket.contract_id, row.recorded_at),  # no figure moves
                 head=head)
    from fleet.notify import hooks  # the outbox imports this module (see fleet.notify.hooks)

    hooks.ticket_assigned(session, principal, ticket, row)
    return row


def _check(session: Session, principal: Principal, current: Dispatch, data: AssignmentIn) -> str | None:
    """The team the new assignment has; raises when the principal may not make it."""
    if data.assignee is not None and data.assignee not in {e.username for e in engineers(session)}:
        raise Invalid(f"{data.assignee!r} is not an active engineer", code="unknown_engineer")
    if principal.can("tickets.dispatch"):
        taking_away = current.assignee is not None and data.assignee != current.assignee
        if taking_away and current.assignee != principal.name and not data.reason:
            raise Invalid(f"say why the ticket is taken from {current.assignee} (reason)", code="reason_required")
        if data.team is not None:
            return data.team
        if data.assignee is not None:
            return team_of(session, data.assignee) or current.team
        return current.team
    if data.team is not None and data.team != current.team:
        raise Forbidden("only a manager dispatches a ticket to a team", code="dispatch_forbidden")
    if data.assignee is not None:
        if data.assignee != principal.name:
            raise Forbidden("an engineer can take a ticket for themself only", code="dispatch_forbidden")
        if current.assignee not in (None, principal.name):
            raise Conflict(f"this ticket is assigned to {current.assignee}; ask a manager to reassign it",
                           code="assigned_to_someone_else")
        return team_of(session, data.assignee) or current.team
    if current.assignee != principal.name:
        raise Forbidden("an engineer can hand back only a ticket assigned to them", code="dispatch_forbidden")
    return current.team


def assignments(session: Session, ticket_id: str) -> list[TicketAssignment]:
    """A ticket's assignments in the order they were recorded (the caller has checked the ticket)."""
    return list(session.scalars(select(TicketAssignment).where(TicketAssignment.ticket_id == ticket_id)
                                .order_by(TicketAssignment.recorded_at)))
