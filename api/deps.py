"""Request dependencies: the transaction (``SessionDep``) and the caller (``PrincipalDep``).

The request session is made here, but its transaction is owned by the route
(:class:`api.routing.TransactionRoute`): the handler's work and its commit, or its rollback, run
in one thread trip, so a client that got a 2xx has a committed record, a failed request leaves
nothing behind, and no request holds a lock while it waits for a thread. Write methods begin with
the write lock on SQLite (see :func:`fleet.db.write_bind`); ``ReadSessionDep`` gives a POST that
only reads (report verification) a session that never takes it.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from api.errors import Unauthenticated
from api.routing import REQUEST_SESSION
from fleet import identity
from fleet.answers import AnswerCache
from fleet.db import Database
from fleet.principal import Principal

log = logging.getLogger("slatrack.api")
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's session: a write session for methods that write. ``async`` so FastAPI makes
    it in place: making a session does no I/O (the connection is checked out on first use, in
    the handler's trip, and given back when that trip commits)."""
    async for session in _request_session(request, write=request.method not in READ_METHODS):
        yield session


async def get_read_session(request: Request) -> AsyncIterator[Session]:
    """A read-only request session whatever the method (it takes no write lock)."""
    async for session in _request_session(request, write=False):
        yield session


async def _request_session(request: Request, *, write: bool) -> AsyncIterator[Session]:
    session = get_db(request).session(write=write)
    session.info[REQUEST_SESSION] = True
    try:
        yield session
    finally:
        if session.in_transaction():  # only if the handler's trip never ran (it always ends the transaction)
            await run_in_threadpool(_rollback, session)
        else:
            session.close()


def _rollback(session: Session) -> None:
    try:
        session.rollback()
    finally:
        session.close()


REQUEST_SESSION_PROVIDERS = frozenset({get_session, get_read_session})
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
ReadSessionDep = Annotated[Session, Depends(get_read_session, scope="function")]


def principal_cache(request: Request) -> identity.PrincipalCache:
    """The app's per-process key cache (made on first use; a test may put its own in place)."""
    cache: identity.PrincipalCache | None = getattr(request.app.state, "principal_cache", None)
    if cache is None:
        cache = request.app.state.principal_cache = identity.PrincipalCache()
    return cache


async def get_principal(request: Request) -> Principal:
    """The caller: from the per-process cache (at most ``identity.AUTH_CACHE_SECONDS`` old), else
    looked up in its own short read transaction, *before* the request's session touches the
    database: on SQLite a write request's session holds the write lock from its first statement,
    so recording ``last_used_at`` after that would wait out the busy timeout and fail.

    ``async`` so that a cache hit (nearly every request) is answered in place; only a lookup
    takes a trip through the thread pool."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("missing API key: send Authorization: Bearer <token>")
    cache = principal_cache(request)
    auth = cache.get(token)
    if auth is None:
        auth = await run_in_threadpool(_look_up, get_db(request), token)
        cache.put(token, auth)
    principal = auth.principal
    request.state.principal = principal
    limiter = getattr(request.app.state, "rate_limiter", None)
    if limiter is not None:
        limiter.check(principal.id)
    return principal


def _look_up(db: Database, token: str) -> identity.KeyAuth:
    with db.transaction(write=False) as session:
        auth = identity.principal_for_token(session, token)
    if auth is None:
        raise Unauthenticated("invalid or revoked API key")
    if auth.stale:
        _touch(db, auth.principal.id)
    return auth


def _touch(db: Database, key_id: str) -> None:
    try:
        with db.transaction(write=True) as s:
            identity.touch_key(s, key_id)
    except Exception:  # bookkeeping must never fail a request
        log.warning("could not record last use of key %s", key_id, exc_info=True)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def get_answers(request: Request) -> AnswerCache:
    """The app's per-process answer cache (:mod:`fleet.answers`, made in :func:`api.app.create_app`)."""
    cache: AnswerCache = request.app.state.answers
    return cache


AnswersDep = Annotated[AnswerCache, Depends(get_answers)]


async def page_params(limit: int = 50, cursor: str | None = None) -> tuple[int, str | None]:
    """(``async`` only so FastAPI calls it in place: a plain function would take a trip through
    the thread pool on every list request.)"""
    return limit, cursor


PageDep = Annotated[tuple[int, str | None], Depends(page_params)]
