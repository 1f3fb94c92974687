"""Safe retries: the first answer to an ``Idempotency-Key`` is stored and replayed.

:func:`claim` runs first in the request's transaction. It inserts the key's row with ``INSERT
… ON CONFLICT (principal_id, key) DO NOTHING RETURNING id`` (one round trip: no savepoint, no
SELECT first); a concurrent request with the same key blocks on the unique index until the
first commits (PostgreSQL waits for the conflicting transaction before deciding), then inserts
nothing, finds the committed row and replays it. The same key with a different request body (or
on another endpoint) is a 409. The answer is stored by :func:`remember` in the same transaction
as the work, so a failed request leaves no key behind and may be retried.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from fleet.db import new_id, utcnow
from fleet.errors import Conflict, Invalid
from fleet.models import IdempotencyRecord

_RECORDS = cast(Table, IdempotencyRecord.__table__)


@dataclass(frozen=True)
class Replay:
    status_code: int
    response: Any


@dataclass(frozen=True)
class Claim:
    """This request holds the key (its row is inserted, the answer not yet stored)."""

    id: str


_EXISTING = (select(_RECORDS.c.scope, _RECORDS.c.request_hash, _RECORDS.c.status_code, _RECORDS.c.response)
             .where(_RECORDS.c.principal_id == bindparam("principal_id"), _RECORDS.c.key == bindparam("key")))
_CLAIM = {dialect: (insert(_RECORDS).on_conflict_do_nothing(index_elements=["principal_id", "key"])
                    .returning(_RECORDS.c.id)) for dialect, insert in (("postgresql", pg_insert),
                                                                      ("sqlite", sqlite_insert))}
_REMEMBER = (update(_RECORDS).where(_RECORDS.c.id == bindparam("record_id"))
             .values(status_code=bindparam("status_code"),
                     response=bindparam("response", type_=_RECORDS.c.response.type)))


def _existing(session: Session, principal_id: str, key: str) -> tuple[str, str, int | None, Any] | None:
    row = session.connection().execute(_EXISTING, {"principal_id": principal_id, "key": key}).first()
    return None if row is None else (row[0], row[1], row[2], row[3])


def _replay(record: tuple[str, str, int | None, Any], scope: str, request_hash: str) -> Replay:
    found_scope, found_hash, status_code, response = record
    if found_scope != scope or found_hash != request_hash:
        raise Conflict("this Idempotency-Key was already used with a different request",
                       code="idempotency_key_reused")
    if status_code is None:
        raise Conflict("a request with this Idempotency-Key is still in progress", code="idempotency_in_progress")
    return Replay(status_code, response)


def claim(session: Session, *, principal_id: str, key: str, scope: str, request_hash: str) -> Claim | Replay:
    if not 1 <= len(key) <= 255:
        raise Invalid("Idempotency-Key must be 1 to 255 characters", code="invalid_idempotency_key")
    values = {"id": new_id(), "created_at": utcnow(), "principal_id": principal_id, "key": key, "scope": scope,
              "request_hash": request_hash}
    connection = session.connection()
    stmt = _CLAIM[connection.dialect.name]
    for _ in range(3):
        inserted = connection.execute(stmt, values).scalar()
        if inserted is not None:
            return Claim(inserted)
        found = _existing(session, principal_id, key)
        if found is not None:
            return _replay(found, scope, request_hash)
        # the row we conflicted with is gone again (deleted since): claim afresh
    raise Conflict("a request with this Idempotency-Key is still in progress", code="idempotency_in_progress")


def remember(session: Session, record: Claim, status_code: int, response: Any) -> None:
    session.connection().execute(_REMEMBER, {"record_id": record.id, "status_code": status_code,
                                             "response": response})
