"""SLA clocks and compliance: thin handlers over :mod:`fleet.sla_service`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.deps import AnswersDep, PrincipalDep, SessionDep
from api.routers.registry import json_response
from api.routing import TransactionRoute
from api.schemas.sla import ComplianceOut, TicketSlaOut
from fleet import sla_service
from fleet.schemas.types import Day, Instant

router = APIRouter(tags=["sla"], route_class=TransactionRoute)

AtQuery = Annotated[Instant | None, Query(description="read the clocks at this instant (default: as_of)")]
AsOfQuery = Annotated[Instant | None, Query(description="the record as it stood then (default: now)")]
FromQuery = Annotated[Day, Query(alias="from", description="first day, in the contract calendar's zone")]
ToQuery = Annotated[Day, Query(alias="to", description="day after the last (exclusive)")]


@router.get("/tickets/{ticket_id}/sla", response_model=TicketSlaOut)
def ticket_sla(ticket_id: str, session: SessionDep, principal: PrincipalDep, at: AtQuery = None,
               as_of: AsOfQuery = None) -> Response:
    return json_response(TicketSlaOut.model_validate(
        sla_service.ticket_sla(session, principal, ticket_id, at=at, as_of=as_of)))


@router.get("/contracts/{contract_id}/compliance", response_model=ComplianceOut)
def compliance(contract_id: str, session: SessionDep, principal: PrincipalDep, answers: AnswersDep,
               from_: FromQuery, to: ToQuery, at: AtQuery = None, as_of: AsOfQuery = None) -> Response:
    return json_response(ComplianceOut.model_validate(sla_service.contract_compliance(
        session, principal, contract_id, start_date=from_, end_date=to, at=at, as_of=as_of, answers=answers)))
