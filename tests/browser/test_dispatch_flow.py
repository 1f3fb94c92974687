"""Dispatch and the conversation in a real browser at phone width: a manager assigns from the
board, the engineer finds it first on My work and works it, the agency opens a ticket, talks to
the service team, rates the service, and never sees an internal note."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fleet import audit, dispatch, tickets
from fleet.principal import SYSTEM
from fleet.schemas.tickets import EventIn
from tests.browser.server import PASSWORD, Live, Seeded

Ctx = tuple[Live, Seeded]
PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True}
INTERNAL = "Spare drive board is in van 3 only; keep this between us"


def _login(browser: Any, live: Live, username: str) -> Any:
    page = browser.new_context(**PHONE).new_page()
    page.goto(f"{live.base_url}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    _submit(page, "button[type=submit]")
    return page


def _submit(page: Any, selector: str) -> None:
    with page.expect_navigation():
        page.tap(selector)


def _fits(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{page.url} is {width}px wide at phone width"


def test_a_manager_dispatches_the_engineer_works_it_and_the_agency_talks_and_rates(browser: Any, live: Ctx) -> None:
    server, world = live
    with server.db.transaction() as s:
        dispatch.set_team(s, SYSTEM, username="eng", team="Atlantic")

    mgr = _login(browser, server, "mgr")
    mgr.goto(f"{server.base_url}/dispatch")
    _fits(mgr)
    card = mgr.locator(f'li[data-ticket="{world.ticket_number}"]')
    with mgr.expect_navigation():
        card.locator('button[data-assignee="eng"]').tap()
    assert "Assigned to eng." in mgr.inner_text(".flash")
    assert mgr.locator(f'li[data-ticket="{world.ticket_number}"]').count() == 0  # off the unassigned list

    eng = _login(browser, server, "eng")
    assert eng.url.endswith("/work")
    mine = eng.locator('ol[data-group="mine"]')
    assert world.ticket_number in mine.inner_text()
    _fits(eng)
    with eng.expect_navigation():
        mine.locator(f"text={world.ticket_number}").tap()
    assert eng.inner_text("#assignee") == "eng"
    _submit(eng, "button.action.acknowledged")
    eng.fill("#comment-body", INTERNAL)
    eng.check('input[name="visibility"][value="internal"]')
    _submit(eng, "#comment-submit")
    assert "Internal note added" in eng.inner_text(".flash")
    eng.fill("#comment-body", "Engineer on the way, on site within the hour.")
    eng.check('input[name="visibility"][value="public"]')
    _submit(eng, "#comment-submit")
    _fits(eng)

    navy = _login(browser, server, "navy")
    navy.goto(f"{server.base_url}/tickets/{world.ticket_id}")
    conversation = navy.inner_text("#comments")
    assert "on site within the hour" in conversation
    assert "van 3" not in navy.content() and "INTERNAL" not in navy.content()
    assert navy.locator('input[name="visibility"][value="internal"]').count() == 0

    navy.goto(f"{server.base_url}/work")
    with navy.expect_navigation():
        navy.locator("text=Report a problem").tap()
    _fits(navy)
    navy.select_option("#unit", label="CRAWL-001 · Crawler X2 · Pier 4")
    navy.fill("#summary", "Camera fogged after washdown")
    navy.select_option("#priority", "P2")
    navy.check('input[name="unit_down"]')
    _submit(navy, "#open-ticket")
    assert "Ticket opened" in navy.inner_text(".flash")
    new_id = navy.url.rsplit("/", 1)[1]
    assert "Camera fogged after washdown" in navy.inner_text("main")
    assert navy.locator("#sla").count() == 1  # its clocks, running
    navy.fill("#comment-body", "The lens is wet inside the dome; photos on request.")
    _submit(navy, "#comment-submit")
    assert "lens is wet" in navy.inner_text("#comments")

    with server.db.transaction() as s:  # the service team fixes it
        now = datetime.now(UTC)
        tickets.add_event(s, SYSTEM, new_id, EventIn(type="resolved", occurred_at=now))
    navy.reload()
    navy.check('input[name="score"][value="5"]')
    navy.fill("#rating-comment", "Fixed the same afternoon.")
    _submit(navy, "#rating-submit")
    assert "rating is recorded" in navy.inner_text(".flash")
    assert "Rated 5 / 5" in navy.inner_text("#rating")
    _fits(navy)

    with server.db.transaction(write=False) as s:
        assert audit.verify(s).ok
