"""Notification answers: webhooks (registration, the delivery log), e-mail contacts and rules.

Read by attribute from what :mod:`fleet.notify` returns: the ORM rows (webhooks, contacts) and
the log entries and rules of :mod:`fleet.notify.webhooks` and :mod:`fleet.notify.rules`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from fleet.notify.events import Audience, Recipient
from fleet.schemas.types import Priority


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

    model_config = ConfigDict(from_attributes=True)
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

    model_config = ConfigDict(from_attributes=True)
    id: str
    type: str
    occurred_at: datetime
    agency_id: str | None
    contract_id: str | None
    ticket_id: str | None
    data: dict[str, Any]
    created_at: datetime
    deliveries: list[DeliveryOut]


class ContactOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    audience: Audience
    name: str
    email: str
    username: str | None
    agency_id: str | None
    created_by: str
    created_at: datetime


class RuleOut(BaseModel):
    """The rule in effect for ``event_type`` on the contract. ``source``: ``contract`` (its own
    rule) or ``default`` (slatrack's default: the contract has none)."""

    model_config = ConfigDict(from_attributes=True)
    event_type: str
    title: str
    recipients: list[Recipient]
    priorities: list[Priority] | None
    source: Literal["contract", "default"]
