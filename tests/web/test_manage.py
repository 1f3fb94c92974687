"""The contract manager's pages: contracts overview, a contract, reports (issue, list, download), verify."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fleet.models import Report
from reports.verify import verify_pdf
from tests.builders import make_ticket, row_counts
from tests.reports.conftest import needs_weasyprint
from tests.web.conftest import World, csrf_of


def _month_bounds() -> tuple[str, str]:
    today = datetime.now(UTC).date()
    start = date(today.year, today.month, 1)
    end = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return start.isoformat(), end.isoformat()


def _reports(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Report)) or 0


def _issue(client: TestClient, **fields: str) -> object:
    html = client.get("/reports").text
    start, end = _month_bounds()
    data = {"csrf_token": csrf_of(html), "kind": "contract_review", "from": start, "to": end,
            "as_of": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"), **fields}
    return client.post("/reports", data=data)


def test_the_contracts_overview_shows_this_months_figures_with_words_not_only_colour(
        manager: TestClient, world: World, session: Session) -> None:
    make_ticket(session, unit=world.unit, priority="P1", reported_at=datetime.now(UTC) - timedelta(hours=3),
                summary="Never acknowledged")
    html = manager.get("/contracts").text
    assert world.contract.number in html and world.other_contract.number in html
    assert "Availability" in html and "SLA compliance" in html and "Credits at risk" in html
    assert "✗ MISS" in html  # the breached P1 response fails the AQL
    assert "$250.00" in html or "$" in html


def test_a_contract_page_has_charts_compliance_and_breaches(manager: TestClient, world: World,
                                                             session: Session) -> None:
    late = make_ticket(session, unit=world.unit, priority="P1", reported_at=datetime.now(UTC) - timedelta(hours=3),
                       summary="Never acknowledged")
    html = manager.get(f"/contracts/{world.contract.id}").text
    assert html.count("<svg") == 2
    assert 'id="compliance"' in html and 'id="breaches"' in html
    assert late.number in html and "✗ Response" in html
    assert "CRAWL-001" in html  # units table links the unit


def test_a_contract_page_rejects_a_malformed_month_with_a_readable_page(manager: TestClient, world: World) -> None:
    response = manager.get(f"/contracts/{world.contract.id}", params={"month": "March"})
    assert response.status_code == 422 and "is not like 2026-03" in response.text


def test_the_previous_month_of_a_contract_can_be_shown(manager: TestClient, world: World) -> None:
    today = datetime.now(UTC).date()
    prev = date(today.year - (today.month == 1), (today.month - 2) % 12 + 1, 1)
    html = manager.get(f"/contracts/{world.contract.id}", params={"month": prev.strftime("%Y-%m")}).text
    assert prev.strftime("%B %Y") in html


@needs_weasyprint
def test_the_report_form_issues_and_downloads_a_pdf_that_verifies(manager: TestClient, world: World,
                                                                  session: Session) -> None:
    response = _issue(manager, contract_id=world.contract.id)
    assert response.status_code == 200, response.text[-2000:]
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "attachment" in response.headers["content-disposition"]
    assert verify_pdf(session, response.content).valid
    listing = manager.get("/reports").text
    row = session.scalars(select(Report)).one()
    assert row.sha256 in listing and row.data_sha256 in listing
    download = manager.get(f"/reports/{row.id}/pdf")
    assert download.status_code == 200 and download.content == response.content


@needs_weasyprint
def test_a_double_submitted_report_form_issues_one_report(manager: TestClient, world: World,
                                                          session: Session) -> None:
    html = manager.get("/reports").text
    start, end = _month_bounds()
    data = {"csrf_token": csrf_of(html), "kind": "contract_review", "contract_id": world.contract.id,
            "from": start, "to": end, "as_of": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")}
    first = manager.post("/reports", data=data)
    second = manager.post("/reports", data=data)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert _reports(session) == 1


@pytest.mark.parametrize(("fields", "message"), [
    ({"from": "2026-05-01", "to": "2026-04-01"}, "To must be after from"),
    ({"contract_id": ""}, "needs contract id"),
    ({"kind": "bogus"}, "kind"),
    ({"as_of": "soon"}, "is not a date and time"),
    ({"from": "May"}, "from"),
])
def test_bad_report_input_shows_a_message_by_the_form_and_stores_nothing(
        manager: TestClient, world: World, session: Session, fields: dict[str, str], message: str) -> None:
    before = row_counts(session)
    response = _issue(manager, **{"contract_id": world.contract.id, **fields})
    assert response.status_code == 422, response.text[-1500:]
    assert 'id="report-error"' in response.text and "No report was issued" in response.text
    assert message in response.text
    assert row_counts(session) == before


def test_the_verify_page_says_a_file_that_is_not_a_pdf_is_not_valid(manager: TestClient) -> None:
    html = manager.get("/reports/verify").text
    response = manager.post("/reports/verify", data={"csrf_token": csrf_of(html)},
                            files={"file": ("notes.pdf", io.BytesIO(b"hello"), "application/pdf")})
    assert response.status_code == 200 and "NOT VALID" in response.text


def test_the_verify_page_asks_for_a_file_when_none_is_sent(manager: TestClient) -> None:
    html = manager.get("/reports/verify").text
    response = manager.post("/reports/verify", data={"csrf_token": csrf_of(html)})
    assert response.status_code == 422 and "Choose a PDF" in response.text


@needs_weasyprint
def test_the_verify_page_accepts_an_issued_pdf_and_rejects_an_altered_copy(manager: TestClient, world: World) -> None:
    pdf = _issue(manager, contract_id=world.contract.id).content
    html = manager.get("/reports/verify").text
    ok = manager.post("/reports/verify", data={"csrf_token": csrf_of(html)},
                      files={"file": ("r.pdf", io.BytesIO(pdf), "application/pdf")})
    assert "✓ VALID" in ok.text
    altered = pdf.replace(b"/Producer", b"/Producex", 1) if b"/Producer" in pdf else pdf + b"\n% changed\n"
    bad = manager.post("/reports/verify", data={"csrf_token": csrf_of(html)},
                       files={"file": ("r.pdf", io.BytesIO(altered), "application/pdf")})
    assert "NOT VALID" in bad.text


def test_an_engineer_sees_reports_but_not_the_issue_form(engineer: TestClient) -> None:
    html = engineer.get("/reports").text
    assert "Issued reports" in html and 'id="report-form"' not in html


def test_the_contract_review_link_carries_the_viewed_month_from_its_first_day_to_the_next_months(
        manager: TestClient, world: World) -> None:
    start, end = _month_bounds()
    html = manager.get(f"/contracts/{world.contract.id}").text
    assert f"from={start}&amp;to={end}" in html
    html = manager.get(f"/contracts/{world.contract.id}?month=2025-12").text
    assert "from=2025-12-01&amp;to=2026-01-01" in html
    form = manager.get(f"/reports?kind=contract_review&contract_id={world.contract.id}&from={start}&to={end}").text
    assert f'value="{start}"' in form and f'value="{end}"' in form


def test_the_sla_card_shows_the_lowest_percentage_and_counts_breaches_as_the_contracts_list_does(
        manager: TestClient, world: World, session: Session) -> None:
    from zoneinfo import ZoneInfo

    reported = datetime.now(UTC) - timedelta(hours=10)  # P1 response (1 h) and restore (8 h) both missed
    make_ticket(session, unit=world.unit, priority="P1", reported_at=reported, summary="Never acknowledged")
    month = reported.astimezone(ZoneInfo("America/New_York")).strftime("%Y-%m")
    html = manager.get(f"/contracts/{world.contract.id}", params={"month": month}).text
    card = html[html.index("SLA compliance"):html.index("Compliance by priority")]
    assert "0.0% ✗ MISS" in card and "lowest: P1 response" in card
    assert "2 breached clocks (SLA targets missed) on 1 ticket" in card
    assert "2 breached clocks" in manager.get("/contracts").text
