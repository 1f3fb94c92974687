"""The first hour with slatrack, in a real browser: the paths a new user takes first work."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from reports.verify import verify_pdf
from tests.browser.server import Live, Seeded
from tests.browser.test_pages import _login, _submit

Ctx = tuple[Live, Seeded]


def test_a_contract_review_from_an_earlier_viewed_month_covers_that_month(browser: Any, live: Ctx) -> None:
    server, world = live
    page = _login(browser, server, "mgr")
    page.goto(f"{server.base_url}/contracts/{world.contract_id}")
    _submit(page, "nav.months a >> nth=0")  # ← the month before
    _submit(page, "nav.months a >> nth=0")  # ← and the one before that
    month = date.fromisoformat(page.url.rsplit("month=", 1)[1] + "-01")
    _submit(page, "text=Contract review PDF…")
    assert page.input_value("#from") == month.isoformat()
    assert page.input_value("#to") == (month + timedelta(days=32)).replace(day=1).isoformat()
    assert page.input_value("#contract_id") == world.contract_id
    with page.expect_download(timeout=180_000) as info:
        page.click("#report-form button[type=submit]")
    pdf = Path(info.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    with server.db.transaction(write=False) as s:
        assert verify_pdf(s, pdf).valid


PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True}


def _in_view(page: Any, selector: str) -> bool:
    """Whether the element's top edge is on the screen as the page was left (no scrolling by the test)."""
    top: float = page.evaluate(f"document.querySelector('{selector}').getBoundingClientRect().top")
    return 0 <= top < 812 - 40


def test_on_a_phone_a_refused_form_shows_its_message_on_screen(browser: Any, live: Ctx) -> None:
    server, world = live
    page = _login(browser, server, "eng", **PHONE)
    ticket = f"{server.base_url}/tickets/{world.other_ticket_id}"
    page.goto(ticket)
    _submit(page, "form.pause button[type=submit]", tap=True)  # a pause without a reason
    assert "pause needs a reason" in page.inner_text("#event-error")
    assert page.url.endswith("/events#event-error") and _in_view(page, "#event-error")

    page.goto(ticket)
    page.click("details.earlier summary")
    page.select_option("#earlier-type", "acknowledged")
    page.fill("#earlier-at", (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"))
    _submit(page, "details.earlier button[type=submit]", tap=True)
    assert "in the future" in page.inner_text("#event-error") and _in_view(page, "#event-error")
    assert page.locator("details.earlier[open]").count() == 1  # what was typed is still there

    page.goto(ticket)
    page.fill("#started_at", "2026-03-02T10:00")
    page.fill("#ended_at", "2026-03-02T09:00")
    _submit(page, "#work-form button[type=submit]", tap=True)
    assert "The work log was not saved" in page.inner_text("#work-error")
    assert page.url.endswith("/work-logs#work-error") and _in_view(page, "#work-error")
    assert page.evaluate("window.scrollY") > 0  # the page moved to the form, far below the top

    page.reload()  # reloading the refused form's address shows the ticket, not an error
    assert "/tickets/" in page.url and page.locator("#work-form").count() == 1


def test_after_a_recorded_action_the_page_shows_its_top(browser: Any, live: Ctx) -> None:
    server, world = live
    page = _login(browser, server, "eng", **PHONE)
    page.goto(f"{server.base_url}/tickets/{world.other_ticket_id}")
    _submit(page, "button.action.acknowledged", tap=True)
    assert page.url.endswith(f"/tickets/{world.other_ticket_id}#top")
    assert "Recorded: Acknowledged." in page.inner_text(".flash") and _in_view(page, ".flash")


def test_the_phone_header_is_two_rows_with_the_navigation_on_one_line(browser: Any, live: Ctx) -> None:
    server, _world = live
    page = _login(browser, server, "mgr", **PHONE)
    shown = "[...document.querySelectorAll('header nav a')].filter(a => a.getClientRects().length)"
    tops = page.evaluate(f"{shown}.map(a => a.getBoundingClientRect().top)")
    assert len(tops) >= 4 and len(set(tops)) == 1, tops  # every link shown (a manager's five) on one line
    rights = page.evaluate(f"{shown}.map(a => a.getBoundingClientRect().right)")
    assert max(rights) <= 375, rights  # and all of them on screen, none behind a sideways scroll
    brand = page.locator("header .brand").bounding_box()
    logout = page.locator("header .logout button").bounding_box()
    assert brand and logout and abs(brand["y"] + brand["height"] / 2 - logout["y"] - logout["height"] / 2) < 12
    header = page.locator("header.top").bounding_box()
    assert header and header["height"] < 100
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_the_api_docs_render_from_this_server_alone(browser: Any, live: Ctx) -> None:
    server, _world = live
    page = browser.new_context().new_page()
    outside: list[str] = []
    problems: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(server.base_url) else None)
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(f"{server.base_url}/docs")
    page.wait_for_selector(".swagger-ui .info .title", timeout=60_000)
    assert "slatrack" in page.inner_text(".swagger-ui .info .title")
    assert page.locator(".opblock").count() > 10  # the operations are listed
    assert not outside, outside
    assert not problems, problems
