"""The ledger proves the record: a row changed, deleted or inserted with SQL behind slatrack's back
is named by ``audit verify`` (CLI) and ``GET /api/v1/audit/verify``; a missing or rewritten head is
tampering; rows written before proofs existed are checked against their entries' snapshots."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import bindparam, select, text

from fleet import audit, rowproof, status_events, tickets, uptime
from fleet.audit import GENESIS, entry_hash
from fleet.db import UTCDateTime
from fleet.models import AuditEntry, StatusEvent, Unit
from fleet.principal import SYSTEM
from fleet.schemas.tickets import CorrectionIn, RatingIn, WorkLogIn
from fleet.schemas.uptime import CancelIn
from tests.builders import add_event, auth, make_key, make_ticket, make_unit, make_window

API = "/api/v1"
T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


@pytest.fixture
def admin(session) -> dict[str, str]:
    return auth(make_key(session, "admin"))


@pytest.fixture
def world(session) -> dict[str, Any]:
    """A unit with a year's status batch, a ticket with events, a correction, a work log with parts,
    a rating, a cancelled maintenance window: every kind of audited write."""
    unit = make_unit(session)
    status_events.ingest(session, SYSTEM, [
        {"event_id": f"hb-{i}", "unit_id": unit.id, "state": "up" if i % 3 else "down",
         "occurred_at": T0 + timedelta(hours=i)} for i in range(40)])
    status_events.ingest(session, SYSTEM, [
        {"event_id": f"hb-{i}", "unit_id": unit.id, "state": "up", "occurred_at": T0 + timedelta(hours=i)}
        for i in range(35, 60)])  # five repeats: duplicates, not stored twice
    ticket = make_ticket(session, unit=unit)
    ack = add_event(session, ticket, "acknowledged", T0 + timedelta(minutes=30))
    add_event(session, ticket, "resolved", T0 + timedelta(hours=5))
    tickets.correct_event(session, SYSTEM, ticket.id, CorrectionIn(
        event_id=ack.id, reason="logged late", occurred_at=T0 + timedelta(minutes=20)))
    log = tickets.add_work_log(session, SYSTEM, ticket.id, WorkLogIn.model_validate({
        "started_at": (T0 + timedelta(hours=1)).isoformat(), "ended_at": (T0 + timedelta(hours=3)).isoformat(),
        "engineer": "A. Tech", "activity": "repair", "notes": "swapped the track",
        "parts": [{"part_number": "TRK-9", "quantity": 2}]}))
    tickets.rate(session, SYSTEM, ticket.id, RatingIn(score=4, comment="quick"))
    window = make_window(session, contract=_contract(session, unit), starts_at=T0, ends_at=T0 + timedelta(hours=2))
    uptime.cancel_window(session, SYSTEM, window.id, CancelIn(reason="moved"))
    return {"unit": unit, "ticket": ticket, "ack": ack, "log": log}


def _contract(session, unit: Unit):  # type: ignore[no-untyped-def]
    from fleet.models import Contract

    return session.get(Contract, unit.contract_id)


def _check(client, headers: dict[str, str]) -> dict[str, Any]:
    r = client.get(f"{API}/audit/verify", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def _named(client, cli, headers: dict[str, str], table: str, row_id: str, kind: str,
           field: str | None = None) -> dict[str, Any]:
    """Both the API and the CLI fail, naming the row (and the field, where given)."""
    check = _check(client, headers)
    assert check["ok"] is False
    assert check["first_bad_seq"] is None, check  # the chain itself is intact: a row is bad
    found = [p for p in check["problems"] if p["table"] == table and p["id"] == row_id]
    assert found, check["problems"]
    assert found[0]["kind"] == kind
    if field is not None:
        assert found[0]["field"] == field, found[0]
    result = cli("audit", "verify")
    assert result.exit_code == 1, result.output
    assert f"{table} row {row_id}" in result.output
    return found[0]


# --- the honest record verifies -----------------------------------------------------------------
def test_every_kind_of_write_leaves_rows_that_verify_against_the_ledger(client, cli, session, world, admin):
    check = _check(client, admin)
    assert check["ok"] is True, check["problems"]
    stored = session.scalar(select(text("count(*)")).select_from(StatusEvent))
    assert stored == 60
    assert check["rows"] >= stored + 10
    result = cli("audit", "verify")
    assert result.exit_code == 0, result.output
    assert "rows match the ledger" in result.stdout


def test_the_hand_written_status_row_form_is_the_generic_canonical_form():
    table = StatusEvent.__table__
    when = datetime(2026, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)
    for unit_id, event_id in [("u-1", "e-1"), ('quo"te\\back', "tab\tnew\nline"), ("ünï", "日本\u2028")]:
        row = {"id": 7, "agency_id": "ag", "unit_id": unit_id, "event_id": event_id, "state": "down",
               "occurred_at": when, "recorded_at": when.replace(microsecond=0)}
        generic = next(iter(rowproof.generic_lines(table, [row])))  # type: ignore[arg-type]
        assert rowproof.status_line(*(row[c] for c in rowproof.STATUS_SELECT)) == generic


# --- the attacks ---------------------------------------------------------------------------------
def test_a_ticket_event_moved_with_sql_is_named_with_its_field(client, cli, session, world, admin):
    ack = world["ack"]
    session.execute(text("UPDATE ticket_events SET occurred_at = :v WHERE id = :id")
                    .bindparams(bindparam("v", type_=UTCDateTime())),
                    {"v": ack.occurred_at + timedelta(hours=3), "id": ack.id})
    problem = _named(client, cli, admin, "ticket_events", ack.id, "changed", "occurred_at")
    assert problem["seq"] is not None


def test_a_unit_serial_changed_with_sql_is_named(client, cli, session, world, admin):
    unit = world["unit"]
    session.execute(text("UPDATE units SET serial = 'SN-FORGED' WHERE id = :id"), {"id": unit.id})
    problem = _named(client, cli, admin, "units", unit.id, "changed", "serial")
    assert "SN-FORGED" in problem["message"]


def test_a_work_log_deleted_with_sql_is_named(client, cli, session, world, admin):
    log = world["log"]
    part_id = session.execute(text("SELECT id FROM work_log_parts WHERE work_log_id = :id"), {"id": log.id}).scalar()
    session.execute(text("DELETE FROM work_log_parts WHERE work_log_id = :id"), {"id": log.id})
    session.execute(text("DELETE FROM work_logs WHERE id = :id"), {"id": log.id})
    _named(client, cli, admin, "work_logs", log.id, "deleted")
    _named(client, cli, admin, "work_log_parts", part_id, "deleted")


def test_a_ticket_event_inserted_with_sql_is_named(client, cli, session, world, admin):
    ticket = world["ticket"]
    session.execute(text(
        "INSERT INTO ticket_events (id, agency_id, ticket_id, type, occurred_at, recorded_at, actor, void) "
        "VALUES ('forged-event', :agency, :ticket, 'restored', :at, :at, 'key:someone', :void)")
        .bindparams(bindparam("at", type_=UTCDateTime())),
        {"agency": ticket.agency_id, "ticket": ticket.id, "at": T0 + timedelta(minutes=40), "void": False})
    _named(client, cli, admin, "ticket_events", "forged-event", "inserted")


def test_a_status_event_state_changed_with_sql_names_its_batch(client, cli, session, world, admin):
    ids = session.scalars(select(StatusEvent.id).order_by(StatusEvent.id)).all()
    session.execute(text("UPDATE status_events SET state = 'up' WHERE id = :id AND state = 'down'"), {"id": ids[3]})
    check = _check(client, admin)
    assert check["ok"] is False
    [problem] = check["problems"]
    assert (problem["table"], problem["kind"]) == ("status_events", "changed")
    first, last = (int(x) for x in problem["id"].split(".."))
    assert first <= ids[3] <= last
    result = cli("audit", "verify")
    assert result.exit_code == 1 and "status_events row" in result.output


def test_a_status_event_deleted_or_inserted_with_sql_is_named(client, cli, session, world, admin):
    ids = session.scalars(select(StatusEvent.id).order_by(StatusEvent.id)).all()
    session.execute(text("DELETE FROM status_events WHERE id = :id"), {"id": ids[10]})
    _named(client, cli, admin, "status_events", str(ids[10]), "deleted")
    unit = world["unit"]
    session.execute(text(
        "INSERT INTO status_events (id, agency_id, unit_id, event_id, state, occurred_at, recorded_at) "
        "VALUES (:id, :agency, :unit, 'forged', 'up', :at, :at)").bindparams(bindparam("at", type_=UTCDateTime())),
        {"id": ids[-1] + 100, "agency": unit.agency_id, "unit": unit.id, "at": T0})
    _named(client, cli, admin, "status_events", str(ids[-1] + 100), "inserted")


def _chain_fails(client, cli, headers: dict[str, str], words: str) -> dict[str, Any]:
    check = _check(client, headers)
    assert check["ok"] is False and check["first_bad_seq"] is not None, check
    assert words in check["problem"], check["problem"]
    result = cli("audit", "verify")
    assert result.exit_code == 1
    assert f"entry {check['first_bad_seq']}" in result.output
    return check


def test_the_last_entry_deleted_with_the_head_is_tampering(client, cli, session, world, admin):
    last = session.execute(text("SELECT seq FROM audit_head WHERE id = 1")).scalar_one()
    session.execute(text("DELETE FROM audit_entries WHERE seq = :s"), {"s": last})
    session.execute(text("DELETE FROM audit_head"))
    _chain_fails(client, cli, admin, "head is missing")


def test_a_rewritten_head_is_tampering(client, cli, session, world, admin):
    session.execute(text("UPDATE audit_head SET hash = :h WHERE id = 1"), {"h": "f" * 64})
    _chain_fails(client, cli, admin, "does not match the hash the head recorded")


def test_a_proof_rewritten_in_its_entry_breaks_the_chain(client, cli, session, world, admin):
    unit = world["unit"]
    seq = session.scalar(select(AuditEntry.seq).where(AuditEntry.entity_id == unit.id))
    proof = session.execute(text("SELECT proof FROM audit_entries WHERE seq = :s"), {"s": seq}).scalar_one()
    proof = json.loads(proof) if isinstance(proof, str) else proof
    proof["rows"]["units"][unit.id] = "0" * 64
    session.execute(text("UPDATE audit_entries SET proof = :p WHERE seq = :s"), {"p": json.dumps(proof), "s": seq})
    check = _chain_fails(client, cli, admin, "altered")
    assert check["first_bad_seq"] == seq


# --- entries written before proofs ------------------------------------------------------------------
def _strip_proofs(session) -> None:  # type: ignore[no-untyped-def]
    """Rewrite the whole chain as it was before revision 20261207_0003: no proofs, hashes without them."""
    prev = GENESIS
    entries = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    for e in entries:
        e.proof = None
        e.prev_hash = prev
        e.hash = entry_hash(e)
        prev = e.hash
    session.flush()
    session.execute(text("UPDATE audit_head SET seq = :s, hash = :h WHERE id = 1"), {"s": len(entries), "h": prev})
    session.expire_all()


def test_rows_of_entries_without_proofs_are_checked_against_their_snapshots(client, cli, session, world, admin):
    ack_id = world["ack"].id
    _strip_proofs(session)
    assert audit.verify(session).ok
    session.execute(text("UPDATE ticket_events SET actor = 'key:innocent' WHERE id = :id"), {"id": ack_id})
    _named(client, cli, admin, "ticket_events", ack_id, "changed", "actor")


def test_status_events_of_entries_without_proofs_are_counted(client, session, world, admin):
    _strip_proofs(session)
    session.execute(text("DELETE FROM status_events WHERE id = (SELECT max(id) FROM status_events)"))
    check = _check(client, admin)
    assert check["ok"] is False
    assert [(p["table"], p["kind"]) for p in check["problems"]] == [("status_events", "deleted")]
