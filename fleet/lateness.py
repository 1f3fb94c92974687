"""The reporting window rule: who may record a fact later than the contract allows, and how.

DESIGN.md principle 9: a fact recorded later than the contract's reporting window is flagged
wherever it is shown, and the counterparty cannot backdate beyond it. So, for a ticket's
``reported_at``, an event's ``occurred_at`` and a correction's new ``occurred_at``:

* within the window: recorded, not flagged;
* late, by an **agency** (key or web user): refused (``outside_reporting_window``, 422), nothing
  stored. The agency reports through the vendor's contract manager, who records it with a reason;
* late, by an **admin, manager or engineer**: recorded only with a reason (``late_reason`` on a
  ticket or event; a correction's required ``reason`` is its reason), else refused
  (``late_reason_required``, 422). Engineers are held to the same rule as managers: a backdated
  milestone (on site, restored) moves the vendor's own figures, so it must say why;
* the **system** principal (the operator's CLI and in-process loaders: demo, imports) records
  without a reason; its late facts are flagged like any other.

Telemetry status events are never refused (robots buffer offline and send later); they are
flagged when late. The rule ("late, by how much") is :mod:`slas.lateness`; this module applies it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, func, literal, select
from sqlalchemy.orm import Session

from fleet.errors import Invalid
from fleet.models import StatusEvent, Ticket, TicketEvent
from fleet.principal import Principal
from slas import lateness


def check(principal: Principal, *, what: str, occurred_at: datetime, recorded_at: datetime, window_hours: int,
          reason: str | None) -> None:
    """Raise :class:`Invalid` when ``principal`` may not record this fact now (see the module doc)."""
    if not lateness.is_late(occurred_at, recorded_at, window_hours):
        return
    gap = lateness.describe(lateness.delay(occurred_at, recorded_at))
    told = (f"{what} {occurred_at.isoformat()} is {gap} before it is being recorded, beyond this contract's "
            f"reporting window of {window_hours} hours")
    details = [{"window_hours": window_hours, "delay_minutes": round(lateness.delay(occurred_at, recorded_at)
                                                                    .total_seconds() / 60, 2)}]
    if principal.role == "agency":
        raise Invalid(f"{told}: ask the vendor's contract manager to record it with the reason it is late",
                      code="outside_reporting_window", details=details)
    if principal.kind == "system" or (reason and reason.strip()):
        return
    field = "reason" if what == "the corrected occurred_at" else "late_reason"
    raise Invalid(f"{told}: give a {field} saying why it is recorded late", code="late_reason_required",
                  details=details)


def flags(occurred_at: datetime, recorded_at: datetime, window_hours: int) -> dict[str, Any]:
    """``recorded_late`` and ``late_by_minutes`` (the delay; ``None`` when on time) for an answer."""
    late = lateness.late_by_minutes(occurred_at, recorded_at, window_hours)
    return {"recorded_late": late is not None, "late_by_minutes": late}


def who_and_why(session: Session, ticket_ids: list[str], event_ids: list[str]) -> dict[str, tuple[str, str | None]]:
    """Who recorded these tickets and events and the reason given for recording them late."""
    out: dict[str, tuple[str, str | None]] = {}
    for i in range(0, len(ticket_ids), 500):
        for tid, actor, reason in session.execute(select(Ticket.id, Ticket.created_by, Ticket.late_reason)
                                                  .where(Ticket.id.in_(ticket_ids[i:i + 500]))):
            out[tid] = (actor, reason)
    for i in range(0, len(event_ids), 500):
        for eid, kind, actor, reason, late_reason in session.execute(
                select(TicketEvent.id, TicketEvent.type, TicketEvent.actor, TicketEvent.reason, TicketEvent.late_reason)
                .where(TicketEvent.id.in_(event_ids[i:i + 500]))):
            out[eid] = (actor, late_reason or (reason if kind == "corrected" else None))
    return out


def _later_than(session: Session, recorded: Any, occurred: Any, window_hours: int) -> ColumnElement[bool]:
    """``recorded - occurred > window`` in SQL, a little loose (the exact rule runs in Python after)."""
    if session.get_bind().dialect.name == "postgresql":
        loose = timedelta(hours=window_hours) - timedelta(seconds=1)
        return cast(ColumnElement[bool], recorded - occurred > literal(loose))
    later: ColumnElement[bool] = func.julianday(recorded) - func.julianday(occurred) > (window_hours - 0.01) / 24
    return later


def late_status_events(session: Session, window_hours: int, unit_ids: Iterable[str], start: datetime,
                       end: datetime, as_of: datetime) -> dict[str, list[tuple[datetime, datetime]]]:
    """``{unit_id: [(occurred_at, recorded_at)]}`` of the status events of these units that occurred in
    ``[start, end)``, were recorded by ``as_of`` and later than the window: pre-filtered in SQL by
    the window (a little loose), the exact rule then applied here."""
    per_unit: dict[str, list[tuple[datetime, datetime]]] = {}
    ids = sorted(unit_ids)
    for i in range(0, len(ids), 500):
        rows = session.execute(
            select(StatusEvent.unit_id, StatusEvent.occurred_at, StatusEvent.recorded_at)
            .where(StatusEvent.unit_id.in_(ids[i:i + 500]), StatusEvent.occurred_at >= start,
                   StatusEvent.occurred_at < end, StatusEvent.recorded_at <= as_of,
                   _later_than(session, StatusEvent.recorded_at, StatusEvent.occurred_at, window_hours)))
        for unit_id, occurred, recorded in rows:
            if lateness.is_late(occurred, recorded, window_hours):
                per_unit.setdefault(unit_id, []).append((occurred, recorded))
    return per_unit
