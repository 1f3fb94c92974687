"""Web sign-in: a server-side session, a CSRF token per session, the signed-in principal.

Starlette's signed cookie (``settings.secret_key``; HttpOnly, SameSite=Lax) holds the session's
random token (``sid``), a CSRF token and a flash message; the session itself is a row of
``web_sessions`` (:mod:`fleet.websessions`), so signing out, disabling the user, or the idle and
absolute lifetimes end it for every copy of the cookie. Signing in replaces the token and the
CSRF token (no session fixation). Every POST carries the CSRF token in a hidden field
(:func:`check_csrf`). The session and its user are read on every page in their own short read
transaction (as :func:`api.deps.get_principal` does for keys), and its bookkeeping (``last_seen_at``
at most once a minute, ending an expired session) is written in its own short transaction too,
before the page's transaction begins: never while a read request holds SQLite's write lock.
Signed-in users share the API keys' rate limit (``SLATRACK_RATE_LIMIT_PER_MINUTE``, per user).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from api.deps import get_db
from api.errors import TooManyRequests
from fleet import signin_throttle, websessions
from fleet.db import Database, utcnow
from fleet.errors import Forbidden
from fleet.identity import principal_for_user
from fleet.principal import Principal

CSRF_FIELD = "csrf_token"
log = logging.getLogger("slatrack.signin")


@dataclass
class WebState:
    """The web sign-in's settings, kept on ``app.state.web`` (tests may swap the clock)."""

    lifetimes: websessions.Lifetimes
    limits: signin_throttle.Limits
    clock: Callable[[], datetime] = field(default=utcnow)


def web_state(request: Request) -> WebState:
    state: WebState = request.app.state.web
    return state


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


def sign_in(request: Request, token: str) -> None:
    """Rotate the cookie: nothing from before signing in survives (session token, CSRF token)."""
    request.session.clear()
    request.session.update({"sid": token, "csrf": secrets.token_urlsafe(32)})


def sign_out(request: Request) -> None:
    """End the session on the server (every copy of the cookie is refused from now on) and clear
    the cookie. A database failure fails the request: the user is not told they are signed out."""
    token = request.session.get("sid")
    if isinstance(token, str):
        sid = websessions.session_id(token)
        with get_db(request).transaction() as s:
            ended = websessions.end(s, sid, web_state(request).clock(), "signed_out")
        if ended:
            log.info("signed out: session %s", sid[:12])
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


def signed_in(request: Request) -> Principal | None:
    """The user of the request's session, or None (no session, or it has ended)."""
    token = request.session.get("sid")
    if not isinstance(token, str):
        return None
    db, state = get_db(request), web_state(request)
    now = state.clock()
    with db.transaction(write=False) as s:
        found = websessions.find(s, token, now, state.lifetimes)
        principal = principal_for_user(found.user) if found is not None and found.user is not None else None
    if found is not None and found.ended is not None:
        _bookkeeping(db, lambda s: websessions.end(s, found.session_id, now, found.ended or "ended"))
        log.info("session %s ended: %s", found.session_id[:12], found.ended)
    elif found is not None and found.stale:
        _bookkeeping(db, lambda s: websessions.touch(s, found.session_id, now))
    if principal is None:
        request.session.clear()
    return principal


def _bookkeeping(db: Database, work: Callable[[Session], object]) -> None:
    """A session's bookkeeping, in its own short write transaction; it never fails a request."""
    try:
        with db.transaction(write=True) as s:
            work(s)
    except Exception:
        log.warning("could not record web session bookkeeping", exc_info=True)


def current_principal(request: Request) -> Principal:
    principal = signed_in(request)
    if principal is None:
        raise LoginRequired(_here(request))
    if principal.role == "telemetry":
        raise Forbidden("the telemetry role has no web pages", code="forbidden")
    request.state.principal = principal
    limiter = getattr(request.app.state, "rate_limiter", None)
    if limiter is not None:
        try:
            limiter.check(principal.id)
        except TooManyRequests as exc:
            raise TooManyRequests(f"too many requests from your account (at most {int(limiter.capacity)} a "
                                  f"minute); try again in {exc.retry_after} s", retry_after=exc.retry_after) from None
    return principal


WebPrincipal = Annotated[Principal, Depends(current_principal)]


def login_url(next_path: str) -> str:
    return "/login?next=" + quote(next_path, safe="/")


def home_for(principal: Principal) -> str:
    return "/work" if principal.role == "engineer" else "/contracts"
