"""Status events at fleet scale: ingesting a telemetry batch.

Status events (:func:`ingest`) arrive in batches of up to 10,000 and are the hot path:

* the batch is validated in one pass (:func:`fleet.schemas.uptime.parse_status_batch`), unit ids
  are resolved with one query (scoped: an agency-bound key sees only its agency's units, so another
  agency's unit is just an unknown unit), and every bad event is reported as ``{index, event_id,
  reason}`` with the whole batch refused and nothing stored;
* the rows go in with one statement (PostgreSQL: ``INSERT … SELECT FROM unnest(arrays)``; SQLite:
  an executemany), ``ON CONFLICT (unit_id, event_id) DO NOTHING``: a retried or overlapping batch
  stores nothing twice, and ``duplicates`` counts what was already stored or repeated in the batch
  (the first copy of an ``event_id`` wins; a re-sent id with other content is still a duplicate);
* rows are inserted in ``(unit_id, occurred_at, event_id)`` order, so two batches racing over the
  same events take their row locks in the same order (no deadlock), and a unit's simultaneous
  events are applied in a fixed order (by ``id``, the storage order: the last one stored wins);
* **audit**: one ledger entry per batch that stored something (action ``status_events.ingest``,
  entity = the batch's SHA-256, ``after`` = accepted, duplicates, events, units, first/last
  ``occurred_at`` and the SHA-256 of the canonical batch), not one per event: at fleet scale a
  per-event entry would serialise every writer on the audit head 10,000 times a request. The
  events themselves are append-only facts with their own ``recorded_at``; the hash lets anyone
  check a stored batch against the entry. A batch of duplicates only writes nothing and is not
  audited.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import String, Table, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from fleet import audit, rowproof
from fleet.db import utcnow
from fleet.errors import Invalid
from fleet.models import StatusEvent, Unit
from fleet.principal import Principal
from fleet.schemas.types import NUL_MESSAGE
from fleet.schemas.uptime import (
    BatchErrors,
    StatusEventIn,
    batch_rejected,
    parse_status_batch,
)
from fleet.tenancy import scope_filter
from fleet.tickets import FUTURE_TOLERANCE

_EVENTS = cast(Table, StatusEvent.__table__)


@dataclass(frozen=True, slots=True)
class Ingested:
    accepted: int  # events stored by this request
    duplicates: int  # already stored (same unit and event id) or repeated in the batch
_PG_INSERT = (  # driver SQL: each column travels as one JSON array text, zipped back into rows in C
    "INSERT INTO status_events (agency_id, unit_id, event_id, state, occurred_at, recorded_at) "
    "SELECT t.a, t.u, t.e, t.s, t.o::timestamptz, %s FROM ROWS FROM ("
    + ", ".join(["json_array_elements_text(%s::json)"] * 5)
    + ") WITH ORDINALITY AS t(a, u, e, s, o, n) ORDER BY t.n ON CONFLICT (unit_id, event_id) DO NOTHING "
    "RETURNING id, unit_id, event_id"
)
_MINUTE = timedelta(minutes=1)
_encode_json_string: Callable[[str], str] = json.encoder.encode_basestring
"""``json.dumps(s, ensure_ascii=False)`` for one string (the C encoder ``json.dumps`` itself uses)."""
_Row = tuple[str, datetime, str, str, str, str]
"""unit_id, occurred_at, event_id, state, occurred_at as ISO text, agency_id (sorts by unit, then time)."""



# --- status events ----------------------------------------------------------------------------
def ingest_json(session: Session, principal: Principal, body: bytes) -> Ingested:
    """``POST /status-events``: check the role, validate the raw JSON batch, then :func:`ingest`.
    A malformed batch is refused naming every bad event, its domain problems included."""
    principal.require("status.write")
    try:
        events = parse_status_batch(body)
    except BatchErrors as exc:
        problems = list(exc.problems)
        nul = _nul_problems(exc.valid.items())
        problems.extend(nul)
        bad = {p["index"] for p in nul}
        valid = {i: e for i, e in exc.valid.items() if i not in bad}
        if valid:
            units = _units(session, principal, {e["unit_id"] for e in valid.values()})
            latest = utcnow() + FUTURE_TOLERANCE
            for i, e in valid.items():
                reason = _why(e["unit_id"], units.get(e["unit_id"]), e["occurred_at"].astimezone(UTC), latest)
                if reason:
                    problems.append({"index": i, "event_id": e["event_id"], "reason": reason})
        raise batch_rejected(problems, exc.total) from None
    return ingest(session, principal, events)


def ingest(session: Session, principal: Principal, events: Sequence[StatusEventIn]) -> Ingested:
    """Store a batch of status events, all or none (see the module docstring)."""
    principal.require("status.write")
    if not events:
        return Ingested(accepted=0, duplicates=0)
    problems = _nul_problems(enumerate(events))  # named with the other problems, kept out of SQL
    bad = {p["index"] for p in problems}
    units = _units(session, principal, {e["unit_id"] for i, e in enumerate(events) if not bad or i not in bad})
    latest = utcnow() + FUTURE_TOLERANCE
    instants: list[str] = []
    unique: dict[tuple[str, str], _Row] = {}
    for i, e in enumerate(events):
        unit_id, event_id, when = e["unit_id"], e["event_id"], e["occurred_at"]
        if when.tzinfo is not UTC:
            if when.utcoffset() is None:
                raise Invalid(f"event {i}: occurred_at has no UTC offset", code="invalid_status_events")
            when = when.astimezone(UTC)
        unit = units.get(unit_id)
        if unit is None or when < unit[1] or when > latest:
            if not bad or i not in bad:
                problems.append({"index": i, "event_id": event_id, "reason": _why(unit_id, unit, when, latest)})
        elif not problems:
            iso = when.isoformat().replace("+00:00", "Z")
            instants.append(iso)
            if (unit_id, event_id) not in unique:
                unique[unit_id, event_id] = (unit_id, when, event_id, e["state"], iso, unit[0])
    if problems:
        raise batch_rejected(problems, len(events))
    rows = sorted(unique.values())
    now = utcnow()
    stored = _insert(session, rows, now)
    accepted = len(stored)
    duplicates = len(events) - accepted
    if accepted:
        digest = batch_sha256(events, instants)
        agencies = {r[5] for r in rows}
        first = min(r[1] for r in rows)
        contracts = {units[r[0]][2] for r in rows}  # one contract's batch leaves the others' answers be
        agency_id = principal.agency_id or (agencies.pop() if len(agencies) == 1 else None)
        audit.record(session, principal, action="status_events.ingest", entity_type="status_event_batch",
                     entity_id=digest, agency_id=agency_id,
                     after={"accepted": accepted, "duplicates": duplicates, "events": len(events),
                            "units": len({r[0] for r in rows}), "first_occurred_at": first,
                            "last_occurred_at": max(r[1] for r in rows), "sha256": digest},
                     scope=audit.Scope(contracts.pop() if len(contracts) == 1 else None, first),
                     batch=_batch_proof(session, unique, stored, now))
    return Ingested(accepted=accepted, duplicates=duplicates)


def _nul_problems(events: Iterable[tuple[int, StatusEventIn]]) -> list[dict[str, Any]]:
    """Events whose ids hold a NUL character (PostgreSQL cannot store one; see
    :data:`fleet.schemas.types.NUL_MESSAGE`)."""
    return [{"index": i, "event_id": e["event_id"], "reason": NUL_MESSAGE} for i, e in events
            if "\x00" in e["event_id"] or "\x00" in e["unit_id"]]


def _units(session: Session, principal: Principal, unit_ids: set[str]) -> dict[str, tuple[str, datetime, str]]:
    """``{unit_id: (agency_id, in_service_at, contract_id)}`` for the units the principal may see, in one query
    (PostgreSQL: the ids as one array parameter rather than thousands of bound values)."""
    if session.get_bind().dialect.name == "postgresql":
        wanted = Unit.id == any_(bindparam("unit_ids", list(unit_ids), type_=ARRAY(String)))
    else:
        wanted = Unit.id.in_(unit_ids)
    stmt = select(Unit.id, Unit.agency_id, Unit.in_service_at, Unit.contract_id).where(wanted)
    tenancy = scope_filter(Unit, principal)
    if tenancy is not None:
        stmt = stmt.where(tenancy)
    return {row[0]: (row[1], row[2], row[3]) for row in session.execute(stmt)}


def _why(unit_id: str, unit: tuple[str, datetime, str] | None, when: datetime, latest: datetime) -> str | None:
    """Why an event cannot be stored (unknown or unseen unit, before in service, future), or None."""
    if unit is None:
        return f"unknown unit {unit_id!r}"
    if when < unit[1]:
        return f"occurred_at {_iso(when)} is before the unit entered service ({_iso(unit[1])})"
    if when > latest:
        return f"occurred_at {_iso(when)} is in the future"
    return None


def _insert(session: Session, rows: list[_Row], now: datetime) -> list[tuple[int, str, str]]:
    """One statement for the whole batch; returns the new rows' ``(id, unit_id, event_id)``.

    PostgreSQL: ``INSERT … SELECT FROM ROWS FROM (json_array_elements_text(…) × 5) ORDER BY
    ordinality``: each column is one JSON array of strings (``json.dumps`` of a list of str is a
    few milliseconds), which the server splits and zips back into rows in C. Binding the columns as
    five 5,000-element arrays cost psycopg ~45 ms of Python per batch, more than the insert. The
    explicit order keeps the batch's sorted order, so racing batches lock rows in the same order."""
    if session.get_bind().dialect.name == "postgresql":
        columns = [json.dumps([r[k] for r in rows], separators=(",", ":"), ensure_ascii=False)
                   for k in (5, 0, 2, 3, 4)]
        result: Any = session.connection().exec_driver_sql(_PG_INSERT, (now, *columns))
    else:
        stmt = (sqlite_insert(_EVENTS).on_conflict_do_nothing(index_elements=["unit_id", "event_id"])
                .returning(_EVENTS.c.id, _EVENTS.c.unit_id, _EVENTS.c.event_id))
        result = session.execute(stmt, [
            {"agency_id": r[5], "unit_id": r[0], "event_id": r[2], "state": r[3], "occurred_at": r[1],
             "recorded_at": now} for r in rows])
    return [(int(r[0]), str(r[1]), str(r[2])) for r in result.all()]


def _batch_proof(session: Session, unique: dict[tuple[str, str], _Row], stored: list[tuple[int, str, str]],
                 now: datetime) -> dict[str, Any]:
    """The ledger's proof of the rows this batch stored: their ids and one SHA-256 over their
    canonical rows in id order (:mod:`fleet.rowproof`), from the values just written."""
    stored = sorted(stored)
    ids = [s[0] for s in stored]
    if rowproof.status_fast_path():
        rows = ((i, r[5], r[0], r[2], r[3], r[1], now) for i, r in ((s[0], unique[s[1], s[2]]) for s in stored))
        lines: Iterable[str] = rowproof.status_lines(rows)
    else:  # a column added since: hash the rows as stored, in the generic canonical form
        read = (session.connection().execute(select(_EVENTS).where(_EVENTS.c.id.in_(ids[i:i + 1000]))
                                             .order_by(_EVENTS.c.id)).mappings() for i in range(0, len(ids), 1000))
        lines = rowproof.generic_lines(_EVENTS, (cast(Mapping[str, Any], row) for chunk in read for row in chunk))
    return rowproof.batch_proof(ids, hashlib.sha256("".join(lines).encode()).hexdigest())


def batch_sha256(events: Sequence[StatusEventIn], instants: Sequence[str] | None = None) -> str:
    """SHA-256 of the canonical batch: canonical JSON (:mod:`fleet.canonical`: sorted keys, no
    spaces, instants as UTC ``Z``) of the events in the order sent, repeats included, i.e.
    ``canonical_json([{"event_id", "occurred_at", "state", "unit_id"}, ...])``.

    Written out item by item with the ``json`` module's own C string encoder rather than through
    ``json.dumps`` of 10,000 dicts: the same bytes (a test checks it against
    :func:`fleet.canonical.canonical_json` on arbitrary strings) at a fifth of the cost. ``state``
    is one of three known words and the instants are ISO text, so neither needs escaping."""
    isos = instants if instants is not None else [_iso(e["occurred_at"]) for e in events]
    enc = _encode_json_string
    items = [f'{{"event_id":{enc(e["event_id"])},"occurred_at":"{iso}","state":"{e["state"]}",'
             f'"unit_id":{enc(e["unit_id"])}}}' for e, iso in zip(events, isos, strict=True)]
    return hashlib.sha256(("[" + ",".join(items) + "]").encode()).hexdigest()


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
