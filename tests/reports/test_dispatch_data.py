"""Time to assign in the contract review's data, and the public conversation in the unit history's,
as recorded by ``as_of``; both left out of the data when empty, so a record without them gives the
bytes it gave before."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from fleet.principal import SYSTEM
from reports.data import report_data_json
from reports.gather import gather_contract_review, gather_unit_history
from tests.builders import add_comment, assign_ticket, make_contract, make_ticket, make_unit, make_user

FROM, TO = date(2026, 3, 1), date(2026, 4, 1)


def test_the_contract_review_data_holds_time_to_assign_as_information(session) -> None:
    contract = make_contract(session)
    unit = make_unit(session, contract=contract)
    first = make_ticket(session, unit=unit, reported_at=datetime(2026, 3, 2, 14, tzinfo=UTC))
    make_ticket(session, unit=unit, reported_at=datetime(2026, 3, 3, 9, tzinfo=UTC))
    before = gather_contract_review(session, SYSTEM, contract_id=contract.id, start_date=FROM, end_date=TO,
                                    as_of=None)
    assert before.dispatch is None and b'"dispatch"' not in report_data_json(before)
    make_user(session, "engineer", username="dana", team="North")
    row = assign_ticket(session, first, "dana")
    data = gather_contract_review(session, SYSTEM, contract_id=contract.id, start_date=FROM, end_date=TO,
                                  as_of=None)
    assert data.dispatch is not None
    assert (data.dispatch.assigned, data.dispatch.never_assigned) == (1, 1)
    (only,) = data.dispatch.tickets
    expected = Decimal(str(round((row.recorded_at - first.reported_at).total_seconds() / 60, 1)))
    assert only.ticket_number == first.number and abs(only.minutes - expected) <= Decimal("0.1")
    assert data.dispatch.sources.tickets == [first.id]
    as_before = gather_contract_review(session, SYSTEM, contract_id=contract.id, start_date=FROM, end_date=TO,
                                       as_of=row.recorded_at - timedelta(microseconds=1))
    assert as_before.dispatch is None  # as of an instant before the assignment, there was none


def test_the_unit_history_data_holds_the_public_conversation_only(session) -> None:
    unit = make_unit(session)
    ticket = make_ticket(session, unit=unit, reported_at=datetime(2026, 3, 2, 14, tzinfo=UTC))
    quiet = gather_unit_history(session, SYSTEM, unit_id=unit.id, start_date=FROM, end_date=TO, as_of=None)
    assert quiet.comments == [] and b'"comments"' not in report_data_json(quiet)
    add_comment(session, ticket, "When can you come?", "public")
    add_comment(session, ticket, "Supplier is late again", "internal")
    data = gather_unit_history(session, SYSTEM, unit_id=unit.id, start_date=FROM, end_date=TO, as_of=None)
    assert [c.body for c in data.comments] == ["When can you come?"]
    assert b"Supplier is late" not in report_data_json(data)
