"""Signing in and out: the throttle on failed sign-ins, argon2 off the request threads.

``POST /login`` is ``async``: its work (the throttle check, the user lookup, argon2, then either
the new session or the failure count, each in its own short transaction) runs in one trip to
:class:`SignInPool`, a single thread per worker process that does nothing else. The API's and
pages' request threads (``SLATRACK_WORKER_THREADS``) are never taken by a sign-in, so a flood of
``/login`` posts queues behind itself, not in front of API reads; on Linux that thread (and the
lane threads argon2 starts from it) also runs at a lower CPU priority (nice 10), so when argon2
and a request want the same core, the request goes first. One thread also bounds argon2's memory
(64 MiB a hash) and makes the throttle's check-then-count exact within a process (across
processes, a limit may be overshot by one failure per other worker).

The throttle (:mod:`fleet.signin_throttle`) counts failures per username and per client address;
the address is ``request.client.host``, which uvicorn sets from ``X-Forwarded-For`` only when the
connection comes from a trusted proxy (``slatrack serve`` runs with ``proxy_headers``; uvicorn's
``--forwarded-allow-ips``, 127.0.0.1 by default), so a client cannot pick its own address.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from api.deps import get_db
from api.routing import TransactionRoute
from api.web.auth import CsrfDep, WebState, home_for, safe_next, sign_in, sign_out, web_state
from api.web.render import flash, page
from fleet import identity, signin_throttle, websessions
from fleet.db import Database
from fleet.principal import Principal

router = APIRouter(include_in_schema=False, route_class=TransactionRoute)
log = logging.getLogger("slatrack.signin")
LOGIN_FAILED = "Wrong username or password."
T = TypeVar("T")


def _lower_priority() -> None:
    if sys.platform == "linux":  # per thread on Linux only (elsewhere this would renice the process)
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)


class SignInPool:
    """One thread for sign-in work (see the module docstring); its queue is the requests waiting."""

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="slatrack-signin",
                                            initializer=_lower_priority)

    async def run(self, work: Callable[[], T]) -> T:
        return await asyncio.wrap_future(self._executor.submit(work))


@dataclass(frozen=True)
class Outcome:
    principal: Principal | None = None
    token: str | None = None  # the new session's cookie token
    lockout: signin_throttle.Lockout | None = None


def authenticate(db: Database, state: WebState, username: str, password: str, address: str) -> Outcome:
    """Check a sign-in (sync: database and argon2; runs on the :class:`SignInPool` thread)."""
    now = state.clock()
    if not username or not password:
        return Outcome()
    with db.transaction(write=False) as s:
        lock = signin_throttle.locked(s, state.limits, username, address, now)
        user = identity.login_user(s, username) if lock is None else None
    if lock is not None:
        log.info("sign-in refused for %r from %s: %s locked for %d s", username, address, lock.kind,
                 lock.retry_after)
        return Outcome(lockout=lock)
    if identity.password_matches(user, password) and user is not None:
        if user.role == "telemetry":  # the right password, but no pages: not a guess to count
            return Outcome()
        with db.transaction() as s:
            signin_throttle.clear_user(s, username)
            token = websessions.start(s, user.id, now, state.lifetimes)
        log.info("signed in: %r from %s (session %s)", username, address, websessions.session_id(token)[:12])
        return Outcome(principal=identity.principal_for_user(user), token=token)
    with db.transaction() as s:
        lock = signin_throttle.record_failure(s, state.limits, username, address, now)
    if lock is not None:
        log.warning("sign-in throttle: %s locked for %d s after failed sign-ins (username %r, address %s)",
                    lock.kind, lock.retry_after, username, address)
    else:
        log.info("failed sign-in for %r from %s", username, address)
    return Outcome(lockout=lock)


def lockout_message(lock: signin_throttle.Lockout) -> str:
    minutes = -(-lock.retry_after // 60)
    wait = "1 minute" if minutes == 1 else f"{minutes} minutes"
    whom = "for this account" if lock.kind == signin_throttle.USER else "from this network address"
    return f"Too many failed sign-ins {whom}; try again in {wait}."


def client_address(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    return page(request, "login.html", {"next": safe_next(next) or "", "username": ""})


@router.post("/login")
async def login(request: Request, _csrf: CsrfDep, username: Annotated[str, Form(max_length=200)] = "",
                password: Annotated[str, Form(max_length=1000)] = "",
                next: Annotated[str | None, Form()] = None) -> Response:
    pool: SignInPool = request.app.state.signin_pool
    outcome = await pool.run(functools.partial(authenticate, get_db(request), web_state(request),
                                               username.strip(), password, client_address(request)))
    if outcome.principal is not None and outcome.token is not None:
        sign_in(request, outcome.token)
        return RedirectResponse(safe_next(next) or home_for(outcome.principal), status_code=303)
    context = {"next": safe_next(next) or "", "username": username}
    if outcome.lockout is None:  # one message whatever was wrong (no user enumeration)
        return page(request, "login.html", {**context, "error": LOGIN_FAILED}, status_code=400, principal=None)
    response = page(request, "login.html", {**context, "error": lockout_message(outcome.lockout)},
                    status_code=429, principal=None)
    response.headers["Retry-After"] = str(outcome.lockout.retry_after)
    return response


@router.post("/logout")
def logout(request: Request, _csrf: CsrfDep) -> Response:
    sign_out(request)
    flash(request, "You are signed out.")
    return RedirectResponse("/login", status_code=303)
