"""Delivering the outbox: claim a batch, send it outside any transaction, settle the outcomes.

- :func:`claim` (a short transaction) leases due deliveries to one worker: ``claimed_by`` and
  ``claimed_until`` (:data:`LEASE`). On PostgreSQL the rows are picked ``FOR UPDATE SKIP LOCKED``,
  so workers on several hosts take disjoint batches without waiting; on SQLite the write lock
  (``BEGIN IMMEDIATE``) serializes claims. A delivery is never leased to two workers at once, so
  no two workers send one message in the same attempt.
- Sending happens with no transaction open (a slow receiver holds no lock).
- :func:`settle` (a short transaction) records each outcome, audited in one entry per batch:
  ``delivered``; or a failure, retried after :data:`BACKOFF` (``last_error`` kept), and ``dead``
  after the last retry or a permanent failure. An outcome whose lease was lost (it expired and
  another worker claimed the delivery) is dropped: that worker settles it.
- A worker killed mid-batch leaves its leases to expire; the deliveries are claimed again and
  sent again with the same id (``webhook-id`` header, ``Message-ID``): at least once, and a
  receiver drops repeats by that id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from fleet import audit
from fleet.errors import Conflict
from fleet.models import Delivery, Notification, Webhook
from fleet.principal import Principal
from fleet.tenancy import get_scoped

LEASE = timedelta(minutes=5)
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1),
           timedelta(hours=3), timedelta(hours=6), timedelta(hours=12))
"""Waits before the 2nd … 8th attempt; a delivery still failing after the 8th is ``dead``."""


@dataclass(frozen=True)
class Claimed:
    """A delivery leased to a worker, with what sending it needs."""

    delivery_id: str
    notification_id: str
    channel: str
    target: str
    attempt: int
    type: str
    occurred_at: datetime
    data: dict[str, Any]
    agency_id: str | None
    webhook_url: str | None = None
    webhook_secret: str | None = None


@dataclass(frozen=True)
class Outcome:
    delivery_id: str
    error: str | None = None
    permanent: bool = False


class DeliveryFailed(Exception):
    """A channel could not deliver; ``permanent``: retrying cannot help (a refused destination)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


def _due(now: datetime) -> tuple[Any, ...]:
    return (Delivery.status == "pending", Delivery.next_attempt_at <= now,
            or_(Delivery.claimed_until.is_(None), Delivery.claimed_until < now))


def any_due(session: Session, *, now: datetime) -> bool:
    """Whether a delivery is due and free by ``now`` (a read: the worker looks before it claims)."""
    return session.scalar(select(Delivery.id).where(*_due(now)).limit(1)) is not None


def claim(session: Session, *, worker: str, now: datetime, limit: int = 100, lease: timedelta = LEASE
          ) -> list[Claimed]:
    """Lease up to ``limit`` due deliveries to ``worker`` for ``lease`` (oldest due first)."""
    stmt: Any = select(Delivery.id).where(*_due(now)).order_by(Delivery.next_attempt_at, Delivery.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    ids = list(session.scalars(stmt))
    if not ids:
        return []
    session.execute(update(Delivery).where(Delivery.id.in_(ids)).values(claimed_by=worker, claimed_until=now + lease),
                    execution_options={"synchronize_session": False})
    rows = session.execute(
        select(Delivery.id, Delivery.notification_id, Delivery.channel, Delivery.target, Delivery.attempts,
               Notification.type, Notification.occurred_at, Notification.data, Notification.agency_id,
               Webhook.url, Webhook.secret, Webhook.deleted_at)
        .join(Notification, Notification.id == Delivery.notification_id)
        .outerjoin(Webhook, (Delivery.channel == "webhook") & (Webhook.id == Delivery.target))
        .where(Delivery.id.in_(ids)).order_by(Delivery.next_attempt_at, Delivery.id)).all()
    return [Claimed(r[0], r[1], r[2], r[3], r[4] + 1, r[5], r[6], r[7], r[8],
                    r[9] if r[11] is None else None, r[10] if r[11] is None else None) for r in rows]


def settle(session: Session, principal: Principal, outcomes: list[Outcome], *, worker: str, now: datetime) -> int:
    """Record the outcomes of ``worker``'s batch; returns how many were settled (a lost lease is not)."""
    if not outcomes:
        return 0
    by_id = {o.delivery_id: o for o in outcomes}
    head = audit.lock_head(session)
    rows = list(session.scalars(select(Delivery).where(Delivery.id.in_(by_id), Delivery.claimed_by == worker,
                                                       Delivery.status == "pending").order_by(Delivery.id)))
    for d in rows:
        _apply(d, by_id[d.id], now)
    if rows:
        session.flush()
        delivered = sum(d.status == "delivered" for d in rows)
        audit.record(session, principal, action="notification.deliveries", entity_type="delivery_batch",
                     entity_id=rows[0].id, agency_id=None, head=head, rows=rows,
                     after={"delivered": delivered, "failed": len(rows) - delivered,
                            "dead": sum(d.status == "dead" for d in rows)})
    return len(rows)


def _apply(d: Delivery, outcome: Outcome, now: datetime) -> None:
    d.attempts += 1
    d.claimed_by = d.claimed_until = None
    if outcome.error is None:
        d.status, d.delivered_at, d.last_error = "delivered", now, None
        return
    d.last_error = outcome.error[:2000]
    if outcome.permanent or d.attempts > len(BACKOFF):
        d.status = "dead"
    else:
        d.next_attempt_at = now + BACKOFF[d.attempts - 1]


def retry(session: Session, principal: Principal, delivery_id: str, *, now: datetime) -> Delivery:
    """An admin's retry of a dead delivery: pending again, due now, with its attempts kept."""
    principal.require("notifications.manage")
    d = get_scoped(session, Delivery, delivery_id, principal, what="delivery")
    if d.status != "dead":
        raise Conflict(f"delivery {delivery_id} is {d.status}, not dead: only a dead delivery is retried",
                       code="not_dead")
    before = audit.snapshot(d)
    d.status, d.next_attempt_at, d.claimed_by, d.claimed_until = "pending", now, None, None
    session.flush()
    audit.record(session, principal, action="notification.retry", entity_type="delivery", entity_id=d.id,
                 agency_id=d.agency_id, before=before, after=audit.snapshot(d), rows=[d])
    return d
