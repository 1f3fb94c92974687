"""Failed sign-ins counted per username and per client address, in the database.

Each key (a username, or a client address) has a fixed window that starts at its first failure
and lasts ``window``; once ``limit`` failures are counted in it, sign-ins for that key are
refused until the window ends (no password is checked meanwhile, so the right password is
refused too). A successful sign-in clears the username's count, not the address's (an address
may be an office behind one NAT, where someone else's typos should not be forgiven by a success,
nor an attacker's by signing in to their own account). Any username is counted, existing or not,
so the throttle tells nothing about which usernames exist.

The counts are rows (:class:`~fleet.models.SignInThrottle`), so every worker process shares
them; a failure is recorded under the row's lock (``SELECT ... FOR UPDATE`` on PostgreSQL, the
write lock on SQLite), so concurrent failures are all counted. Rows whose window is over are
deleted when the next failure is recorded (skipping rows another transaction has locked, so two
clean-ups never wait on each other). Keys are stored as SHA-256 (bounded length, no
attacker-chosen text at rest). Not audited: bookkeeping, logged by the web layer.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from fleet.models import SignInThrottle

USER = "user"
ADDRESS = "address"


@dataclass(frozen=True)
class Limits:
    per_user: int  # failures per username in a window; 0: not limited
    per_address: int  # failures per client address in a window; 0: not limited
    window: timedelta

    def limit(self, kind: str) -> int:
        return self.per_user if kind == USER else self.per_address


@dataclass(frozen=True)
class Lockout:
    kind: str  # USER or ADDRESS: which limit was reached
    retry_after: int  # whole seconds until the window ends


def _key(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}\x00{value}".encode()).hexdigest()


def _keys(limits: Limits, username: str, address: str) -> list[tuple[str, str]]:
    return [(kind, _key(kind, value)) for kind, value in ((USER, username), (ADDRESS, address))
            if limits.limit(kind) > 0]


def _lockout(row: SignInThrottle, limits: Limits, now: datetime) -> Lockout | None:
    ends = row.window_started_at + limits.window
    if row.failures < limits.limit(row.kind) or ends <= now:
        return None
    return Lockout(row.kind, max(1, math.ceil((ends - now).total_seconds())))


def locked(session: Session, limits: Limits, username: str, address: str, now: datetime) -> Lockout | None:
    """The lockout in force for this username or address (the longer, when both are), else None."""
    keys = dict((key, kind) for kind, key in _keys(limits, username, address))
    if not keys:
        return None
    rows = session.scalars(select(SignInThrottle).where(SignInThrottle.key.in_(keys))).all()
    found = [lock for row in rows if (lock := _lockout(row, limits, now)) is not None]
    return max(found, key=lambda lock: lock.retry_after, default=None)


def record_failure(session: Session, limits: Limits, username: str, address: str,
                   now: datetime) -> Lockout | None:
    """Count one failed sign-in for the username and the address; returns the lockout it starts
    (this failure reached a limit), else None."""
    over = (select(SignInThrottle.key).where(SignInThrottle.window_started_at < now - limits.window)
            .with_for_update(skip_locked=True))  # rows another sign-in holds are left for the next one
    session.execute(delete(SignInThrottle).where(SignInThrottle.key.in_(over)))
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    reached: list[Lockout] = []
    for kind, key in _keys(limits, username, address):
        session.execute(insert(SignInThrottle).values(key=key, kind=kind, failures=0, window_started_at=now)
                        .on_conflict_do_nothing(index_elements=["key"]))
        row = session.scalars(select(SignInThrottle).where(SignInThrottle.key == key).with_for_update()
                              .execution_options(populate_existing=True)).one()
        if row.window_started_at + limits.window <= now:
            row.failures, row.window_started_at = 0, now
        row.failures += 1
        lock = _lockout(row, limits, now)
        if lock is not None and row.failures == limits.limit(kind):
            reached.append(lock)
    session.flush()
    return max(reached, key=lambda lock: lock.retry_after, default=None)


def clear_user(session: Session, username: str) -> None:
    """Forget the username's failures (after a successful sign-in)."""
    session.execute(delete(SignInThrottle).where(SignInThrottle.key == _key(USER, username)))
