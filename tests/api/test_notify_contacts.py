"""Notification contacts and rules through HTTP: who keeps which contacts (an agency only its own),
the rule in effect per event type (the contract's or the default), bad input refused with nothing
changed, and every write in a ledger that still verifies."""

from __future__ import annotations

from typing import Any

import pytest

from fleet import audit
from fleet.notify.events import EVENT_TYPES
from fleet.notify.outbox import recipients_for
from tests.builders import assert_error, auth, make_agency, make_contract, make_key, make_user, row_counts

API = "/api/v1"
CONTACTS = f"{API}/notification-contacts"


@pytest.fixture
def world(session) -> dict[str, Any]:
    a, b = make_agency(session, code="AGA"), make_agency(session, code="AGB")
    make_user(session, "engineer", username="dana")
    return {"a": a, "b": b, "contract_a": make_contract(session, agency=a),
            "contract_b": make_contract(session, agency=b),
            "mgr": auth(make_key(session, "manager")), "eng": auth(make_key(session, "engineer", name="dana")),
            "key_a": auth(make_key(session, "agency", agency=a)), "key_b": auth(make_key(session, "agency", agency=b))}


def _contact(client, headers, **body: Any):  # type: ignore[no-untyped-def]
    return client.post(CONTACTS, headers=headers, json={"name": "Someone", "email": "x@example.gov", **body})


def test_a_manager_adds_contacts_of_every_audience_and_lists_them(client, world):
    made = [_contact(client, world["mgr"], audience="manager", email="ops@vendor.example.com"),
            _contact(client, world["mgr"], audience="engineer", username="dana", email="Dana@Vendor.Example.COM"),
            _contact(client, world["mgr"], audience="agency", agency_id=world["a"].id, email="cor@a.example.gov")]
    assert [r.status_code for r in made] == [201, 201, 201], [r.text for r in made]
    assert made[1].json()["email"] == "Dana@vendor.example.com"  # the domain lower-cased, the mailbox kept
    assert made[0].json()["created_by"].startswith("key:")
    listed = client.get(CONTACTS, headers=world["mgr"]).json()["items"]
    assert [c["id"] for c in listed] == [r.json()["id"] for r in made]
    only = client.get(CONTACTS, headers=world["mgr"], params={"audience": "engineer"}).json()["items"]
    assert [c["username"] for c in only] == ["dana"]


def test_an_agency_key_adds_its_own_contacts_and_never_sees_another_agencys(client, world):
    mine = _contact(client, world["key_a"], email="cor@a.example.gov")
    assert mine.status_code == 201, mine.text
    assert (mine.json()["audience"], mine.json()["agency_id"]) == ("agency", world["a"].id)
    theirs = _contact(client, world["key_b"], email="cor@b.example.gov").json()
    assert [c["email"] for c in client.get(CONTACTS, headers=world["key_a"]).json()["items"]] == ["cor@a.example.gov"]
    assert [c["email"] for c in client.get(CONTACTS, headers=world["key_b"]).json()["items"]] == ["cor@b.example.gov"]
    assert_error(client.delete(f"{CONTACTS}/{theirs['id']}", headers=world["key_a"]), 404, "not_found")
    assert_error(_contact(client, world["key_a"], agency_id=world["b"].id), 404, "not_found")
    assert_error(_contact(client, world["key_a"], audience="manager"), 403, "forbidden")
    assert client.delete(f"{CONTACTS}/{mine.json()['id']}", headers=world["key_a"]).status_code == 204
    assert client.get(CONTACTS, headers=world["key_a"]).json()["items"] == []
    assert len(client.get(CONTACTS, headers=world["mgr"]).json()["items"]) == 1  # B's is untouched


def test_an_engineer_may_not_keep_contacts(client, world):
    assert_error(client.get(CONTACTS, headers=world["eng"]), 403, "forbidden")
    assert_error(_contact(client, world["eng"], audience="manager"), 403, "forbidden")


@pytest.mark.parametrize("body, code", [
    ({"email": "not an address"}, "validation_error"),
    ({"email": "a@b"}, "validation_error"),
    ({"email": "ops@vendor.example.com\r\nBcc: x@evil.example"}, "validation_error"),
    ({"email": "Ops <ops@vendor.example.com>"}, "validation_error"),
    ({"audience": "everyone"}, "validation_error"),
    ({"audience": "manager", "extra": 1}, "validation_error"),
    ({"audience": None}, "invalid_contact"),
    ({"audience": "engineer"}, "invalid_contact"),
    ({"audience": "engineer", "username": "nobody"}, "unknown_user"),
    ({"audience": "agency"}, "invalid_contact"),
    ({"audience": "manager", "agency_id": "x"}, "invalid_contact"),
])
def test_bad_contacts_are_refused_with_422_and_nothing_is_stored(client, session, world, body, code):
    before = row_counts(session)
    assert_error(_contact(client, world["mgr"], **body), 422, code)
    assert row_counts(session) == before


def test_the_same_address_twice_for_one_audience_is_a_conflict(client, world):
    assert _contact(client, world["mgr"], audience="manager").status_code == 201
    assert_error(_contact(client, world["mgr"], audience="manager"), 409, "duplicate_contact")


def test_a_removed_contact_is_told_nothing_more_and_the_ledger_still_verifies(client, session, world):
    made = _contact(client, world["mgr"], audience="manager", email="ops@vendor.example.com").json()
    assert client.delete(f"{CONTACTS}/{made['id']}", headers=world["mgr"]).status_code == 204
    assert_error(client.delete(f"{CONTACTS}/{made['id']}", headers=world["mgr"]), 404, "not_found")
    from fleet.notify.outbox import _resolve

    assert _resolve(session, "managers", None, None, None) == []
    assert _contact(client, world["mgr"], audience="manager", email="ops@vendor.example.com").status_code == 201
    assert audit.verify(session).ok


# --- rules ----------------------------------------------------------------------------------------
def _rules(client, world, contract="contract_a", who="mgr") -> dict[str, dict[str, Any]]:  # type: ignore[no-untyped-def]
    r = client.get(f"{API}/contracts/{world[contract].id}/notification-rules", headers=world[who])
    assert r.status_code == 200, r.text
    return {rule["event_type"]: rule for rule in r.json()}


def test_a_new_contract_lists_the_default_rule_of_every_event_type(client, world):
    rules = _rules(client, world)
    assert list(rules) == list(EVENT_TYPES)
    assert {r["source"] for r in rules.values()} == {"default"}
    assert rules["ticket.opened"]["recipients"] == ["team", "managers"]
    assert rules["ticket.opened"]["priorities"] == ["P1", "P2"]
    assert rules["clock.warning"]["title"] == "SLA clock warning"


def test_a_contract_rule_replaces_the_default_until_it_is_deleted(client, session, world):
    url = f"{API}/contracts/{world['contract_a'].id}/notification-rules/clock.warning"
    r = client.put(url, headers=world["mgr"], json={"recipients": ["assignee", "managers", "assignee"],
                                                    "priorities": ["P2", "P1"]})
    assert r.status_code == 200, r.text
    assert r.json() == {"event_type": "clock.warning", "title": "SLA clock warning",
                        "recipients": ["assignee", "managers"], "priorities": ["P1", "P2"], "source": "contract"}
    assert _rules(client, world)["clock.warning"]["source"] == "contract"
    assert _rules(client, world, "contract_b")["clock.warning"]["source"] == "default"
    assert recipients_for(session, "clock.warning", world["contract_a"].id, "P1") == ("assignee", "managers")
    assert recipients_for(session, "clock.warning", world["contract_a"].id, "P3") == ()
    back = client.delete(url, headers=world["mgr"])
    assert back.status_code == 200 and back.json()["source"] == "default"
    assert recipients_for(session, "clock.warning", world["contract_a"].id, "P3") == ("assignee",)
    again = client.put(url, headers=world["mgr"], json={"recipients": [], "priorities": None})  # silenced
    assert again.status_code == 200 and again.json()["recipients"] == []
    assert recipients_for(session, "clock.warning", world["contract_a"].id, "P1") == ()
    assert audit.verify(session).ok


def test_an_agency_reads_its_own_contracts_rules_only_and_changes_none(client, world):
    assert _rules(client, world, "contract_a", "key_a")["record.late"]["source"] == "default"
    assert_error(client.get(f"{API}/contracts/{world['contract_b'].id}/notification-rules",
                            headers=world["key_a"]), 404, "not_found")
    assert_error(client.put(f"{API}/contracts/{world['contract_a'].id}/notification-rules/ticket.opened",
                            headers=world["key_a"], json={"recipients": ["agency"]}), 403, "forbidden")


@pytest.mark.parametrize("event_type, body, code", [
    ("ticket.exploded", {"recipients": ["managers"]}, "unknown_event_type"),
    ("clock.warning", {"recipients": ["everyone"]}, "validation_error"),
    ("clock.warning", {"recipients": "managers"}, "validation_error"),
    ("clock.warning", {"recipients": ["managers"], "priorities": ["P9"]}, "validation_error"),
    ("clock.warning", {"recipients": ["managers"], "priorities": []}, "validation_error"),
    ("clock.warning", {"priorities": None}, "validation_error"),
])
def test_unknown_event_types_and_recipients_are_refused_with_422_and_nothing_changes(client, session, world,
                                                                                      event_type, body, code):
    before = row_counts(session)
    r = client.put(f"{API}/contracts/{world['contract_a'].id}/notification-rules/{event_type}", headers=world["mgr"],
                   json=body)
    assert_error(r, 422, code)
    assert row_counts(session) == before
    assert_error(client.delete(f"{API}/contracts/{world['contract_a'].id}/notification-rules/nope",
                               headers=world["mgr"]), 422, "unknown_event_type")


# --- the command line -------------------------------------------------------------------------------
def test_the_cli_adds_lists_and_removes_contacts(cli, session, world):
    added = cli("notify", "contacts", "add", "--email", "cor@a.example.gov", "--audience", "agency",
                "--agency", "AGA", "--name", "COR")
    assert added.exit_code == 0, added.output
    contact_id = added.output.split()[3]
    assert "cor@a.example.gov" in cli("notify", "contacts", "list").output
    assert cli("notify", "contacts", "remove", contact_id).exit_code == 0
    assert "cor@a.example.gov" not in cli("notify", "contacts", "list").output


@pytest.mark.parametrize("args, needle", [
    (["--email", "nope", "--audience", "manager"], "e-mail address"),
    (["--email", "x@y.example.gov", "--audience", "agency", "--agency", "NOPE"], "no agency"),
    (["--email", "x@y.example.gov", "--audience", "engineer", "--username", "ghost"], "no user"),
])
def test_the_cli_refuses_bad_contacts_and_stores_nothing(cli, session, world, args, needle):
    before = row_counts(session)
    result = cli("notify", "contacts", "add", *args)
    assert result.exit_code == 1 and needle in result.output, result.output
    assert row_counts(session) == before
