"""The demo world's web logins work and land on their role's home; adding them twice is harmless."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fleet import demo
from fleet.principal import SYSTEM
from tests.web.conftest import login


def test_demo_users_sign_in_to_their_homes_and_the_agency_user_sees_only_navfac(app: Any, session: Session) -> None:
    from datetime import UTC, datetime

    made = demo.load(session, SYSTEM, now=datetime.now(UTC), scale=0.04)
    assert made["users"] == 3
    assert demo.add_web_users(session, SYSTEM) == 0
    session.commit()
    homes = {"engineer": "/work", "manager": "/contracts", "agency": "/contracts"}
    for username, password, _role, _agency in demo.WEB_USERS:
        client = TestClient(app)
        response = login(client, username, password)
        assert response.status_code == 303 and response.headers["location"] == homes[username]
    agency = TestClient(app)
    login(agency, "agency", "demo-agency")
    html = agency.get("/contracts").text
    navfac = [c.number for c in demo.CONTRACTS if c.agency == "NAVFAC"]
    others = [c.number for c in demo.CONTRACTS if c.agency != "NAVFAC"]
    assert all(n in html for n in navfac) and not any(n in html for n in others)
