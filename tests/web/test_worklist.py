"""The read models behind the pages agree with the services they stand in for."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from fleet import sla_service, worklist
from fleet.principal import SYSTEM
from tests.builders import add_event, make_ticket
from tests.web.conftest import World


def test_contract_months_equals_compliance_asked_month_by_month(session: Session, world: World) -> None:
    now = datetime.now(UTC)
    this = date(now.year, now.month, 1)
    last = date(this.year - (this.month == 1), (this.month - 2) % 12 + 1, 1)
    nxt = date(this.year + (this.month == 12), this.month % 12 + 1, 1)
    old = make_ticket(session, unit=world.unit, priority="P1",
                      reported_at=datetime(last.year, last.month, 10, 12, tzinfo=UTC), summary="last month")
    add_event(session, old, "acknowledged", old.reported_at + timedelta(hours=3))  # breached response
    make_ticket(session, unit=world.unit, priority="P2", reported_at=now - timedelta(hours=2))
    months = [(last, this), (this, nxt)]
    now = datetime.now(UTC)  # after the tickets were recorded
    together = worklist.contract_months(session, SYSTEM, world.contract.id, months, now=now)
    for (start, end), got in zip(months, together, strict=True):
        alone = sla_service.contract_compliance(session, SYSTEM, world.contract.id, start_date=start, end_date=end,
                                                at=now, as_of=now)
        assert replace(got, as_of=now, at=now) == replace(alone, as_of=now, at=now)
    assert together[0].tickets == 1 and together[0].passed is False
    assert together[1].tickets == 2  # this month: the world's P1 and the new P2


def test_open_work_puts_breached_first_and_leaves_resolved_tickets_out(session: Session, world: World) -> None:
    now = datetime.now(UTC)
    late = make_ticket(session, unit=world.unit, priority="P1", reported_at=now - timedelta(hours=3))
    done = make_ticket(session, unit=world.unit, priority="P2", reported_at=now - timedelta(hours=1))
    add_event(session, done, "resolved", now - timedelta(minutes=5))
    items = worklist.open_work(session, SYSTEM)
    ids = [i.ticket_id for i in items]
    assert ids[0] == late.id and items[0].urgency == "breached"
    assert done.id not in ids and world.ticket.id in ids
