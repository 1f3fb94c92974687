"""Concurrent writes never freeze the server: every write route, several copies at once, 2 workers.

The routes are discovered from the app (as the authorization matrix discovers them) and each gets
the request the matrix sends it, so a new write route is fired at here without editing this file
(the matrix already refuses a route it has no request for). A real server (uvicorn, 2 workers,
2 request threads each) on a scratch database: SQLite file by default, PostgreSQL when
``SLATRACK_TEST_DATABASE_URL`` is set. Every copy of every write request is sent at once, while a
prober asks ``/health``.

What a freeze looked like before the one-trip transaction model (api/routing.py): a handler held
the write lock while its commit waited for a second pool thread that the other writers held while
they waited for the lock; every request timed out or got ``503 database_unavailable`` after 30 s,
and ``/health`` did not answer for two minutes.
"""

from __future__ import annotations

import multiprocessing
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session

from api.app import create_app
from api.migrate import upgrade
from api.settings import Settings
from fleet import identity
from fleet.db import Database, make_engine
from fleet.principal import SYSTEM
from tests.builders import make_key, scratch_postgres_database
from tests.conftest import PG_URL
from tests.reliability.server import Server
from tests.reliability.test_authz_matrix import (
    CSRF,
    NON_API_REQUESTS,
    Tenant,
    _requests,
    _tenant,
    discovered_routes,
)

pytestmark = [pytest.mark.slow]

COPIES = 4
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
ANSWER_WITHIN_S = 60.0  # the client gives up here: a request still waiting is a freeze (PDF renders queue)
HEALTH_WITHIN_S = 1.0


def write_routes() -> list[str]:
    import tempfile

    with tempfile.TemporaryDirectory() as data_dir:
        app = create_app(Settings(data_dir=data_dir, secret_key="x").resolved())
        return [r for r in discovered_routes(app) if r.split(" ", 1)[0] in WRITE_METHODS]


@pytest.fixture
def database_url_for_server(tmp_path: Path) -> Iterator[str]:
    if PG_URL:
        with scratch_postgres_database(PG_URL, "burst") as url:
            upgrade(url)
            yield url
    else:
        url = f"sqlite:///{tmp_path / 'conc.db'}"
        upgrade(url)
        yield url


def _world(url: str) -> tuple[Tenant, str]:
    db = Database(make_engine(url))
    with db.transaction() as session:
        tenant = _tenant(session, "OURS")
        token = make_key(session, "admin")
        _users(session)
    db.engine.dispose()
    return tenant, token


def _users(session: Session) -> None:
    for role in ("manager", "admin"):
        identity.create_user(session, SYSTEM, role=role, username=f"conc-{role}", password="conc-password-1")


_CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def _signed_in(base: str, username: str) -> tuple[dict[str, str], str]:
    """Cookies and CSRF token of a web user signed in through the real login form."""
    with httpx.Client(base_url=base, timeout=ANSWER_WITHIN_S) as c:
        token = _CSRF_INPUT.search(c.get("/login").text)
        assert token, "no CSRF token on the login page"
        r = c.post("/login", data={"csrf_token": token.group(1), "username": username,
                                   "password": "conc-password-1"})
        assert r.status_code < 400, r.text
        form = _CSRF_INPUT.search(c.get("/reports/verify").text)
        assert form, "no CSRF token on a signed-in page"
        return dict(c.cookies), form.group(1)


def _request_for(route: str, tenant: Tenant) -> tuple[str, str, dict[str, Any]]:
    method = route.split(" ", 1)[0]
    api = _requests(tenant)
    if route in api:
        url, kwargs = api[route]
    else:
        assert route in NON_API_REQUESTS, f"{route}: give it a request in tests/reliability/test_authz_matrix.py"
        url, kwargs = NON_API_REQUESTS[route](tenant)
    return method, url, kwargs


class HealthProbe:
    """Asks ``/health`` every 100 ms until stopped, from a process of its own (the 80-odd client
    threads of this one would otherwise delay its clock readings); keeps the slowest answer and
    any failure."""

    def __init__(self, base: str):
        ctx = multiprocessing.get_context("spawn")
        self._stop = ctx.Event()
        self._results: Any = ctx.Queue()
        self._proc = ctx.Process(target=_probe, args=(base, self._stop, self._results), daemon=True)
        self.slowest = 0.0
        self.failures: list[str] = []

    def __enter__(self) -> HealthProbe:
        self._proc.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self.slowest, self.failures = self._results.get(timeout=30)
        self._proc.join(10)


def _probe(base: str, stop: Any, results: Any) -> None:
    slowest, failures = 0.0, []
    with httpx.Client(timeout=10.0) as c:
        while not stop.is_set():
            started = time.monotonic()
            try:
                status = c.get(f"{base}/health").status_code
                if status != 200:
                    failures.append(f"/health answered {status}")
            except httpx.HTTPError as exc:
                failures.append(f"/health: {exc!r}")
            slowest = max(slowest, time.monotonic() - started)
            stop.wait(0.1)
    results.put((slowest, failures))


def _fire(base: str, method: str, url: str, kwargs: dict[str, Any], headers: dict[str, str],
          cookies: dict[str, str] | None) -> str:
    started = time.monotonic()
    try:
        with httpx.Client(base_url=base, timeout=ANSWER_WITHIN_S, cookies=cookies) as c:
            r = c.request(method, url, headers=headers, follow_redirects=False, **kwargs)
    except httpx.TimeoutException:
        return f"{method} {url}: no answer within {ANSWER_WITHIN_S:.0f} s"
    took = time.monotonic() - started
    if r.status_code >= 500:
        return f"{method} {url}: {r.status_code} after {took:.1f} s: {r.text[:300]}"
    return ""


def test_every_write_route_fired_concurrently_answers_and_health_stays_quick(database_url_for_server, tmp_path):
    routes = write_routes()
    assert "POST /api/v1/maintenance-windows" in routes and "POST /tickets/{ticket_id}/work-logs" in routes
    tenant, token = _world(database_url_for_server)
    server = Server(database_url_for_server, tmp_path, workers=2,
                    env={"SLATRACK_WORKER_THREADS": "2", "SLATRACK_RATE_LIMIT_PER_MINUTE": "0"})
    server.start()
    try:
        jobs = []
        for route in routes:
            method, url, kwargs = _request_for(route, tenant)
            web = not url.startswith("/api/")
            for _ in range(COPIES):
                cookies, csrf = _signed_in(server.url, "conc-manager") if web else (None, "")
                body = {**kwargs}
                if "data" in body:
                    body["data"] = {k: (csrf if v == CSRF else v) for k, v in body["data"].items()}
                headers = {} if web else {"Authorization": f"Bearer {token}"}
                jobs.append((method, url, body, headers, cookies))
        with HealthProbe(server.url) as probe, ThreadPoolExecutor(max_workers=len(jobs)) as pool:
            problems = [p for p in pool.map(lambda j: _fire(server.url, *j), jobs) if p]
        assert not problems, f"{len(problems)} of {len(jobs)} requests failed:\n" + "\n".join(problems)
        assert not probe.failures, probe.failures[:5]
        assert probe.slowest < HEALTH_WITHIN_S, f"/health took {probe.slowest:.2f} s during the burst"
    finally:
        server.stop()
