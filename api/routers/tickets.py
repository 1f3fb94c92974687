"""Tickets and field work: thin handlers over :mod:`fleet.tickets`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

from api.deps import PageDep, PrincipalDep, SessionDep
from api.idempotency import IdempotencyKey, respond
from api.routers.registry import PageOut, json_response
from api.routing import TransactionRoute
from api.schemas.sla import AtRiskOut
from api.schemas.tickets import EventOut, RatingOut, TicketDetailOut, TicketOut, WorkLogOut
from fleet import dispatch, sla_service, ticket_views, tickets
from fleet.schemas.tickets import CorrectionIn, EventIn, RatingIn, TicketIn, WorkLogIn
from fleet.schemas.types import Instant

router = APIRouter(tags=["tickets"], route_class=TransactionRoute)


@router.post("/tickets", status_code=201, response_model=TicketOut)
def create_ticket(body: TicketIn, session: SessionDep, principal: PrincipalDep, key: IdempotencyKey = None
                  ) -> JSONResponse:
    def produce() -> TicketOut:
        ticket = tickets.create_ticket(session, principal, body)
        return TicketOut.model_validate(ticket_views.ticket_view(session, ticket))

    return respond(session, principal, key, "POST /tickets", body, produce)


@router.get("/tickets", response_model=PageOut[TicketOut] | PageOut[AtRiskOut])
def list_tickets(
    session: SessionDep, principal: PrincipalDep, page: PageDep,
    contract_id: str | None = None, unit_id: str | None = None, status: str | None = None,
    priority: str | None = None,
    reported_from: Annotated[Instant | None, Query(description="reported at or after this instant")] = None,
    reported_to: Annotated[Instant | None, Query(description="reported before this instant")] = None,
    at_risk: Annotated[bool, Query(description="only open tickets with a clock past the warning threshold "
                                         "or breached, soonest due first (one page)")] = False,
) -> object:
    if at_risk:
        risky = sla_service.at_risk(session, principal, contract_id=contract_id, limit=page[0])
        return json_response(PageOut[AtRiskOut](items=[AtRiskOut.model_validate(r) for r in risky], next_cursor=None))
    filters = {"contract_id": contract_id, "unit_id": unit_id, "status": status, "priority": priority,
               "reported_from": reported_from, "reported_to": reported_to}

    def work() -> Response:
        found = ticket_views.list_tickets(session, principal, limit=page[0], cursor=page[1], filters=filters)
        return json_response(PageOut[TicketOut].model_validate(
            {"items": found.items, "next_cursor": found.next_cursor}))

    return work()


@router.get("/tickets/{ticket_id}", response_model=TicketDetailOut)
def get_ticket(ticket_id: str, session: SessionDep, principal: PrincipalDep) -> Response:
    detail = dispatch.with_dispatch(session, principal, ticket_views.detail(session, principal, ticket_id))
    return json_response(TicketDetailOut.model_validate(detail))


@router.post("/tickets/{ticket_id}/events", status_code=201, response_model=EventOut)
def add_event(ticket_id: str, body: EventIn, session: SessionDep, principal: PrincipalDep,
              key: IdempotencyKey = None) -> JSONResponse:
    def produce() -> EventOut:
        event = tickets.add_event(session, principal, ticket_id, body)
        return EventOut.model_validate(ticket_views.event_view(session, event))

    return respond(session, principal, key, f"POST /tickets/{ticket_id}/events", body, produce)


@router.post("/tickets/{ticket_id}/corrections", status_code=201, response_model=EventOut)
def correct_event(ticket_id: str, body: CorrectionIn, session: SessionDep, principal: PrincipalDep,
                  key: IdempotencyKey = None) -> JSONResponse:
    def produce() -> EventOut:
        correction = tickets.correct_event(session, principal, ticket_id, body)
        return EventOut.model_validate(ticket_views.event_view(session, correction))

    return respond(session, principal, key, f"POST /tickets/{ticket_id}/corrections", body, produce)


@router.post("/tickets/{ticket_id}/work-logs", status_code=201, response_model=WorkLogOut)
def add_work_log(ticket_id: str, body: WorkLogIn, session: SessionDep, principal: PrincipalDep,
                 key: IdempotencyKey = None) -> JSONResponse:
    def produce() -> WorkLogOut:
        log = tickets.add_work_log(session, principal, ticket_id, body)
        logs = ticket_views.work_logs_of(session, [log.ticket_id])[log.ticket_id]
        return WorkLogOut.model_validate(next(w for w in logs if w.id == log.id))

    return respond(session, principal, key, f"POST /tickets/{ticket_id}/work-logs", body, produce)


@router.post("/tickets/{ticket_id}/satisfaction", status_code=201, response_model=RatingOut)
def rate(ticket_id: str, body: RatingIn, session: SessionDep, principal: PrincipalDep) -> RatingOut:
    return RatingOut.model_validate(tickets.rate(session, principal, ticket_id, body))
