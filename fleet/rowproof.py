"""Row proofs: the canonical form of a stored row, and the hashes a ledger entry carries of the rows
its write left behind (see :mod:`fleet.rowcheck` for the other half, proving the tables).

A row's canonical form is the canonical JSON (:mod:`fleet.canonical`) of ``{column name: value}``
over *every* column of its table, by name, except the few listed in :data:`UNAUDITED_COLUMNS`:
a column added later is covered without anyone remembering to add it. Values are normalised by
column type so the object a service holds and the row the database returns hash alike: instants
as UTC ``Z`` text, decimals at the column's scale (``95`` and ``95.000`` are the same stored
value), bytes as their SHA-256. Every table of the metadata is audited except
:data:`UNAUDITED_TABLES` (the ledger itself and request bookkeeping).

Status events are proved per ingest batch, not per row: the entry carries the batch's ids (as
runs) and one SHA-256 over the batch's canonical rows in id order, each followed by ``\\n``
(:func:`status_lines`); the verifier recomputes it streaming the table in id order.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from sqlalchemy import Column, Numeric, Table, inspect

import fleet.models  # noqa: F401  (every table in the metadata)
from fleet.canonical import canonical_json, iso_utc, sha256_hex, to_jsonable
from fleet.db import Base
from fleet.models import StatusEvent

UNAUDITED_TABLES = frozenset({"audit_entries", "audit_head", "clock_alarms", "idempotency_records", "signin_throttle",
                              "web_sessions"})
"""Tables no ledger entry proves: the ledger itself, idempotency replies, sign-in counts and web sessions
(request bookkeeping: see fleet/websessions.py), and the clock alarms (the worker's plan, derived from the
ticket's events and re-made on every ticket write; what an alarm caused is an audited notification)."""

UNAUDITED_COLUMNS: dict[str, frozenset[str]] = {
    "api_keys": frozenset({"last_used_at"}),  # stamped on use, at most once a minute, deliberately not audited
    "contracts": frozenset({"ticket_seq"}),  # the ticket number counter; each ticket's own seq/number is proved
    # a worker's lease while it delivers; the outcome (status, attempts, error, delivered_at) is proved
    "notification_deliveries": frozenset({"claimed_by", "claimed_until"}),
}
"""Bookkeeping columns left out of a row's canonical form (an explicit list: anything else is covered)."""

STATUS_TABLE = "status_events"
_enc = json.encoder.encode_basestring  # the C encoder json.dumps itself uses
_STATUS_COLUMNS = ("agency_id", "event_id", "id", "occurred_at", "recorded_at", "state", "unit_id")


def audited_tables() -> list[Table]:
    """Every table a ledger entry proves, by name."""
    return [t for name, t in sorted(Base.metadata.tables.items()) if name not in UNAUDITED_TABLES]


def proved_columns(table: Table) -> list[Column[Any]]:
    skip = UNAUDITED_COLUMNS.get(table.name, frozenset())
    return [c for c in table.columns if c.name not in skip]


def canonical_value(column: Column[Any], value: Any) -> Any:
    """A column value in the one form both a service's object and a read-back row hash to."""
    if value is None:
        return None
    if isinstance(column.type, Numeric) and not isinstance(value, float) and column.type.scale is not None:
        return str(Decimal(str(value)).quantize(Decimal(1).scaleb(-column.type.scale), rounding=ROUND_HALF_UP))
    if isinstance(value, bytes | bytearray | memoryview):
        return "sha256:" + hashlib.sha256(bytes(value)).hexdigest()
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    return to_jsonable(value)


def row_form(table: Table, row: Mapping[str, Any]) -> dict[str, Any]:
    """``{column name: canonical value}`` of a row read from the table (a mapping by column name)."""
    return {c.name: canonical_value(c, row[c.name]) for c in proved_columns(table)}


def row_hash(table: Table, row: Mapping[str, Any]) -> str:
    return sha256_hex(canonical_json(row_form(table, row)))


def object_row(obj: Any) -> tuple[Table, dict[str, Any]]:
    """An ORM object's table and its column values by column name (as the row will be stored)."""
    mapper = inspect(obj).mapper
    table = cast(Table, mapper.local_table)
    return table, {col.name: getattr(obj, mapper.get_property_by_column(col).key) for col in table.columns}


def rows_proof(objects: Iterable[Any]) -> dict[str, dict[str, str]]:
    """``{table: {id: row hash}}`` of the rows a write left behind (the ``rows`` part of a proof)."""
    out: dict[str, dict[str, str]] = {}
    for obj in objects:
        table, row = object_row(obj)
        out.setdefault(table.name, {})[str(row["id"])] = row_hash(table, row)
    return out


# --- status events: one digest per batch ------------------------------------------------------
def status_fast_path() -> bool:
    """Whether status_events still has exactly the columns :func:`status_lines` writes out by
    hand; a column added later makes both sides fall back to the generic canonical form."""
    table = cast(Table, StatusEvent.__table__)
    return tuple(sorted(c.name for c in proved_columns(table))) == _STATUS_COLUMNS


STATUS_SELECT = ("id", "agency_id", "unit_id", "event_id", "state", "occurred_at", "recorded_at")
"""The column order :func:`status_line` takes."""


def status_line(id_: int, agency_id: str, unit_id: str, event_id: str, state: str, occurred_at: datetime,
                recorded_at: datetime) -> str:
    """A status event's canonical row + ``\\n``: the bytes :func:`row_form` gives, written out by
    hand (millions of rows; a test checks the two agree)."""
    return (f'{{"agency_id":{_enc(agency_id)},"event_id":{_enc(event_id)},"id":{id_},'
            f'"occurred_at":"{iso_utc(occurred_at)}","recorded_at":"{iso_utc(recorded_at)}",'
            f'"state":{_enc(state)},"unit_id":{_enc(unit_id)}}}\n')


def status_lines(rows: Iterable[Sequence[Any]]) -> Iterable[str]:
    """:func:`status_line` of ``(id, agency_id, unit_id, event_id, state, occurred_at, recorded_at)`` tuples."""
    return (status_line(*r) for r in rows)


def generic_lines(table: Table, rows: Iterable[Mapping[str, Any]]) -> Iterable[str]:
    for row in rows:
        yield canonical_json(row_form(table, row)).decode() + "\n"


def id_runs(ids: Sequence[int]) -> list[list[int]]:
    """Sorted ids as inclusive ``[first, last]`` runs of consecutive values (compact in an entry)."""
    runs: list[list[int]] = []
    for i in ids:
        if runs and i == runs[-1][1] + 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    return runs


def batch_proof(ids: Sequence[int], digest: str) -> dict[str, Any]:
    """The ``batch`` part of a status-event batch's proof."""
    return {"table": STATUS_TABLE, "ids": id_runs(ids), "count": len(ids), "sha256": digest}
