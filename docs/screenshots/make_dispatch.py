"""Regenerate the dispatch and agency screenshots in docs/screenshots/ (from the repository root):

    .venv/bin/python docs/screenshots/make_dispatch.py

The same world as ``make.py`` (a small demo plus fresh open tickets, which stay unassigned for the
board); pages at phone (375×812) and desktop (1280×800) widths: the dispatch board, the
engineer's My work and a ticket with its conversation, the agency's "Report a problem" and its view
of the same ticket (public messages only).
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402
from sqlalchemy import select  # noqa: E402

from fleet import demo, demo_dispatch  # noqa: E402
from fleet.models import TicketComment  # noqa: E402
from tests.browser.server import CHROMIUM, CHROMIUM_ARGS, serve  # noqa: E402

OUT = Path(__file__).resolve().parent
SIZES = {"phone": {"width": 375, "height": 812}, "desktop": {"width": 1280, "height": 800}}


def _make_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("shots_make", OUT / "make.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    make = _make_module()
    with tempfile.TemporaryDirectory() as tmp, serve(f"sqlite:///{tmp}/shots.db", Path(tmp)) as live:
        make.seed(live.db)
        with live.db.transaction(write=False) as s:
            talk = s.scalars(select(TicketComment.ticket_id).where(TicketComment.body == demo_dispatch.QUESTION)).one()
        pages = [("dispatch-board", "/dispatch", "manager"), ("dispatch-work", "/work", "engineer"),
                 ("dispatch-ticket", f"/tickets/{talk}", "engineer"),
                 ("agency-new-ticket", "/tickets/new", "agency"), ("agency-ticket", f"/tickets/{talk}", "agency"),
                 ("agency-work", "/work", "agency")]
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            for size, viewport in SIZES.items():
                contexts = {}
                for user, password, _role, _agency in demo.WEB_USERS:
                    ctx = browser.new_context(viewport=viewport, device_scale_factor=1,
                                              is_mobile=size == "phone", has_touch=size == "phone")
                    page = ctx.new_page()
                    page.goto(f"{live.base_url}/login")
                    page.fill("#username", user)
                    page.fill("#password", password)
                    page.click("button[type=submit]")
                    page.wait_for_load_state()
                    contexts[user] = page
                for name, path, user in pages:
                    page = contexts[user]
                    page.goto(f"{live.base_url}{path}")
                    page.wait_for_load_state("networkidle")
                    target = OUT / f"{name}-{size}.png"
                    page.screenshot(path=str(target), full_page=True)
                    print(target.relative_to(ROOT))
            browser.close()


if __name__ == "__main__":
    main()
