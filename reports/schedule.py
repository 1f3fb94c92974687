"""Scheduled reviews: the worker issues each contract review its schedule owes, as of its due instant.

:func:`issue_due` runs on each worker tick. For every live schedule
(:mod:`fleet.notify.schedules`) it asks :func:`slas.schedule.due_periods` which periods are owed
at ``now`` and issues the contract review of each one not issued yet through the pipeline the
API and the CLI use (:func:`reports.gather.produce`: gather, render in a child process, sign,
register and audit, and tell ``report.issued`` in that transaction: :mod:`reports.notify`), as of
the period's due instant: the record as it stood at the opening of business on that working day,
whenever the worker gets to it.

Never twice: the report id follows from the kind, the parameters and ``as_of`` (the due
instant), and the pipeline registers an id once (two workers rendering the same review both
answer the first one registered; ``report.issued`` is deduplicated by that id too). A period
already has its review when one was registered for exactly that period as of its end or later,
by the schedule or by hand: the schedule does not issue another one.

A review that fails (render timeout, a record changed under an id: see :mod:`reports.errors`)
is logged and left for the next tick; the other contracts' go ahead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleet.db import Database
from fleet.errors import DomainError
from fleet.models import Contract, Report
from fleet.notify.schedules import calendar_of, live_schedules, spec_of
from fleet.principal import Principal
from reports import gather
from reports.contract_review import DEFAULT_VENDOR
from reports.notify import report_pdf as report_pdf
from reports.signing import SigningKey
from slas.schedule import due_periods

log = logging.getLogger(__name__)

SCHEDULER = Principal(id="system", name="scheduler", role="admin", kind="system")
"""Who issues scheduled reviews (the ledger's actor ``system:scheduler``)."""

__all__ = ["SCHEDULER", "Owed", "issue_due", "owed", "report_pdf"]


@dataclass(frozen=True)
class Owed:
    """A contract review a schedule owes: the period ``[start, end)`` as of ``due_at``."""

    contract_id: str
    start: date
    end: date
    due_at: datetime


def _issued(session: Session, contract: Contract, start: date, end: date, period_end: datetime) -> bool:
    """Whether a review of exactly this period, as of its end or later, is registered."""
    rows = session.execute(select(Report.parameters).where(
        Report.kind == "contract_review", Report.agency_id == contract.agency_id, Report.as_of >= period_end)).all()
    wanted = {"contract_id": contract.id, "from": start.isoformat(), "to": end.isoformat()}
    return any(all(p.get(k) == v for k, v in wanted.items()) for (p,) in rows)


def owed(session: Session, now: datetime, *, limit: int = 12) -> list[Owed]:
    """The reviews the live schedules owe at ``now`` and that are not issued yet, oldest first
    per contract."""
    found: list[Owed] = []
    for row, contract in live_schedules(session):
        calendar = calendar_of(session, contract)
        for p in due_periods(spec_of(row), calendar, now, first_day=contract.start_date,
                             last_day=contract.end_date, limit=limit):
            if not _issued(session, contract, p.start, p.end, calendar.local_date_start(p.end)):
                found.append(Owed(contract.id, p.start, p.end, p.due_at))
    return found


Renderer = Callable[[gather.AnyReportData], bytes]


def issue_due(db: Database, now: datetime, *, signer: SigningKey | None, vendor: str = DEFAULT_VENDOR,
              timeout_s: float = 120.0, memory_mb: int = 1536, renderer: Renderer | None = None,
              principal: Principal = SCHEDULER, limit: int = 12) -> list[Report]:
    """Issue every review owed at ``now`` (see the module docstring); return the reports this
    call registered. Each review has its own read and write transactions (the write one is first
    used after the render: on SQLite the write lock is held only while the report is registered)."""
    with db.transaction(write=False) as session:
        todo = owed(session, now, limit=limit)
    issued: list[Report] = []
    for o in todo:
        request = gather.ReportRequest(kind="contract_review", start_date=o.start, end_date=o.end,
                                       contract_id=o.contract_id, as_of=o.due_at)
        try:
            with db.transaction(write=False) as read, db.transaction() as write:
                produced = gather.produce(read, write, principal, request, vendor=vendor, signer=signer,
                                          timeout_s=timeout_s, memory_mb=memory_mb, renderer=renderer, now=now)
        except DomainError as exc:  # render failed, record changed: the next tick tries again
            log.warning("scheduled review of contract %s for %s..%s not issued: %s", o.contract_id, o.start, o.end,
                        exc)
            continue
        if produced.created:
            issued.append(produced.report)
    return issued
