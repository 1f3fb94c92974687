"""Report schedules: thin handlers over :mod:`fleet.notify.schedules`.

- ``PUT /contracts/{id}/report-schedule`` ``{cadence, working_day}`` (admin, manager): 201 when
  the schedule is created, 200 when it is replaced.
- ``GET`` (every reading role; an agency its own contracts'), ``DELETE`` (admin, manager): 204.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from api.deps import PrincipalDep, SessionDep
from api.routers.registry import json_response
from api.routing import TransactionRoute
from api.schemas.schedules import ScheduleOut
from fleet.notify import schedules
from fleet.schemas.schedules import ScheduleIn

router = APIRouter(tags=["notifications"], route_class=TransactionRoute)
_PATH = "/contracts/{contract_id}/report-schedule"


@router.put(_PATH, response_model=ScheduleOut, responses={201: {"model": ScheduleOut, "description": "created"}})
def put_schedule(contract_id: str, body: ScheduleIn, session: SessionDep, principal: PrincipalDep) -> Response:
    """Issue the contract's review every month or quarter on a working day after the period ends."""
    schedule, created = schedules.put(session, principal, contract_id, body)
    return json_response(ScheduleOut.model_validate(schedule), status_code=201 if created else 200)


@router.get(_PATH, response_model=ScheduleOut)
def get_schedule(contract_id: str, session: SessionDep, principal: PrincipalDep) -> Response:
    """The contract's report schedule and the next review it will issue."""
    return json_response(ScheduleOut.model_validate(schedules.get(session, principal, contract_id)))


@router.delete(_PATH, status_code=204, response_class=Response)
def delete_schedule(contract_id: str, session: SessionDep, principal: PrincipalDep) -> Response:
    """Stop issuing the contract's review on a schedule (reviews issued so far stay)."""
    schedules.delete(session, principal, contract_id)
    return Response(status_code=204)
