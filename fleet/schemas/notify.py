"""Notification commands (the request bodies the services take): webhook registrations, e-mail
contacts and rules."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field, StrictStr

from fleet.notify.events import Audience, EventType, Recipient
from fleet.schemas.types import Priority, StrictInput, Username

WebhookUrl = Annotated[StrictStr, Field(min_length=1, max_length=2000)]


class WebhookIn(StrictInput):
    """``url``: an ``http(s)://`` URL that resolves to public addresses (or is allowed by
    ``SLATRACK_WEBHOOK_ALLOWED_HOSTS``); ``events``: the event types it receives (one at least)."""

    url: WebhookUrl
    events: Annotated[list[EventType], Field(min_length=1, max_length=20)]


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


class RuleIn(StrictInput):
    """Who the contract's event goes to by e-mail (an empty list: nobody), and for which ticket
    priorities (null: all)."""

    recipients: Annotated[list[Recipient], Field(max_length=4)]
    priorities: Annotated[list[Priority], Field(min_length=1, max_length=4)] | None = None
