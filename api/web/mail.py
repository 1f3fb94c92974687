"""The mail folder page: the notification e-mail written as ``.eml`` files when no SMTP server is
set (``SLATRACK_SMTP_HOST`` unset; :mod:`fleet.notify.mail`), newest first, and one message.

Who reads what: admins and managers every message; an engineer the messages to their own
contact addresses (engineer contacts with their username); an agency user the messages to its
agency's contacts. A message the reader may not see answers 404, as a missing one does.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from api.deps import SessionDep
from api.routing import TransactionRoute
from api.settings import Settings
from api.web.auth import WebPrincipal
from api.web.render import page
from fleet import registry
from fleet.errors import NotFound
from fleet.notify.contacts import addresses_of
from fleet.notify.events import TITLES
from fleet.notify.mail import MailItem, read_folder, read_message
from fleet.principal import Principal

router = APIRouter(include_in_schema=False, route_class=TransactionRoute)
SHOWN = 200
"""Messages the folder page lists (the newest)."""
EVENT_TAGS = {"clock.warning": "at-risk", "clock.breached": "breached", "ticket.restored": "ok",
              "ticket.resolved": "ok", "record.late": "late"}


def _folder(request: Request) -> tuple[Path, bool]:
    """The mail folder, and whether mail is sent over SMTP instead (then the folder holds only
    what was written before a server was set)."""
    settings: Settings = request.app.state.settings
    mail = settings.mail_settings()
    return mail.folder, mail.host is not None


def _zone(session: Session, principal: Principal) -> str | None:
    """The zone dates are shown in before the browser shows them in its own: the agency's for
    an agency user, else UTC."""
    if principal.agency_id is None:
        return None
    return registry.agency_timezone(session, principal.agency_id)


def _visible(item: MailItem, allowed: set[str] | None) -> bool:
    return allowed is None or any(addr in allowed for addr in item.to)


@router.get("/mail")
def mail_folder(request: Request, session: SessionDep, principal: WebPrincipal) -> Response:
    folder, smtp = _folder(request)
    allowed = addresses_of(session, principal)
    items = read_folder(folder, limit=SHOWN + 1, keep=lambda i: _visible(i, allowed))
    return page(request, "mail.html", {"items": items[:SHOWN], "more": len(items) > SHOWN, "shown": SHOWN,
                                       "smtp": smtp, "everyone": allowed is None,
                                       "tz": _zone(session, principal), "titles": TITLES, "tags": EVENT_TAGS})


@router.get("/mail/{name}")
def mail_message(request: Request, name: str, session: SessionDep, principal: WebPrincipal) -> Response:
    folder, _ = _folder(request)
    message = read_message(folder, name)
    if not _visible(message, addresses_of(session, principal)):
        raise NotFound(f"message {name!r} not found")
    return page(request, "mail_message.html", {"m": message, "tz": _zone(session, principal), "titles": TITLES,
                                               "tags": EVENT_TAGS})
