"""People using the pages in a real browser: an engineer works a ticket, a manager issues a
report, an agency user is kept to its own data, forms refuse bad input readably."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fleet import sla_service
from fleet.principal import SYSTEM
from reports.verify import verify_pdf
from tests.browser.server import PASSWORD, Live, Seeded

Ctx = tuple[Live, Seeded]


def _login(browser: Any, live: Live, username: str, **context: Any) -> Any:
    page = browser.new_context(accept_downloads=True, **context).new_page()
    page.goto(f"{live.base_url}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    _submit(page, "button[type=submit]")
    return page


def _submit(page: Any, selector: str, *, tap: bool = False) -> None:
    """Press a form's button and wait for the page the server answers with."""
    with page.expect_navigation():
        if tap:
            page.tap(selector)
        else:
            page.click(selector)


def _states(live: Live, ticket_id: str) -> dict[str, str]:
    with live.db.transaction(write=False) as s:
        sla = sla_service.ticket_sla(s, SYSTEM, ticket_id, at=None, as_of=None)
        return {m.metric: m.state for m in sla.metrics}


def _clock_state(page: Any, metric: str) -> str:
    text: str = page.locator(f'#sla tr[data-metric="{metric}"] td.state').inner_text()
    return text.strip()


def test_an_engineer_acknowledges_logs_work_and_resolves_a_ticket(browser: Any, live: Ctx) -> None:
    server, world = live
    page = _login(browser, server, "eng")
    assert page.url.endswith("/work")
    page.click(f"text={world.ticket_number}")
    page.wait_for_url(f"**/tickets/{world.ticket_id}")
    assert "RUNNING" in _clock_state(page, "response") or "AT RISK" in _clock_state(page, "response")
    assert "due in" in page.locator("#sla").inner_text()

    _submit(page, "button.action.acknowledged")
    assert "Recorded: Acknowledged." in page.inner_text(".flash")
    assert "MET" in _clock_state(page, "response")
    assert "RUNNING" in _clock_state(page, "restore")
    assert _states(server, world.ticket_id)["response"] == "met"

    zone = ZoneInfo("America/New_York")
    now = datetime.now(UTC).astimezone(zone)
    page.fill("#started_at", (now - timedelta(minutes=8)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#ended_at", now.strftime("%Y-%m-%dT%H:%M"))
    page.select_option("#activity", "repair")
    page.fill("#notes", "Cleaned the magnets and re-seated the track")
    page.fill('input[aria-label="Part number 1"]', "TRK-220")
    page.fill('input[aria-label="Quantity 1"]', "1")
    _submit(page, "#work-form button[type=submit]")
    assert "Work log saved." in page.inner_text(".flash")
    assert "1 × TRK-220" in page.inner_text("ul.worklogs")

    _submit(page, "button.action.restored")
    assert "MET" in _clock_state(page, "restore")
    _submit(page, "button.action.resolved")
    assert page.inner_text("#status") == "Resolved"
    timeline = page.inner_text("#timeline")
    assert timeline.index("Acknowledged") < timeline.index("Restored") < timeline.index("Resolved")
    assert set(_states(server, world.ticket_id).values()) == {"met"}
    # the resolved ticket has left the open list and waits to be closed
    page.goto(f"{server.base_url}/work")
    assert world.ticket_number not in page.inner_text("ol.worklist")
    assert world.ticket_number in page.inner_text("ul.waiting")


def test_a_manager_issues_a_contract_review_and_downloads_a_valid_pdf(browser: Any, live: Ctx) -> None:
    server, world = live
    page = _login(browser, server, "mgr")
    assert page.url.endswith("/contracts")
    _submit(page, f"text={world.contract_number}")
    assert page.locator("figure.chart svg").count() == 2
    page.goto(f"{server.base_url}/reports")
    page.select_option("#kind", "contract_review")
    page.select_option("#contract_id", world.contract_id)
    today = datetime.now(UTC).date()
    page.fill("#from", today.replace(day=1).isoformat())
    page.fill("#to", (today + timedelta(days=1)).isoformat())
    with page.expect_download(timeout=180_000) as info:
        page.click("#report-form button[type=submit]")
    pdf = Path(info.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    assert info.value.suggested_filename.endswith(".pdf")
    with server.db.transaction(write=False) as s:
        assert verify_pdf(s, pdf).valid
    page.goto(f"{server.base_url}/reports")
    assert page.locator("#reports tbody tr").count() == 1
    page.goto(f"{server.base_url}/reports/verify")
    page.set_input_files("#file", files=[{"name": "review.pdf", "mimeType": "application/pdf", "buffer": pdf}])
    _submit(page, "#verify-form button[type=submit]")
    assert "VALID" in page.inner_text("#verdict") and "NOT VALID" not in page.inner_text("#verdict")


def test_an_agency_user_cannot_open_another_agencys_pages(browser: Any, live: Ctx) -> None:
    server, world = live
    page = _login(browser, server, "navy")
    assert page.url.endswith("/contracts")
    assert world.contract_number in page.inner_text("main")
    assert "W912-26-C-0002" not in page.inner_text("main")
    for path in (f"/tickets/{world.other_ticket_id}", f"/units/{world.other_unit_id}",
                 f"/contracts/{world.other_contract_id}"):
        response = page.goto(f"{server.base_url}{path}")
        assert response is not None and response.status == 404, path
        assert "Not found" in page.inner_text("h1")
        assert "ARMY" not in page.inner_text("main")


def test_forms_reject_bad_input_with_a_readable_message(browser: Any, live: Ctx) -> None:
    server, _world = live
    page = _login(browser, server, "mgr")
    page.goto(f"{server.base_url}/reports")
    page.select_option("#kind", "contract_review")
    page.select_option("#contract_id", "")
    _submit(page, "#report-form button[type=submit]")
    assert "No report was issued" in page.inner_text("#report-error")
    assert "needs contract id" in page.inner_text("#report-error")

    wrong = browser.new_context().new_page()
    wrong.goto(f"{server.base_url}/login")
    wrong.fill("#username", "mgr")
    wrong.fill("#password", "not-the-password")
    _submit(wrong, "button[type=submit]")
    assert wrong.inner_text("#login-error") == "Wrong username or password."


def test_my_work_and_a_ticket_are_usable_on_a_375px_phone(browser: Any, live: Ctx) -> None:
    server, world = live
    page = _login(browser, server, "eng", viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True)
    page.goto(f"{server.base_url}/tickets/{world.other_ticket_id}")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the ticket page scrolls sideways ({width} px)"
    box = page.locator("button.action.acknowledged").bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 140  # a thumb-sized target
    _submit(page, "button.action.acknowledged", tap=True)
    assert "MET" in _clock_state(page, "response")
    page.goto(f"{server.base_url}/work")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
