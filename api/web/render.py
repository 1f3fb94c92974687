"""Templates and what every page gets: the user, the CSRF token, a flash message, formatting."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from api.web.auth import CSRF_FIELD, csrf_token
from fleet.principal import Principal
from reports.verdicts import AT_RISK, MISS, PASS
from slas.vocabulary import EVENT_NAMES as EVENT_NAMES
from slas.vocabulary import METRIC_NAMES as METRIC_NAMES
from slas.vocabulary import PRIORITY_MEANINGS
from slas.vocabulary import STATUS_NAMES as STATUS_NAMES

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))



def local(value: datetime | None, tz: str | None = None, fmt: str = "%a %d %b %H:%M") -> str:
    """An instant in a zone (default UTC), with the zone's abbreviation: reads unambiguously."""
    if value is None:
        return "—"
    zone = ZoneInfo(tz) if tz else UTC
    shown = value.astimezone(zone)
    return f"{shown.strftime(fmt)} {shown.tzname()}"


def utcday(value: datetime | None) -> str:
    """A date stored as midnight UTC (in service since), shown as the date it was given: ``05 Feb 2026``
    (in the contract's zone it would read as the day before west of UTC)."""
    return "—" if value is None else value.astimezone(UTC).strftime("%d %b %Y")


def iso(value: datetime | None) -> str:
    return "" if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def minutes(value: float | int | None) -> str:
    """``95`` → ``1 h 35 min``; ``2900`` → ``2 d 0 h``."""
    if value is None:
        return "—"
    m = round(abs(float(value)))
    d, rem = divmod(m, 1440)
    h, mm = divmod(rem, 60)
    if d:
        text = f"{d} d {h} h"
    elif h:
        text = f"{h} h {mm} min"
    else:
        text = f"{mm} min"
    return ("−" if float(value) < 0 else "") + text


def business_hours(value: float | int | None) -> str:
    """A business-hours target as the contract states it: ``2700`` → ``45 business hours`` (not
    ``1 d 21 h``, which reads as calendar time)."""
    if value is None:
        return "—"
    h, mm = divmod(round(abs(float(value))), 60)
    if not mm:
        return f"{h} business hour{'s' if h != 1 else ''}"
    return f"{h} h {mm} min of business hours" if h else f"{mm} business minutes"


def who(actor: str | None) -> str:
    """``user:a.moreno`` → ``a.moreno``; ``key:dispatch`` → ``dispatch (API key)``: a name, not a principal id."""
    kind, sep, name = (actor or "").partition(":")
    if not sep:
        return actor or "—"
    return {"user": name, "key": f"{name} (API key)"}.get(kind, name or kind)


def countdown(due: datetime | None, now: datetime | None = None) -> str:
    if due is None:
        return "clock paused"
    left = (due - (now or datetime.now(UTC))).total_seconds() / 60
    return f"due in {minutes(left)}" if left >= 0 else f"overdue by {minutes(-left)}"


def pct(value: float | Decimal | None, places: int = 1) -> str:
    if value is None:
        return "n/a"
    q = Decimal(1).scaleb(-places)
    from decimal import ROUND_DOWN  # rounded down: never reads as reaching a target it missed

    return f"{Decimal(str(value)).quantize(q, rounding=ROUND_DOWN)}%"


def money(value: Decimal | float | None, currency: str = "USD") -> str:
    if value is None:
        return "—"
    symbol = "$" if currency == "USD" else f"{currency} "
    return f"{symbol}{Decimal(str(value)):,.2f}"


def period(start: str | None, end: str | None) -> str:
    """``2026-09-01``, ``2026-12-01`` (exclusive) → ``1 Sep 2026 – 30 Nov 2026`` (the last day shown)."""
    from datetime import date, timedelta

    try:
        first, last = date.fromisoformat(str(start)), date.fromisoformat(str(end)) - timedelta(days=1)
    except ValueError:
        return f"{start} – {end}"
    return f"{first.day} {first:%b %Y} – {last.day} {last:%b %Y}"


CREDIT_REASONS = {"per_breach": "Per-breach credit", "aql_missed": "AQL missed"}


def verdict_tag(passed: bool | None, none: str = "– no data") -> Markup:
    """The shared verdict (:mod:`reports.verdicts`) as a tag: ``✓ PASS``, ``✗ MISS``, or ``none``."""
    if passed is None:
        return Markup('<span class="tag">{}</span>').format(none)
    return Markup('<span class="tag {}">{}</span>').format("pass" if passed else "fail", PASS if passed else MISS)


def new_form_key() -> str:
    return secrets.token_urlsafe(18)


templates.env.filters.update(local=local, iso=iso, minutes=minutes, countdown=countdown, pct=pct, money=money,
                             period=period, business_hours=business_hours, who=who, utcday=utcday)
templates.env.globals.update(METRIC_NAMES=METRIC_NAMES, STATUS_NAMES=STATUS_NAMES, EVENT_NAMES=EVENT_NAMES,
                             PRIORITY_MEANINGS=PRIORITY_MEANINGS,
                             CSRF_FIELD=CSRF_FIELD, new_form_key=new_form_key,
                             CREDIT_REASONS=CREDIT_REASONS, verdict_tag=verdict_tag, PASS=PASS, MISS=MISS,
                             AT_RISK=AT_RISK)


def flash(request: Request, message: str) -> None:
    request.session["flash"] = message


def page(request: Request, name: str, context: dict[str, Any] | None = None, *, status_code: int = 200,
         principal: Principal | None = None) -> HTMLResponse:
    who = principal or getattr(request.state, "principal", None)
    ctx: dict[str, Any] = {"request": request, "user": who, "csrf": csrf_token(request),
                           "flash": request.session.pop("flash", None), "now": datetime.now(UTC)}
    ctx.update(context or {})
    response = templates.TemplateResponse(request, name, ctx, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    return response
