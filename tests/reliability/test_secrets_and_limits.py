"""Secrets stay out of logs; request bodies are capped; every answer carries the security headers."""

from __future__ import annotations

import logging

from fastapi.testclient import TestClient

from api.app import create_app
from fleet import identity
from fleet.principal import SYSTEM
from tests.builders import assert_error, auth, make_contract, make_key, make_unit


def test_no_token_reaches_the_logs_after_authenticated_failed_and_refused_requests(settings, db, session, caplog):
    admin = make_key(session, "admin")
    agency_unit = make_unit(session, contract=make_contract(session))
    revoked_key, revoked = identity.create_key(session, SYSTEM, role="engineer", name="old")
    identity.revoke_key(session, SYSTEM, revoked_key.id)
    limited = make_key(session, "engineer", name="limited")
    wrong = "slt_" + "x" * 43
    app = create_app(settings.model_copy(update={"rate_limit_per_minute": 5}), db=db)
    caplog.set_level(logging.DEBUG)
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/api/v1/agencies", headers=auth(admin)).status_code == 200
        assert client.post("/api/v1/tickets", headers=auth(admin), json={
            "unit_id": agency_unit.id, "priority": "P2", "summary": "logged?",
            "reported_at": "2026-03-02T10:00:00Z"}).status_code == 201
        assert client.post("/api/v1/tickets", headers=auth(admin), json={"bad": True}).status_code == 422
        assert client.get("/api/v1/units/nope", headers=auth(admin)).status_code == 404
        assert_error(client.get("/api/v1/agencies", headers=auth(wrong)), 401)
        assert_error(client.get("/api/v1/agencies", headers=auth(revoked)), 401)
        assert_error(client.get("/api/v1/agencies", headers={"Authorization": wrong}), 401)
        for _ in range(6):
            last = client.get("/api/v1/agencies", headers=auth(limited))
        assert_error(last, 429)
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    assert "GET /api/v1/agencies" in caplog.text  # the access log did run
    for token in (admin, revoked, limited, wrong):
        assert token not in logged
        assert token[4:20] not in logged  # not even a piece of it


def test_a_declared_body_over_the_cap_is_refused_before_it_is_read(settings, db, session):
    token = make_key(session, "admin")
    app = create_app(settings.model_copy(update={"max_body_bytes": 1024}), db=db)
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.post("/api/v1/agencies", headers={**auth(token), "content-type": "application/json"},
                        content=b'{"code": "' + b"A" * 2000 + b'"}')
        error = assert_error(r, 413, "payload_too_large")
        assert "1024" in error["message"]


def test_a_streamed_body_without_a_length_is_cut_off_at_the_cap(settings, db, session):
    token = make_key(session, "admin")
    app = create_app(settings.model_copy(update={"max_body_bytes": 1024}), db=db)

    def chunks():  # no Content-Length: chunked transfer
        for _ in range(10):
            yield b" " * 500

    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.post("/api/v1/status-events", headers={**auth(token), "content-type": "application/json"},
                        content=chunks())
        assert_error(r, 413, "payload_too_large")


def test_every_answer_carries_the_security_headers(client, session):
    token = make_key(session, "admin")
    answers = [client.get("/docs"), client.get("/health"), client.get("/api/v1/agencies", headers=auth(token)),
               client.get("/api/v1/agencies"), client.get("/nope")]
    for r in answers:
        assert r.headers["x-content-type-options"] == "nosniff", r.url
        assert r.headers["x-frame-options"] == "DENY", r.url
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"], r.url
        assert r.headers["referrer-policy"] == "same-origin", r.url
