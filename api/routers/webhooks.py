"""Webhooks and the notification log: thin handlers over :mod:`fleet.notify.webhooks`."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.deps import PageDep, PrincipalDep, SessionDep
from api.routers.registry import PageOut, json_response
from api.routing import TransactionRoute
from api.schemas.notify import DeliveryOut, NotificationOut, WebhookCreatedOut, WebhookOut
from api.settings import Settings
from fleet.notify import webhooks
from fleet.notify.destinations import AllowedHosts
from fleet.schemas.notify import WebhookIn

router = APIRouter(tags=["webhooks"], route_class=TransactionRoute)


def allowed_hosts(request: Request) -> AllowedHosts:
    settings: Settings = request.app.state.settings
    return AllowedHosts.parse(settings.webhook_allowed_hosts)


@router.post("/webhooks", status_code=201, response_model=WebhookCreatedOut)
def register_webhook(request: Request, body: WebhookIn, session: SessionDep, principal: PrincipalDep) -> Response:
    """Register a webhook: an agency's key for its own agency's events, an admin's or manager's for
    the vendor's (every agency's). The answer is the only time the ``secret`` is shown."""
    hook = webhooks.register(session, principal, body, allowed=allowed_hosts(request))
    return json_response(WebhookCreatedOut.model_validate(hook), 201)


@router.get("/webhooks", response_model=PageOut[WebhookOut])
def list_webhooks(session: SessionDep, principal: PrincipalDep, page: PageDep) -> Response:
    found = webhooks.list_webhooks(session, principal, limit=page[0], cursor=page[1])
    return json_response(PageOut[WebhookOut].model_validate(
        {"items": [WebhookOut.model_validate(w) for w in found.items], "next_cursor": found.next_cursor}))


@router.get("/webhooks/{webhook_id}", response_model=WebhookOut)
def get_webhook(webhook_id: str, session: SessionDep, principal: PrincipalDep) -> Response:
    return json_response(WebhookOut.model_validate(webhooks.get(session, principal, webhook_id)))


@router.delete("/webhooks/{webhook_id}", status_code=204)
def delete_webhook(webhook_id: str, session: SessionDep, principal: PrincipalDep) -> Response:
    """Stop delivering to the webhook; its delivery log stays readable."""
    webhooks.delete(session, principal, webhook_id)
    return Response(status_code=204)


@router.get("/webhooks/{webhook_id}/deliveries", response_model=PageOut[DeliveryOut])
def webhook_deliveries(webhook_id: str, session: SessionDep, principal: PrincipalDep, page: PageDep) -> Response:
    """What was sent to the webhook, latest first: status, attempts, the last error."""
    found = webhooks.webhook_deliveries(session, principal, webhook_id, limit=page[0], cursor=page[1])
    return json_response(PageOut[DeliveryOut](items=[DeliveryOut.model_validate(d) for d in found.items],
                                              next_cursor=found.next_cursor))


@router.get("/notifications", response_model=PageOut[NotificationOut])
def list_notifications(session: SessionDep, principal: PrincipalDep, page: PageDep) -> Response:
    """Who was told what, latest first: an agency sees its own agency's notifications and only the
    deliveries to its own webhooks and contacts; admins and managers see all."""
    found = webhooks.list_notifications(session, principal, limit=page[0], cursor=page[1])
    return json_response(PageOut[NotificationOut](items=[NotificationOut.model_validate(n) for n in found.items],
                                                  next_cursor=found.next_cursor))


@router.post("/notification-deliveries/{delivery_id}/retry", response_model=DeliveryOut)
def retry_delivery(delivery_id: str, session: SessionDep, principal: PrincipalDep) -> Response:
    """Send a dead delivery again (admin, manager): it is pending and due now (409 ``not_dead`` otherwise)."""
    return json_response(DeliveryOut.model_validate(webhooks.retry(session, principal, delivery_id)))
