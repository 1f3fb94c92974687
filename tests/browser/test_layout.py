"""On a 375 px phone nothing on the contract and unit pages is cut: charts scale to the screen,
and a table wider than the screen scrolls sideways in its wrapper, with a caption saying so."""

from __future__ import annotations

from typing import Any

from tests.browser.server import PASSWORD, Live, Seeded

Ctx = tuple[Live, Seeded]
PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True}


def _phone_page(browser: Any, live: Live) -> Any:
    page = browser.new_context(**PHONE).new_page()
    page.goto(f"{live.base_url}/login")
    page.fill("#username", "mgr")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    return page


def _assert_charts_fit(page: Any) -> int:
    boxes = page.evaluate("[...document.querySelectorAll('figure.chart svg')]"
                          ".map(s => { const b = s.getBoundingClientRect(); return [b.left, b.right, b.height]; })")
    for left, right, height in boxes:
        assert left >= 0 and right <= 375 and height > 0, f"a chart is cut: {left}–{right} px"
    return len(boxes)


def _wide_tables(page: Any) -> list[dict[str, Any]]:
    """Each table wrapper that overflows: its overflow-x, whether a hint precedes it, and whether
    scrolling it to the end brings the last header cell fully into the wrapper."""
    result: list[dict[str, Any]] = page.evaluate("""() => [...document.querySelectorAll('.scroll')]
      .filter(box => box.scrollWidth > box.clientWidth)
      .map(box => {
        box.scrollLeft = box.scrollWidth;
        const last = box.querySelector('tr > :last-child').getBoundingClientRect();
        const frame = box.getBoundingClientRect();
        const hint = box.previousElementSibling;
        return {overflow: getComputedStyle(box).overflowX,
                hinted: !!hint && hint.classList.contains('scroll-hint') && hint.getBoundingClientRect().height > 0,
                last_reachable: last.right <= frame.right + 1 && last.left >= frame.left - 1};
      })""")
    return result


def test_on_a_phone_the_contract_charts_fit_and_wide_tables_scroll_with_a_hint(browser: Any, live: Ctx) -> None:
    server, world = live
    page = _phone_page(browser, server)
    page.goto(f"{server.base_url}/contracts/{world.contract_id}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert _assert_charts_fit(page) == 2  # compliance and availability trend
    wide = _wide_tables(page)
    assert wide, "no table is wider than a phone here: the test would check nothing"
    for table in wide:
        assert table["overflow"] in ("auto", "scroll") and table["hinted"] and table["last_reachable"], table


def test_on_a_phone_the_unit_chart_fits_the_screen(browser: Any, live: Ctx) -> None:
    server, world = live
    page = _phone_page(browser, server)
    page.goto(f"{server.base_url}/contracts/{world.contract_id}")
    with page.expect_navigation():
        page.click("#units a[href^='/units/']")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert _assert_charts_fit(page) == 1
    for table in _wide_tables(page):
        assert table["overflow"] in ("auto", "scroll") and table["hinted"] and table["last_reachable"], table


def test_a_table_that_fits_has_no_scroll_hint(browser: Any, live: Ctx) -> None:
    server, world = live
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{server.base_url}/login")
    page.fill("#username", "mgr")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    page.goto(f"{server.base_url}/contracts/{world.contract_id}")
    assert page.locator("p.scroll-hint").count() == 0
    assert _assert_charts_fit_wide(page)


def _assert_charts_fit_wide(page: Any) -> bool:
    rights = page.evaluate("[...document.querySelectorAll('figure.chart svg')]"
                           ".map(s => s.getBoundingClientRect().right)")
    return bool(rights) and all(r <= 1280 for r in rights)
