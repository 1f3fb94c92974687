"""Safe retries: the first answer to an ``Idempotency-Key`` is stored and replayed.

:func:`claim` runs first in the request's transaction. It inserts the key's row (inside a
savepoint); a concurrent request with the same key blocks on the unique index until the first
commits, then finds the row and replays it. The same key with a different request body (or on
another endpoint) is a 409. The answer is stored by :func:`remember` in the same transaction as
the work, so a failed request leaves no key behind and may be retried.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fleet.errors import Conflict, Invalid
from fleet.models import IdempotencyRecord


@dataclass(frozen=True)
class Replay:
    status_code: int
    response: Any


def _existing(session: Session, principal_id: str, key: str) -> IdempotencyRecord | None:
    return session.scalars(
        select(IdempotencyRecord)
        .where(IdempotencyRecord.principal_id == principal_id, IdempotencyRecord.key == key)
        .execution_options(populate_existing=True)
    ).first()


def _replay(record: IdempotencyRecord, scope: str, request_hash: str) -> Replay:
    if record.scope != scope or record.request_hash != request_hash:
        raise Conflict("this Idempotency-Key was already used with a different request",
                       code="idempotency_key_reused")
    if record.status_code is None:
        raise Conflict("a request with this Idempotency-Key is still in progress", code="idempotency_in_progress")
    return Replay(record.status_code, record.response)


def claim(
    session: Session, *, principal_id: str, key: str, scope: str, request_hash: str
) -> IdempotencyRecord | Replay:
    if not 1 <= len(key) <= 255:
        raise Invalid("Idempotency-Key must be 1 to 255 characters", code="invalid_idempotency_key")
    found = _existing(session, principal_id, key)
    if found is not None:
        return _replay(found, scope, request_hash)
    record = IdempotencyRecord(principal_id=principal_id, key=key, scope=scope, request_hash=request_hash)
    try:
        with session.begin_nested():
            session.add(record)
            session.flush()
    except IntegrityError:
        found = _existing(session, principal_id, key)
        if found is None:
            raise
        return _replay(found, scope, request_hash)
    return record


def remember(session: Session, record: IdempotencyRecord, status_code: int, response: Any) -> None:
    record.status_code = status_code
    record.response = response
    session.flush()
