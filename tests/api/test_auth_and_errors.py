"""Authentication (API keys made and revoked with the CLI) and the error body for failures
nobody planned: 401 with a challenge, 500 with a request id and no stack trace."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

import fleet.audit
import fleet.registry
from api.app import create_app
from api.migrate import upgrade
from api.settings import Settings
from fleet.db import Database, make_engine
from tests.builders import agency_body, assert_error, auth, make_agency, make_key, row_counts

API = "/api/v1"


def _create_key(cli, *args: str) -> tuple[str, str]:
    """``slatrack keys create …``: (key id, token)."""
    result = cli("keys", "create", *args)
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    key_id = lines[0].split(" key ")[1].split()[0]
    return key_id, lines[-1]


# --- 401 --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("method", "path"), [("GET", "/agencies"), ("POST", "/agencies"),
                                              ("GET", "/units/00000000-0000-7000-8000-000000000000"),
                                              ("GET", "/audit/verify")])
def test_a_request_without_a_key_gets_401_with_a_bearer_challenge(client, session, method, path):
    before = row_counts(session)
    r = client.request(method, API + path, json=agency_body() if method == "POST" else None)
    error = assert_error(r, 401, "unauthenticated")
    assert "Bearer" in error["message"]
    assert r.headers["www-authenticate"] == "Bearer"
    assert row_counts(session) == before


@pytest.mark.parametrize("header", [
    "Bearer garbage",
    "Bearer slt_" + "A" * 43,
    "Bearer slt_" + "A" * 300,
    "Bearer ",
    "Bearer",
    "Basic YWRtaW46YWRtaW4=",
    "slt_AAAA",
])
def test_a_garbage_authorization_header_gets_401(client, session, header):
    make_key(session, "admin")
    r = client.get(f"{API}/agencies", headers={"Authorization": header})
    assert_error(r, 401, "unauthenticated")
    assert r.headers["www-authenticate"] == "Bearer"


def test_the_health_check_needs_no_key(client):
    assert client.get(f"{API}/health").json() == {"status": "ok", "database": "ok"}
    assert client.get("/health").status_code == 200


# --- keys through the CLI --------------------------------------------------------------------
def test_keys_create_prints_the_token_as_the_last_line_and_the_token_works(cli, client):
    result = cli("keys", "create", "--role", "manager", "--name", "ops laptop")
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    assert token.startswith("slt_") and " " not in token
    assert client.get(f"{API}/agencies", headers=auth(token)).status_code == 200


def test_only_a_hash_of_the_token_is_stored(cli, session):
    key_id, token = _create_key(cli, "--role", "admin", "--name", "x")
    stored = session.execute(text("SELECT * FROM api_keys WHERE id = :id"), {"id": key_id}).mappings().one()
    assert token not in {str(v) for v in stored.values()}


def test_a_key_revoked_with_the_cli_gets_401(cli, client):
    key_id, token = _create_key(cli, "--role", "admin", "--name", "leaked")
    assert client.get(f"{API}/agencies", headers=auth(token)).status_code == 200

    result = cli("keys", "revoke", key_id)
    assert result.exit_code == 0, result.output

    r = client.get(f"{API}/agencies", headers=auth(token))
    assert_error(r, 401, "unauthenticated")
    listed = cli("keys", "list")
    assert f"{key_id}" in listed.stdout and "revoked" in listed.stdout


def test_revoking_an_unknown_key_fails_clearly(cli):
    result = cli("keys", "revoke", "00000000-0000-7000-8000-000000000000")
    assert result.exit_code != 0
    assert "not found" in result.output


def test_an_agency_key_needs_an_agency_and_nothing_is_created_without_one(cli, session):
    before = row_counts(session)
    result = cli("keys", "create", "--role", "agency", "--name", "portal")
    assert result.exit_code != 0
    assert "--agency" in result.output
    assert "slt_" not in result.output
    assert row_counts(session) == before


@pytest.mark.parametrize(("args", "needle"), [
    (("--role", "agency", "--name", "p", "--agency", "NOPE"), "NOPE"),
    (("--role", "overlord", "--name", "p"), "overlord"),
    (("--role", "manager", "--name", "p", "--agency", "ANY"), "--agency"),
])
def test_keys_create_rejects_bad_arguments_with_a_clear_message(cli, session, args, needle):
    make_agency(session, code="ANY")
    before = row_counts(session)
    result = cli("keys", "create", *args)
    assert result.exit_code != 0
    assert needle in result.output
    assert row_counts(session) == before


def test_an_agency_key_made_with_the_cli_sees_its_agency(cli, client, session):
    agency = make_agency(session, code="USACE")
    _, token = _create_key(cli, "--role", "agency", "--name", "portal", "--agency", "USACE")
    r = client.get(f"{API}/agencies", headers=auth(token))
    assert [a["id"] for a in r.json()["items"]] == [agency.id]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_using_a_key_sets_its_last_used_at(cli, client, session, method):
    key_id, token = _create_key(cli, "--role", "admin", "--name", "x")
    used = "SELECT last_used_at FROM api_keys WHERE id = :id"
    assert session.execute(text(used), {"id": key_id}).scalar_one() is None
    r = client.request(method, f"{API}/agencies", headers=auth(token),
                       json=agency_body() if method == "POST" else None)
    assert r.status_code in (200, 201), r.text
    assert session.execute(text(used), {"id": key_id}).scalar_one() is not None


def test_a_first_write_with_a_key_is_not_held_up_on_an_embedded_database(tmp_path):
    """On a real SQLite file (not the test's shared connection) the write a request holds must not
    block recording the key's use: that would stall the request for the busy timeout."""
    url = f"sqlite:///{tmp_path / 'embedded.db'}"
    upgrade(url)
    db = Database(make_engine(url))
    try:
        from fleet import identity
        from fleet.principal import SYSTEM

        with db.transaction() as s:
            key, token = identity.create_key(s, SYSTEM, role="admin", name="first")
            key_id = key.id
        app = create_app(Settings(data_dir=tmp_path, database_url=url, secret_key="x").resolved(), db=db)
        with TestClient(app, raise_server_exceptions=False) as client:
            r = client.post(f"{API}/agencies", json=agency_body(), headers=auth(token))
        assert r.status_code == 201, r.text
        with db.transaction(write=False) as s:
            last = s.execute(text("SELECT last_used_at FROM api_keys WHERE id = :id"), {"id": key_id}).scalar()
        assert last is not None
    finally:
        db.engine.dispose()


# --- 500 --------------------------------------------------------------------------------------
def test_an_unexpected_exception_answers_500_with_a_request_id_and_no_trace(client, session, monkeypatch,
                                                                            caplog):
    def explode(*args, **kwargs):
        raise RuntimeError("kaboom: password=hunter2 in /srv/secret/path.py")

    monkeypatch.setattr(fleet.registry, "list_agencies", explode)
    with caplog.at_level(logging.ERROR):
        r = client.get(f"{API}/agencies", headers=auth(make_key(session, "admin")))
    error = assert_error(r, 500, "internal_error")
    rid = r.headers.get("x-request-id")
    assert rid, "the 500 carries the X-Request-ID header"
    assert rid in error["message"]
    assert error["details"] == [{"request_id": rid}]
    for leak in ("Traceback", "RuntimeError", "kaboom", "hunter2", ".py"):
        assert leak not in r.text
    logged = [rec for rec in caplog.records if rid in rec.getMessage()]
    assert logged and logged[0].exc_info is not None, "the log has the request id with the stack trace"


def test_a_request_id_sent_by_the_client_is_kept_on_a_500(client, session, monkeypatch):
    monkeypatch.setattr(fleet.registry, "get_agency", lambda *a, **k: 1 / 0)
    r = client.get(f"{API}/agencies/x", headers={**auth(make_key(session, "admin")), "X-Request-ID": "trace-42"})
    error = assert_error(r, 500, "internal_error")
    assert r.headers["x-request-id"] == "trace-42"
    assert error["details"] == [{"request_id": "trace-42"}]


def test_a_write_that_fails_halfway_leaves_nothing_behind(client, session, monkeypatch):
    headers = auth(make_key(session, "admin"))

    def audit_down(*args, **kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(fleet.audit, "record", audit_down)
    before = row_counts(session)
    r = client.post(f"{API}/agencies", json=agency_body(code="HALFWAY"), headers=headers)
    assert_error(r, 500, "internal_error")
    assert row_counts(session) == before
    assert session.execute(text("SELECT count(*) FROM agencies WHERE code = 'HALFWAY'")).scalar_one() == 0


def test_every_answer_carries_a_request_id(client):
    r = client.get(f"{API}/agencies")
    assert r.status_code == 401
    assert r.headers.get("x-request-id")
