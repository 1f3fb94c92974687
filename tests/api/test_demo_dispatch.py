"""The demo's dispatch and conversations: two teams, assigned and unassigned open work, varied
public and internal messages, an agency's question answered, all audited."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from fleet import audit, demo, demo_dispatch, dispatch, sla_service
from fleet.models import Ticket, TicketComment
from fleet.principal import SYSTEM
from fleet.worklist import OPEN


def test_the_demo_has_teams_assigned_work_unassigned_risk_and_real_conversations(session):
    made = demo.load(session, SYSTEM, now=datetime.now(UTC), scale=0.04)
    assert made["assignments"] > 0 and made["comments"] > 0
    teams = {e.team for e in dispatch.engineers(session)}
    assert {"Atlantic", "Gulf & West"} <= teams
    open_ids = list(session.scalars(select(Ticket.id).where(Ticket.status.in_(OPEN))))
    state = dispatch.dispatch_of(session, open_ids)
    assigned = [t for t in open_ids if state.get(t) and state[t].assignee]
    unassigned = [t for t in open_ids if t not in assigned]
    assert assigned and unassigned
    assert any(state[t].assignee == "engineer" for t in assigned)  # the demo engineer has work of their own
    risky = {r.ticket_id for r in sla_service.at_risk(session, SYSTEM, limit=500)}
    assert risky & set(unassigned), "the dispatch board should have unassigned tickets at risk"
    comments = session.scalars(select(TicketComment)).all()
    assert {c.visibility for c in comments} == {"public", "internal"}
    assert len({c.body for c in comments}) >= 5  # varied, not one sentence repeated
    assert any(c.side == "agency" and c.body == demo_dispatch.QUESTION for c in comments)
    assert any(c.side == "vendor" and c.body == demo_dispatch.ANSWER for c in comments)
    assert audit.verify(session).ok
