"""Prove the tables against the ledger: every audited row is the row its latest entry recorded.

:class:`Expectations` is fed each entry while :func:`fleet.audit.verify` walks the chain; then
:func:`check_rows` streams every audited table in id order and names each row that was changed,
deleted or inserted behind slatrack's back (``kind``: ``changed`` / ``deleted`` / ``inserted``).

What an entry proves:

* an entry with a ``proof`` (:mod:`fleet.rowproof`): the hash of each row it lists; a changed row's
  field is named by comparing it with the entry's ``after`` snapshot where that holds the row;
* a status-event batch entry: its rows by id, and one digest over them in id order (a changed
  row is named by its batch: the ids it holds and the entry);
* an entry written before proofs existed (revision 20261207_0003): the fields its ``after``
  snapshot holds of the row it describes. Rows such an entry made without a snapshot of their own
  (SLA targets, work-log parts) are accepted under their proven parent, and its status events
  are only counted (the batch's ``accepted`` figures against the rows no proof covers).

Memory: one ``(seq, hash)`` per non-status row (~200 bytes) and one run list per status batch;
the status-event table is streamed, never held.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import Numeric, Table, select
from sqlalchemy.orm import Session

from fleet.canonical import canonical_json, sha256_hex
from fleet.models import AuditEntry
from fleet.rowproof import (
    STATUS_SELECT,
    STATUS_TABLE,
    audited_tables,
    canonical_value,
    generic_lines,
    proved_columns,
    row_form,
    status_fast_path,
    status_line,
)

Progress = Callable[[str, int, int | None], None]
"""``progress(stage, done, total)``: what a long check is doing (a CLI draws a bar from it)."""

MAX_PROBLEMS = 100
"""Problems named in full; more are only counted."""

ENTITY_TABLES = {"agency": "agencies", "calendar": "calendars", "contract": "contracts", "sla_policy": "sla_policies",
                 "unit": "units", "ticket": "tickets", "work_log": "work_logs", "rating": "ratings",
                 "maintenance_window": "maintenance_windows", "api_key": "api_keys", "user": "users",
                 "report": "reports"}
_NESTED = (("event", "ticket_events"), ("correction", "ticket_events"), ("ticket", "tickets"))
_LEGACY_CHILDREN = {"sla_policies": ("contract_id", "contracts"), "sla_targets": ("policy_id", "sla_policies"),
                    "work_log_parts": ("work_log_id", "work_logs")}
"""Rows an old (proof-less) entry made beside the one its snapshot describes: ``child table:
(column naming the parent, parent table)`` (a contract's first SLA policy and its targets, a work
log's parts). Parents come before children in :func:`fleet.rowproof.audited_tables` order, or are
snapshot-proven themselves."""


@dataclass(frozen=True)
class RowProblem:
    table: str
    id: str | None
    kind: Literal["changed", "deleted", "inserted"]
    field: str | None = None
    seq: int | None = None  # the entry that recorded the row (None: no entry does)
    detail: str = ""

    def message(self) -> str:
        what = f"{self.table} row {self.id}" if self.id is not None else f"{self.table}"
        return f"{what}: {self.detail}"


def snapshots(entity_type: str, entity_id: str, after: Any) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """``(table, id, fields)`` of the rows an entry's ``after`` snapshot describes."""
    if not isinstance(after, dict):
        return
    table = ENTITY_TABLES.get(entity_type)
    if table is not None and after.get("id") == entity_id:
        yield table, entity_id, after
    for key, nested_table in _NESTED:
        sub = after.get(key)
        if isinstance(sub, dict) and isinstance(sub.get("id"), str):
            yield nested_table, sub["id"], sub


@dataclass
class Expectations:
    """What the ledger says each row is: ``rows[table][id] = (seq, hash or snapshot fields)``."""

    rows: dict[str, dict[str, tuple[int, str | dict[str, Any]]]] = field(default_factory=dict)
    batches: list[tuple[int, list[list[int]], str]] = field(default_factory=list)  # seq, id runs, sha256
    legacy_entries: int = 0
    legacy_status_rows: int = 0

    def add(self, e: AuditEntry) -> None:
        proof = e.proof
        if proof is None:
            self._add_legacy(e)
            return
        for table, hashes in (proof.get("rows") or {}).items():
            rows = self.rows.setdefault(table, {})
            for row_id, row_hash in hashes.items():
                rows[row_id] = (e.seq, row_hash)
        batch = proof.get("batch")
        if batch is not None:
            self.batches.append((e.seq, batch["ids"], batch["sha256"]))

    def _add_legacy(self, e: AuditEntry) -> None:
        self.legacy_entries += 1
        if e.action == "status_events.ingest" and isinstance(e.after, dict):
            self.legacy_status_rows += int(e.after.get("accepted") or 0)
            return
        for table, row_id, fields in snapshots(e.entity_type, e.entity_id, e.after):
            self.rows.setdefault(table, {})[row_id] = (e.seq, fields)


@dataclass
class _Report:
    problems: list[RowProblem] = field(default_factory=list)
    count: int = 0
    rows: int = 0

    def add(self, problem: RowProblem) -> None:
        self.count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)


@dataclass(frozen=True)
class RowsCheck:
    rows: int
    problems: list[RowProblem]
    problem_count: int


def check_rows(session: Session, expected: Expectations, progress: Progress | None = None) -> RowsCheck:
    report = _Report()
    legacy_ok = {table: {k for k, v in rows.items() if isinstance(v[1], dict)} for table, rows in expected.rows.items()}
    for table in audited_tables():
        if table.name == STATUS_TABLE:
            _check_status(session, table, expected, report, progress)
        else:
            _check_table(session, table, expected, report, progress, legacy_ok)
    return RowsCheck(report.rows, report.problems, report.count)


def _stream(session: Session, stmt: Any) -> Any:
    return session.connection().execute(stmt, execution_options={"yield_per": 5000})


def _check_table(session: Session, table: Table, expected: Expectations, report: _Report,
                 progress: Progress | None, legacy_ok: dict[str, set[str]]) -> None:
    """``legacy_ok``: per table, the ids of rows old entries vouch for (by snapshot, or as the
    child of such a row): their children (:data:`_LEGACY_CHILDREN`) need no proof of their own."""
    wanted = expected.rows.pop(table.name, {})
    total, done = len(wanted), 0
    changed: list[tuple[str, int, dict[str, Any]]] = []
    child = _LEGACY_CHILDREN.get(table.name)
    for row in _stream(session, select(table).order_by(table.c.id)).mappings():
        done += 1
        if progress is not None and done % 5000 == 0:
            progress(table.name, done, total)
        row_id = str(row["id"])
        found = wanted.pop(row_id, None)
        if found is None:
            if child is not None and row[child[0]] in legacy_ok.get(child[1], ()):
                legacy_ok.setdefault(table.name, set()).add(row_id)
            else:
                report.add(RowProblem(table.name, row_id, "inserted",
                                      detail="no ledger entry records it (written outside slatrack)"))
            continue
        seq, proof = found
        if isinstance(proof, str):
            form = row_form(table, row)
            if sha256_hex(canonical_json(form)) != proof:
                changed.append((row_id, seq, form))
        else:
            _compare_snapshot(table, row_id, seq, row, proof, report)
    report.rows += done
    for row_id, seq, form in changed:
        report.add(_changed(session, table, row_id, seq, form))
    for row_id, (seq, _) in sorted(wanted.items()):
        report.add(RowProblem(table.name, row_id, "deleted", seq=seq,
                              detail=f"entry {seq} recorded it, and it is gone from the table"))
    if progress is not None:
        progress(table.name, done, total)


def _snapshot_value(column: Any, value: Any) -> Any:
    if value is not None and isinstance(column.type, Numeric) and column.type.scale is not None:
        return canonical_value(column, Decimal(str(value)))
    return value


def _differing(table: Table, form: Mapping[str, Any], snapshot: Mapping[str, Any]) -> list[str]:
    return [c.name for c in proved_columns(table)
            if c.name in snapshot and _snapshot_value(c, snapshot[c.name]) != form[c.name]]


def _compare_snapshot(table: Table, row_id: str, seq: int, row: Mapping[str, Any], snapshot: dict[str, Any],
                      report: _Report) -> None:
    form = row_form(table, row)
    for name in _differing(table, form, snapshot):
        report.add(RowProblem(table.name, row_id, "changed", name, seq,
                              f"{name} is {form[name]!r} but entry {seq} recorded {snapshot[name]!r}"))


def _changed(session: Session, table: Table, row_id: str, seq: int, form: dict[str, Any]) -> RowProblem:
    """A row whose hash differs from its entry's: name the field from the entry's snapshot if it has one."""
    entry = session.get(AuditEntry, seq)
    snapshot = next((s for t, i, s in snapshots(entry.entity_type, entry.entity_id, entry.after)
                     if t == table.name and i == row_id), None) if entry is not None else None
    fields = _differing(table, form, snapshot) if snapshot is not None else []
    if fields:
        name = fields[0]
        assert snapshot is not None
        return RowProblem(table.name, row_id, "changed", ",".join(fields), seq,
                          f"{name} is {form[name]!r} but entry {seq} recorded {snapshot[name]!r}")
    return RowProblem(table.name, row_id, "changed", None, seq,
                      f"differs from the row entry {seq} recorded (its hash does not match)")


# --- status events ----------------------------------------------------------------------------
def _check_status(session: Session, table: Table, expected: Expectations, report: _Report,
                  progress: Progress | None) -> None:
    """Stream the table in id order; each row feeds the digest of the batch whose id runs hold it."""
    batches = expected.batches
    runs = sorted((start, end, b) for b, (_, ids, _) in enumerate(batches) for start, end in ids)
    total = sum(end - start + 1 for start, end, _ in runs) + expected.legacy_status_rows
    hashers = [hashlib.sha256() for _ in batches]
    deleted = [0] * len(batches)
    pointer, next_id, unproved, done = 0, runs[0][0] if runs else 0, 0, 0

    def close_run_until(end: int) -> None:
        nonlocal next_id
        _, run_end, b = runs[pointer]
        for missing in range(next_id, min(end, run_end) + 1):
            deleted[b] += 1
            report.add(RowProblem(table.name, str(missing), "deleted", seq=batches[b][0],
                                  detail=f"entry {batches[b][0]} recorded it (a status-event batch), and it is "
                                         "gone from the table"))
        next_id = min(end, run_end) + 1

    fast = status_fast_path()
    stmt = select(*(table.c[name] for name in STATUS_SELECT)) if fast else select(table)
    result = _stream(session, stmt.order_by(table.c.id))
    rows: Any = result if fast else result.mappings()
    for row in rows:
        done += 1
        if progress is not None and done % 20000 == 0:
            progress(table.name, done, total)
        row_id = row[0] if fast else row["id"]
        while pointer < len(runs) and runs[pointer][1] < row_id:
            close_run_until(runs[pointer][1])
            pointer += 1
            if pointer < len(runs):
                next_id = runs[pointer][0]
        if pointer < len(runs) and runs[pointer][0] <= row_id:
            close_run_until(row_id - 1)
            next_id = row_id + 1
            line = status_line(*row) if fast else next(iter(generic_lines(table, [row])))
            hashers[runs[pointer][2]].update(line.encode())
        else:
            unproved += 1
            if not expected.legacy_entries:
                report.add(RowProblem(table.name, str(row_id), "inserted",
                                      detail="no ledger entry's batch holds it (written outside slatrack)"))
    while pointer < len(runs):
        close_run_until(runs[pointer][1])
        pointer += 1
        if pointer < len(runs):
            next_id = runs[pointer][0]
    report.rows += done
    for b, (seq, ids, digest) in enumerate(batches):
        if not deleted[b] and hashers[b].hexdigest() != digest:
            report.add(RowProblem(table.name, f"{ids[0][0]}..{ids[-1][1]}", "changed", seq=seq,
                                  detail=f"a row of the batch entry {seq} recorded (ids {ids[0][0]} to "
                                         f"{ids[-1][1]}) differs from it: its digest does not match"))
    if expected.legacy_entries and unproved != expected.legacy_status_rows:
        report.add(RowProblem(table.name, None, "inserted" if unproved > expected.legacy_status_rows else "deleted",
                              detail=f"{unproved} rows no batch proof covers, but the ledger's older batches "
                                     f"accepted {expected.legacy_status_rows}"))
    if progress is not None:
        progress(table.name, done, total)

