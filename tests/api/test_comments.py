"""One conversation per ticket through HTTP: public comments for both sides, internal ones for the
vendor only; append-only, audited, replay-safe, and never a clock change."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from fleet import audit
from fleet.models import TicketComment
from tests.builders import (
    add_comment,
    assert_error,
    auth,
    make_agency,
    make_contract,
    make_key,
    make_ticket,
    make_unit,
    row_counts,
)

API = "/api/v1"
T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
SECRET = "Supplier quoted 3 weeks for the gearbox; do not promise Friday"


@pytest.fixture
def world(session) -> dict[str, Any]:
    agency = make_agency(session)
    ticket = make_ticket(session, unit=make_unit(session, contract=make_contract(session, agency=agency)),
                         reported_at=T0)
    return {"ticket": ticket, "url": f"{API}/tickets/{ticket.id}/comments",
            "agency": auth(make_key(session, "agency", agency=agency, name="port-ops")),
            "eng": auth(make_key(session, "engineer", name="dana")),
            "mgr": auth(make_key(session, "manager", name="morgan"))}


def test_the_agency_asks_in_public_and_the_engineer_answers_in_public(client, session, world):
    q = client.post(world["url"], headers=world["agency"],
                    json={"body": "Is the crawler safe to leave in the tank overnight?", "visibility": "public"})
    assert q.status_code == 201, q.text
    assert (q.json()["side"], q.json()["author"], q.json()["visibility"]) == ("agency", "port-ops", "public")
    a = client.post(world["url"], headers=world["eng"],
                    json={"body": "Yes: it is powered down and tethered. We collect it at 07:00.",
                          "visibility": "public"})
    assert a.status_code == 201 and a.json()["side"] == "vendor"
    listed = client.get(world["url"], headers=world["agency"]).json()
    assert [c["side"] for c in listed["items"]] == ["agency", "vendor"] and listed["next_cursor"] is None
    assert audit.verify(session).ok


def test_an_agency_key_posting_an_internal_comment_gets_403_and_nothing_is_stored(client, session, world):
    before = row_counts(session)
    assert_error(client.post(world["url"], headers=world["agency"], json={"body": "psst", "visibility": "internal"}),
                 403, "internal_comment_forbidden")
    assert row_counts(session) == before


def test_an_agency_never_reads_an_internal_comment_in_the_api(client, session, world):
    add_comment(session, world["ticket"], SECRET, "internal")
    add_comment(session, world["ticket"], "We are sourcing the gearbox and will update you by Thursday.")
    for path in (world["url"], f"{API}/tickets/{world['ticket'].id}", f"{API}/tickets",
                 f"{API}/tickets/{world['ticket'].id}/sla"):
        r = client.get(path, headers=world["agency"])
        assert r.status_code == 200, r.text
        assert "gearbox; do not" not in r.text and "internal" not in r.text, path
    staff = client.get(world["url"], headers=world["mgr"]).json()["items"]
    assert [c["visibility"] for c in staff] == ["internal", "public"] and staff[0]["body"] == SECRET


def test_the_comment_list_pages_like_every_list(client, session, world):
    for i in range(3):
        add_comment(session, world["ticket"], f"Update {i + 1}: still on site.")
    first = client.get(world["url"], headers=world["eng"], params={"limit": 2}).json()
    rest = client.get(world["url"], headers=world["eng"], params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [c["body"] for c in first["items"] + rest["items"]] == [f"Update {i}: still on site." for i in (1, 2, 3)]
    assert rest["next_cursor"] is None
    assert_error(client.get(world["url"], headers=world["eng"], params={"limit": 0}), 422)


@pytest.mark.parametrize("body", [
    {"body": "hello"},
    {"body": "hello", "visibility": "secret"},
    {"body": "", "visibility": "public"},
    {"body": "   ", "visibility": "public"},
    {"body": 12, "visibility": "public"},
    {"body": "x" * 5001, "visibility": "public"},
    {"body": "hello", "visibility": "public", "author": "someone else"},
    {"body": "nul \u0000 inside", "visibility": "public"},
])
def test_a_malformed_comment_gets_422_and_changes_nothing(client, session, world, body):
    before = row_counts(session)
    assert_error(client.post(world["url"], headers=world["eng"], json=body), 422)
    assert row_counts(session) == before


def test_a_comment_replayed_with_its_idempotency_key_is_stored_once(client, session, world):
    headers = {**world["agency"], "Idempotency-Key": "comment-1"}
    body = {"body": "Please call the gatehouse on arrival.", "visibility": "public"}
    first = client.post(world["url"], headers=headers, json=body)
    again = client.post(world["url"], headers=headers, json=body)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert session.query(TicketComment).count() == 1


def test_a_comment_never_moves_an_sla_clock(client, world):
    url = f"{API}/tickets/{world['ticket'].id}/sla"
    before = client.get(url, headers=world["mgr"], params={"at": "2026-03-02T15:00:00Z"}).json()
    client.post(world["url"], headers=world["agency"], json={"body": "Any news?", "visibility": "public"})
    client.post(world["url"], headers=world["eng"], json={"body": "On the way", "visibility": "internal"})
    after = client.get(url, headers=world["mgr"], params={"at": "2026-03-02T15:00:00Z"}).json()
    assert before["metrics"] == after["metrics"]


def test_telemetry_keys_neither_read_nor_write_the_conversation(client, session, world):
    tele = auth(make_key(session, "telemetry"))
    assert_error(client.get(world["url"], headers=tele), 403)
    assert_error(client.post(world["url"], headers=tele, json={"body": "up", "visibility": "public"}), 403)
