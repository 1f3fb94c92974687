"""The report data of dispatch and the conversation: time to assign for a contract review, the
public conversation for a unit history. Both as recorded by ``as_of``; both left out of the data
when empty, so a report of a record without them is byte-for-byte what it was before."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from statistics import median

from sqlalchemy.orm import Session

from fleet import conversation, dispatch
from fleet.sla_service import EvaluatedTicket
from reports.data import AssignTime, CommentRecord, Dispatch, Sources

_TENTH = Decimal("0.1")


def _minutes(seconds: float) -> Decimal:
    return (Decimal(str(max(0.0, seconds))) / 60).quantize(_TENTH, rounding=ROUND_HALF_UP)


def time_to_assign(session: Session, tickets: Sequence[EvaluatedTicket], as_of: datetime) -> Dispatch | None:
    """Reported → first assignment of each ticket of the period (None when none was ever assigned)."""
    found = dispatch.dispatch_of(session, [t.id for t in tickets], as_of=as_of)
    rows = []
    for t in tickets:
        d = found.get(t.id)
        if d is not None and d.first_assigned_at is not None:
            rows.append(AssignTime(first_assigned_at=d.first_assigned_at, ticket_id=t.id, ticket_number=t.number,
                                   minutes=_minutes((d.first_assigned_at - t.reported_at).total_seconds())))
    if not rows:
        return None
    values = [r.minutes for r in rows]
    mean = (sum(values, Decimal(0)) / len(values)).quantize(_TENTH, rounding=ROUND_HALF_UP)
    return Dispatch(assigned=len(rows), never_assigned=len(tickets) - len(rows), mean_minutes=mean,
                    median_minutes=Decimal(median(values)).quantize(_TENTH, rounding=ROUND_HALF_UP),
                    sources=Sources(tickets=sorted(r.ticket_id for r in rows)), tickets=rows)


def public_comments(session: Session, numbers: dict[str, str], as_of: datetime) -> list[CommentRecord]:
    """The public conversation of these tickets (``{id: number}``), oldest first."""
    found = conversation.public_comments(session, list(numbers), as_of=as_of)
    out = [CommentRecord(author=c.author, body=c.body, id=c.id, recorded_at=c.recorded_at,
                         side=c.side, ticket_id=c.ticket_id, ticket_number=numbers[c.ticket_id])
           for per_ticket in found.values() for c in per_ticket if c.visibility == "public"]
    return sorted(out, key=lambda c: (c.recorded_at, c.id))
