"""Web sign-in: a signed session cookie, a CSRF token per session, the signed-in principal.

The session lives in Starlette's signed cookie (``settings.secret_key``; HttpOnly, SameSite=Lax).
It holds the user id, a CSRF token and a session id; signing in replaces all three (no session
fixation), signing out clears them. Every POST carries the session's CSRF token in a hidden
field (:func:`check_csrf`). The user row is read on every page (in its own short read
transaction, as :func:`api.deps.get_principal` does for keys), so a disabled user is out at once.
"""

from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request

from api.deps import get_db
from fleet.errors import Forbidden
from fleet.identity import principal_for_user
from fleet.models import User
from fleet.principal import Principal

CSRF_FIELD = "csrf_token"


class LoginRequired(Exception):
    """No signed-in user: answered with a 303 to ``/login?next=...``."""

    def __init__(self, next_path: str):
        super().__init__(next_path)
        self.next_path = next_path


class CsrfFailed(Exception):
    """A POST without the session's CSRF token: answered with a 403 page, nothing stored."""


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str) or len(token) < 20:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def check_csrf(request: Request) -> None:
    expected = request.session.get("csrf")
    form = await request.form()
    given = form.get(CSRF_FIELD)
    if not isinstance(expected, str) or not isinstance(given, str) or not secrets.compare_digest(expected, given):
        raise CsrfFailed()


CsrfDep = Annotated[None, Depends(check_csrf)]


def sign_in(request: Request, user_id: str) -> None:
    """Rotate the session: nothing from before signing in survives (id, CSRF token)."""
    request.session.clear()
    request.session.update({"uid": user_id, "sid": secrets.token_urlsafe(16), "csrf": secrets.token_urlsafe(32)})


def sign_out(request: Request) -> None:
    request.session.clear()


def safe_next(value: str | None) -> str | None:
    """A local path to return to after signing in, or None (no open redirects)."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")) or "\\" in value:
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.path in ("/login", "/logout"):
        return None
    return value


def _here(request: Request) -> str:
    """Where to come back to after signing in: this page (a form post goes back to the start page)."""
    if request.method != "GET":
        return "/"
    path = request.url.path
    if request.url.query:
        path += "?" + request.url.query
    return path


def current_principal(request: Request) -> Principal:
    uid = request.session.get("uid")
    if not isinstance(uid, str):
        raise LoginRequired(_here(request))
    with get_db(request).transaction(write=False) as s:
        user = s.get(User, uid)
        principal = principal_for_user(user) if user is not None and user.disabled_at is None else None
    if principal is None:
        sign_out(request)
        raise LoginRequired(_here(request))
    if principal.role == "telemetry":
        raise Forbidden("the telemetry role has no web pages", code="forbidden")
    request.state.principal = principal
    return principal


WebPrincipal = Annotated[Principal, Depends(current_principal)]


def login_url(next_path: str) -> str:
    return "/login?next=" + quote(next_path, safe="/")


def home_for(principal: Principal) -> str:
    return "/work" if principal.role == "engineer" else "/contracts"
