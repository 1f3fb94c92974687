"""One transaction model for every route: a request's database work and its commit run on one thread.

Every router of the app is an ``APIRouter(route_class=TransactionRoute)``. Handlers are plain
``def`` functions; :class:`TransactionRoute` runs each one, *and then commits (or rolls back) its
request session*, in a single trip through the worker's thread pool
(:func:`run_in_one_trip`). So a request that holds a write lock (SQLite's ``BEGIN IMMEDIATE``,
PostgreSQL's audit-head row) never waits for a second thread to release it: the thread that took
the lock is the thread that commits. With the pool's few threads all busy, the other requests
queue for a thread *without* holding a lock, so the queue always drains.

Why not FastAPI's own path: it runs a sync handler in one pool trip and a ``yield`` dependency's
exit (the commit) in another; with two threads and three writers, the writer holding the lock waits
for a thread that the other two hold while they wait for the lock (measured: every request timed
out after 30 s, ``/health`` did not answer for 120 s).

Rules this enforces (at app build time, :meth:`TransactionRoute.__init__`, and at run time,
:func:`guard_request_sessions`):

* an ``async def`` handler may not take the request session (it would do its database work on
  the event loop or across several thread trips);
* a request session begins its transaction only inside its handler's trip (a dependency that
  used it would take the lock in one trip and leave it for another).

Lanes: a handler marked :func:`in_lane` takes its trip on threads of its own instead of the
request threads: ``reports`` (PDF renders, seconds each: a few at once would stall every other
request of the worker and starve the CPU; the rest wait their turn without holding a thread) and
``verify`` (an uploaded PDF is parsed with a time budget: a flood of hostile uploads queues here,
not on the request threads) and ``health`` (a load balancer's probe answers while every request
thread is busy).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

import anyio
import anyio.to_thread
from anyio.lowlevel import RunVar
from fastapi.routing import APIRoute
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

REQUEST_SESSION = "slatrack.request_session"
"""``Session.info`` key: set on request sessions (see :func:`api.deps.get_session`)."""
IN_TRIP = "slatrack.in_trip"
"""``Session.info`` key: true while the handler's trip runs."""


LANE = "__slatrack_lane__"
LANE_SIZES = {"health": 1, "reports": 1, "verify": 1}
"""Threads per lane and worker process (``reports``: ``SLATRACK_REPORT_CONCURRENCY``, set by
:func:`api.app.create_app`)."""
_LIMITERS: RunVar[dict[str, anyio.CapacityLimiter]] = RunVar("slatrack_lanes")
F = TypeVar("F", bound=Callable[..., Any])


def in_lane(name: str) -> Callable[[F], F]:
    """Run this handler's trip on the threads of lane ``name`` (see the module docstring)."""
    if name not in LANE_SIZES:
        raise ValueError(f"no lane {name!r}")

    def mark(endpoint: F) -> F:
        setattr(endpoint, LANE, name)
        return endpoint

    return mark


def _limiter(lane: str | None) -> anyio.CapacityLimiter | None:
    """The lane's limiter in the running event loop (anyio keeps its own default limiter per loop
    the same way); ``None``: the request threads."""
    if lane is None:
        return None
    try:
        limiters = _LIMITERS.get()
    except LookupError:
        limiters = {}
        _LIMITERS.set(limiters)
    if lane not in limiters:
        limiters[lane] = anyio.CapacityLimiter(LANE_SIZES[lane])
    return limiters[lane]


class SessionOutsideTrip(RuntimeError):
    """A request session was used outside its handler's thread trip (a programming error)."""


def run_in_one_trip(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """``endpoint`` (sync) as an ``async`` handler that runs it and commits its request sessions in
    one thread trip. FastAPI reads the parameters and their annotations through ``__wrapped__``."""

    lane = getattr(endpoint, LANE, None)

    @functools.wraps(endpoint)
    async def handler(**kwargs: Any) -> Any:
        return await anyio.to_thread.run_sync(_call_and_commit, endpoint, kwargs, limiter=_limiter(lane))

    return handler


def _call_and_commit(endpoint: Callable[..., Any], kwargs: dict[str, Any]) -> Any:
    sessions = [v for v in kwargs.values() if isinstance(v, Session)]
    for s in sessions:
        s.info[IN_TRIP] = True
    try:
        result = endpoint(**kwargs)
        for s in reversed(sessions):  # the last begun first: a handler's write session after its read one
            s.commit()
        return result
    except BaseException:
        for s in sessions:
            s.rollback()
        raise
    finally:
        for s in sessions:
            s.info[IN_TRIP] = False


def _uses_request_session(route: APIRoute) -> bool:
    from api.deps import REQUEST_SESSION_PROVIDERS

    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        if dep.call in REQUEST_SESSION_PROVIDERS:
            return True
        stack.extend(dep.dependencies)
    return False


class TransactionRoute(APIRoute):
    """An :class:`APIRoute` whose sync handler runs with its commit in one thread trip."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        is_async = inspect.iscoroutinefunction(endpoint)
        super().__init__(path, endpoint if is_async else run_in_one_trip(endpoint), **kwargs)
        if is_async and _uses_request_session(self):
            raise TypeError(f"{endpoint.__qualname__} ({path}): an async handler may not take the request "
                            "session; make it a plain def (api/routing.py)")


@event.listens_for(Session, "after_begin")
def guard_request_sessions(session: Session, _transaction: SessionTransaction, _connection: Any) -> None:
    """Refuse a request session's transaction begun outside its handler's trip."""
    if session.info.get(REQUEST_SESSION) and not session.info.get(IN_TRIP):
        raise SessionOutsideTrip("the request session was used outside its handler's thread trip "
                                 "(a dependency or an async handler touched the database); see api/routing.py")
