"""Regenerate the screenshots in docs/screenshots/ (run from the repository root):

    .venv/bin/python docs/screenshots/make.py

Loads a small demo world (``fleet.demo.load(scale=0.1)``) into a scratch SQLite file, adds a few
fresh open tickets so My work has clocks running, issues one contract review, serves the app
on a free loopback port and has headless Chromium take each page at phone (375×812) and
desktop (1280×800) widths; renders page 1 of the PDF with ``pdftoppm -r 60``.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from api.demo_setup import DEMO_VENDOR  # noqa: E402
from fleet import demo, tickets  # noqa: E402
from fleet.db import utcnow  # noqa: E402
from fleet.models import Contract, Ticket, Unit  # noqa: E402
from fleet.principal import SYSTEM  # noqa: E402
from fleet.schemas.tickets import EventIn, TicketIn  # noqa: E402
from reports import gather  # noqa: E402
from tests.browser.server import CHROMIUM, CHROMIUM_ARGS, serve  # noqa: E402

OUT = Path(__file__).resolve().parent
SIZES = {"phone": {"width": 375, "height": 812}, "desktop": {"width": 1280, "height": 800}}
FRESH = [  # minutes ago, priority, summary, acknowledged minutes after reporting (None: not yet)
    (70, "P1", "Crawler lost adhesion and stopped on the hull", None),
    (25, "P1", "Tether breach, unit down", 4),
    (150, "P2", "Camera gimbal drifting", 20),
    (40, "P2", "Intermittent telemetry dropouts", None),
    (600, "P3", "Lighting module flickers", 30),
]


def seed(db: object) -> tuple[str, str]:
    from sqlalchemy import select

    now = utcnow()
    with db.transaction() as s:  # type: ignore[attr-defined]
        demo.load(s, SYSTEM, now=now - timedelta(hours=12), scale=0.1)
        contract = s.scalars(select(Contract).where(Contract.number == demo.CONTRACTS[0].number)).one()
        units = s.scalars(select(Unit).where(Unit.contract_id == contract.id).order_by(Unit.serial)).all()
        first = None
        for i, (ago, priority, summary, ack) in enumerate(FRESH):
            reported = now - timedelta(minutes=ago)
            t = tickets.create_ticket(s, SYSTEM, TicketIn(unit_id=units[i % len(units)].id, priority=priority,
                                                          summary=summary, reported_at=reported,
                                                          unit_down=priority == "P1", reporter="Operations desk"))
            if ack is not None:
                tickets.add_event(s, SYSTEM, t.id, EventIn(type="acknowledged",
                                                           occurred_at=reported + timedelta(minutes=ack)))
            first = first or t.id
        ticket_id = s.scalars(select(Ticket.id).where(Ticket.id == first)).one()
        return contract.id, ticket_id


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, serve(f"sqlite:///{tmp}/shots.db", Path(tmp)) as live:
        contract_id, ticket_id = seed(live.db)
        today = datetime.now(UTC).date()
        start = date(today.year - (today.month <= 3), (today.month - 4) % 12 + 1, 1)
        with live.db.transaction(write=False) as read, live.db.transaction() as write:
            produced = gather.produce(read, write, SYSTEM, gather.ReportRequest(
                kind="contract_review", start_date=start, end_date=date(today.year, today.month, 1),
                contract_id=contract_id), vendor=DEMO_VENDOR, want_pdf=True)
        assert produced.pdf is not None
        pdf = Path(tmp) / "review.pdf"
        pdf.write_bytes(produced.pdf)
        subprocess.run(["pdftoppm", "-r", "60", "-f", "1", "-l", "1", "-png", "-singlefile", str(pdf),
                        str(OUT / "report-page1")], check=True)
        pages = [("login", "/login", None), ("work", "/work", "engineer"),
                 ("ticket", f"/tickets/{ticket_id}", "engineer"), ("contracts", "/contracts", "manager"),
                 ("contract", f"/contracts/{contract_id}", "manager"), ("reports", "/reports", "manager")]
        shoot(live.base_url, pages)
    print((OUT / "report-page1.png").relative_to(ROOT))


def shoot(base_url: str, pages: list[tuple[str, str, str | None]]) -> None:
    """Each ``(name, path, user)`` page, signed in as that demo user (None: signed out), at phone
    and desktop widths, into ``OUT/<name>-<size>.png``."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        for size, viewport in SIZES.items():
            contexts = {}
            for user, password, _role, _agency in demo.WEB_USERS:
                ctx = browser.new_context(viewport=viewport, device_scale_factor=1,
                                          is_mobile=size == "phone", has_touch=size == "phone")
                page = ctx.new_page()
                page.goto(f"{base_url}/login")
                page.fill("#username", user)
                page.fill("#password", password)
                page.click("button[type=submit]")
                page.wait_for_load_state()
                contexts[user] = page
            anonymous = browser.new_context(viewport=viewport).new_page()
            for name, path, who in pages:
                page = contexts[who] if who else anonymous
                page.goto(f"{base_url}{path}")
                page.wait_for_load_state("networkidle")
                target = OUT / f"{name}-{size}.png"
                page.screenshot(path=str(target), full_page=True)
                print(target.relative_to(ROOT))
        browser.close()


if __name__ == "__main__":
    main()
