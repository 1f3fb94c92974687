"""Request bodies at the edge: the API takes JSON only (415 otherwise) and bodies over the cap get
413, both in the one error shape and with nothing stored."""

from __future__ import annotations

import json

import pytest

from tests.builders import agency_body, assert_error, auth, make_key, row_counts

API = "/api/v1"


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/plain", "text/csv",
                                          "multipart/form-data; boundary=x"])
def test_an_api_body_that_is_not_json_gets_415_naming_the_header_to_send(client, session, content_type):
    token = make_key(session, "admin")
    before = row_counts(session)
    r = client.post(f"{API}/agencies", content=json.dumps(agency_body()),
                    headers={**auth(token), "content-type": content_type})
    error = assert_error(r, 415, "unsupported_media_type")
    assert "application/json" in error["message"]
    assert row_counts(session) == before


def test_a_json_body_with_a_charset_or_a_json_suffix_type_is_accepted(client, session):
    token = make_key(session, "admin")
    r = client.post(f"{API}/agencies", content=json.dumps(agency_body(code="CS1")),
                    headers={**auth(token), "content-type": "application/json; charset=utf-8"})
    assert r.status_code == 201, r.text
    r = client.post(f"{API}/agencies", content=json.dumps(agency_body(code="CS2")),
                    headers={**auth(token), "content-type": "application/merge-patch+json"})
    assert r.status_code == 201, r.text


def test_a_status_batch_without_a_content_type_gets_415_and_stores_nothing(client, session):
    token = make_key(session, "telemetry")
    before = row_counts(session)
    r = client.post(f"{API}/status-events", content=b'{"events": []}',
                    headers={**auth(token), "content-type": ""})
    assert_error(r, 415, "unsupported_media_type")
    assert row_counts(session) == before


def test_a_body_over_the_cap_gets_413_before_it_is_read(client, session, app):
    token = make_key(session, "admin")
    limit = app.state.settings.max_body_bytes
    before = row_counts(session)
    r = client.post(f"{API}/agencies", content=b" " * (limit + 1),
                    headers={**auth(token), "content-type": "application/json"})
    assert_error(r, 413, "payload_too_large")
    assert row_counts(session) == before
