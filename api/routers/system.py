"""Health and audit endpoints."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from api.deps import PrincipalDep, SessionDep, get_db
from api.routing import TransactionRoute, in_lane
from fleet import audit

router = APIRouter(route_class=TransactionRoute)
health_router = APIRouter(route_class=TransactionRoute)


class AuditCheckOut(BaseModel):
    ok: bool
    entries: int
    head: str
    first_bad_seq: int | None
    problem: str | None


@health_router.get("/health", tags=["system"])
@in_lane("health")
def health(request: Request) -> JSONResponse:
    """Liveness and database reachability (no auth). 503 when the database does not answer."""
    try:
        with get_db(request).transaction(write=False) as s:
            s.execute(text("SELECT 1"))
    except Exception:
        return JSONResponse({"status": "degraded", "database": "unavailable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


@router.get("/audit/verify", tags=["audit"], response_model=AuditCheckOut)
def verify_audit(session: SessionDep, principal: PrincipalDep) -> AuditCheckOut:
    principal.require("audit.verify")
    check = audit.verify(session)
    return AuditCheckOut(ok=check.ok, entries=check.entries, head=check.head,
                         first_bad_seq=check.first_bad_seq, problem=check.problem)
