"""Webhook and notification shapes (registration, the delivery log)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictStr

from fleet.notify.events import EventType
from fleet.schemas.types import StrictInput

WebhookUrl = Annotated[StrictStr, Field(min_length=1, max_length=2000)]


class WebhookIn(StrictInput):
    """``url``: an ``http(s)://`` URL that resolves to public addresses (or is allowed by
    ``SLATRACK_WEBHOOK_ALLOWED_HOSTS``); ``events``: the event types it receives (one at least)."""

    url: WebhookUrl
    events: Annotated[list[EventType], Field(min_length=1, max_length=20)]


class WebhookOut(BaseModel):
    """A registered webhook (never its secret: it is shown once, when registered).
    ``agency_id`` null: the vendor's webhook."""

    model_config = ConfigDict(from_attributes=True)
    id: str
    url: str
    events: list[str]
    agency_id: str | None
    created_at: datetime
    deleted_at: datetime | None


class WebhookCreatedOut(BaseModel):
    """The registration's answer: the only time ``secret`` (``whsec_…``) is shown. Receivers
    verify each request's ``webhook-signature`` with it (Standard Webhooks)."""

    id: str
    secret: str
    url: str
    events: list[str]
    created_at: datetime


class DeliveryOut(BaseModel):
    """One message of a notification to one destination. ``status``: ``pending``, ``delivered``
    or ``dead`` (an admin may retry it); ``attempts``: finished attempts."""

    model_config = ConfigDict(from_attributes=True)
    id: str
    notification_id: str
    type: str | None = None
    channel: str
    target: str
    status: str
    attempts: int
    last_error: str | None
    delivered_at: datetime | None
    next_attempt_at: datetime
    created_at: datetime


class NotificationOut(BaseModel):
    """A notification (``type`` is one of the event types) with the deliveries the reader may see."""

    id: str
    type: str
    occurred_at: datetime
    agency_id: str | None
    contract_id: str | None
    ticket_id: str | None
    data: dict[str, Any]
    created_at: datetime
    deliveries: list[DeliveryOut]
