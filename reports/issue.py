"""Issue: render (in a worker), sign when a key is given, register the PDF, audit the write.

The report id is :func:`reports.data.make_report_id` of (kind, canonical parameters, as_of), so
issuing the same report twice returns the first row (idempotent) — and an unsigned PDF
regenerated from the same record is byte-identical to the registered one anyway.
"""

from __future__ import annotations

import functools
import hashlib
import io
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from pyhanko.pdf_utils.reader import PdfFileReader
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fleet import audit
from fleet.canonical import to_jsonable
from fleet.models import Report
from fleet.principal import Principal
from reports.data import (
    ContractReviewData,
    TrackRecordData,
    UnitHistoryData,
    canonical_parameters,
    data_sha256,
    make_report_id,
)
from reports.errors import ReportConflict, ReportMismatch
from reports.notify import notify_issued
from reports.pdf import render_pdf
from reports.signing import SigningKey, sign_pdf

AnyReportData = ContractReviewData | TrackRecordData | UnitHistoryData
Renderer = Callable[[AnyReportData], bytes]
DEFAULT_TIMEOUT_S = 120.0
DEFAULT_MEMORY_MB = 1536
SIGNATURE_REASON = "Issued by {vendor} from the slatrack record (report {report_id})"


def page_count(pdf: bytes) -> int:
    """The page tree's ``/Count`` (pyHanko reads only the objects it needs: ~10 ms on a 17 MB file)."""
    count = PdfFileReader(io.BytesIO(pdf), strict=False).root["/Pages"]["/Count"]
    return int(count)


def _check_data(data: AnyReportData, *, kind: str, parameters: dict[str, Any], report_id: str,
                as_of: datetime, audit_head: str) -> None:
    problems = []
    if data.kind != kind:
        problems.append(f"data is a {data.kind} report, not {kind}")
    if to_jsonable(data.parameters.model_dump()) != parameters:
        problems.append("data parameters differ from the request's")
    if data.as_of != as_of:
        problems.append(f"data as_of {data.as_of.isoformat()} differs from {as_of.isoformat()}")
    if data.report_id != report_id:
        problems.append(f"data report_id {data.report_id} differs from {report_id}")
    if data.audit_head != audit_head:
        problems.append("data audit_head differs from the audit chain head given")
    if problems:
        raise ReportMismatch("the report data does not match the report requested: " + "; ".join(problems))


def issue_report(
    session: Session,
    *,
    kind: str,
    parameters: Mapping[str, Any],
    as_of: datetime,
    data: AnyReportData,
    created_by: Principal,
    agency_id: str | None,
    audit_head: str,
    signer: SigningKey | None = None,
    signed_at: datetime | None = None,
    renderer: Renderer | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    memory_mb: int = DEFAULT_MEMORY_MB,
) -> Report:
    """Render, sign (when ``signer`` is given; ``signed_at`` is then required), store and audit a
    report; return the :class:`fleet.models.Report` row (the existing one if this report id was
    issued before). ``renderer`` defaults to :func:`reports.pdf.render_pdf` in a worker process
    limited to ``timeout_s`` and ``memory_mb``. Flushes; the caller's transaction commits.

    Raises :class:`ReportMismatch` when ``data`` is not the requested report,
    :class:`ReportConflict` when this report id was issued from different data, and
    :class:`reports.errors.RenderFailed` when rendering or signing fails (nothing is stored).
    """
    created_by.require("reports.create")
    if signer is not None and signed_at is None:
        raise ValueError("signed_at is required when signing")
    params = canonical_parameters(kind, parameters)
    report_id = make_report_id(kind, params, as_of)
    _check_data(data, kind=kind, parameters=params, report_id=report_id, as_of=as_of, audit_head=audit_head)
    data_hash = data_sha256(data)

    existing = session.get(Report, report_id)
    if existing is not None:
        return _same_or_conflict(existing, data_hash)

    render = renderer or functools.partial(render_pdf, timeout_s=timeout_s, memory_mb=memory_mb)
    pdf = render(data)
    if signer is not None:
        assert signed_at is not None
        pdf = sign_pdf(pdf, signer, signed_at=signed_at,
                       reason=SIGNATURE_REASON.format(vendor=data.vendor, report_id=report_id))
    row = Report(
        id=report_id,
        agency_id=agency_id,
        kind=kind,
        parameters=params,
        as_of=as_of,
        audit_head=audit_head,
        data_sha256=data_hash,
        sha256=hashlib.sha256(pdf).hexdigest(),
        signed=signer is not None,
        page_count=page_count(pdf),
        size_bytes=len(pdf),
        created_by=created_by.actor,
        pdf=pdf,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        # Issued concurrently by another request: the first one stands.
        existing = session.get(Report, report_id, populate_existing=True)
        if existing is None:
            raise
        return _same_or_conflict(existing, data_hash)
    audit.record(session, created_by, action="report.issue", entity_type="report", entity_id=report_id,
                 agency_id=agency_id, after=audit.snapshot(row), rows=[row])
    notify_issued(session, created_by, row, title=data.title)
    return row


def _same_or_conflict(existing: Report, data_hash: str) -> Report:
    if existing.data_sha256 != data_hash:
        raise ReportConflict(
            f"report {existing.id} was issued from different data (registered data SHA-256 "
            f"{existing.data_sha256}, now {data_hash}): the record before as_of changed",
            code="report_data_changed",
        )
    return existing
