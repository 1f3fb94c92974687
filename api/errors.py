"""The one error body: ``{"error": {"code", "message", "details"}}`` for every 4xx and 5xx.

Domain errors map to statuses here and only here. Unexpected exceptions answer 500 with the
request id (which is in the log with the stack trace), never the trace itself.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from fleet.audit import request_id_var
from fleet.db import NaiveDatetimeError
from fleet.errors import Conflict, DomainError, Forbidden, Invalid, NotFound, Unavailable
from slas.errors import SlaError

log = logging.getLogger("slatrack.api")

STATUS: dict[type[DomainError], int] = {NotFound: 404, Conflict: 409, Invalid: 422, Forbidden: 403, Unavailable: 503}


class Unauthenticated(DomainError):
    code = "unauthenticated"


class TooManyRequests(DomainError):
    code = "rate_limited"

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class ErrorDetail(BaseModel):
    code: str = Field(description="snake_case, stable: what went wrong")
    message: str = Field(description="a human sentence")
    details: list[Any] = Field(description="per-field or per-item problems, when there are several")


class ErrorOut(BaseModel):
    """The one error body, for every 4xx and 5xx."""

    error: ErrorDetail


# Documented on every route (``include_router(..., responses=ERROR_RESPONSES)``), so the OpenAPI
# says what clients and the fuzzer get: any 4xx, and 503 when the database is unavailable.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": ErrorOut, "description": "the request was refused; nothing was changed"},
    503: {"model": ErrorOut, "description": "the database (or the renderer) is unavailable; retry later"},
}


def error_body(code: str, message: str, details: list[Any] | None = None) -> dict[str, Any]:
    """The error body, built here only: the exception handlers below and the middleware's refusals
    before the app runs (``api/middleware.py``) call it; the rate limiter and the idempotency
    checks raise errors that these handlers answer."""
    return {"error": {"code": code, "message": message, "details": details or []}}


def error_response(status: int, code: str, message: str, details: list[Any] | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(code, message, details), status_code=status, headers=headers)


def _status_for(exc: DomainError) -> int:
    if isinstance(exc, Unauthenticated):
        return 401
    if isinstance(exc, TooManyRequests):
        return 429
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


async def _domain(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    headers = None
    if isinstance(exc, Unauthenticated):
        headers = {"WWW-Authenticate": "Bearer"}
    elif isinstance(exc, TooManyRequests):
        headers = {"Retry-After": str(exc.retry_after)}
    return error_response(_status_for(exc), exc.code, exc.message, exc.details, headers)


def _loc(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body",)]
    return ".".join(parts) or "body"


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [
        {"field": _loc(tuple(e.get("loc", ()))), "message": str(e.get("msg", "")), "type": e.get("type")}
        for e in exc.errors()
    ]
    summary = "; ".join(f"{d['field']}: {d['message']}" for d in details[:5])
    return error_response(422, "validation_error", f"invalid request: {summary}", details)


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    codes = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large", 401: "unauthenticated"}
    code = codes.get(exc.status_code, "http_error")
    message = str(exc.detail) if exc.detail and exc.status_code != 404 else "no such resource"
    if exc.status_code == 405:
        message = f"{request.method} is not allowed on {request.url.path}"
    return error_response(exc.status_code, code, message, headers=getattr(exc, "headers", None))


async def _integrity(request: Request, exc: Exception) -> JSONResponse:
    log.info("integrity error: %s", exc)
    return error_response(409, "conflict", "the request conflicts with the existing record (a duplicate?)")


async def _data(request: Request, exc: Exception) -> JSONResponse:
    """A value the database refused (e.g. a NUL character in a form field): the transaction is
    rolled back, so nothing changed. Inputs are checked before they get here; this is the net."""
    log.info("data error (request %s): %s", request_id_var.get(), exc)
    return error_response(422, "invalid_value", "a value in the request cannot be stored or compared "
                          "(e.g. a NUL character); nothing was changed")


async def _database(request: Request, exc: Exception) -> JSONResponse:
    log.error("database unavailable (request %s): %s", request_id_var.get(), exc)
    return error_response(503, "database_unavailable", "the database is unavailable; retry shortly",
                          headers={"Retry-After": "5"})


async def _naive(request: Request, exc: Exception) -> JSONResponse:
    return error_response(422, "validation_error", str(exc))


async def _sla(request: Request, exc: Exception) -> JSONResponse:
    return error_response(422, "invalid", str(exc))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    rid = request_id_var.get()
    log.exception("unhandled error (request %s)", rid)
    return error_response(500, "internal_error", f"internal error; quote request id {rid}",
                          details=[{"request_id": rid}])


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(IntegrityError, _integrity)
    app.add_exception_handler(DataError, _data)
    app.add_exception_handler(OperationalError, _database)
    app.add_exception_handler(PoolTimeout, _database)
    app.add_exception_handler(NaiveDatetimeError, _naive)
    app.add_exception_handler(SlaError, _sla)
    app.add_exception_handler(Exception, _unexpected)

