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
  against the register (:func:`reports.verify.verify_pdf`; the rules are in its module). The
  register is scoped to the caller: another agency's report answers exactly as a report never
  issued here (``unknown``, same reasons). An answer that found the issued report inside the file
  carries ``issued_revision`` (its byte length, SHA-256, revision number and the
  ``download_url`` of the registered PDF, which is that issued revision) and ``additions``
  (what later revisions added: revision, page, rectangle, signer, visible). The PDF is parsed in
  a worker process within ``SLATRACK_VERIFY_TIMEOUT_SECONDS``/``_MEMORY_MB``; a file over a
  limit answers 422 ``pdf_too_complex``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, StrictStr, model_validator

from api.deps import PageDep, PrincipalDep, ReadSessionDep, SessionDep
from api.errors import ErrorOut
from api.routers.registry import PageOut
from api.routing import TransactionRoute, in_lane
from api.settings import Settings
from fleet.models import Report
from fleet.schemas.types import Day, Instant, StrictInput
from fleet.tenancy import get_scoped
from reports import gather, register
from reports.data import ReportKind
from reports.verify import VerifyResult, VerifyStatus, verify_pdf

router = APIRouter(tags=["reports"], route_class=TransactionRoute)
API_PREFIX = "/api/v1"
_KIND_IDS = {"contract_review": "contract_id", "track_record": "contract_ids", "unit_history": "unit_id"}


class ReportIn(StrictInput):
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


class IssuedRevisionOut(BaseModel):
    report_id: str
    byte_length: int = Field(description="the issued report is the first byte_length bytes of the file")
    sha256: str = Field(description="SHA-256 of those bytes (the registered PDF)")
    revision: int | None = Field(description="its revision number in the file (1 = first); null when the file "
                                             "is exactly the issued PDF and was not parsed")
    download_url: str = Field(description="the registered PDF: the issued revision, as issued")


class AdditionOut(BaseModel):
    kind: str = Field(description="signature, signature_field, form_field, annotation, page, page_content, "
                                  "page_change, document_timestamp, validation_data, metadata, trailing_data")
    visible: bool = Field(description="a reader sees it on a page (then the copy is not valid)")
    description: str
    revision: int | None
    page: int | None
    rect: list[float] | None = Field(description="x1, y1, x2, y2 in PDF points")
    signer: str | None
    field: str | None


class VerifyOut(BaseModel):
    valid: bool
    report_id: str | None
    status: VerifyStatus
    reasons: list[str]
    issued_revision: IssuedRevisionOut | None = None
    additions: list[AdditionOut] = Field(default_factory=list)


def verify_out(result: VerifyResult) -> VerifyOut:
    issued = result.issued_revision
    return VerifyOut(
        valid=result.valid, report_id=result.report_id, status=result.status, reasons=result.reasons,
        issued_revision=None if issued is None else IssuedRevisionOut(
            report_id=issued.report_id, byte_length=issued.byte_length, sha256=issued.sha256,
            revision=issued.revision, download_url=f"{API_PREFIX}/reports/{issued.report_id}/pdf"),
        additions=[AdditionOut(kind=a.kind, visible=a.visible, description=a.description, revision=a.revision,
                               page=a.page, rect=list(a.rect) if a.rect else None, signer=a.signer, field=a.field)
                   for a in result.additions])


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
def create_report(body: ReportIn, request: Request, read: ReadSessionDep, write: SessionDep,
                  principal: PrincipalDep) -> JSONResponse:
    """Issue a report (PDF/A-3b with its data attached), or answer the one already issued. The
    figures are gathered on the read session; the write session is first used after the render
    (it registers the report); the route commits both in this handler's trip."""
    principal.require("reports.create")
    settings = _settings(request)
    produced = gather.produce(
        read, write, principal,
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
    found = register.list_reports(session, principal, kind=kind, limit=page[0], cursor=page[1])
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
                    headers={"Content-Disposition": f'attachment; filename="{register.pdf_filename(session, row)}"',
                             "Cache-Control": "private, no-store", "ETag": f'"{row.sha256}"'})


@router.post("/reports/verify", response_model=VerifyOut,
             responses={422: {"model": ErrorOut, "description": "the PDF is over the verify limits "
                                                                "(`pdf_too_complex`)"}})
@in_lane("verify")
def verify_report(request: Request, session: ReadSessionDep, principal: PrincipalDep,
                  file: Annotated[UploadFile, File(description="the PDF to check")]) -> VerifyOut:
    """Is this PDF one we issued, and does a reader see exactly what we issued? (See the module
    docstring: another agency's report answers as one never issued here.)"""
    principal.require("reports.read")
    settings = _settings(request)
    return verify_out(verify_pdf(session, file.file.read(), trusted_certs=settings.trusted_certs(),
                                 principal=principal, limits=settings.verify_limits()))
