"""``reports.gather.produce`` works on the sessions its caller gives it: it reads on the read
session, renders with the write session untouched (no write lock while a PDF renders), registers
on the write session, and commits neither (the caller's boundary does)."""

from __future__ import annotations

import gc
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fleet.models import Report
from fleet.principal import SYSTEM
from reports import gather
from reports.gather import AnyReportData
from reports.pdf import render_pdf
from tests.api.test_reports_api import build_world
from tests.reports.conftest import needs_weasyprint

pytestmark = needs_weasyprint


def test_produce_renders_before_the_write_session_begins_and_commits_nothing(db, session: Session) -> None:
    world = build_world(session)
    seen: list[bool] = []
    with db.transaction(write=False) as read, db.transaction() as write:
        def renderer(_data: AnyReportData) -> bytes:
            seen.append(write.in_transaction())
            assert gc.isenabled(), "the collector is paused process-wide while a PDF renders"
            return render_pdf(_data)

        request = gather.ReportRequest(kind="contract_review", start_date=date(2026, 3, 1),
                                       end_date=date(2026, 4, 1), contract_id=world.contract_a.id,
                                       as_of=datetime.fromisoformat(world.as_of))
        produced = gather.produce(read, write, SYSTEM, request, renderer=renderer, want_pdf=True)
        assert seen == [False]
        assert produced.created and produced.pdf is not None
        assert write.in_transaction() and not read.new and not read.dirty
        assert write.scalar(select(func.count()).select_from(Report)) == 1
    assert session.scalar(select(func.count()).select_from(Report)) == 1


def test_the_collector_runs_while_the_render_worker_writes_the_pdf(session: Session, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A pause is process-wide and a render may last minutes: only the HTML build is paused."""
    from reports import pdf
    from tests.reports.samples import contract_review

    waiting: list[bool] = []

    def worker(_rendered, *, timeout_s: float, memory_mb: int):  # type: ignore[no-untyped-def]
        waiting.append(gc.isenabled())
        return b"%PDF-1.7", None

    monkeypatch.setattr(pdf, "render_in_worker", worker)
    assert gc.isenabled()
    assert pdf.render_pdf(contract_review(units=2, tickets=4, months=1)) == b"%PDF-1.7"
    assert waiting == [True] and gc.isenabled()
