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

from sqlalchemy import select  # noqa: E402

from fleet import demo_dispatch  # noqa: E402
from fleet.models import TicketComment  # noqa: E402
from tests.browser.server import serve  # noqa: E402

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
        make.shoot(live.base_url, pages)


if __name__ == "__main__":
    main()
