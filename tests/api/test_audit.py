"""The audit ledger through HTTP and the CLI: every registry write appends an entry, and
``audit verify`` names the first entry that was changed, deleted or reordered behind our back."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import bindparam, text

from fleet.audit import entry_hash
from fleet.db import UTCDateTime
from fleet.models import AuditEntry
from tests.builders import (
    agency_body,
    auth,
    calendar_body,
    contract_body,
    make_agency,
    make_calendar,
    make_contract,
    make_key,
    make_unit,
    unit_body,
)

API = "/api/v1"


def _head(session) -> int:
    return session.execute(text("SELECT seq FROM audit_head WHERE id = 1")).scalar_one()


def _json(value: Any) -> Any:
    """A JSON column read with raw SQL: text on SQLite, already parsed on PostgreSQL."""
    return json.loads(value) if isinstance(value, str) else value


def _entry(session, seq: int) -> dict[str, Any]:
    return dict(session.execute(text("SELECT * FROM audit_entries WHERE seq = :s"), {"s": seq}).mappings().one())


# --- every write is audited --------------------------------------------------------------------
WRITES = [
    ("agencies", "agency.create", "agency"),
    ("calendars", "calendar.create", "calendar"),
    ("contracts", "contract.create", "contract"),
    ("units", "unit.create", "unit"),
    ("sla-policies", "sla_policy.create", "sla_policy"),
]


@pytest.mark.parametrize(("target", "action", "entity_type"), WRITES)
def test_every_registry_write_appends_one_audit_entry(client, session, target, action, entity_type):
    contract = make_contract(session)
    headers = {**auth(make_key(session, "manager", name="cm-7")), "X-Request-ID": f"req-{target}"}
    bodies = {
        "agencies": ("agencies", agency_body()),
        "calendars": ("calendars", calendar_body()),
        "contracts": ("contracts", contract_body(contract.agency_id, contract.calendar_id)),
        "units": ("units", unit_body(contract.id)),
        "sla-policies": (f"contracts/{contract.id}/sla-policies", {
            "effective_from": "2026-07-01T00:00:00Z", "reason": "modification P00003",
            "sla_targets": [{"priority": "P1", "metric": "response", "minutes": 30, "clock": "24x7"}]}),
    }
    path, body = bodies[target]
    before = _head(session)

    r = client.post(f"{API}/{path}", json=body, headers=headers)
    assert r.status_code == 201, r.text

    assert _head(session) == before + 1
    entry = _entry(session, before + 1)
    if target == "sla-policies":
        entity_id = session.execute(text("SELECT id FROM sla_policies WHERE contract_id = :c AND version = 2"),
                                    {"c": contract.id}).scalar_one()
        assert entry["reason"] == "modification P00003"
    else:
        entity_id = r.json()["id"]
    assert (entry["actor"], entry["role"], entry["action"], entry["entity_type"], entry["entity_id"]) == (
        "key:cm-7", "manager", action, entity_type, entity_id)
    assert entry["request_id"] == f"req-{target}"
    expected_agency = {"agencies": entity_id, "calendars": None}.get(target, contract.agency_id)
    assert entry["agency_id"] == expected_agency
    assert _json(entry["after"])["id"] == entity_id
    assert _json(entry["before"]) is None


def test_the_cli_audits_the_keys_it_makes_and_revokes(cli, session):
    before = _head(session)
    result = cli("keys", "create", "--role", "engineer", "--name", "tablet 3")
    key_id = result.stdout.split(" key ")[1].split()[0]
    cli("keys", "revoke", key_id)
    entries = [_entry(session, before + 1), _entry(session, before + 2)]
    assert [(e["actor"], e["action"], e["entity_id"]) for e in entries] == [
        ("system:cli", "api_key.create", key_id), ("system:cli", "api_key.revoke", key_id)]
    assert "token_hash" not in json.dumps(entries[0]["after"])


# --- verify: intact ----------------------------------------------------------------------------
@pytest.fixture
def admin(session) -> dict[str, str]:
    return auth(make_key(session, "admin"))


@pytest.fixture
def chain(session, admin) -> list[int]:
    """At least five entries made in this test, the last of them the chain's end; returns their seqs."""
    start = _head(session)
    contract = make_contract(session)  # agency, calendar, contract
    make_unit(session, contract=contract)
    make_agency(session)
    make_calendar(session)
    end = _head(session)
    assert end - start >= 5
    return list(range(start + 1, end + 1))


def test_an_intact_chain_verifies_through_http_and_the_cli(client, cli, session, chain, admin):
    r = client.get(f"{API}/audit/verify", headers=admin)
    assert r.status_code == 200, r.text
    head = session.execute(text("SELECT seq, hash FROM audit_head WHERE id = 1")).one()
    check = r.json()
    assert check == {"ok": True, "entries": head.seq, "head": head.hash, "first_bad_seq": None,
                     "problem": None, "rows": check["rows"], "problems": [], "problem_count": 0}
    assert check["rows"] >= 5

    result = cli("audit", "verify")
    assert result.exit_code == 0, result.output
    assert "intact" in result.stdout and head.hash in result.stdout


# --- verify: tampered --------------------------------------------------------------------------
def _fails_naming(client, cli, headers: dict[str, str], seq: int) -> str:
    r = client.get(f"{API}/audit/verify", headers=headers)
    assert r.status_code == 200, r.text
    check = r.json()
    assert check["ok"] is False
    assert check["first_bad_seq"] == seq, check
    assert f"entry {seq}" in check["problem"], check
    result = cli("audit", "verify")
    assert result.exit_code != 0
    assert f"entry {seq}" in result.output
    return check["problem"]


def _new_after(session, seq: int) -> str:
    return json.dumps({**_json(_entry(session, seq)["after"]), "name": "Someone Else"})


TAMPERS = {
    "after": lambda s, seq: (text("UPDATE audit_entries SET after = :v WHERE seq = :s"), {"v": _new_after(s, seq)}),
    "actor": lambda s, seq: (text("UPDATE audit_entries SET actor = 'key:innocent' WHERE seq = :s"), {}),
    "role": lambda s, seq: (text("UPDATE audit_entries SET role = 'engineer' WHERE seq = :s"), {}),
    "action": lambda s, seq: (text("UPDATE audit_entries SET action = 'agency.read' WHERE seq = :s"), {}),
    "entity_id": lambda s, seq: (text("UPDATE audit_entries SET entity_id = 'other' WHERE seq = :s"), {}),
    "reason": lambda s, seq: (text("UPDATE audit_entries SET reason = 'approved' WHERE seq = :s"), {}),
    "recorded_at": lambda s, seq: (
        text("UPDATE audit_entries SET recorded_at = :v WHERE seq = :s")
        .bindparams(bindparam("v", type_=UTCDateTime())),
        {"v": _entry_obj(s, seq).recorded_at - timedelta(days=30)}),
}


def _entry_obj(session, seq: int) -> AuditEntry:
    return session.get(AuditEntry, seq, populate_existing=True)


@pytest.mark.parametrize("column", list(TAMPERS))
@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_a_row_changed_with_sql_makes_verify_fail_naming_it(client, cli, session, chain, admin, column, where):
    seq = {"first": chain[0], "middle": chain[len(chain) // 2], "last": chain[-1]}[where]
    stmt, params = TAMPERS[column](session, seq)
    assert session.execute(stmt, {**params, "s": seq}).rowcount == 1
    problem = _fails_naming(client, cli, admin, seq)
    assert "altered" in problem


@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_a_deleted_row_makes_verify_fail_naming_it(client, cli, session, chain, admin, where):
    seq = {"first": chain[0], "middle": chain[len(chain) // 2], "last": chain[-1]}[where]
    session.execute(text("DELETE FROM audit_entries WHERE seq = :s"), {"s": seq})
    _fails_naming(client, cli, admin, seq)


def test_two_swapped_rows_make_verify_fail_naming_the_first(client, cli, session, chain, admin):
    a, b = chain[1], chain[3]
    for old, new in [(a, -1), (b, a), (-1, b)]:
        session.execute(text("UPDATE audit_entries SET seq = :new WHERE seq = :old"), {"old": old, "new": new})
    _fails_naming(client, cli, admin, a)


def _rewrite_with_fresh_hash(session, seq: int) -> None:
    """Change an entry's actor and recompute its own hash, as a forger who knows the scheme would."""
    stored = _entry_obj(session, seq)
    forged = AuditEntry(**{c.key: getattr(stored, c.key) for c in AuditEntry.__table__.columns})
    forged.actor = "key:innocent"
    session.execute(text("UPDATE audit_entries SET actor = :a, hash = :h WHERE seq = :s"),
                    {"a": forged.actor, "h": entry_hash(forged), "s": seq})


def test_a_row_rewritten_with_a_fresh_hash_breaks_the_next_link(client, cli, session, chain, admin):
    seq = chain[1]
    _rewrite_with_fresh_hash(session, seq)
    problem = _fails_naming(client, cli, admin, seq + 1)
    assert f"entry {seq}" in problem


def test_the_last_row_rewritten_with_a_fresh_hash_is_named(client, cli, session, chain, admin):
    seq = chain[-1]
    _rewrite_with_fresh_hash(session, seq)
    _fails_naming(client, cli, admin, seq)
