"""Dispatch and conversation pages: the manager's dispatch board, assignment and comment forms on
a ticket, and the agency's pages (report a problem, comment, rate the service)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from api.deps import SessionDep
from api.routing import TransactionRoute
from api.web.auth import CsrfDep, WebPrincipal, safe_next
from api.web.field import ticket_page
from api.web.forms import local_input, once, parse_local, validation_message
from api.web.render import flash, page
from fleet import conversation, dispatch, dispatch_views, registry, tickets
from fleet.db import utcnow
from fleet.errors import Conflict, Invalid
from fleet.models import Unit
from fleet.principal import Principal
from fleet.schemas.dispatch import AssignmentIn, CommentIn
from fleet.schemas.tickets import RatingIn, TicketIn
from fleet.tenancy import get_scoped

router = APIRouter(include_in_schema=False, route_class=TransactionRoute)
OptStr = Annotated[str | None, Form()]
Text = Annotated[str, Form(max_length=20_000)]


def _on_ticket(request: Request, session: Session, principal: Principal, ticket_id: str, key: str,
               what: str, values: dict[str, Any], work: Callable[[], str], done: str, form_key: str | None,
               scope: str) -> Response:
    """Record a ticket form once (its form key), then back to the ticket; a refusal re-renders the
    ticket page with the message beside the form and the input kept."""
    try:
        url, replayed = once(session, principal, form_key, scope, values, work)
    except (Invalid, Conflict, ValidationError) as exc:
        session.rollback()
        message = validation_message(exc) if isinstance(exc, ValidationError) else exc.message
        return ticket_page(request, session, principal, ticket_id, status_code=409 if isinstance(exc, Conflict)
                           else 422, errors={key: f"{what}: {message[:1].upper() + message[1:]}"},
                           values={f"{key}_{k}": v for k, v in values.items()})
    flash(request, f"Already recorded (this form was sent twice; it counts once): {done}" if replayed else done)
    return RedirectResponse(url, status_code=303)


# --- assignment ---------------------------------------------------------------------------------
@router.post("/tickets/{ticket_id}/assignment")
def post_assignment(request: Request, ticket_id: str, session: SessionDep, principal: WebPrincipal,
                    _csrf: CsrfDep, assignee: OptStr = None, team: OptStr = None, reason: OptStr = None,
                    form_key: OptStr = None, next: OptStr = None) -> Response:
    values = {"assignee": (assignee or "").strip(), "team": (team or "").strip(), "reason": (reason or "").strip()}
    back = safe_next(next) or f"/tickets/{ticket_id}#dispatch"

    def work() -> str:
        body = AssignmentIn.model_validate({k: v or None for k, v in values.items()})
        dispatch.assign(session, principal, ticket_id, body)
        return back

    who = values["assignee"]
    done = f"Assigned to {who}." if who else "Handed back: the ticket is unassigned."
    return _on_ticket(request, session, principal, ticket_id, "assign", "Not assigned", values, work, done,
                      form_key, f"web POST /tickets/{ticket_id}/assignment")


# --- the conversation ---------------------------------------------------------------------------
@router.post("/tickets/{ticket_id}/comments")
def post_comment(request: Request, ticket_id: str, session: SessionDep, principal: WebPrincipal, _csrf: CsrfDep,
                 body: Text = "", visibility: Annotated[str, Form(max_length=20)] = "public",
                 form_key: OptStr = None) -> Response:
    values = {"body": body.strip(), "visibility": visibility}

    def work() -> str:
        conversation.add_comment(session, principal, ticket_id, CommentIn.model_validate(values))
        return f"/tickets/{ticket_id}#conversation"

    done = "Internal note added (the agency does not see it)." if visibility == "internal" else "Comment posted."
    return _on_ticket(request, session, principal, ticket_id, "comment", "The comment was not posted", values,
                      work, done, form_key, f"web POST /tickets/{ticket_id}/comments")


# --- rating ---------------------------------------------------------------------------------------
@router.post("/tickets/{ticket_id}/rating")
def post_rating(request: Request, ticket_id: str, session: SessionDep, principal: WebPrincipal, _csrf: CsrfDep,
                score: Annotated[str, Form(max_length=2)] = "", comment: Text = "",
                form_key: OptStr = None) -> Response:
    principal.require("ratings.write")
    values = {"score": score.strip(), "comment": comment.strip()}

    def work() -> str:
        if not values["score"].isdigit():
            raise Invalid("choose a score from 1 to 5")
        tickets.rate(session, principal, ticket_id, RatingIn.model_validate(
            {"score": int(values["score"]), "comment": values["comment"] or None}))
        return f"/tickets/{ticket_id}#rating"

    return _on_ticket(request, session, principal, ticket_id, "rating", "The rating was not saved", values, work,
                      "Thank you: your rating is recorded.", form_key, f"web POST /tickets/{ticket_id}/rating")


# --- the dispatch board ---------------------------------------------------------------------------
@router.get("/dispatch")
def dispatch_board(request: Request, session: SessionDep, principal: WebPrincipal) -> Response:
    b = dispatch_views.board(session, principal)
    by_team: dict[str | None, list[str]] = {}
    for e in b.engineers:
        by_team.setdefault(e.team, []).append(e.username)
    return page(request, "dispatch.html", {"b": b, "by_team": by_team})


# --- an agency reports a problem ------------------------------------------------------------------
def _new_ticket_page(request: Request, session: Session, principal: Principal, *, values: dict[str, Any] | None = None,
                     error: str | None = None, status_code: int = 200) -> Response:
    principal.require("tickets.create")
    units = registry.units_with_contracts(session, principal)
    tz = units[0][2] if units else "UTC"
    form = {"unit_id": "", "priority": "P3", "summary": "", "description": "", "unit_down": "",
            "started_at": local_input(utcnow(), tz), "form_key": ""}
    form.update(values or {})
    return page(request, "ticket_new.html", {"units": units, "form": form, "error": error},
                status_code=status_code)


@router.get("/tickets/new")
def new_ticket(request: Request, session: SessionDep, principal: WebPrincipal) -> Response:
    return _new_ticket_page(request, session, principal)


@router.post("/tickets/new")
def post_new_ticket(request: Request, session: SessionDep, principal: WebPrincipal, _csrf: CsrfDep,
                    unit_id: Annotated[str, Form(max_length=64)] = "",
                    priority: Annotated[str, Form(max_length=4)] = "",
                    summary: Annotated[str, Form(max_length=1000)] = "", description: Text = "",
                    unit_down: OptStr = None, started_at: Annotated[str, Form(max_length=40)] = "",
                    form_key: OptStr = None) -> Response:
    principal.require("tickets.create")
    values = {"unit_id": unit_id, "priority": priority, "summary": summary.strip(),
              "description": description.strip(), "unit_down": "on" if unit_down else "", "started_at": started_at}
    try:
        unit = get_scoped(session, Unit, unit_id, principal, what="unit") if unit_id else None
        if unit is None:
            raise Invalid("Unit: choose the unit that has the problem")
        tz = registry.unit_timezone(session, unit)
        body = TicketIn.model_validate({
            "unit_id": unit.id, "priority": priority, "summary": values["summary"],
            "reported_at": parse_local(started_at, tz, "When it started", default=utcnow()),
            "unit_down": bool(unit_down), "description": values["description"] or None})

        def work() -> str:
            return f"/tickets/{tickets.create_ticket(session, principal, body).id}"

        url, replayed = once(session, principal, form_key, "web POST /tickets/new", values, work)
    except (Invalid, Conflict, ValidationError) as exc:
        session.rollback()
        message = validation_message(exc) if isinstance(exc, ValidationError) else exc.message
        return _new_ticket_page(request, session, principal, values={**values, "form_key": form_key or ""},
                                error=f"The ticket was not opened: {message}", status_code=422)
    flash(request, "Already opened (the form was sent twice; it counts once)." if replayed
          else "Ticket opened. Follow its clocks and the conversation here.")
    return RedirectResponse(url, status_code=303)
