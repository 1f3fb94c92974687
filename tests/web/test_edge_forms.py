"""Edge inputs on the web forms: each answers the form's own message (a 4xx page), stores
nothing, and answers the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.builders import row_counts
from tests.web.conftest import World, csrf_of, form_keys


def _work_form(client: TestClient, ticket_id: str, **fields: object) -> dict[str, object]:
    html = client.get(f"/tickets/{ticket_id}").text
    now = datetime.now(UTC).astimezone(ZoneInfo("America/New_York"))
    return {"csrf_token": csrf_of(html), "form_key": form_keys(html)[-1], "engineer": "A. Moreno",
            "activity": "repair", "started_at": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "ended_at": now.strftime("%Y-%m-%dT%H:%M"), **fields}


@pytest.mark.parametrize(("fields", "message"), [
    ({"started_at": "0001-01-01T00:00", "ended_at": "0001-01-01T01:00"}, "out of range"),
    ({"started_at": "9999-12-31T22:00", "ended_at": "9999-12-31T23:59"}, "out of range"),
    ({"started_at": "0001-01-01T00:00+05:00"}, "out of range"),
    ({"ended_at": "9999-12-31T23:59:59-05:00"}, "out of range"),
    ({"part_number": ["TRK-220"], "quantity": ["²"]}, "whole quantity"),
    ({"part_number": ["TRK-220"], "quantity": ["٣"]}, "whole quantity"),
    ({"part_number": ["TRK\u200b-220"], "quantity": ["1"]}, "U+200B"),
    ({"notes": "fixed \u202e it"}, "U+202E"),
    ({"engineer": "A\x00B"}, "NUL"),
    ({"form_key": "abc\x00def"}, "reload the page"),
    ({"form_key": "x" * 300}, "reload the page"),
])
def test_a_bad_work_log_form_shows_its_message_and_stores_nothing(engineer: TestClient, world: World,
                                                                  session: Session, fields, message) -> None:
    tid = world.ticket.id
    form = _work_form(engineer, tid, **fields)
    before = row_counts(session)
    response = engineer.post(f"/tickets/{tid}/work-logs", data=form)
    assert response.status_code == 422, response.text[-2000:]
    assert "The work log was not saved" in response.text and message in response.text, response.text[-3000:]
    assert row_counts(session) == before


@pytest.mark.parametrize(("fields", "message"), [
    ({"occurred_at": "0001-01-01T00:00"}, "out of range"),
    ({"occurred_at": "9999-12-31T23:59"}, "out of range"),
    ({"form_key": "k\x00"}, "reload the page"),
])
def test_a_bad_action_form_shows_its_message_and_stores_nothing(engineer: TestClient, world: World,
                                                                session: Session, fields, message) -> None:
    tid = world.ticket.id
    html = engineer.get(f"/tickets/{tid}").text
    form = {"csrf_token": csrf_of(html), "form_key": form_keys(html)[0], "type": "acknowledged", **fields}
    before = row_counts(session)
    response = engineer.post(f"/tickets/{tid}/events", data=form)
    assert response.status_code == 422, response.text[-2000:]
    assert "was not recorded" in response.text and message in response.text
    assert row_counts(session) == before


@pytest.mark.parametrize("month", ["0001-01", "9999-12", "1899-12", "2026-13", "２０２６-０３", "2026-3"])
def test_a_contract_page_refuses_an_out_of_range_month_with_a_readable_page(manager: TestClient, world: World,
                                                                           month: str) -> None:
    response = manager.get(f"/contracts/{world.contract.id}", params={"month": month})
    assert response.status_code == 422, response.text[-1500:]
    assert "Month &#39;" in response.text  # the message names the month it refused


@pytest.mark.parametrize("as_of", ["0001-01-01T00:00:00", "9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00"])
def test_the_report_form_refuses_an_out_of_range_as_of(manager: TestClient, world: World, session: Session,
                                                       as_of: str) -> None:
    html = manager.get("/reports").text
    before = row_counts(session)
    response = manager.post("/reports", data={"csrf_token": csrf_of(html), "kind": "contract_review",
                                              "contract_id": world.contract.id, "from": "2026-01-01",
                                              "to": "2026-02-01", "as_of": as_of})
    assert response.status_code == 422, response.text[-1500:]
    assert "No report was issued" in response.text and "out of range" in response.text
    assert row_counts(session) == before
