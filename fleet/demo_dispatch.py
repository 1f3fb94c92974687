"""The demo's dispatch and conversations: engineers on two teams, the open tickets on their desks
partly assigned (a few left unassigned, at risk, for the dispatch board), and the talk that goes
with field service: an agency's question and the answer, public progress notes, internal notes.

Added after the rest of the demo with a random generator of its own, so the demo's existing facts
and figures are exactly what they were (assignments and comments never move a clock).
"""

from __future__ import annotations

import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleet import conversation, dispatch, identity
from fleet.models import Agency, Ticket, User
from fleet.principal import Principal
from fleet.schemas.dispatch import AssignmentIn, CommentIn
from fleet.worklist import OPEN

TEAMS = {  # username → team; "engineer" is the demo's signed-in engineer
    "engineer": "Atlantic", "j.chen": "Atlantic", "s.patel": "Atlantic",
    "r.johansson": "Gulf & West", "k.adeyemi": "Gulf & West", "l.novak": "Gulf & West",
}
ENGINEER_PASSWORD = "demo-engineer"
AGENCY_TEAM = {"NAVFAC": "Atlantic", "USACE": "Gulf & West", "FHWA": "Gulf & West"}

QUESTION = ("Our dive team is scheduled at this berth Thursday 06:00. Will the crawler be out of the water "
            "by then, or should we reschedule?")
ANSWER = ("It will be out. J. Chen recovers it Wednesday at 15:00 and it goes to the workshop for the track "
          "swap; you have the berth from Wednesday evening.")
PUBLIC_NOTES = [
    "Engineer dispatched from the Norfolk depot, estimated on site in 90 minutes.",
    "Fault reproduced on the bench: the drive controller resets under load. Replacement board is on the van.",
    "We need the gate code for the north entrance; the security desk did not have our names on the list.",
    "Unit back in service after a firmware reflash. We will watch its telemetry for the next 24 hours.",
    "Parts ordered (2 × TRK-220 drive track); the supplier confirms delivery Tuesday morning.",
    "Thank you for the photos of the housing, they confirm it is surface damage only.",
]
INTERNAL_NOTES = [
    "Second drive-controller failure on this batch this quarter; raising it with the supplier's quality team.",
    "Customer contact is on leave until Monday; go through the duty officer, not the COR.",
    "Van 3 has the only spare tether in the region; do not send it to Mayport before this one is closed.",
    "Check whether the last firmware push caused this before we promise a root cause.",
    "Parts cost will exceed the call-out cap: get the manager's OK before ordering the second track.",
]
AGENCY_NOTES = [
    "The operator reports the fault came back briefly after lunch; it cleared on its own.",
    "Access is arranged for tomorrow 07:30; ask for the harbour master at gate 2.",
]


def load(session: Session, principal: Principal, *, seed: int = 2026) -> dict[str, int]:
    """Teams, assignments and conversations on the demo's open tickets. Returns counts."""
    rnd = random.Random(seed * 17 + 3)
    made = {"engineers": 0, "assignments": 0, "comments": 0}
    for username, team in TEAMS.items():
        if session.scalar(select(User.id).where(User.username == username)) is None:
            identity.create_user(session, principal, role="engineer", username=username, password=ENGINEER_PASSWORD)
            made["engineers"] += 1
        dispatch.set_team(session, principal, username=username, team=team)
    codes = dict(session.execute(select(Agency.id, Agency.code)).all())
    open_tickets = session.scalars(select(Ticket).where(Ticket.status.in_(OPEN))
                                   .order_by(Ticket.reported_at.desc(), Ticket.id)).all()
    by_team = {team: [u for u, t in TEAMS.items() if t == team] for team in set(TEAMS.values())}
    asked = False
    for i, ticket in enumerate(open_tickets):
        team = AGENCY_TEAM.get(codes.get(ticket.agency_id, ""), "Atlantic")
        if ticket.status == "open" or i % 5 == 0:  # nobody on it yet: the dispatch board's work
            if i % 2:
                _assign(session, principal, ticket, None, team)  # dispatched to a team, not yet taken
                made["assignments"] += 1
            continue
        who = "engineer" if i % 3 != 2 and team == "Atlantic" else rnd.choice(by_team[team])
        _assign(session, principal, ticket, who, team)
        made["assignments"] += 1
        code = codes.get(ticket.agency_id, "")
        made["comments"] += _talk(session, rnd, ticket, who, code, ask=not asked and code == "NAVFAC")
        asked = asked or code == "NAVFAC"
    return made


def _assign(session: Session, principal: Principal, ticket: Ticket, who: str | None, team: str) -> None:
    dispatch.assign(session, principal, ticket.id, AssignmentIn(assignee=who, team=team))


def _talk(session: Session, rnd: random.Random, ticket: Ticket, assignee: str, code: str, *, ask: bool) -> int:
    """A few messages on an assigned ticket from its engineer (and sometimes the agency); the first
    NAVFAC one gets the agency's question, an internal note and the public answer."""
    agency = Principal(id=f"demo-{ticket.agency_id}", name=f"{code} duty officer", role="agency",
                       agency_id=ticket.agency_id, kind="user")
    engineer = _engineer(assignee)
    said: list[tuple[Principal, str, str]] = []
    if ask:
        said += [(agency, QUESTION, "public"), (engineer, INTERNAL_NOTES[2], "internal"),
                 (_engineer("j.chen"), ANSWER, "public")]
    else:
        said.append((engineer, rnd.choice(PUBLIC_NOTES), "public"))
        if rnd.random() < 0.6:
            said.append((engineer, rnd.choice(INTERNAL_NOTES), "internal"))
        if rnd.random() < 0.3:
            said.append((agency, rnd.choice(AGENCY_NOTES), "public"))
    for who, body, visibility in said:
        conversation.add_comment(session, who, ticket.id, CommentIn.model_validate(
            {"body": body, "visibility": visibility}))
    return len(said)


def _engineer(username: str) -> Principal:
    return Principal(id=f"demo-{username}", name=username, role="engineer", kind="user")
