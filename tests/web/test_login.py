"""Signing in and out, the session cookie, CSRF, redirects."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.builders import row_counts
from tests.web.conftest import World, csrf_of, login, signed_in


@pytest.mark.parametrize("path", ["/work", "/tickets/x", "/units/x", "/contracts", "/contracts/x", "/reports",
                                  "/reports/verify"])
def test_an_unauthenticated_page_request_redirects_to_login_with_next(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={path}"


def test_root_sends_a_visitor_to_login_and_a_user_to_the_home_of_their_role(app: Any, world: World) -> None:
    anonymous = TestClient(app)
    assert anonymous.get("/", follow_redirects=False).headers["location"] == "/login"
    assert signed_in(app, "eng").get("/", follow_redirects=False).headers["location"] == "/work"
    assert signed_in(app, "mgr").get("/", follow_redirects=False).headers["location"] == "/contracts"
    assert signed_in(app, "navy").get("/", follow_redirects=False).headers["location"] == "/contracts"


def test_login_sets_an_httponly_samesite_lax_cookie_and_goes_to_the_role_home(client: TestClient,
                                                                              world: World) -> None:
    response = login(client, "eng")
    assert response.status_code == 303 and response.headers["location"] == "/work"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "My work" in client.get("/work").text


def test_the_session_cookie_is_secure_when_the_site_is_served_over_https(settings: Any, db: Any,
                                                                         world: World) -> None:
    from api.app import create_app

    app = create_app(settings.model_copy(update={"secure_cookies": True}), db=db)
    with TestClient(app, base_url="https://testserver") as c:
        response = login(c, "eng")
    assert response.status_code == 303
    assert "; secure" in response.headers["set-cookie"].lower()
    assert "; secure" not in login(TestClient(create_app(settings, db=db)), "eng").headers["set-cookie"].lower()


def test_login_returns_to_a_local_next_path_but_never_to_another_site(client: TestClient, world: World) -> None:
    for given, expected in [(f"/tickets/{world.ticket.id}", f"/tickets/{world.ticket.id}"),
                            ("https://evil.example/", "/work"), ("//evil.example/x", "/work"),
                            ("/\\evil.example", "/work")]:
        page = client.get("/login", params={"next": given})
        response = client.post("/login", data={"username": "eng", "password": "correct horse battery",
                                               "next": given, "csrf_token": csrf_of(page.text)},
                               follow_redirects=False)
        assert response.headers["location"] == expected, given
        client.cookies.clear()


def test_a_wrong_password_and_an_unknown_user_get_the_same_readable_message(client: TestClient,
                                                                           world: World) -> None:
    wrong = login(client, "eng", "not the password")
    unknown = login(client, "nobody", "not the password")
    for response in (wrong, unknown):
        assert response.status_code == 400
        assert "Wrong username or password." in response.text
    assert client.get("/work", follow_redirects=False).status_code == 303


def test_a_telemetry_user_has_no_pages(client: TestClient, world: World) -> None:
    response = login(client, "robot")
    assert response.status_code == 400
    assert client.get("/work", follow_redirects=False).status_code == 303


def test_signing_in_rotates_the_session_and_its_csrf_token(client: TestClient, world: World) -> None:
    before = csrf_of(client.get("/login").text)
    login(client, "eng")
    after = csrf_of(client.get("/work").text)
    assert before != after


def test_logout_needs_the_csrf_token_and_ends_the_session(engineer: TestClient) -> None:
    assert engineer.post("/logout", data={}, follow_redirects=False).status_code == 403
    assert engineer.get("/work").status_code == 200
    token = csrf_of(engineer.get("/work").text)
    response = engineer.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert engineer.get("/work", follow_redirects=False).status_code == 303


def test_a_disabled_user_is_signed_out_on_the_next_page(engineer: TestClient, session: Session) -> None:
    from sqlalchemy import update

    from fleet.db import utcnow
    from fleet.models import User

    session.execute(update(User).where(User.username == "eng").values(disabled_at=utcnow()))
    session.flush()
    assert engineer.get("/work", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("token", [None, "wrong-token-wrong-token-wrong"])
def test_a_post_without_the_right_csrf_token_is_refused_with_a_403_page_and_stores_nothing(
        engineer: TestClient, world: World, session: Session, token: str | None) -> None:
    before = row_counts(session)
    data = {"type": "acknowledged", "form_key": "k1"}
    if token:
        data["csrf_token"] = token
    response = engineer.post(f"/tickets/{world.ticket.id}/events", data=data)
    assert response.status_code == 403
    assert "text/html" in response.headers["content-type"]
    assert "security token" in response.text
    assert row_counts(session) == before


def test_a_login_post_without_csrf_is_refused(client: TestClient, world: World) -> None:
    response = client.post("/login", data={"username": "eng", "password": "correct horse battery"})
    assert response.status_code == 403


def test_pages_carry_the_security_headers_and_load_script_only_from_static(engineer: TestClient) -> None:
    response = engineer.get("/work")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert '<script src="/static/app.js"' in response.text
    assert "<script>" not in response.text
    assert engineer.get("/static/app.js").status_code == 200
    assert engineer.get("/static/app.css").status_code == 200


def test_an_unknown_web_path_answers_an_html_404_but_the_api_keeps_json(engineer: TestClient) -> None:
    page = engineer.get("/no-such-page")
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
    api = engineer.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"


def test_a_form_post_without_a_session_redirects_to_login_and_returns_to_the_start_page(
        client: TestClient, world: World, session: Session) -> None:
    before = row_counts(session)
    response = client.post(f"/tickets/{world.ticket.id}/events", data={"type": "acknowledged"},
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/"
    assert row_counts(session) == before


def test_a_nul_character_in_the_username_is_just_a_failed_login(client: TestClient, world: World) -> None:
    response = login(client, "eng\x00", "whatever")
    assert response.status_code == 400
    assert "Wrong username or password." in response.text
