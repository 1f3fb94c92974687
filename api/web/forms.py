"""Form plumbing: local times in a contract's zone, readable validation messages, and
``once()``, which makes a double-submitted form record once (the hidden per-form key goes
through the same idempotency records as the API's ``Idempotency-Key``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy.orm import Session

from fleet import idempotency
from fleet.canonical import canonical_json, sha256_hex
from fleet.errors import Invalid
from fleet.principal import Principal
from fleet.schemas.types import MAX_YEAR, MIN_YEAR, check_instant

FORM_KEY_FIELD = "form_key"
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
_FORM_KEY = re.compile(r"[A-Za-z0-9_-]{1,128}")


def local_input(value: datetime, tz: str) -> str:
    """The value of a ``datetime-local`` input for an instant, in the zone ``tz``."""
    return value.astimezone(ZoneInfo(tz)).strftime(LOCAL_FORMAT)


def parse_local(text: str | None, tz: str, label: str, *, default: datetime | None = None) -> datetime:
    """A ``datetime-local`` value (``YYYY-MM-DDTHH:MM``) read as wall-clock time in ``tz``."""
    text = (text or "").strip()
    if not text:
        if default is not None:
            return default
        raise Invalid(f"{label}: enter a date and time")
    try:
        naive = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid(f"{label}: {text!r} is not a date and time like 2026-03-02T14:30") from None
    if not MIN_YEAR <= naive.year <= MAX_YEAR:  # before the zone is applied: year 1 or 9999 could overflow
        raise Invalid(f"{label}: {text!r} is out of range; give a time in the years {MIN_YEAR} to {MAX_YEAR}")
    try:  # the API's rule (fleet.schemas.types.check_instant), so a form accepts what the API accepts
        return check_instant(naive if naive.tzinfo is not None else naive.replace(tzinfo=ZoneInfo(tz)))
    except ValueError as exc:
        raise Invalid(f"{label}: {exc}") from None


def validation_message(exc: ValidationError) -> str:
    """``ended_at must be after started_at`` rather than pydantic's full report."""
    parts = []
    for e in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in e.get("loc", ()) if p != "__root__")
        msg = str(e.get("msg", "")).removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}" if loc else msg)
    text = "; ".join(parts[:4]).replace("_", " ") or "invalid input"
    return text[:1].upper() + text[1:]


def once(session: Session, principal: Principal, key: str | None, scope: str, fields: dict[str, Any],
         produce: Callable[[], str]) -> tuple[str, bool]:
    """Run ``produce`` (which records something and returns where to go next) once per form key.
    A resubmit with the same key and fields answers the first result, replayed: ``(url, True)``."""
    if not key:
        return produce(), False
    if not _FORM_KEY.fullmatch(key):  # ours are token_urlsafe(18); anything else was not sent by our page
        raise Invalid("this form is out of date or was altered; reload the page and send it again")
    request_hash = sha256_hex(canonical_json({"scope": scope, "body": fields}))
    claimed = idempotency.claim(session, principal_id=principal.id, key=f"web:{key}", scope=scope,
                                request_hash=request_hash)
    if isinstance(claimed, idempotency.Replay):
        return str(claimed.response["redirect"]), True
    url = produce()
    idempotency.remember(session, claimed, 303, {"redirect": url})
    return url, False
