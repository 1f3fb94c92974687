"""The one transaction model (api/routing.py): every route's work and commit in one thread trip."""

from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from api.deps import SessionDep
from api.routing import TransactionRoute, in_lane
from fleet.models import Agency
from tests.builders import agency_body, auth, make_key


def test_every_route_of_the_app_runs_its_handler_and_commit_in_one_trip(app: FastAPI):
    from fastapi.routing import APIRoute, iter_route_contexts

    routes = [c.original_route for c in iter_route_contexts(app.routes) if isinstance(c.original_route, APIRoute)]
    assert routes
    plain = [r.path for r in routes if not isinstance(r, TransactionRoute)]
    assert not plain, f"routes outside the transaction model: {plain}"


def test_an_async_handler_that_takes_the_request_session_is_refused_when_the_app_is_built():
    router = APIRouter(route_class=TransactionRoute)
    with pytest.raises(TypeError, match="async handler may not take the request session"):
        @router.get("/bad")
        async def bad(session: SessionDep) -> dict[str, str]:
            return {}


def peek(session: SessionDep) -> int:
    """A (wrong) dependency that reads through the request session in its own trip."""
    return int(session.execute(text("SELECT 1")).scalar_one())


Peeked = Annotated[int, Depends(peek)]


def test_a_dependency_that_touches_the_request_session_outside_the_handler_trip_fails_loudly(db):
    app = FastAPI()
    app.state.db = db
    router = APIRouter(route_class=TransactionRoute)

    @router.get("/peek")
    def handler(value: Peeked) -> dict[str, int]:
        return {"value": value}

    app.include_router(router)
    with TestClient(app, raise_server_exceptions=False) as c:
        assert c.get("/peek").status_code == 500


def test_a_handler_that_fails_after_writing_leaves_nothing_behind(db, session):
    app = FastAPI()
    app.state.db = db
    router = APIRouter(route_class=TransactionRoute)

    @router.post("/half")
    def half(s: SessionDep) -> None:
        s.add(Agency(code="HALF", name="Half written", timezone="UTC"))
        s.flush()
        raise RuntimeError("after the write")

    app.include_router(router)
    with TestClient(app, raise_server_exceptions=False) as c:
        assert c.post("/half").status_code == 500
    assert session.query(Agency).filter_by(code="HALF").count() == 0


def test_a_handler_in_a_lane_commits_like_any_other(db, session):
    app = FastAPI()
    app.state.db = db
    router = APIRouter(route_class=TransactionRoute)

    @router.post("/lane")
    @in_lane("reports")
    def lane(s: SessionDep) -> dict[str, str]:
        s.add(Agency(code="LANE", name="Written in a lane", timezone="UTC"))
        return {"ok": "yes"}

    app.include_router(router)
    with TestClient(app) as c:
        assert c.post("/lane").json() == {"ok": "yes"}
    assert session.query(Agency).filter_by(code="LANE").count() == 1


def test_an_unknown_lane_is_a_programming_error():
    with pytest.raises(ValueError, match="no lane"):
        in_lane("fast")


def test_a_write_through_the_real_app_is_committed_once(client, session: Session):
    token = make_key(session, "admin")
    r = client.post("/api/v1/agencies", json=agency_body(code="ONETRIP"), headers=auth(token))
    assert r.status_code == 201, r.text
    assert session.query(Agency).filter_by(code="ONETRIP").count() == 1
