"""Dispatch and conversation: thin handlers over :mod:`fleet.dispatch` and :mod:`fleet.conversation`."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from api.deps import PageDep, PrincipalDep, SessionDep
from api.idempotency import IdempotencyKey, respond
from api.routers.registry import PageOut, json_response
from api.routing import TransactionRoute
from api.schemas.dispatch import AssignmentOut, CommentOut
from fleet import conversation, dispatch
from fleet.schemas.dispatch import AssignmentIn, CommentIn

router = APIRouter(tags=["dispatch"], route_class=TransactionRoute)


@router.post("/tickets/{ticket_id}/assignment", status_code=201, response_model=AssignmentOut)
def assign(ticket_id: str, body: AssignmentIn, session: SessionDep, principal: PrincipalDep,
           key: IdempotencyKey = None) -> JSONResponse:
    """Assign the ticket (``assignee``: a username), or hand it back (``assignee: null``)."""
    return respond(session, principal, key, f"POST /tickets/{ticket_id}/assignment", body,
                   lambda: AssignmentOut.model_validate(dispatch.assign(session, principal, ticket_id, body)))


@router.post("/tickets/{ticket_id}/comments", status_code=201, response_model=CommentOut)
def add_comment(ticket_id: str, body: CommentIn, session: SessionDep, principal: PrincipalDep,
                key: IdempotencyKey = None) -> JSONResponse:
    """A message on the ticket: ``public`` (the agency reads it) or ``internal`` (vendor only)."""
    return respond(session, principal, key, f"POST /tickets/{ticket_id}/comments", body,
                   lambda: CommentOut.model_validate(conversation.add_comment(session, principal, ticket_id, body)))


@router.get("/tickets/{ticket_id}/comments", response_model=PageOut[CommentOut])
def list_comments(ticket_id: str, session: SessionDep, principal: PrincipalDep, page: PageDep) -> Response:
    """The conversation, oldest first (an agency reads the public comments only)."""
    found = conversation.list_comments(session, principal, ticket_id, limit=page[0], cursor=page[1])
    return json_response(PageOut[CommentOut].model_validate(
        {"items": [CommentOut.model_validate(c) for c in found.items], "next_cursor": found.next_cursor}))
