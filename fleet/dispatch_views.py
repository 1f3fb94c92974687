"""Read models for the dispatch pages: an engineer's "My work" in groups (their own tickets first,
then the unassigned ones of their team, then those of no team), and the manager's dispatch board
(unassigned and at-risk tickets). Urgency order within a group is :func:`fleet.worklist.open_work`'s."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from fleet import dispatch, worklist
from fleet.dispatch import UNASSIGNED, Dispatch
from fleet.principal import Principal
from fleet.worklist import WorkItem


@dataclass(frozen=True)
class Row:
    """An open ticket with its clock and its assignment."""

    item: WorkItem
    dispatch: Dispatch

    def __getattr__(self, name: str) -> object:  # the template reads the item's fields through the row
        return getattr(self.item, name)


@dataclass
class Group:
    key: str
    title: str
    empty: str
    rows: list[Row] = field(default_factory=list)


def _rows(session: Session, principal: Principal, now: datetime | None) -> list[Row]:
    items = worklist.open_work(session, principal, now=now)
    found = dispatch.dispatch_of(session, [i.ticket_id for i in items])
    return [Row(i, found.get(i.ticket_id, UNASSIGNED)) for i in items]


def work_groups(session: Session, principal: Principal, *, now: datetime | None = None) -> list[Group]:
    """The groups of "My work" for this principal. An engineer: assigned to them, unassigned in
    their team, unassigned with no team (nobody's yet); tickets assigned to others are not theirs
    to see here. Anyone else: one group of every open ticket they may see."""
    rows = _rows(session, principal, now)
    if principal.role != "engineer":
        return [Group("open", "Open tickets", "No open tickets.", rows)]
    team = dispatch.team_of(session, principal.name)
    mine = Group("mine", "Assigned to you", "Nothing is assigned to you right now.")
    ours = Group("team", f"Unassigned in team {team}" if team else "Unassigned in your team",
                 "Your team has no unassigned tickets.")
    loose = Group("unteamed", "Unassigned, no team yet", "Every open ticket has a team.")
    for r in rows:
        d = r.dispatch
        if d.assignee == principal.name:
            mine.rows.append(r)
        elif d.assignee is None and team is not None and d.team == team:
            ours.rows.append(r)
        elif d.assignee is None and d.team is None:
            loose.rows.append(r)
    return [mine, ours, loose] if team else [mine, loose]


@dataclass(frozen=True)
class Board:
    unassigned: list[Row]
    at_risk: list[Row]  # assigned, but breached or at risk
    engineers: list[dispatch.Engineer]
    teams: list[str]


def board(session: Session, principal: Principal, *, now: datetime | None = None) -> Board:
    """The manager's dispatch board: every unassigned open ticket, then assigned ones whose clock
    is breached or at risk, most urgent first."""
    principal.require("tickets.dispatch")
    rows = _rows(session, principal, now)
    engineers = dispatch.engineers(session)
    return Board(unassigned=[r for r in rows if r.dispatch.assignee is None],
                 at_risk=[r for r in rows if r.dispatch.assignee is not None and r.item.urgency in ("breached",
                                                                                                   "at-risk")],
                 engineers=engineers, teams=sorted({e.team for e in engineers if e.team}))
