"""Sign-in and the field engineer's pages: My work, a ticket (timeline, actions, work log), a unit."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from api.deps import SessionDep
from api.routing import TransactionRoute
from api.web.auth import CsrfDep, WebPrincipal, home_for, signed_in
from api.web.forms import local_input, once, parse_local, validation_message
from api.web.render import flash, page
from api.web.ticket_parts import ticket_extras
from fleet import dispatch_views, registry, sla_service, ticket_views, tickets, timeline, uptime, worklist
from fleet.db import utcnow
from fleet.errors import Conflict, Invalid
from fleet.figures import MonthFigures
from fleet.models import Contract, Ticket, Unit
from fleet.principal import Principal
from fleet.schemas.tickets import EventIn, WorkLogIn
from fleet.tenancy import get_scoped
from reports.charts import Bar, column_chart
from slas.lateness import late_by_minutes
from slas.vocabulary import EVENT_ACTIONS, EVENT_NAMES

router = APIRouter(include_in_schema=False, route_class=TransactionRoute)
FormStr = Annotated[str, Form()]
OptStr = Annotated[str | None, Form()]
ACTIONS = EVENT_ACTIONS
_WHOLE = re.compile(r"[0-9]{1,9}")


# --- the start page (sign-in and out: api/web/signin.py) ------------------------------------------
@router.get("/")
def root(request: Request) -> Response:
    principal = signed_in(request)
    return RedirectResponse(home_for(principal) if principal else "/login", status_code=303)


# --- My work ----------------------------------------------------------------------------------
@router.get("/work")
def my_work(request: Request, session: SessionDep, principal: WebPrincipal) -> Response:
    groups = dispatch_views.work_groups(session, principal)  # own tickets first (issue 17)
    items = [r for g in groups for r in g.rows]
    counts = {k: sum(1 for i in items if i.urgency == k) for k in ("breached", "at-risk", "ok", "paused")}
    return page(request, "work.html", {"items": items, "counts": counts, "groups": groups,
                                       "waiting": worklist.waiting_to_close(session, principal)})


# --- a ticket ---------------------------------------------------------------------------------
def _zone(session: Session, contract: Contract) -> str:
    return registry.contract_timezone(session, contract)


def available_actions(status: str, reached: set[str], pause_allowed: bool) -> list[str]:
    """The one-tap actions that make sense now (the timeline check is still the judge)."""
    if status == "closed":
        return ["reopened"]
    if status == "resolved":
        return ["closed", "reopened"]
    out = [a for a in ("acknowledged", "on_site") if a not in reached]
    if status != "restored":
        out.append("restored")
    out.append("resolved")
    if status == "paused":
        out.insert(0, "resumed")
    elif pause_allowed:
        out.append("paused")
    return out


def ticket_page(request: Request, session: Session, principal: Principal, ticket_id: str, *,
                status_code: int = 200, errors: dict[str, str] | None = None,
                values: dict[str, Any] | None = None) -> Response:
    detail = ticket_views.detail(session, principal, ticket_id)
    sla = sla_service.ticket_sla(session, principal, ticket_id, at=None, as_of=None)
    unit = get_scoped(session, Unit, detail.unit_id, principal, what="unit")
    contract = get_scoped(session, Contract, detail.contract_id, principal, what="contract")
    tz = _zone(session, contract)
    facts = [timeline.Fact(id=e.id, type=e.type, occurred_at=e.occurred_at, recorded_at=e.recorded_at,
                           reason=e.reason, priority=e.priority, corrects_id=e.corrects_id, void=e.void)
             for e in detail.events]
    reached = {f.type for f in timeline.effective(facts)}
    now = utcnow()
    can_act = principal.can("tickets.events")
    # the last hour, but never from before the ticket was reported (work cannot start earlier)
    start = max(now - timedelta(hours=1), detail.reported_at.replace(second=0, microsecond=0))
    form = {"started_at": local_input(start, tz), "ended_at": local_input(now, tz),
            "engineer": principal.name, "activity": "repair", "notes": "", "occurred_at": "",
            "reason": "", "late_reason": "", "parts": [("", "")] * 3}
    form.update(values or {})
    history = sorted(detail.events, key=lambda e: (e.occurred_at, e.recorded_at))
    return page(request, "ticket.html", {
        "t": detail, "sla": sla, "unit": unit, "contract": contract, "tz": tz, "history": history,
        "actions": available_actions(detail.status, reached, contract.pause_allowed) if can_act else [],
        "action_names": ACTIONS, "can_log": principal.can("worklogs.write"), "errors": errors or {},
        "form": form, "form_key": (values or {}).get("form_key"),
        **ticket_extras(session, principal, detail),
    }, status_code=status_code)


@router.get("/tickets/{ticket_id}")
def ticket(request: Request, ticket_id: str, session: SessionDep, principal: WebPrincipal) -> Response:
    return ticket_page(request, session, principal, ticket_id)


def _ticket_zone(session: Session, principal: Principal, ticket_id: str) -> str:
    t = get_scoped(session, Ticket, ticket_id, principal, what="ticket")
    return _zone(session, session.get_one(Contract, t.contract_id))


@router.post("/tickets/{ticket_id}/events")
def post_event(request: Request, ticket_id: str, session: SessionDep, principal: WebPrincipal, _csrf: CsrfDep,
               type: FormStr, occurred_at: OptStr = None, reason: OptStr = None, form_key: OptStr = None,
               late_reason: OptStr = None) -> Response:
    tz = _ticket_zone(session, principal, ticket_id)
    fields = {"type": type, "occurred_at": occurred_at or "", "reason": (reason or "").strip(),
              "late_reason": (late_reason or "").strip()}
    label = ACTIONS.get(type, type)
    try:
        when = parse_local(occurred_at, tz, "Time", default=utcnow())
        body = EventIn.model_validate({"type": type, "occurred_at": when, "reason": fields["reason"] or None,
                                       "late_reason": fields["late_reason"] or None})

        def produce() -> str:
            tickets.add_event(session, principal, ticket_id, body)
            return f"/tickets/{ticket_id}"

        url, replayed = once(session, principal, form_key, f"web POST /tickets/{ticket_id}/events", fields, produce)
    except (Invalid, Conflict, ValidationError) as exc:
        session.rollback()
        message = validation_message(exc) if isinstance(exc, ValidationError) else exc.message
        message = message[:1].upper() + message[1:]
        return ticket_page(request, session, principal, ticket_id, status_code=_status(exc),
                           errors={"event": f"{label} was not recorded: {message}"},
                           values={"occurred_at": occurred_at or "", "reason": reason or "",
                                   "late_reason": late_reason or "", "type": type})
    done = EVENT_NAMES.get(type, type)
    flash(request, f"Already recorded: {done} (this form was sent twice; it counts once)." if replayed
          else f"Recorded: {done}.")
    # the form was sent to ...#event-error (so a refusal scrolls to its message); "#top" keeps the
    # browser from carrying that fragment over to the ticket page
    return RedirectResponse(url if "#" in url else f"{url}#top", status_code=303)


@router.get("/tickets/{ticket_id}/events")
@router.get("/tickets/{ticket_id}/work-logs")
def form_address(ticket_id: str, request: Request) -> Response:
    """A refused form leaves the browser at its POST address: reloading, sharing or reopening that
    address (a GET) shows the ticket rather than 405."""
    anchor = "#work" if request.url.path.endswith("/work-logs") else ""
    return RedirectResponse(f"/tickets/{ticket_id}{anchor}", status_code=303)


def _status(exc: Exception) -> int:
    return 409 if isinstance(exc, Conflict) else 422


@router.post("/tickets/{ticket_id}/work-logs")
def post_work_log(request: Request, ticket_id: str, session: SessionDep, principal: WebPrincipal, _csrf: CsrfDep,
                  started_at: FormStr = "", ended_at: FormStr = "", engineer: FormStr = "", activity: FormStr = "",
                  notes: FormStr = "", form_key: FormStr = "",
                  part_number: Annotated[list[str] | None, Form()] = None,
                  quantity: Annotated[list[str] | None, Form()] = None) -> Response:
    f = {"started_at": started_at, "ended_at": ended_at, "engineer": engineer, "activity": activity,
         "notes": notes, "form_key": form_key}
    return _work_log(request, ticket_id, session, principal, f,
                     list(zip(part_number or [], quantity or [], strict=False)))


def _work_log(request: Request, ticket_id: str, session: Session, principal: Principal, f: dict[str, str],
              parts_in: list[tuple[str, str]]) -> Response:
    tz = _ticket_zone(session, principal, ticket_id)
    parts = [(p.strip(), q.strip()) for p, q in parts_in if p.strip() or q.strip()]
    fields: dict[str, Any] = {k: f.get(k, "") for k in ("started_at", "ended_at", "engineer", "activity", "notes")}
    fields["parts"] = [list(p) for p in parts]
    try:
        started = parse_local(f.get("started_at"), tz, "Started")
        ended = parse_local(f.get("ended_at"), tz, "Ended")
        part_rows = []
        for number, qty in parts:
            if not number or not _WHOLE.fullmatch(qty):  # not str.isdigit(): it takes "²", which int() refuses
                raise Invalid(f"Parts: give a part number and a whole quantity for each part "
                              f"(got {number or 'no part number'!r}, quantity {qty or 'none'!r})")
            part_rows.append({"part_number": number, "quantity": int(qty)})
        body = WorkLogIn.model_validate({
            "started_at": started, "ended_at": ended, "engineer": f.get("engineer", "").strip(),
            "activity": f.get("activity", ""), "notes": f.get("notes", "").strip() or None, "parts": part_rows})

        def produce() -> str:
            tickets.add_work_log(session, principal, ticket_id, body)
            return f"/tickets/{ticket_id}#work"

        url, replayed = once(session, principal, f.get("form_key"), f"web POST /tickets/{ticket_id}/work-logs",
                             fields, produce)
    except (Invalid, Conflict, ValidationError) as exc:
        session.rollback()
        message = validation_message(exc) if isinstance(exc, ValidationError) else exc.message
        shown = parts + [("", "")] * max(0, 3 - len(parts))
        return ticket_page(request, session, principal, ticket_id, status_code=_status(exc),
                           errors={"work": f"The work log was not saved: {message[:1].upper() + message[1:]}"},
                           values={**{k: f.get(k, "") for k in ("started_at", "ended_at", "engineer", "activity",
                                                                  "notes", "form_key")}, "parts": shown})
    flash(request, "That work log was already saved (the form was sent twice)." if replayed else "Work log saved.")
    return RedirectResponse(url, status_code=303)


# --- a unit -----------------------------------------------------------------------------------
def month_start(day: date, back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def local_today(tz: str) -> date:
    from zoneinfo import ZoneInfo

    return datetime.now(UTC).astimezone(ZoneInfo(tz)).date()


def availability_chart(monthly: Sequence[MonthFigures], target: float, title: str) -> str:
    goal = Decimal(str(target))
    bars = [Bar(label=m.month, value=None if m.availability_percent is None else Decimal(str(m.availability_percent)),
                passed=None if m.availability_percent is None else Decimal(str(m.availability_percent)) >= goal)
            for m in monthly]
    return column_chart(bars, title=title, target=goal, target_label="target", width=640, height=230)


@router.get("/units/{unit_id}")
def unit_page(request: Request, unit_id: str, session: SessionDep, principal: WebPrincipal) -> Response:
    unit = get_scoped(session, Unit, unit_id, principal, what="unit")
    contract = get_scoped(session, Contract, unit.contract_id, principal, what="contract")
    tz = _zone(session, contract)
    today = local_today(tz)
    start, end = month_start(today, 5), month_start(today, -1)
    avail = uptime.unit_availability(session, principal, unit.id, start_date=start, end_date=end)
    rows = ticket_views.unit_tickets(session, principal, unit.id, limit=100)
    return page(request, "unit.html", {
        "unit": unit, "contract": contract, "tz": tz, "tickets": rows, "avail": avail,
        "late": {t.id: late_by_minutes(t.reported_at, t.recorded_at, contract.reporting_window_hours) for t in rows},
        "chart": availability_chart(avail.monthly, avail.target_percent, f"Availability of {unit.serial} by month"),
        "can_report": principal.can("reports.create"), "period_from": start, "period_to": month_start(today),
    })
