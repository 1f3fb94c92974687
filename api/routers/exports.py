"""A contract's period as spreadsheets (CSV, XLSX) and the period's ticket list as JSON: thin
handlers over :mod:`reports.exports` and :mod:`fleet.period_tickets`.

Separate paths (``compliance.csv``, ``compliance.xlsx``...) rather than content negotiation: a
spreadsheet user pastes a URL, and the JSON endpoints stay JSON. Same query parameters, checks,
tenancy and error body as the JSON answers they project.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from api.deps import AnswersDep, PrincipalDep, SessionDep
from api.routers.registry import json_response
from api.routers.sla import AsOfQuery, AtQuery, FromQuery, ToQuery
from api.routing import TransactionRoute
from api.schemas.sla import PeriodTicketsOut
from fleet import period_tickets
from reports import exports
from reports.exports import ExportFormat, ExportKind
from reports.sheets import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE

router = APIRouter(route_class=TransactionRoute)
_FILE: dict[int | str, dict[str, Any]] = {200: {
    "description": "the export as a download (`Content-Disposition: attachment`); headers `X-As-Of` and `X-At` "
                   "give the instants it was read at",
    "content": {CSV_MEDIA_TYPE: {"schema": {"type": "string"}},
                XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}}}}


def download(file: exports.ExportFile) -> Response:
    """The export as an attachment, its instants in headers (a CSV has no room for them)."""
    return Response(file.content, media_type=file.media_type, headers={
        "Content-Disposition": f'attachment; filename="{file.filename}"', "Cache-Control": "private, no-store",
        "X-As-Of": file.as_of.isoformat().replace("+00:00", "Z"), "X-At": file.at.isoformat().replace("+00:00", "Z"),
        "X-Content-Type-Options": "nosniff"})


def _export(kind: ExportKind, fmt: ExportFormat, contract_id: str, session: Any, principal: Any, answers: Any,
            from_: Any, to: Any, at: Any, as_of: Any) -> Response:
    return download(exports.export(session, principal, kind, fmt, contract_id, start_date=from_, end_date=to, at=at,
                                   as_of=as_of, answers=answers))


@router.get("/contracts/{contract_id}/tickets", response_model=PeriodTicketsOut, tags=["sla"])
def contract_tickets(contract_id: str, session: SessionDep, principal: PrincipalDep, from_: FromQuery, to: ToQuery,
                     at: AtQuery = None, as_of: AsOfQuery = None) -> Response:
    """Every ticket reported in the period (the tickets compliance counts), with its clocks."""
    return json_response(PeriodTicketsOut.model_validate(period_tickets.period_tickets(
        session, principal, contract_id, start_date=from_, end_date=to, at=at, as_of=as_of)))


@router.get("/contracts/{contract_id}/compliance.{fmt}", tags=["exports"], response_class=Response, responses=_FILE)
def compliance_export(contract_id: str, fmt: ExportFormat, session: SessionDep, principal: PrincipalDep,
                      answers: AnswersDep, from_: FromQuery, to: ToQuery, at: AtQuery = None,
                      as_of: AsOfQuery = None) -> Response:
    """`GET /contracts/{id}/compliance` as a table: a row per priority and metric with its credits, then `all`."""
    return _export("compliance", fmt, contract_id, session, principal, answers, from_, to, at, as_of)


@router.get("/contracts/{contract_id}/availability.{fmt}", tags=["exports"], response_class=Response,
            responses=_FILE)
def availability_export(contract_id: str, fmt: ExportFormat, session: SessionDep, principal: PrincipalDep,
                        answers: AnswersDep, from_: FromQuery, to: ToQuery, at: AtQuery = None,
                        as_of: AsOfQuery = None) -> Response:
    """`GET /contracts/{id}/availability` as a table: the fleet row, then a row per unit."""
    return _export("availability", fmt, contract_id, session, principal, answers, from_, to, at, as_of)


@router.get("/contracts/{contract_id}/tickets.{fmt}", tags=["exports"], response_class=Response, responses=_FILE)
def tickets_export(contract_id: str, fmt: ExportFormat, session: SessionDep, principal: PrincipalDep,
                   from_: FromQuery, to: ToQuery, at: AtQuery = None, as_of: AsOfQuery = None) -> Response:
    """`GET /contracts/{id}/tickets` as a table: a row per ticket, each metric's clock in its columns."""
    return _export("tickets", fmt, contract_id, session, principal, None, from_, to, at, as_of)
