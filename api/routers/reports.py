"""Reports: issue (``POST /reports``), list, read, download, and verify a copy.

- ``POST /reports`` (``reports.create``: manager, admin) gathers the figures as of ``as_of``
  (default now), renders the PDF in a worker process (time and memory limits from the settings;
  a renderer that runs out of either answers 503 ``render_failed`` and stores nothing), signs it
  when ``SLATRACK_SIGNING_KEY``/``_CERT`` are set, and registers it. The report id follows from
  the kind, the parameters and ``as_of``: asking again with the same ones answers 200 with the
  report already issued (201 the first time), same body. The request does not hold a database
  transaction while the PDF renders (on SQLite that would hold the write lock for seconds).
- ``GET /reports``, ``GET /reports/{id}``, ``GET /reports/{id}/pdf`` (``reports.read``): tenancy
  is :func:`fleet.tenancy.scoped` on the report's ``agency_id``: an agency sees the reports of its
  own contracts and units; a track record spanning several agencies has no agency and is seen by
  vendor roles only; another agency's report answers 404 like a missing one.
- ``POST /reports/verify`` (``reports.read``: every role but telemetry) checks an uploaded copy
  against the register (:func:`reports.verify.verify_pdf`, trusting this server's signing
  certificate). Whoever holds a PDF may learn whether it is genuine: that is what the document is
  for (a track record is handed to other agencies with a bid). But an agency checking a report
  that is not its own learns nothing from the register beyond the verdict: the reasons it gets
  name only what the file itself carries (its report id, its own hashes), never the registered
  hashes, kind or status of another agency's report; ``status`` is given as ``valid``, ``altered``,
  ``data_mismatch``, ``unknown`` or ``not_pdf`` in every case.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, StrictStr, model_validator
from sqlalchemy import select

from api.deps import PageDep, PrincipalDep, ReadSessionDep, SessionDep, get_db
from api.errors import ErrorOut
from api.routers.registry import PageOut
from api.routing import TransactionRoute, in_lane
from api.settings import Settings
from fleet.models import Contract, Report, Unit
from fleet.pagination import paginate
from fleet.principal import Principal
from fleet.schemas.types import Day, Instant
from fleet.tenancy import get_scoped, scope_filter, scoped
from reports import gather
from reports.data import ReportKind
from reports.render import DATA_FILE
from reports.verify import VerifyResult, verify_pdf

router = APIRouter(tags=["reports"], route_class=TransactionRoute)
API_PREFIX = "/api/v1"
_KIND_IDS = {"contract_review": "contract_id", "track_record": "contract_ids", "unit_history": "unit_id"}


class ReportIn(BaseModel):
    """Which report: ``contract_review`` needs ``contract_id``, ``unit_history`` needs ``unit_id``,
    ``track_record`` takes ``contract_ids`` (default: every contract on record at ``as_of``)."""

    model_config = ConfigDict(strict=True, extra="forbid", validate_by_name=True, validate_by_alias=True)

    kind: ReportKind
    contract_id: StrictStr | None = None
    contract_ids: Annotated[list[StrictStr], Field(min_length=1, max_length=500)] | None = None
    unit_id: StrictStr | None = None
    from_: Day = Field(alias="from", description="first day (the contract calendar's time zone)")
    to: Day = Field(description="day after the last (exclusive)")
    as_of: Instant | None = Field(default=None, description="the record as it stood then (default now)")

    @model_validator(mode="after")
    def _check(self) -> ReportIn:
        if self.to <= self.from_:
            raise ValueError("to must be after from (the period is [from, to))")
        needed = _KIND_IDS[self.kind]
        if self.kind != "track_record" and getattr(self, needed) is None:
            raise ValueError(f"a {self.kind} report needs {needed}")
        for name in set(_KIND_IDS.values()) - {needed}:
            if getattr(self, name) is not None:
                raise ValueError(f"{name} is not a parameter of a {self.kind} report")
        return self


class ReportOut(BaseModel):
    id: str
    kind: str
    agency_id: str | None = Field(description="the agency whose record it is; null for a track record of several")
    parameters: dict[str, Any] = Field(description="canonical parameters (ids, from, to)")
    as_of: datetime
    audit_head: str = Field(description="the audit chain head at as_of")
    sha256: str = Field(description="SHA-256 of the PDF as issued")
    data_sha256: str = Field(description="SHA-256 of the embedded report-data.json")
    page_count: int
    size_bytes: int
    signed: bool
    created_at: datetime
    created_by: str
    download_url: str


class VerifyOut(BaseModel):
    valid: bool
    report_id: str | None
    status: Literal["valid", "not_pdf", "unknown", "altered", "data_mismatch"]
    reasons: list[str]


def report_out(row: Report) -> ReportOut:
    return ReportOut(id=row.id, kind=row.kind, agency_id=row.agency_id, parameters=row.parameters, as_of=row.as_of,
                     audit_head=row.audit_head, sha256=row.sha256, data_sha256=row.data_sha256,
                     page_count=row.page_count, size_bytes=row.size_bytes, signed=row.signed,
                     created_at=row.created_at, created_by=row.created_by,
                     download_url=f"{API_PREFIX}/reports/{row.id}/pdf")


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@router.post("/reports", status_code=201, response_model=ReportOut,
             responses={200: {"model": ReportOut, "description": "already issued with these parameters and as_of"},
                        503: {"model": ErrorOut, "description": "the renderer ran out of time or memory "
                                                                "(`render_failed`); nothing was stored"}})
@in_lane("reports")
def create_report(body: ReportIn, request: Request, principal: PrincipalDep) -> JSONResponse:
    """Issue a report (PDF/A-3b with its data attached), or answer the one already issued."""
    principal.require("reports.create")
    settings = _settings(request)
    produced = gather.produce(
        get_db(request), principal,
        gather.ReportRequest(kind=body.kind, start_date=body.from_, end_date=body.to, contract_id=body.contract_id,
                             contract_ids=tuple(body.contract_ids) if body.contract_ids is not None else None,
                             unit_id=body.unit_id, as_of=body.as_of),
        vendor=settings.vendor_name, signer=settings.signer(), timeout_s=settings.report_timeout_seconds,
        memory_mb=settings.report_memory_mb)
    return JSONResponse(report_out(produced.report).model_dump(mode="json"),
                        status_code=201 if produced.created else 200)


@router.get("/reports", response_model=PageOut[ReportOut])
def list_reports(session: SessionDep, principal: PrincipalDep, page: PageDep,
                 kind: Annotated[ReportKind | None, Query()] = None) -> dict[str, Any]:
    """Issued reports the caller may see, by id (an agency: its own contracts' and units')."""
    principal.require("reports.read")
    stmt = scoped(select(Report), Report, principal)
    if kind is not None:
        stmt = stmt.where(Report.kind == kind)
    found = paginate(session, stmt, Report.id, limit=page[0], cursor=page[1])
    return {"items": [report_out(r) for r in found.items], "next_cursor": found.next_cursor}


@router.get("/reports/{report_id}", response_model=ReportOut)
def get_report(report_id: str, session: SessionDep, principal: PrincipalDep) -> ReportOut:
    principal.require("reports.read")
    return report_out(get_scoped(session, Report, report_id, principal, what="report"))


@router.get("/reports/{report_id}/pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}, "description": "the PDF as issued"}})
def download_report(report_id: str, session: SessionDep, principal: PrincipalDep) -> Response:
    principal.require("reports.read")
    row = get_scoped(session, Report, report_id, principal, what="report")
    return Response(content=row.pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{pdf_filename(session, row)}"',
                             "Cache-Control": "private, no-store", "ETag": f'"{row.sha256}"'})


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def pdf_filename(session: Any, row: Report) -> str:
    """``contract-review_N00024-25-C-6311_2026-01-01_2026-03-31_1a2b3c4d.pdf``: kind, subject,
    first and last day, and the start of the report id (ASCII, no quoting needed)."""
    p = row.parameters
    subject = "fleet"
    if row.kind == "contract_review":
        subject = session.scalar(select(Contract.number).where(Contract.id == p.get("contract_id"))) or "contract"
    elif row.kind == "unit_history":
        subject = session.scalar(select(Unit.serial).where(Unit.id == p.get("unit_id"))) or "unit"
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


@router.post("/reports/verify", response_model=VerifyOut)
@in_lane("verify")
def verify_report(request: Request, session: ReadSessionDep, principal: PrincipalDep,
                  file: Annotated[UploadFile, File(description="the PDF to check")]) -> VerifyOut:
    """Is this PDF one we issued, unaltered? (See the module docstring for what an agency learns
    about a report that is not its own.)"""
    principal.require("reports.read")
    pdf = file.file.read()
    result = verify_pdf(session, pdf, trusted_certs=_settings(request).trusted_certs())
    if result.report_id is not None and not _visible(session, principal, result.report_id):
        result = redacted(result, pdf)
    return VerifyOut(valid=result.valid, report_id=result.report_id, status=result.status, reasons=result.reasons)


def _visible(session: Any, principal: Principal, report_id: str) -> bool:
    clause = scope_filter(Report, principal)
    if clause is None:
        return True
    return session.scalar(select(Report.id).where(Report.id == report_id, clause)) is not None


def redacted(result: VerifyResult, pdf: bytes) -> VerifyResult:
    """The verdict on another agency's report, in words that carry only what the file itself
    carries (its report id and its own hashes), not the register's record of that report."""
    sha = hashlib.sha256(pdf).hexdigest()
    rid = result.report_id
    reasons = {
        "valid": f"valid: this PDF is report {rid} as issued by this server, unaltered (SHA-256 {sha})",
        "altered": f"altered: this PDF (SHA-256 {sha}) is not report {rid} as issued, and no valid signature "
                   "of this server vouches for it",
        "data_mismatch": f"data mismatch: the {DATA_FILE} embedded in this PDF is not the data registered for "
                         f"report {rid}",
    }
    text = reasons.get(result.status)
    if text is None:  # unknown / not_pdf: the reasons name only the file already
        return result
    return VerifyResult(result.valid, rid, [text], result.status)
