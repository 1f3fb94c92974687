"""The first hour with slatrack, in a real browser: the paths a new user takes first work."""

from __future__ import annotations

from datetime import date, timedelta
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
