"""The report register, read: the issued reports a principal may see, and a downloaded PDF's name.

Tenancy is :func:`fleet.tenancy.scoped` on the report's ``agency_id`` (an agency sees the reports
of its own contracts and units; a track record spanning several agencies is seen by vendor roles
only)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleet import registry
from fleet.models import Report
from fleet.pagination import Page, paginate
from fleet.principal import Principal
from fleet.tenancy import scoped


def list_reports(session: Session, principal: Principal, *, kind: str | None, limit: int,
                 cursor: str | None) -> Page[Report]:
    """Issued reports the principal may see, by id, one page at a time."""
    stmt = scoped(select(Report), Report, principal)
    if kind is not None:
        stmt = stmt.where(Report.kind == kind)
    return paginate(session, stmt, Report.id, limit=limit, cursor=cursor)


def recent_reports(session: Session, principal: Principal, *, limit: int = 200) -> list[Report]:
    """The latest reports the principal may see, newest first."""
    return list(session.scalars(scoped(select(Report), Report, principal).order_by(Report.created_at.desc())
                                .limit(limit)))


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def pdf_filename(session: Session, row: Report) -> str:
    """``contract-review_N00024-25-C-6311_2026-01-01_2026-03-31_1a2b3c4d.pdf``: kind, subject,
    first and last day, and the start of the report id (ASCII, no quoting needed)."""
    p = row.parameters
    subject = "fleet"
    if row.kind == "contract_review":
        subject = registry.contract_number(session, p.get("contract_id")) or "contract"
    elif row.kind == "unit_history":
        subject = registry.unit_serial(session, p.get("unit_id")) or "unit"
    elif row.kind == "track_record":
        subject = f"{len(p.get('contract_ids', []))}-contracts"
    try:
        last = (date.fromisoformat(p["to"]) - timedelta(days=1)).isoformat()
        span = f"{p['from']}_{last}"
    except (KeyError, ValueError):
        span = "period"
    name = "_".join([row.kind.replace("_", "-"), _UNSAFE.sub("-", str(subject)).strip("-") or "report", span,
                     row.id[:8]])
    return f"{name}.pdf"
