"""``report.issued``: told in the transaction that registers the report, once per report.

:func:`notify_issued` is called by :func:`reports.issue.issue_report` right after a new
:class:`~fleet.models.Report` row is registered and audited (a report issued before is returned
as it stands and told nothing). The dedupe key is the report id, which follows from the kind,
the parameters and ``as_of``: the same report is never issued, nor told, twice.

The data: ``report_id``, ``kind``, ``title``, ``sha256``, ``as_of`` (and ``as_of_local`` in the
contract's zone when the report is about one contract), ``parameters`` (canonical), ``period``
(``from``/``to``), ``signed``, ``page_count``, ``size_bytes``, ``contract_id``/``contract_number``/
``contract_title``/``timezone`` when the report is about one contract (a contract review, the
history of one of its units, a track record of just it), ``unit_serial`` for a unit history, and
``from``/``to`` and ``period_label`` (``November 2025``, ``Q4 2025``) for the words of a message,
``path``: the web app's download of the PDF (the deliverer makes it a link). The mail channel
attaches the PDF itself (:func:`report_pdf`, :func:`mail_attachment`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleet.db import Database
from fleet.models import Calendar, Contract, Report, Unit
from fleet.notify import outbox
from fleet.notify.deliveries import Claimed
from fleet.principal import Principal
from reports.register import pdf_filename

KIND_TITLES = {"contract_review": "Contract performance review", "track_record": "Past performance record",
               "unit_history": "Unit service history"}


def download_path(report_id: str) -> str:
    """The report's PDF in the web app (``api/web/manage.py``), relative to the public URL."""
    return f"/reports/{report_id}/pdf"


def period_label(start: Any, end: Any) -> str | None:
    """``November 2025``, ``Q4 2025``, or ``2025-11-01 to 2025-11-14`` (the last day, inclusive)."""
    try:
        first, after = date.fromisoformat(start), date.fromisoformat(end)
    except (TypeError, ValueError):
        return None
    months = (after.year - first.year) * 12 + after.month - first.month
    if first.day == 1 and after.day == 1:
        if months == 1:
            return f"{first:%B %Y}"
        if months == 3 and first.month % 3 == 1:
            return f"Q{first.month // 3 + 1} {first.year}"
        if months == 12 and first.month == 1:
            return str(first.year)
    return f"{first.isoformat()} to {(after - timedelta(days=1)).isoformat()}"


def _contract_of(session: Session, report: Report) -> tuple[str | None, str | None]:
    """The one contract the report is about (None when it spans several) and the unit serial."""
    p = report.parameters
    if report.kind == "contract_review":
        return p.get("contract_id"), None
    if report.kind == "unit_history":
        row = session.execute(select(Unit.contract_id, Unit.serial).where(Unit.id == p.get("unit_id"))).first()
        return (row[0], row[1]) if row is not None else (None, None)
    ids = p.get("contract_ids") or []
    return (ids[0] if len(ids) == 1 else None), None


def issued_data(session: Session, report: Report, *, title: str | None = None) -> tuple[str | None, dict[str, Any]]:
    """The contract the report is about (or None) and the ``report.issued`` data."""
    contract_id, serial = _contract_of(session, report)
    p = report.parameters
    data: dict[str, Any] = {
        "report_id": report.id, "kind": report.kind, "title": title or KIND_TITLES.get(report.kind, report.kind),
        "sha256": report.sha256, "as_of": report.as_of, "parameters": p,
        "period": {"from": p.get("from"), "to": p.get("to")}, "from": p.get("from"), "to": p.get("to"),
        "period_label": period_label(p.get("from"), p.get("to")), "signed": report.signed,
        "page_count": report.page_count, "size_bytes": report.size_bytes, "path": download_path(report.id),
    }
    if serial is not None:
        data["unit_serial"] = serial
    if contract_id is not None:
        row = session.execute(select(Contract.number, Contract.title, Calendar.timezone)
                              .join(Calendar, Calendar.id == Contract.calendar_id)
                              .where(Contract.id == contract_id)).first()
        if row is not None:
            data.update(contract_id=contract_id, contract_number=row[0], contract_title=row[1], timezone=row[2],
                        as_of_local=outbox.local_text(report.as_of, row[2]))
    return contract_id, data


def notify_issued(session: Session, principal: Principal, report: Report, *, title: str | None = None) -> None:
    """Decide ``report.issued`` for a report just registered, in the caller's transaction."""
    contract_id, data = issued_data(session, report, title=title)
    outbox.emit(session, principal, type="report.issued", dedupe_key=f"report.issued:{report.id}",
                occurred_at=report.created_at, agency_id=report.agency_id, contract_id=contract_id,
                ticket_id=None, data=data)


def report_pdf(session: Session, report_id: str) -> tuple[str, bytes] | None:
    """The registered PDF of a report and its file name (as the download names it), for a mail
    attachment; None when no such report is registered. No tenancy: the caller (the mail channel)
    sends it only to the recipients the outbox chose for this report."""
    row = session.get(Report, report_id)
    if row is None:
        return None
    return pdf_filename(session, row), row.pdf


def mail_attachment(db: Database) -> Callable[[Claimed], tuple[str, bytes] | None]:
    """For :class:`fleet.notify.mail.MailChannel` (``attachment=``): a ``report.issued`` message
    carries its report's PDF (read in a short read transaction of its own; thread-safe)."""

    def attach(message: Claimed) -> tuple[str, bytes] | None:
        report_id = message.data.get("report_id") if message.type == "report.issued" else None
        if not isinstance(report_id, str):
            return None
        with db.transaction(write=False) as session:
            return report_pdf(session, report_id)

    return attach
