"""Notification shapes: webhooks (registration, the delivery log), e-mail contacts and rules."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictStr

from fleet.notify.events import Audience, EventType, Recipient
from fleet.schemas.types import Priority, StrictInput, Username

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


# --- e-mail contacts and rules ---------------------------------------------------------------------
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")


def _email(value: str) -> str:
    """An address a mail server accepts in ``RCPT TO``: ``local@domain.tld``, no display name, no
    spaces or line breaks (which could add headers); the domain is kept lower-case."""
    value = value.strip()
    if not _EMAIL.fullmatch(value) or ".." in value or value.startswith(".") or ".@" in value:
        raise ValueError("is not an e-mail address like name@agency.gov")
    local, domain = value.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def _stripped(value: str) -> str:
    value = " ".join(value.split())
    if not value:
        raise ValueError("may not be blank")
    return value


Email = Annotated[StrictStr, Field(max_length=254), AfterValidator(_email)]
ContactName = Annotated[StrictStr, Field(min_length=1, max_length=200), AfterValidator(_stripped)]


class ContactIn(StrictInput):
    """An address rules can name. ``audience``: ``engineer`` (with the ``username`` it belongs to:
    assignee and team rules reach it), ``manager`` (the vendor's contract managers) or ``agency``
    (with ``agency_id``). An agency's own key may add its agency's contacts only: ``audience`` and
    ``agency_id`` may be left out."""

    name: ContactName
    email: Email
    audience: Audience | None = None
    username: Username | None = None
    agency_id: StrictStr | None = None


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


class RuleIn(StrictInput):
    """Who the contract's event goes to by e-mail (an empty list: nobody), and for which ticket
    priorities (null: all)."""

    recipients: Annotated[list[Recipient], Field(max_length=4)]
    priorities: Annotated[list[Priority], Field(min_length=1, max_length=4)] | None = None


class RuleOut(BaseModel):
    """The rule in effect for ``event_type`` on the contract. ``source``: ``contract`` (its own
    rule) or ``default`` (slatrack's default: the contract has none)."""

    event_type: str
    title: str
    recipients: list[Recipient]
    priorities: list[Priority] | None
    source: Literal["contract", "default"]
