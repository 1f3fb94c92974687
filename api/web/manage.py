"""The contract manager's (and agency's) pages: contracts overview, a contract, reports, verify."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from api.deps import AnswersDep, ReadSessionDep, SessionDep
from api.routers import exports as export_routes
from api.routers.reports import ReportIn
from api.routing import TransactionRoute, in_lane
from api.settings import Settings
from api.web.auth import CsrfDep, WebPrincipal
from api.web.field import availability_chart, local_today, month_start
from api.web.forms import validation_message
from api.web.render import page
from fleet import registry, sla_service, uptime, worklist
from fleet.errors import Conflict, Invalid, NotFound
from fleet.models import Contract, Report
from fleet.principal import Principal
from fleet.schemas.types import check_day
from fleet.tenancy import get_scoped
from reports import exports, gather, register
from reports.charts import Row, compliance_chart
from reports.errors import PdfTooComplex
from reports.exports import EXPORT_FORMATS, EXPORT_KINDS, ExportFormat, ExportKind
from reports.verify import verify_pdf

router = APIRouter(include_in_schema=False, route_class=TransactionRoute)
OptStr = Annotated[str | None, Form()]
KINDS = {"contract_review": "Contract review", "track_record": "Track record (past performance)",
         "unit_history": "Unit history"}


def _month(text: str | None, tz: str) -> date:
    if text:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}", text):
            raise Invalid(f"month {text!r} is not like 2026-03")
        try:
            return check_day(date.fromisoformat(text + "-01"))
        except ValueError as exc:
            raise Invalid(f"month {text!r}: {exc}") from None
    return month_start(local_today(tz))


def _month_figures(session: Session, principal: Principal, contract: Contract, start: date,
                   comp: Any) -> dict[str, Any]:
    end = month_start(start, -1)
    avail = uptime.contract_availability(session, principal, contract.id, start_date=start, end_date=end)
    decided = [m for m in comp.metrics if m.percent_met is not None]
    worst = min(decided, key=lambda m: m.percent_met or 0.0) if decided else None
    return {"month": start, "comp": comp, "avail": avail, "worst": worst,
            "breaches": sum(m.breached for m in comp.metrics)}


@router.get("/contracts")
def contracts(request: Request, session: SessionDep, principal: WebPrincipal) -> Response:
    """Each contract's last month and this month so far (in its own time zone), and its open
    tickets at risk now."""
    rows = []
    for contract, tz in registry.contracts_with_timezones(session, principal):
        this = month_start(local_today(tz))
        starts = [month_start(this, 1), this]
        comps = worklist.contract_months(session, principal, contract.id, [(s, month_start(s, -1)) for s in starts])
        rows.append({"c": contract, "tz": tz, "months": [_month_figures(session, principal, contract, start, comp)
                                                          for start, comp in zip(starts, comps, strict=True)]})
    at_risk: dict[str, int] = {}
    for item in sla_service.at_risk(session, principal, limit=1000):
        at_risk[item.contract_id] = at_risk.get(item.contract_id, 0) + 1
    return page(request, "contracts.html", {"rows": rows, "at_risk": at_risk})


@router.get("/contracts/{contract_id}")
def contract_page(request: Request, contract_id: str, session: SessionDep, principal: WebPrincipal,
                  month: str | None = None) -> Response:
    contract = get_scoped(session, Contract, contract_id, principal, what="contract")
    tz = registry.contract_timezone(session, contract)
    start = _month(month, tz)
    end = month_start(start, -1)
    period = worklist.contract_period(session, principal, contract.id, start_date=start, end_date=end)
    trend = uptime.contract_availability(session, principal, contract.id, start_date=month_start(start, 5),
                                         end_date=end)
    avail = uptime.contract_availability(session, principal, contract.id, start_date=start, end_date=end)
    comp = period.compliance
    decided = [m for m in comp.metrics if m.percent_met is not None]
    rows = [Row(label=f"{m.priority} {m.metric.replace('_', ' ')}",
                value=None if m.percent_met is None else Decimal(str(m.percent_met)),
                threshold=Decimal(str(m.aql_percent)), passed=m.passed,
                detail=f"{m.met}/{m.met + m.breached} met" + (f", {m.pending} pending" if m.pending else ""))
            for m in comp.metrics]
    serials = registry.serials_on_contract(session, contract.id)
    units = sorted(avail.units, key=lambda u: (u.availability_percent is None, u.availability_percent or 0))
    return page(request, "contract.html", {
        "c": contract, "tz": tz, "month": start, "month_end": end, "prev": month_start(start, 1).strftime("%Y-%m"),
        "next": end.strftime("%Y-%m") if end <= month_start(local_today(tz)) else None,
        "comp": comp, "avail": avail, "breaches": period.breaches, "serials": serials, "units": units,
        "worst": min(decided, key=lambda m: m.percent_met or 0.0) if decided else None,
        "breached_clocks": sum(m.breached for m in comp.metrics),
        "compliance_svg": compliance_chart(rows, title=f"SLA compliance {start:%B %Y} against AQL")
        if rows else "",
        "trend_svg": availability_chart(trend.monthly, trend.target_percent, "Fleet availability by month"),
        "can_report": principal.can("reports.create"),
        "exports": [(kind, [(fmt, f"/contracts/{contract.id}/export/{kind}.{fmt}?month={start:%Y-%m}")
                            for fmt in EXPORT_FORMATS]) for kind in EXPORT_KINDS],
    })


@router.get("/contracts/{contract_id}/export/{kind}.{fmt}")
def contract_export(contract_id: str, kind: ExportKind, fmt: ExportFormat, session: SessionDep,
                    principal: WebPrincipal, answers: AnswersDep, month: str | None = None) -> Response:
    """The month the contract page shows (its calendar's time zone), as a spreadsheet: the same
    export as the API's (``/api/v1/contracts/{id}/{kind}.{fmt}``)."""
    contract = get_scoped(session, Contract, contract_id, principal, what="contract")
    tz = registry.contract_timezone(session, contract)
    start = _month(month, tz)
    return export_routes.download(exports.export(session, principal, kind, fmt, contract.id, start_date=start,
                                   end_date=month_start(start, -1), at=None, as_of=None, answers=answers))


# --- reports ----------------------------------------------------------------------------------
def _reports_page(request: Request, session: Session, principal: Principal, *, status_code: int = 200,
                  error: str | None = None, values: dict[str, Any] | None = None) -> Response:
    rows = register.recent_reports(session, principal, limit=200)
    contracts_seen = registry.contracts_with_timezones(session, principal)
    numbers = {c.id: c.number for c, _ in contracts_seen}
    unit_ids = [str(r.parameters.get("unit_id")) for r in rows if r.parameters.get("unit_id")]
    serials = registry.serials_of(session, unit_ids)
    today = datetime.now(UTC).date()
    form = {"kind": "contract_review", "contract_id": "", "unit_id": "",
            "from": month_start(today, 3).isoformat(), "to": month_start(today).isoformat(),
            "as_of": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")}
    form.update(values or {})
    if form["kind"] == "contract_review" and not form["contract_id"] and contracts_seen and not error:
        form["contract_id"] = contracts_seen[0][0].id
    return page(request, "reports.html", {
        "reports": rows, "numbers": numbers, "serials": serials, "contracts": [c for c, _ in contracts_seen],
        "kinds": KINDS, "form": form, "error": error, "can_create": principal.can("reports.create"),
    }, status_code=status_code)


@router.get("/reports")
def reports_list(request: Request, session: SessionDep, principal: WebPrincipal,
                 kind: str | None = None, contract_id: str | None = None, unit_id: str | None = None) -> Response:
    principal.require("reports.read")
    values = {k: v for k, v in {"kind": kind, "contract_id": contract_id, "unit_id": unit_id}.items() if v}
    start, end = request.query_params.get("from"), request.query_params.get("to")
    if start:
        values["from"] = start
    if end:
        values["to"] = end
    return _reports_page(request, session, principal, values=values)


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@router.post("/reports")
@in_lane("reports")
def create_report(request: Request, read: ReadSessionDep, write: SessionDep, principal: WebPrincipal,
                  _csrf: CsrfDep, kind: Annotated[str, Form()] = "", contract_id: OptStr = None, unit_id: OptStr = None,
                  from_: Annotated[str, Form(alias="from")] = "", to: Annotated[str, Form()] = "",
                  as_of: OptStr = None) -> Response:
    """Issue the report (or answer the one already issued with the same parameters and as_of:
    the form carries as_of, so sending it twice gives the same report) and download the PDF."""
    principal.require("reports.create")
    values = {"kind": kind, "contract_id": contract_id or "", "unit_id": unit_id or "", "from": from_, "to": to,
              "as_of": as_of or ""}
    try:
        instant = None
        if as_of and as_of.strip():
            instant = datetime.fromisoformat(as_of.strip())
            if instant.tzinfo is None:
                instant = instant.replace(tzinfo=UTC)  # the form says the time is UTC
        body = ReportIn.model_validate({
            "kind": kind, "from": from_, "to": to, "as_of": instant,
            "contract_id": contract_id or None if kind == "contract_review" else None,
            "contract_ids": [contract_id] if kind == "track_record" and contract_id else None,
            "unit_id": unit_id or None if kind == "unit_history" else None})
        settings = _settings(request)
        produced = gather.produce(
            read, write, principal,
            gather.ReportRequest(kind=body.kind, start_date=body.from_, end_date=body.to,
                                 contract_id=body.contract_id,
                                 contract_ids=tuple(body.contract_ids) if body.contract_ids else None,
                                 unit_id=body.unit_id, as_of=body.as_of),
            vendor=settings.vendor_name, signer=settings.signer(), timeout_s=settings.report_timeout_seconds,
            memory_mb=settings.report_memory_mb, want_pdf=True)
    except (Invalid, Conflict, NotFound, ValidationError, ValueError) as exc:
        if isinstance(exc, ValidationError):
            message = validation_message(exc)
        elif isinstance(exc, Invalid | Conflict | NotFound):
            message = exc.message
        else:
            message = f"as of: {as_of!r} is not a date and time like 2026-03-31T23:59:00 (UTC)"
        # raised before anything was written (the request is checked before the report is registered)
        return _reports_page(request, read, principal, status_code=422 if not isinstance(exc, NotFound) else 404,
                             error=f"No report was issued: {message[:1].upper() + message[1:]}", values=values)
    assert produced.pdf is not None
    name = register.pdf_filename(read, produced.report)
    return Response(produced.pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "X-Report-Id": produced.report.id, "Cache-Control": "private, no-store"})


@router.get("/reports/verify")
def verify_form(request: Request, principal: WebPrincipal) -> Response:
    principal.require("reports.read")
    return page(request, "verify.html", {"result": None})


@router.post("/reports/verify")
@in_lane("verify")
def verify(request: Request, session: ReadSessionDep, principal: WebPrincipal, _csrf: CsrfDep,
           file: Annotated[UploadFile | None, File()] = None) -> Response:
    """The verdict in a contracting officer's words; when the file holds the issued report with
    later additions, what was added and a link to download the report as issued."""
    principal.require("reports.read")
    pdf = file.file.read() if file is not None else b""
    if not pdf:
        return page(request, "verify.html", {"result": None, "error": "Choose a PDF file to check."},
                    status_code=422)
    settings = _settings(request)
    try:
        result = verify_pdf(session, pdf, trusted_certs=settings.trusted_certs(), principal=principal,
                            limits=settings.verify_limits())
    except PdfTooComplex as exc:
        return page(request, "verify.html", {"result": None, "error": f"This file could not be checked: "
                                             f"{exc.message}."}, status_code=422)
    return page(request, "verify.html", {"result": result, "filename": file.filename if file else ""})


@router.get("/reports/{report_id}/pdf")
def download(report_id: str, session: SessionDep, principal: WebPrincipal) -> Response:
    principal.require("reports.read")
    row = get_scoped(session, Report, report_id, principal, what="report")
    return Response(content=row.pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{register.pdf_filename(session, row)}"',
                             "Cache-Control": "private, no-store"})
