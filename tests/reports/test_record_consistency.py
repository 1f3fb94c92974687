"""A record that is not consistent as of the report's instant (a ticket on record whose unit was
registered later, as a loader that stamps the registry "now" and its history in the past makes)
is refused with a clear domain error naming the ticket and the unit, never a ``KeyError``."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import update

from fleet.errors import Conflict
from fleet.models import Ticket
from fleet.principal import SYSTEM
from reports.gather import gather_contract_review, gather_track_record
from tests.builders import make_contract, make_ticket, make_unit

AS_OF = datetime(2026, 4, 1, tzinfo=UTC)


def test_a_ticket_whose_unit_was_registered_after_as_of_is_named_in_a_conflict(session) -> None:  # type: ignore[no-untyped-def]
    contract = make_contract(session)
    on_record = make_unit(session, contract=contract, registered_at=datetime(2025, 12, 1, tzinfo=UTC))
    late_unit = make_unit(session, contract=contract, registered_at=datetime(2026, 5, 1, tzinfo=UTC))
    make_ticket(session, unit=on_record)
    ticket = make_ticket(session, unit=late_unit)
    session.execute(update(Ticket).where(Ticket.id == ticket.id)  # backdated, as a careless loader would
                    .values(recorded_at=datetime(2026, 3, 2, 14, 5, tzinfo=UTC)))
    session.expire_all()
    with pytest.raises(Conflict) as caught:
        gather_contract_review(session, SYSTEM, contract_id=contract.id, start_date=date(2026, 3, 1),
                               end_date=date(2026, 4, 1), as_of=AS_OF)
    assert caught.value.code == "inconsistent_record"
    assert ticket.number in str(caught.value) and late_unit.id in str(caught.value)
    assert "2026-05-01" in str(caught.value)
    with pytest.raises(Conflict, match=ticket.number):
        gather_track_record(session, SYSTEM, contract_ids=[contract.id], start_date=date(2026, 3, 1),
                            end_date=date(2026, 4, 1), as_of=AS_OF)


def test_the_same_record_as_of_after_the_unit_was_registered_reports(session) -> None:  # type: ignore[no-untyped-def]
    contract = make_contract(session)
    unit = make_unit(session, contract=contract, registered_at=datetime(2026, 1, 1, tzinfo=UTC))
    ticket = make_ticket(session, unit=unit)
    session.execute(update(Ticket).where(Ticket.id == ticket.id)
                    .values(recorded_at=datetime(2026, 3, 2, 14, 5, tzinfo=UTC)))
    session.expire_all()
    data = gather_contract_review(session, SYSTEM, contract_id=contract.id, start_date=date(2026, 3, 1),
                                  end_date=date(2026, 4, 1), as_of=AS_OF)
    assert [t.unit_serial for t in data.tickets] == [unit.serial]
