"""The audit ledger: every write appends an entry in the same transaction.

``hash = sha256(prev_hash + canonical_json(entry))`` where the entry is every column but ``hash``.
Appends lock the single ``audit_head`` row (``SELECT … FOR UPDATE`` on PostgreSQL; the write
lock that ``BEGIN IMMEDIATE`` takes on SQLite), so concurrent writers queue and the chain never
forks. :func:`verify` walks the chain and names the first entry that was changed, deleted or
reordered; the head row also catches a deleted tail.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, bindparam, insert, inspect, select, update
from sqlalchemy.orm import Session

from fleet.canonical import canonical_json, iso_utc, sha256_hex, to_jsonable
from fleet.db import utcnow
from fleet.models import AuditEntry, AuditHead
from fleet.principal import Principal
from fleet.rowcheck import Expectations, Progress, RowProblem, check_rows
from fleet.rowproof import rows_proof

GENESIS = "0" * 64
request_id_var: ContextVar[str | None] = ContextVar("slatrack_request_id", default=None)


def snapshot(obj: Any, *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """The column values of an ORM object as canonical-JSON-ready data (for before/after)."""
    mapper = inspect(obj).mapper
    return {
        attr.key: to_jsonable(getattr(obj, attr.key))
        for attr in mapper.column_attrs
        if attr.key not in exclude and attr.key not in ("pdf", "password_hash", "token_hash")
    }


_ENTRIES = cast(Table, AuditEntry.__table__)
_HEAD = cast(Table, AuditHead.__table__)
_PAYLOAD_KEYS = ("seq", "recorded_at", "actor", "role", "action", "entity_type", "entity_id", "agency_id", "before",
                 "after", "reason", "request_id", "prev_hash")


def _hash(fields: Mapping[str, Any]) -> str:
    """The entry hash: ``sha256(prev_hash + canonical_json(payload))`` over :data:`_PAYLOAD_KEYS`
    and ``proof`` when the entry has one (the one definition, for appending and for verifying;
    entries written before proofs existed have none and hash as they always did)."""
    payload = {k: fields[k] for k in _PAYLOAD_KEYS}
    if fields.get("proof") is not None:
        payload["proof"] = fields["proof"]
    payload["recorded_at"] = iso_utc(payload["recorded_at"])
    return sha256_hex(str(payload["prev_hash"]).encode() + canonical_json(payload))


def entry_hash(e: AuditEntry) -> str:
    return _hash({k: getattr(e, k) for k in (*_PAYLOAD_KEYS, "proof")})


class Scope(NamedTuple):
    """Which contract figures a write can change, for the answer cache (:mod:`fleet.answers`):
    those of ``contract_id`` (None: of any contract) for periods ending after ``affects_from``
    (None: any period). Kept beside the entry, outside its hash."""

    contract_id: str | None
    affects_from: datetime | None


EVERYTHING = Scope(None, None)


_LOCK_HEAD = select(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.id == 1).with_for_update()
_INSERT_ENTRY = insert(_ENTRIES)
_MOVE_HEAD = update(_HEAD).where(_HEAD.c.id == 1).values(seq=bindparam("new_seq", type_=_HEAD.c.seq.type),
                                                          hash=bindparam("new_hash", type_=_HEAD.c.hash.type))


def lock_head(session: Session) -> tuple[int, str]:
    """Lock the chain head for the rest of the transaction and return its ``(seq, hash)``.

    A write that must take another lock too (a contract's ticket counter) takes this one first,
    so every lock it holds is only ever waited for by writers already queued here."""
    seq, head_hash = session.connection().execute(_LOCK_HEAD).one()
    return int(seq), str(head_hash)


def record(
    session: Session,
    principal: Principal,
    *,
    action: str,
    entity_type: str,
    entity_id: str,
    agency_id: str | None,
    before: Any = None,
    after: Any = None,
    reason: str | None = None,
    head: tuple[int, str] | None = None,
    scope: Scope | None = None,
    rows: Iterable[Any] = (),
    batch: dict[str, Any] | None = None,
) -> None:
    """Append one entry to the chain (the caller's transaction commits).

    Core statements built once (no statement construction or cache-key walk per call), not ORM
    objects: lock the head row, insert the entry, move the head (three round trips, no
    unit-of-work flush). Pending ORM changes are flushed first, so the entry is
    appended after the rows it describes, as before. ``head``: what :func:`lock_head` returned
    earlier in this transaction (the lock is held until it ends), to skip locking it again.
    ``scope``: which contract figures the write can change (:class:`Scope`); none given means
    any (a write that leaves figures alone may say so by passing none: that is only cautious).
    ``rows``: the ORM objects of every row the write inserted or changed, as now stored; their
    hashes go into the entry's ``proof`` (:mod:`fleet.rowproof`), so ``audit verify`` can prove
    the tables still hold them. ``batch``: a status-event batch's proof
    (:func:`fleet.rowproof.batch_proof`)."""
    if session.new or session.dirty or session.deleted:
        session.flush()
    proof: dict[str, Any] = {}
    if rows:
        proof["rows"] = rows_proof(rows)
    if batch is not None:
        proof["batch"] = batch
    seq, prev_hash = head if head is not None else lock_head(session)
    recorded_at = utcnow()
    values: dict[str, Any] = {
        "seq": seq + 1,
        "recorded_at": recorded_at,
        "actor": principal.actor,
        "role": principal.role,
        "action": action,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "agency_id": agency_id,
        "before": to_jsonable(before),
        "after": to_jsonable(after),
        "reason": reason,
        "request_id": request_id_var.get(),
        "prev_hash": prev_hash,
        "proof": proof or None,
    }
    values["hash"] = _hash(values)
    values["contract_id"], values["affects_from"] = scope or EVERYTHING
    connection = session.connection()
    connection.execute(_INSERT_ENTRY, values)
    connection.execute(_MOVE_HEAD, {"new_seq": values["seq"], "new_hash": values["hash"]})


@dataclass(frozen=True)
class ChainCheck:
    """The chain's verdict and, when it is intact and rows were checked, the tables': ``problems``
    names up to :data:`fleet.rowcheck.MAX_PROBLEMS` rows changed, deleted or inserted outside
    slatrack (``problem_count`` counts them all); ``problem`` is the first problem in words."""

    ok: bool
    entries: int
    head: str
    first_bad_seq: int | None = None
    problem: str | None = None
    rows: int = 0
    problems: tuple[RowProblem, ...] = ()
    problem_count: int = 0


def _walk(session: Session, batch: int = 2000) -> Iterator[AuditEntry]:
    last = 0
    while True:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.seq > last).order_by(AuditEntry.seq).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
        session.expunge_all()


def verify(session: Session, *, rows: bool = True, progress: Progress | None = None) -> ChainCheck:
    """Walk the whole chain, stopping at the first entry that does not check out; then, when it is
    intact and ``rows``, prove every audited table against it (:mod:`fleet.rowcheck`)."""
    chain, expected = _verify_chain(session, progress)
    if not chain.ok or not rows:
        return chain
    check = check_rows(session, expected, progress)
    if not check.problems:
        return replace(chain, rows=check.rows)
    return replace(chain, ok=False, rows=check.rows, problems=tuple(check.problems),
                   problem_count=check.problem_count, problem=check.problems[0].message())


def _verify_chain(session: Session, progress: Progress | None) -> tuple[ChainCheck, Expectations]:
    prev_hash, expected_seq, count = GENESIS, 1, 0
    expected = Expectations()
    head = session.get(AuditHead, 1)
    total = head.seq if head is not None else None
    for e in _walk(session):
        problem = None
        if e.seq != expected_seq:
            problem = f"entry {expected_seq} is missing (next present is {e.seq}): deleted or reordered"
        elif e.prev_hash != prev_hash:
            problem = f"entry {e.seq} does not link to entry {e.seq - 1}: an entry was deleted or reordered"
        elif entry_hash(e) != e.hash:
            problem = f"entry {e.seq} ({e.action} {e.entity_type} {e.entity_id}) was altered: its hash does not match"
        if problem:
            return ChainCheck(False, count, prev_hash, expected_seq, problem), expected
        expected.add(e)
        prev_hash, expected_seq, count = e.hash, e.seq + 1, count + 1
        if progress is not None and count % 2000 == 0:
            progress("ledger", count, total)
    if progress is not None:
        progress("ledger", count, total)
    if head is None and count:
        return ChainCheck(
            False, count, prev_hash, count,
            f"the ledger head is missing while {count} entries exist: it was deleted (entries after "
            f"entry {count} may have been cut with it)",
        ), expected
    if head is not None and head.seq != count:
        return ChainCheck(
            False, count, prev_hash, count + 1,
            f"entry {count + 1} is missing: the chain ends at entry {count} but the head records {head.seq} "
            "(entries were deleted from the end)",
        ), expected
    if head is not None and head.hash != prev_hash:
        # the last entry was rewritten together with its own hash: only the head still knows
        return ChainCheck(
            False, count - 1, prev_hash, count,
            f"entry {count} does not match the hash the head recorded for it: it was altered or replaced",
        ), expected
    return ChainCheck(True, count, prev_hash), expected


def head_as_of(session: Session, as_of: datetime) -> str:
    """The chain head as the record stood at ``as_of`` (for reproducible reports)."""
    h = session.scalars(
        select(AuditEntry.hash).where(AuditEntry.recorded_at <= as_of).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    return h or GENESIS
