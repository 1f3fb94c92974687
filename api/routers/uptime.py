"""Uptime endpoints: thin handlers over :mod:`fleet.uptime`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from api.deps import AnswersDep, PageDep, PrincipalDep, SessionDep
from api.routers.registry import PageOut, json_response
from api.routing import TransactionRoute
from api.schemas.uptime import (
    ContractAvailabilityOut,
    IngestOut,
    MaintenanceWindowOut,
    TimelineOut,
    UnitAvailabilityOut,
)
from fleet import status_events, uptime
from fleet.schemas.types import Day, Instant
from fleet.schemas.uptime import CancelIn, MaintenanceWindowIn, status_batch_openapi

router = APIRouter(tags=["uptime"], route_class=TransactionRoute)


async def _raw_body(request: Request) -> bytes:
    return await request.body()


RawBody = Annotated[bytes, Depends(_raw_body)]
From = Annotated[Day, Query(alias="from", description="first day (contract calendar's time zone)")]
To = Annotated[Day, Query(description="day after the last (exclusive)")]
At = Annotated[Instant | None, Query(description="read the clocks at this instant (default as_of)")]
AsOf = Annotated[Instant | None, Query(description="the record as it stood at this instant (default now)")]


@router.post("/status-events", response_model=IngestOut, openapi_extra=status_batch_openapi(),
             responses={422: {"description": "the whole batch is refused; `details` lists `{index, event_id, "
                                             "reason}` for every bad event"}})
def post_status_events(body: RawBody, session: SessionDep, principal: PrincipalDep) -> IngestOut:
    """Up to 10,000 events; `event_id` makes retries safe (duplicates counted, never stored twice)."""
    return IngestOut.model_validate(status_events.ingest_json(session, principal, body))


@router.post("/maintenance-windows", status_code=201, response_model=MaintenanceWindowOut)
def create_window(body: MaintenanceWindowIn, session: SessionDep, principal: PrincipalDep) -> object:
    return uptime.create_window(session, principal, body)


@router.get("/maintenance-windows", response_model=PageOut[MaintenanceWindowOut])
def list_windows(session: SessionDep, principal: PrincipalDep, page: PageDep, contract_id: str | None = None,
                 unit_id: str | None = None) -> object:
    return uptime.list_windows(session, principal, limit=page[0], cursor=page[1], contract_id=contract_id,
                               unit_id=unit_id)


@router.get("/maintenance-windows/{window_id}", response_model=MaintenanceWindowOut)
def get_window(window_id: str, session: SessionDep, principal: PrincipalDep) -> object:
    return uptime.get_window(session, principal, window_id)


@router.post("/maintenance-windows/{window_id}/cancel", response_model=MaintenanceWindowOut)
def cancel_window(window_id: str, body: CancelIn, session: SessionDep, principal: PrincipalDep) -> object:
    return uptime.cancel_window(session, principal, window_id, body)


@router.get("/contracts/{contract_id}/availability", response_model=ContractAvailabilityOut)
def contract_availability(contract_id: str, session: SessionDep, principal: PrincipalDep,
                          answers: AnswersDep, from_: From, to: To, at: At = None,
                          as_of: AsOf = None) -> Response:
    return json_response(ContractAvailabilityOut.model_validate(uptime.contract_availability(
        session, principal, contract_id, start_date=from_, end_date=to, at=at, as_of=as_of, answers=answers)))


@router.get("/units/{unit_id}/availability", response_model=UnitAvailabilityOut)
def unit_availability(unit_id: str, session: SessionDep, principal: PrincipalDep, from_: From, to: To,
                      at: At = None, as_of: AsOf = None) -> UnitAvailabilityOut:
    return UnitAvailabilityOut.model_validate(
        uptime.unit_availability(session, principal, unit_id, start_date=from_, end_date=to, at=at, as_of=as_of))


@router.get("/units/{unit_id}/timeline", response_model=TimelineOut)
def unit_timeline(unit_id: str, session: SessionDep, principal: PrincipalDep, from_: From, to: To,
                  at: At = None, as_of: AsOf = None) -> TimelineOut:
    return TimelineOut.model_validate(
        uptime.unit_timeline(session, principal, unit_id, start_date=from_, end_date=to, at=at, as_of=as_of))
