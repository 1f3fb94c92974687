"""Health and audit endpoints."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.deps import PrincipalDep, SessionDep, get_db
from api.routing import TransactionRoute, in_lane
from fleet import audit
from fleet.db import ping
from fleet.rowcheck import MAX_PROBLEMS

router = APIRouter(route_class=TransactionRoute)
health_router = APIRouter(route_class=TransactionRoute)


class RowProblemOut(BaseModel):
    table: str
    id: str | None = Field(description="the row's id (a status-event batch: 'first..last' of its ids); null when "
                                       "only a count is known")
    kind: Literal["changed", "deleted", "inserted"]
    field: str | None = Field(description="the changed column(s), comma-separated, where the ledger's snapshot "
                                          "names them")
    seq: int | None = Field(description="the ledger entry that recorded the row (null: none does)")
    message: str


class AuditCheckOut(BaseModel):
    ok: bool
    entries: int
    head: str
    first_bad_seq: int | None
    problem: str | None
    rows: int = Field(description="rows of the audited tables proved against the ledger (0 when the chain "
                                  "itself is broken: rows are proved only against an intact chain)")
    problems: list[RowProblemOut] = Field(description=f"rows changed, deleted or inserted outside slatrack (at "
                                                      f"most {MAX_PROBLEMS})")
    problem_count: int


@health_router.get("/health", tags=["system"])
@in_lane("health")
def health(request: Request) -> JSONResponse:
    """Liveness and database reachability (no auth). 503 when the database does not answer."""
    try:
        with get_db(request).transaction(write=False) as s:
            ping(s)
    except Exception:
        return JSONResponse({"status": "degraded", "database": "unavailable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


@router.get("/audit/verify", tags=["audit"], response_model=AuditCheckOut)
def verify_audit(session: SessionDep, principal: PrincipalDep) -> AuditCheckOut:
    principal.require("audit.verify")
    check = audit.verify(session)
    return AuditCheckOut(ok=check.ok, entries=check.entries, head=check.head,
                         first_bad_seq=check.first_bad_seq, problem=check.problem, rows=check.rows,
                         problems=[RowProblemOut(table=p.table, id=p.id, kind=p.kind,
                                                 field=p.field, seq=p.seq, message=p.message())
                                   for p in check.problems],
                         problem_count=check.problem_count)
