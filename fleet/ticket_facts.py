"""Reading tickets' histories for the clocks and the record: each event as a :class:`fleet.timeline.Fact`,
the effective timelines of the tickets a filter selects, and the clocks' inputs, as of an instant."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import (
    ColumnElement,
    Connection,
    DateTime,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session

from fleet import timeline
from fleet.models import Ticket, TicketEvent

_R = TypeVar("_R", timeline.Fact, "ClockEvent")


def fact(e: TicketEvent) -> timeline.Fact:
    return timeline.Fact(id=e.id, type=e.type, occurred_at=e.occurred_at, recorded_at=e.recorded_at,
                         reason=e.reason, priority=e.priority, corrects_id=e.corrects_id, void=e.void, actor=e.actor)


def facts_where(session: Session, ticket_filter: Sequence[ColumnElement[bool]], *,
                as_of: datetime | None = None) -> dict[str, list[timeline.Fact]]:
    """The events (originals and corrections) of the tickets matching ``ticket_filter`` (on
    ``Ticket`` or ``TicketEvent`` columns), recorded by ``as_of`` if given, each ticket's in
    ``occurred_at`` order, in one query that reads bare columns: figures read tens of thousands."""
    return _read_facts(session, ticket_filter, as_of)[0]


def timelines_where(session: Session, ticket_filter: Sequence[ColumnElement[bool]], *,
                    as_of: datetime | None = None) -> tuple[dict[str, list[timeline.Fact]],
                                                            dict[str, list[timeline.Fact]]]:
    """As :func:`facts_where`, with each ticket's effective timeline as of ``as_of``
    (:func:`fleet.timeline.effective`): ``(recorded facts, effective timelines)`` by ticket id.

    The rows arrive sorted by ``occurred_at``; a ticket without corrections whose events all
    occurred at distinct instants is then already its own effective timeline (the same list
    is shared), so only the others are replayed through :func:`fleet.timeline.effective`."""
    facts, irregular = _read_facts(session, ticket_filter, as_of)
    if not irregular:
        return facts, facts
    effective = dict(facts)
    for ticket_id in irregular:
        effective[ticket_id] = timeline.effective(facts[ticket_id], as_of=as_of)
    return facts, effective


def _read_facts(session: Session, ticket_filter: Sequence[ColumnElement[bool]],
                as_of: datetime | None) -> tuple[dict[str, list[timeline.Fact]], set[str]]:
    """The facts by ticket, and the tickets whose facts are *not* already their effective
    timeline (a correction, two events at one instant, or rows out of ``occurred_at`` order)."""
    return _read_events(session, ticket_filter, as_of, timeline.Fact)


class ClockEvent(NamedTuple):
    """An event as the SLA clocks read it (:class:`slas.clocks.EventLike`), from the record."""

    type: str
    occurred_at: datetime
    priority: str | None


def clock_inputs_where(session: Session, ticket_filter: Sequence[ColumnElement[bool]], *, as_of: datetime
                       ) -> list[tuple[datetime, str, Sequence[ClockEvent | timeline.Fact]]]:
    """``(reported_at, initial priority, effective timeline)`` of the tickets matching
    ``ticket_filter`` (on ``Ticket`` columns) recorded by ``as_of``, in ``(reported_at, id)`` order.

    What the clocks read and no more: the events as :class:`ClockEvent` (no ids, reasons or
    ``recorded_at``: a third of the bytes to fetch and convert). A ticket whose rows are not
    already its effective timeline (see :func:`_read_facts`) is read again in full, in chunks,
    and replayed through :func:`fleet.timeline.effective`, as :func:`timelines_where` does."""
    connection = session.connection()
    reported_at: Any = Ticket.reported_at
    if _driver_reads_utc(connection):
        reported_at = type_coerce(reported_at, DateTime(timezone=True))
    tickets = connection.execute(select(Ticket.id, reported_at, Ticket.initial_priority)
                                 .where(*ticket_filter, Ticket.recorded_at <= as_of)
                                 .order_by(Ticket.reported_at, Ticket.id)).all()
    timelines: dict[str, list[Any]]
    timelines, irregular = _read_events(session, [*ticket_filter, Ticket.recorded_at <= as_of], as_of, ClockEvent)
    if irregular:
        full = facts_by_ticket(session, sorted(irregular))  # effective() applies the as_of cut
        for ticket_id in irregular:
            timelines[ticket_id] = timeline.effective(full[ticket_id], as_of=as_of)
    none: list[ClockEvent] = []
    return [(t[1], t[2], timelines.get(t[0], none)) for t in tickets]


def _read_events(session: Session, ticket_filter: Sequence[ColumnElement[bool]], as_of: datetime | None,
                 row: type[_R]) -> tuple[dict[str, list[_R]], set[str]]:
    """The events of the matching tickets as ``row`` tuples (its fields name the columns), by
    ticket in ``occurred_at`` order, in one query that reads bare columns, and the tickets whose
    rows are not already their effective timeline."""
    if as_of is not None:
        ticket_filter = [*ticket_filter, TicketEvent.recorded_at <= as_of]
    connection = session.connection()
    columns: list[Any] = [getattr(TicketEvent, name) for name in row._fields]
    if _driver_reads_utc(connection):
        # The driver already hands back UTC-aware instants: skip UTCDateTime's per-value hook.
        columns = [type_coerce(c, DateTime(timezone=True)) if c.key in ("occurred_at", "recorded_at") else c
                   for c in columns]
    rows = connection.execute(
        select(TicketEvent.ticket_id, *columns)
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(*ticket_filter)
        .order_by(TicketEvent.ticket_id, TicketEvent.occurred_at)  # the (ticket_id, occurred_at) index
    ).all()  # one fetch: iterating the result would fetch row by row
    kind, when = row._fields.index("type"), row._fields.index("occurred_at")
    out: dict[str, list[_R]] = defaultdict(list)
    irregular: set[str] = set()
    make = tuple.__new__
    current_id: str | None = None
    current: list[_R] = []
    last: Any = None
    for r in rows:
        f = make(row, r[1:])
        if r[0] == current_id:
            if f[kind] == "corrected" or f[when] <= last:
                irregular.add(r[0])
        else:
            current_id = r[0]
            found = out.get(r[0])
            if found is None:
                current = out[r[0]] = []
                if f[kind] == "corrected":
                    irregular.add(r[0])
            else:  # the ticket's rows were not contiguous
                current = found
                irregular.add(r[0])
        current.append(f)
        last = f[when]
    return out, irregular


def _driver_reads_utc(connection: Connection) -> bool:
    """Whether the DB-API connection returns timestamptz values as ``datetime.UTC``-aware
    datetimes itself (psycopg on a session whose TimeZone is UTC, as ``make_engine`` sets)."""
    if connection.dialect.name != "postgresql":
        return False
    info = getattr(connection.connection.dbapi_connection, "info", None)
    return getattr(info, "timezone", None) is UTC


def facts_by_ticket(session: Session, ticket_ids: Sequence[str]) -> dict[str, list[timeline.Fact]]:
    """Every event of these tickets (originals and corrections), in one query per 500 tickets."""
    out: dict[str, list[timeline.Fact]] = defaultdict(list)
    for i in range(0, len(ticket_ids), 500):
        out.update(facts_where(session, [TicketEvent.ticket_id.in_(ticket_ids[i:i + 500])]))
    return out
