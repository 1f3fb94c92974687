"""Registry endpoints: thin handlers over :mod:`fleet.registry`."""

from __future__ import annotations

from typing import Generic, TypeVar

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel

from api.deps import PageDep, PrincipalDep, SessionDep
from api.routing import TransactionRoute
from api.schemas.registry import AgencyOut, CalendarOut, ContractOut, SlaPolicyOut, UnitOut
from fleet import registry
from fleet.schemas.registry import AgencyIn, CalendarIn, ContractIn, SlaPolicyIn, UnitIn

router = APIRouter(tags=["registry"], route_class=TransactionRoute)
T = TypeVar("T")


class PageOut(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None


def json_response(model: BaseModel, status_code: int = 200) -> Response:
    """The model as the JSON body, as FastAPI would write it for ``response_model`` (the same
    bytes), for hot read paths: a handler that builds its response model itself spares FastAPI's
    second validation of the return value (a trip through the thread pool; from ORM objects, and
    against a union, the dearest part of a list request)."""
    return Response(content=model.model_dump_json(), media_type="application/json", status_code=status_code)


@router.post("/agencies", status_code=201, response_model=AgencyOut)
def create_agency(body: AgencyIn, session: SessionDep, principal: PrincipalDep) -> object:
    return registry.create_agency(session, principal, body)


@router.get("/agencies", response_model=PageOut[AgencyOut])
def list_agencies(session: SessionDep, principal: PrincipalDep, page: PageDep) -> object:
    return registry.list_agencies(session, principal, limit=page[0], cursor=page[1])


@router.get("/agencies/{agency_id}", response_model=AgencyOut)
def get_agency(agency_id: str, session: SessionDep, principal: PrincipalDep) -> object:
    return registry.get_agency(session, principal, agency_id)


@router.post("/calendars", status_code=201, response_model=CalendarOut)
def create_calendar(body: CalendarIn, session: SessionDep, principal: PrincipalDep) -> object:
    return registry.create_calendar(session, principal, body)


@router.get("/calendars", response_model=PageOut[CalendarOut])
def list_calendars(session: SessionDep, principal: PrincipalDep, page: PageDep) -> object:
    return registry.list_calendars(session, principal, limit=page[0], cursor=page[1])


@router.get("/calendars/{calendar_id}", response_model=CalendarOut)
def get_calendar(calendar_id: str, session: SessionDep, principal: PrincipalDep) -> object:
    return registry.get_calendar(session, principal, calendar_id)


@router.post("/contracts", status_code=201, response_model=ContractOut)
def create_contract(body: ContractIn, session: SessionDep, principal: PrincipalDep) -> ContractOut:
    contract = registry.create_contract(session, principal, body)
    return ContractOut.model_validate(registry.contract_terms(session, contract))


@router.get("/contracts", response_model=PageOut[ContractOut])
def list_contracts(session: SessionDep, principal: PrincipalDep, page: PageDep,
                   agency_id: str | None = None) -> object:
    found = registry.list_contracts(session, principal, limit=page[0], cursor=page[1], agency_id=agency_id)
    return {"items": [ContractOut.model_validate(registry.contract_terms(session, c)) for c in found.items],
            "next_cursor": found.next_cursor}


@router.get("/contracts/{contract_id}", response_model=ContractOut)
def get_contract(contract_id: str, session: SessionDep, principal: PrincipalDep) -> ContractOut:
    contract = registry.get_contract(session, principal, contract_id)
    return ContractOut.model_validate(registry.contract_terms(session, contract))


@router.post("/contracts/{contract_id}/sla-policies", status_code=201, response_model=SlaPolicyOut)
def add_sla_policy(contract_id: str, body: SlaPolicyIn, session: SessionDep, principal: PrincipalDep) -> SlaPolicyOut:
    policy = registry.add_sla_policy(session, principal, contract_id, body)
    return SlaPolicyOut.model_validate(registry.policy_terms(policy))


@router.get("/contracts/{contract_id}/sla-policies", response_model=list[SlaPolicyOut])
def list_sla_policies(contract_id: str, session: SessionDep, principal: PrincipalDep) -> list[SlaPolicyOut]:
    contract = registry.get_contract(session, principal, contract_id)
    return [SlaPolicyOut.model_validate(registry.policy_terms(p)) for p in registry.policies(session, contract.id)]


@router.post("/units", status_code=201, response_model=UnitOut)
def create_unit(body: UnitIn, session: SessionDep, principal: PrincipalDep) -> object:
    return registry.create_unit(session, principal, body)


@router.get("/units", response_model=PageOut[UnitOut])
def list_units(session: SessionDep, principal: PrincipalDep, page: PageDep, contract_id: str | None = None
               ) -> Response:
    def work() -> Response:
        found = registry.list_units(session, principal, limit=page[0], cursor=page[1], contract_id=contract_id)
        return json_response(PageOut[UnitOut].model_validate(
            {"items": found.items, "next_cursor": found.next_cursor}))

    return work()


@router.get("/units/{unit_id}", response_model=UnitOut)
def get_unit(unit_id: str, session: SessionDep, principal: PrincipalDep) -> Response:
    return json_response(
        UnitOut.model_validate(registry.get_unit(session, principal, unit_id)))
