"""One contract-period record: everything a contract's figures for a period come from, read once,
as the record stood at ``as_of``, each fact with its id.

- **units** registered by ``as_of`` (``created_at <= as_of``; a unit registered later is not on
  that record), and for those in service before the period end the availability input
  (:class:`UnitFacts`): each unit's status *changes* in the period with their event ids (a
  repeated state is no change, so the figures are the same), and the state it was in at the
  period start with the event that set it;
- **maintenance windows** recorded by ``as_of``, not cancelled by then, overlapping the period;
- **unit-down stops**: a ticket with ``unit_down`` recorded by ``as_of`` keeps its unit down from
  ``reported_at`` to its first ``restored`` (else ``resolved``) on its effective timeline as of
  ``as_of`` that occurred by ``at``; not yet restored, to the period end. Reopening a ticket does
  not restart its downtime (a recurring outage shows in telemetry or in a new ticket);
- **tickets** reported in the period and recorded by ``as_of`` with their recorded facts (actors
  included) and effective timelines (:func:`fleet.ticket_facts.timelines_where`);
- on request, the **ratings** and **work logs** of those tickets recorded by ``as_of``.

The services judge from it (:mod:`fleet.uptime` for availability, :mod:`fleet.sla_service` for the
clocks) and reports cite its ids. A record inconsistent as of its instant (a ticket on record
whose unit was registered later) is refused with :class:`fleet.errors.Conflict`, naming both.

Status changes are read by :func:`plain_changes` (a ``lag()`` window, any database) or, on
PostgreSQL, by :func:`fleet.period_pg.stream_changes` (index skip, two connections for a large
fleet); ``plain=True`` forces the portable reading (a test checks both give the same record).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import groupby
from operator import attrgetter, itemgetter
from typing import Any, NamedTuple, cast

from sqlalchemy import ColumnElement, Select, Table, func, or_, select
from sqlalchemy.orm import Session

from fleet import period_pg, timeline
from fleet.db import utcnow
from fleet.errors import Conflict, Invalid
from fleet.models import Contract, MaintenanceWindow, Rating, StatusEvent, Ticket, TicketEvent, Unit
from fleet.ticket_facts import timelines_where
from fleet.ticket_views import WorkLogView, work_logs_of
from slas.calendars import local_midnight

_EVENTS = cast(Table, StatusEvent.__table__)
Changes = tuple[list[tuple[datetime, str]], list[int]]
"""A unit's status changes ``[(occurred_at, state)]`` and, index for index, their event ids."""


@dataclass(frozen=True)
class Period:
    """The instants a figure covers: ``[start, end)`` with ``end = min(to, at)`` (UTC);
    ``period_end`` is local midnight of ``to`` (tickets reported up to it belong to the period)."""

    start_date: date
    end_date: date
    timezone: str
    as_of: datetime
    at: datetime
    start: datetime
    end: datetime
    period_end: datetime

    @property
    def empty(self) -> bool:
        return self.end <= self.start

    def fields(self) -> dict[str, Any]:
        """The period as :class:`fleet.figures.PeriodOf` holds it."""
        return {"from_": self.start_date, "to": self.end_date, "timezone": self.timezone, "as_of": self.as_of,
                "at": self.at, "period_start": None if self.empty else self.start,
                "period_end": None if self.empty else self.end}


def period(start_date: date, end_date: date, tz: str, *, at: datetime | None, as_of: datetime | None) -> Period:
    """Resolve ``from``/``to`` (local dates, ``to`` exclusive) and the two instants."""
    if end_date <= start_date:
        raise Invalid("to must be after from (to is exclusive)", code="invalid_period")
    as_of = (as_of or utcnow()).astimezone(UTC)
    at = (at or as_of).astimezone(UTC)
    start, end = local_midnight(start_date, tz), local_midnight(end_date, tz)
    return Period(start_date, end_date, tz, as_of, at, start, min(end, at), end)


@dataclass
class UnitFacts:
    """What the record says about one unit in a period, ready for :mod:`slas.availability`."""

    unit_id: str
    serial: str
    in_service_at: datetime
    state_before: str = "up"
    changes: list[tuple[datetime, str]] = field(default_factory=list)  # (occurred_at, state) in time order
    ticket_down: list[tuple[datetime, datetime | None]] = field(default_factory=list)
    windows: list[tuple[datetime, datetime]] = field(default_factory=list)
    prior_id: int | None = None  # the status event that set ``state_before``
    change_ids: list[int] = field(default_factory=list)  # the status event of each change


@dataclass(frozen=True)
class UnitRow:
    id: str
    serial: str
    model: str
    site: str
    in_service_at: datetime


@dataclass(frozen=True)
class Window:
    id: str
    unit_id: str | None
    starts_at: datetime
    ends_at: datetime
    reason: str


@dataclass(frozen=True)
class DownStop:
    """A unit-down ticket's downtime: from ``reported_at`` to ``stop`` (None: still down)."""

    ticket_id: str
    number: str
    unit_id: str
    reported_at: datetime
    stop: datetime | None


class RecordTicket(NamedTuple):
    id: str
    number: str
    unit_id: str
    reported_at: datetime
    initial_priority: str
    summary: str
    recorded_at: datetime
    unit_down: bool
    contract_id: str
    facts: list[timeline.Fact]  # as recorded by as_of, corrections included
    effective: list[timeline.Fact]  # the effective timeline as of as_of


@dataclass(frozen=True)
class RatingRow:
    id: str
    ticket_id: str
    score: int


@dataclass
class PeriodRecord:
    """A contract's record for one period (or one unit's, ``unit_id``) as of ``p.as_of``."""

    contract: Contract
    p: Period
    unit_id: str | None
    units: dict[str, UnitRow]  # registered by as_of, by serial
    facts: list[UnitFacts]  # units in service before the period end, by serial
    windows: list[Window]
    down: list[DownStop]  # downtime reaching the period start or later
    tickets: list[RecordTicket]  # reported in the period, in (reported_at, id) order
    ratings: list[RatingRow] = field(default_factory=list)
    work_logs: list[WorkLogView] = field(default_factory=list)

    @property
    def down_in_period(self) -> list[DownStop]:
        """The unit-down tickets whose downtime falls inside the period (not just touching its start)."""
        return [d for d in self.down if d.stop is None or d.stop > self.p.start]


def read(session: Session, contract: Contract, p: Period, *, unit_id: str | None = None, plain: bool = False,
         ratings: bool = False, work_logs: bool = False) -> PeriodRecord:
    """The record, read once (see the module docstring)."""
    rows = _unit_rows(session, contract, p, unit_id)
    units = {r[0].id: r[0] for r in rows}
    windows = _windows(session, contract, p, unit_id) if not p.empty else []
    down = _down_stops(session, contract, p, unit_id)
    facts = _facts(rows, windows, down, p)
    listed = sorted(_with_changes(session, facts, p, plain=plain), key=attrgetter("serial"))
    where = _ticket_filter(contract, p, unit_id)
    tickets = read_tickets(session, where, p.as_of)
    for t in tickets:
        if t.unit_id not in units:
            raise _unit_not_on_record(session, t, p.as_of)
    record = PeriodRecord(contract, p, unit_id, units, listed, windows, down, tickets)
    if ratings:
        record.ratings = [RatingRow(*r) for r in session.execute(
            select(Rating.id, Rating.ticket_id, Rating.score).join(Ticket, Ticket.id == Rating.ticket_id)
            .where(*where, Rating.recorded_at <= p.as_of).order_by(Rating.id))]
    if work_logs and tickets:
        logs = [w for per_ticket in work_logs_of(session, [t.id for t in tickets]).values() for w in per_ticket
                if w.recorded_at <= p.as_of]
        record.work_logs = sorted(logs, key=lambda w: (w.started_at, w.id))
    return record


def iter_unit_facts(session: Session, contract: Contract, p: Period, *, unit_id: str | None = None,
                    plain: bool = False) -> Iterator[UnitFacts]:
    """The availability input alone (units in service before the period end with their changes,
    ticket downtime and windows), each unit yielded as soon as its status changes have arrived,
    so the caller computes while the database is still producing (units without changes come
    last). Do not use the session until the iterator is exhausted."""
    rows = _unit_rows(session, contract, p, unit_id, in_service=True)
    if not rows or p.empty:
        yield from _facts(rows, [], [], p).values()
        return
    facts = _facts(rows, _windows(session, contract, p, unit_id), _down_stops(session, contract, p, unit_id), p)
    yield from _with_changes(session, facts, p, plain=plain)


def _unit_rows(session: Session, contract: Contract, p: Period, unit_id: str | None, *,
               in_service: bool = False) -> list[tuple[UnitRow, str | None, int | None]]:
    """Units registered by ``as_of`` (by serial) with the state and event that held at the period start."""
    ev = _EVENTS.c
    prior = (select(ev.id).where(ev.unit_id == Unit.id, ev.occurred_at < p.start, ev.recorded_at <= p.as_of)
             .order_by(ev.occurred_at.desc(), ev.id.desc()).limit(1).correlate(Unit).scalar_subquery())
    which = [Unit.id == unit_id if unit_id is not None else Unit.contract_id == contract.id,
             Unit.created_at <= p.as_of]
    if in_service:
        which.append(Unit.in_service_at < p.end)
    base = (select(Unit.id, Unit.serial, Unit.model, Unit.site, Unit.in_service_at, prior.label("prior_id"))
            .where(*which).subquery())
    stmt = (select(base, ev.state).select_from(base.outerjoin(_EVENTS, ev.id == base.c.prior_id))
            .order_by(base.c.serial))
    return [(UnitRow(*r[:5]), r[6], r[5]) for r in session.execute(stmt)]


def _facts(rows: Sequence[tuple[UnitRow, str | None, int | None]], windows: Iterable[Window],
           down: Iterable[DownStop], p: Period) -> dict[str, UnitFacts]:
    facts = {u.id: UnitFacts(u.id, u.serial, u.in_service_at, state or "up", prior_id=prior)
             for u, state, prior in rows if u.in_service_at < p.end}
    if p.empty:
        return facts
    for w in windows:
        for target in facts.values() if w.unit_id is None else ([facts[w.unit_id]] if w.unit_id in facts else []):
            target.windows.append((w.starts_at, w.ends_at))
    for d in down:
        if d.unit_id in facts:
            facts[d.unit_id].ticket_down.append((d.reported_at, d.stop))
    return facts


def _windows(session: Session, contract: Contract, p: Period, unit_id: str | None) -> list[Window]:
    mw = MaintenanceWindow
    stmt = (select(mw.id, mw.unit_id, mw.starts_at, mw.ends_at, mw.reason)
            .where(mw.contract_id == contract.id, mw.recorded_at <= p.as_of,
                   or_(mw.cancelled_at.is_(None), mw.cancelled_at > p.as_of),
                   mw.starts_at < p.end, mw.ends_at > p.start)
            .order_by(mw.starts_at, mw.id))
    if unit_id is not None:
        stmt = stmt.where(or_(mw.unit_id.is_(None), mw.unit_id == unit_id))
    return [Window(*row) for row in session.execute(stmt)]


def _down_stops(session: Session, contract: Contract, p: Period, unit_id: str | None) -> list[DownStop]:
    """Unit-down tickets reported before the (measured) period end whose downtime reaches its
    start: the tickets, then only their events that can end the downtime (and corrections, which
    may move or void them) in one join on the same filter: the first restored/resolved of the
    effective timeline is the same in this subset."""
    which = [Ticket.contract_id == contract.id, Ticket.unit_down.is_(True), Ticket.recorded_at <= p.as_of,
             Ticket.reported_at < p.end]
    if unit_id is not None:
        which.append(Ticket.unit_id == unit_id)
    tickets = session.execute(select(Ticket.id, Ticket.number, Ticket.unit_id, Ticket.reported_at)
                              .where(*which).order_by(Ticket.reported_at, Ticket.id)).all()
    if not tickets:
        return []
    stops = TicketEvent.type.in_(("restored", "resolved", "corrected"))
    _, effective = timelines_where(session, [*which, stops], as_of=p.as_of)
    out = []
    for ticket_id, number, uid, reported_at in tickets:
        stop = next((f.occurred_at for f in effective.get(ticket_id, ())
                     if f.type in ("restored", "resolved") and f.occurred_at <= p.at), None)
        if stop is None or stop >= p.start:
            out.append(DownStop(ticket_id, number, uid, reported_at, stop))
    return out


def _with_changes(session: Session, facts: dict[str, UnitFacts], p: Period, *, plain: bool) -> Iterator[UnitFacts]:
    if not facts or p.empty:
        yield from facts.values()
        return
    pg = session.get_bind().dialect.name == "postgresql" and not plain
    found = period_pg.stream_changes(session, list(facts), p) if pg else plain_changes(session, list(facts), p)
    seen = set()
    for uid, (changes, ids) in found:
        u = facts[uid]
        u.changes, u.change_ids = changes, ids
        seen.add(uid)
        yield u
    yield from (u for uid, u in facts.items() if uid not in seen)


def plain_changes(session: Session, unit_ids: list[str], p: Period) -> Iterator[tuple[str, Changes]]:
    """The period's state changes of these units with their event ids, per unit, on any database."""
    rows: Iterable[Any] = session.connection().execute(_changes_query(unit_ids, p).execution_options(yield_per=10_000))
    for uid, group in groupby(rows, key=itemgetter(0)):
        changes: Changes = ([], [])
        for _, t, s, event_id in group:
            changes[0].append((t, s))
            changes[1].append(event_id)
        yield uid, changes


def _changes_query(unit_ids: list[str], p: Period) -> Select[Any]:
    """The changes ordered by unit, time and storage order: ``lag()`` drops repeated states in the
    database; ``ROWS`` framing spares the window the peer-group bookkeeping a ``RANGE`` frame does."""
    ev = _EVENTS.c
    units = ev.unit_id == unit_ids[0] if len(unit_ids) == 1 else ev.unit_id.in_(unit_ids)
    prev = func.lag(ev.state).over(partition_by=ev.unit_id, order_by=(ev.occurred_at, ev.id), rows=(None, 0))
    lagged = (select(ev.unit_id, ev.occurred_at, ev.state, ev.id, prev.label("prev"))
              .where(units, ev.occurred_at >= p.start, ev.occurred_at < p.end, ev.recorded_at <= p.as_of)
              .subquery())
    return (select(lagged.c.unit_id, lagged.c.occurred_at, lagged.c.state, lagged.c.id)
            .where(or_(lagged.c.prev.is_(None), lagged.c.prev != lagged.c.state))
            .order_by(lagged.c.unit_id, lagged.c.occurred_at, lagged.c.id))


def _ticket_filter(contract: Contract, p: Period, unit_id: str | None) -> list[ColumnElement[bool]]:
    """The tickets reported in ``[start, period_end)`` and recorded by ``as_of``."""
    scope = Ticket.unit_id == unit_id if unit_id is not None else Ticket.contract_id == contract.id
    return [scope, Ticket.reported_at >= p.start, Ticket.reported_at < p.period_end, Ticket.recorded_at <= p.as_of]


def read_tickets(session: Session, where: Sequence[ColumnElement[bool]], as_of: datetime) -> list[RecordTicket]:
    """The tickets matching ``where`` (which cuts at ``as_of``) in ``(reported_at, id)`` order, with
    their facts and effective timelines as of ``as_of`` (two queries)."""
    rows = session.connection().execute(
        select(Ticket.id, Ticket.number, Ticket.unit_id, Ticket.reported_at, Ticket.initial_priority, Ticket.summary,
               Ticket.recorded_at, Ticket.unit_down, Ticket.contract_id)
        .where(*where).order_by(Ticket.reported_at, Ticket.id)).all()
    facts, effective = timelines_where(session, where, as_of=as_of)
    none: list[timeline.Fact] = []
    return [RecordTicket(*r[:7], bool(r[7]), r[8], facts.get(r[0]) or [], effective.get(r[0]) or none)
            for r in rows]


def _unit_not_on_record(session: Session, t: RecordTicket, as_of: datetime) -> Conflict:
    registered = session.scalar(select(Unit.created_at).where(Unit.id == t.unit_id))
    when = "later" if registered is None else registered.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return Conflict(f"ticket {t.number} ({t.id}) is on record as of {as_of.isoformat().replace('+00:00', 'Z')} "
                    f"but its unit {t.unit_id} was registered {when}: the record is not consistent as of that "
                    "instant", code="inconsistent_record")
