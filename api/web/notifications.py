"""The delivery log page (admins, managers): who was told what, whether it arrived, and a retry
for the messages the worker gave up on."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from api.deps import SessionDep
from api.routing import TransactionRoute
from api.web.auth import CsrfDep, WebPrincipal
from api.web.render import flash, page
from fleet.errors import Conflict
from fleet.notify import webhooks
from fleet.notify.events import TITLES

router = APIRouter(include_in_schema=False, route_class=TransactionRoute)
STATUS_TAGS = {"delivered": ("ok", "✓ DELIVERED"), "pending": ("running", "… PENDING"), "dead": ("fail", "✗ DEAD")}


@router.get("/notifications")
def notifications_page(request: Request, session: SessionDep, principal: WebPrincipal) -> Response:
    rows = webhooks.delivery_log(session, principal)
    counts = {status: sum(r["d"].status == status for r in rows) for status in STATUS_TAGS}
    return page(request, "notifications.html", {"rows": rows, "counts": counts, "titles": TITLES,
                                                "status_tags": STATUS_TAGS})


@router.post("/notifications/deliveries/{delivery_id}/retry")
def retry_delivery(request: Request, delivery_id: str, session: SessionDep, principal: WebPrincipal,
                   _csrf: CsrfDep) -> Response:
    try:
        webhooks.retry(session, principal, delivery_id)
    except Conflict as exc:
        session.rollback()
        flash(request, f"Not retried: {exc.message}.")
    else:
        flash(request, "Retry queued: the worker sends it again now, with the same message id.")
    return RedirectResponse(f"/notifications#d-{delivery_id}", status_code=303)
