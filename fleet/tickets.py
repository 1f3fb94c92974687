"""Ticket use cases: open, record events, correct, log work, rate, read the history.

The ticket's ``status``, ``priority`` and milestone columns are a projection rebuilt from the
effective timeline after every write (see :mod:`fleet.timeline`); figures never read them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple, TypeVar, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    DateTime,
    Table,
    bindparam,
    insert,
    inspect,
    select,
    type_coerce,
    update,
)
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from fleet import audit, lateness, timeline
from fleet.db import new_id, utcnow
from fleet.errors import Conflict, Invalid, NotFound
from fleet.models import Contract, Rating, Ticket, TicketEvent, Unit, WorkLog, WorkLogPart
from fleet.pagination import Page, paginate
from fleet.principal import Principal
from fleet.schemas.tickets import (
    CorrectionIn,
    EventIn,
    EventOut,
    RatingIn,
    TicketDetailOut,
    TicketIn,
    TicketOut,
    WorkLogIn,
    WorkLogOut,
)
from fleet.tenancy import get_scoped, scoped

FUTURE_TOLERANCE = timedelta(minutes=5)
_R = TypeVar("_R", timeline.Fact, "ClockEvent")


def _not_in_future(when: datetime, field: str) -> None:
    if when > utcnow() + FUTURE_TOLERANCE:
        raise Invalid(f"{field} {when.isoformat()} is in the future", code="instant_in_future")


def create_ticket(session: Session, principal: Principal, data: TicketIn) -> Ticket:
    """Open a ticket, numbered ``<contract number>-<seq>`` from the contract's counter.

    Numbering: the number is taken from ``contracts.ticket_seq`` (``UPDATE … RETURNING``) as the
    last thing before the ticket and its audit entry are written, and only *after* the audit
    chain head is locked (:func:`fleet.audit.lock_head`). Every writer queues on that head lock
    anyway, so the counter row lock is never waited for: a create no longer holds its contract's
    counter while it waits for the ledger (under load, creates on one contract used to queue
    behind each other for seconds). Numbers stay unique per contract (``UNIQUE (contract_id,
    seq)``), increase in commit order, and have no gaps except where a create rolled back after
    taking its number (its counter increment rolls back with it, so not even then). Nothing
    else locks a contract row, so head → counter is the only lock order and cannot deadlock.
    """
    principal.require("tickets.create")
    stmt: Any = (select(_UNITS.c.agency_id, _UNITS.c.contract_id, _UNITS.c.in_service_at,
                        _CONTRACTS.c.reporting_window_hours)
                 .join(_CONTRACTS, _CONTRACTS.c.id == _UNITS.c.contract_id).where(_UNITS.c.id == data.unit_id))
    unit = session.execute(scoped(stmt, Unit, principal)).first()
    if unit is None:
        raise NotFound(f"unit {data.unit_id} not found")
    agency_id, contract_id, in_service_at, window_hours = unit
    _not_in_future(data.reported_at, "reported_at")
    if data.reported_at < in_service_at:
        raise Invalid("reported_at is before the unit entered service", code="before_in_service")
    recorded_at = utcnow()
    lateness.check(principal, what="reported_at", occurred_at=data.reported_at, recorded_at=recorded_at,
                   window_hours=window_hours, reason=data.late_reason)
    head = audit.lock_head(session)
    seq, contract_number = session.connection().execute(_NEXT_NUMBER, {"contract_id": contract_id}).one()
    ticket = Ticket(
        id=new_id(), agency_id=agency_id, contract_id=contract_id, unit_id=data.unit_id, seq=seq,
        number=f"{contract_number}-{seq:06d}", initial_priority=data.priority, priority=data.priority,
        status="open", summary=data.summary, description=data.description, unit_down=data.unit_down,
        reporter=data.reporter or principal.name, reported_at=data.reported_at, recorded_at=recorded_at,
        created_by=principal.actor, restored_at=None, resolved_at=None, closed_at=None, late_reason=data.late_reason,
    )
    after = audit.snapshot(ticket)
    _insert_persistent(session, ticket)
    audit.record(session, principal, action="ticket.create", entity_type="ticket", entity_id=ticket.id,
                 agency_id=ticket.agency_id, after=after, head=head, rows=[ticket],
                 scope=audit.Scope(contract_id, data.reported_at))
    return ticket


_UNITS = cast(Table, Unit.__table__)
_CONTRACTS = cast(Table, Contract.__table__)
_NEXT_NUMBER = (update(_CONTRACTS).where(_CONTRACTS.c.id == bindparam("contract_id"))
                .values(ticket_seq=_CONTRACTS.c.ticket_seq + 1)
                .returning(_CONTRACTS.c.ticket_seq, _CONTRACTS.c.number))


_INSERTS: dict[Any, tuple[Any, tuple[str, ...]]] = {}


def _insert_persistent(session: Session, obj: Any) -> None:
    """INSERT a fully populated new ORM object with one Core statement (built once per table)
    and attach it to the session as if it had been loaded: no unit-of-work flush (the dearest
    part of a small write)."""
    mapper = inspect(obj).mapper
    found = _INSERTS.get(mapper)
    if found is None:
        found = _INSERTS[mapper] = (insert(mapper.local_table), tuple(a.key for a in mapper.column_attrs))
    stmt, keys = found
    session.connection().execute(stmt, {k: getattr(obj, k) for k in keys})
    make_transient_to_detached(obj)
    session.add(obj)


def get_ticket(session: Session, principal: Principal, ticket_id: str) -> Ticket:
    principal.require("read")
    return get_scoped(session, Ticket, ticket_id, principal, what="ticket")


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


def _events(session: Session, ticket: Ticket) -> list[TicketEvent]:
    return list(session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
                                .order_by(TicketEvent.recorded_at, TicketEvent.id)).all())


def _pause_allowed(session: Session, ticket: Ticket) -> bool:
    return bool(session.scalar(select(Contract.pause_allowed).where(Contract.id == ticket.contract_id)))


def _check_and_project(session: Session, ticket: Ticket, facts: list[timeline.Fact]) -> None:
    """Replay the would-be timeline (raising on an impossible one) and refresh the projection."""
    for k, v in _projection(ticket, facts, pause_allowed=_pause_allowed(session, ticket)).items():
        setattr(ticket, k, v)


def _projection(ticket: Ticket, facts: list[timeline.Fact], *, pause_allowed: bool) -> dict[str, Any]:
    """The projection columns for this would-be timeline (raises on an impossible one)."""
    eff = timeline.effective(facts)
    state = timeline.replay(ticket.reported_at, ticket.initial_priority, eff, pause_allowed=pause_allowed)
    return {"status": state.status, "priority": state.priority, "restored_at": _last(eff, "restored"),
            "resolved_at": _last(eff, "resolved") if state.status in ("resolved", "closed") else None,
            "closed_at": _last(eff, "closed") if state.status == "closed" else None}


def _last(facts: list[timeline.Fact], kind: str) -> datetime | None:
    times = [f.occurred_at for f in facts if f.type == kind]
    return times[-1] if times else None


def add_event(session: Session, principal: Principal, ticket_id: str, data: EventIn) -> TicketEvent:
    principal.require("tickets.events")
    stmt: Any = (select(Ticket, Contract.pause_allowed, Contract.reporting_window_hours)
                 .join(Contract, Contract.id == Ticket.contract_id).where(Ticket.id == ticket_id))
    found = session.execute(scoped(stmt, Ticket, principal)).first()
    if found is None:
        raise NotFound(f"ticket {ticket_id} not found")
    ticket: Ticket = found[0]
    pause_allowed: bool = found[1]
    _not_in_future(data.occurred_at, "occurred_at")
    recorded_at = utcnow()
    lateness.check(principal, what="occurred_at", occurred_at=data.occurred_at, recorded_at=recorded_at,
                   window_hours=found[2], reason=data.late_reason)
    event = TicketEvent(id=new_id(), agency_id=ticket.agency_id, ticket_id=ticket.id, type=data.type,
                        occurred_at=data.occurred_at, recorded_at=recorded_at, actor=principal.actor,
                        reason=data.reason, priority=data.priority, corrects_id=None, void=False,
                        late_reason=data.late_reason)
    facts = [*_event_facts(session, ticket.id), fact(event)]
    before = audit.snapshot(ticket)
    projection = _projection(ticket, facts, pause_allowed=bool(pause_allowed))
    _insert_persistent(session, event)
    changed = {k: v for k, v in projection.items() if getattr(ticket, k) != v}
    if changed:
        session.connection().execute(_PROJECT, {"ticket_id": ticket.id, **projection})
        for k, v in changed.items():
            set_committed_value(ticket, k, v)
    audit.record(session, principal, action=f"ticket.{data.type}", entity_type="ticket_event", entity_id=event.id,
                 agency_id=ticket.agency_id, reason=data.reason,
                 before={"ticket": before}, after={"event": audit.snapshot(event), "ticket": audit.snapshot(ticket)},
                 rows=[event, ticket],
                 scope=_ticket_scope(ticket, event.occurred_at))
    return event


_TICKETS = cast(Table, Ticket.__table__)
_EVENTS = cast(Table, TicketEvent.__table__)
_WORK_LOGS = cast(Table, WorkLog.__table__)
_PROJECTION = ("status", "priority", "restored_at", "resolved_at", "closed_at")
_PROJECT = (update(_TICKETS).where(_TICKETS.c.id == bindparam("ticket_id"))
            .values({k: bindparam(k, type_=_TICKETS.c[k].type) for k in _PROJECTION}))
_EVENT_FACTS = (select(*(_EVENTS.c[name] for name in timeline.Fact._fields))  # every field: rows become Facts as is
                .where(_EVENTS.c.ticket_id == bindparam("ticket_id"))
                .order_by(_EVENTS.c.recorded_at, _EVENTS.c.id))


def _event_facts(session: Session, ticket_id: str) -> list[timeline.Fact]:
    """The ticket's events as facts, in the order :func:`_events` gives (bare columns, no objects)."""
    make = tuple.__new__
    return [make(timeline.Fact, r) for r in session.connection().execute(_EVENT_FACTS, {"ticket_id": ticket_id})]


def _ticket_scope(ticket: Ticket, *instants: datetime) -> audit.Scope:
    """A write on a ticket can change its contract's figures from the ticket's report on (its
    clocks, its downtime), or from an earlier instant the write names."""
    return audit.Scope(ticket.contract_id, min((ticket.reported_at, *instants)))


def correct_event(session: Session, principal: Principal, ticket_id: str, data: CorrectionIn) -> TicketEvent:
    """Supersede a wrong event; the original stays in the record, marked superseded."""
    principal.require("tickets.correct")
    ticket = get_scoped(session, Ticket, ticket_id, principal, what="ticket")
    events = _events(session, ticket)
    target = next((e for e in events if e.id == data.event_id), None)
    if target is None:
        raise NotFound(f"event {data.event_id} not found on ticket {ticket.number}")
    if target.type == "corrected":
        raise Invalid("correct the original event, not a correction", code="invalid_correction")
    recorded_at = utcnow()
    if data.occurred_at is not None:
        _not_in_future(data.occurred_at, "occurred_at")
        lateness.check(principal, what="the corrected occurred_at", occurred_at=data.occurred_at,
                       recorded_at=recorded_at, window_hours=_window(session, ticket.contract_id),
                       reason=data.reason)
    correction = TicketEvent(id=new_id(), agency_id=ticket.agency_id, ticket_id=ticket.id, type="corrected",
                             occurred_at=data.occurred_at or target.occurred_at, recorded_at=recorded_at,
                             actor=principal.actor, reason=data.reason, corrects_id=target.id, void=data.void)
    before = audit.snapshot(ticket)
    _check_and_project(session, ticket, [fact(e) for e in events] + [fact(correction)])
    session.add(correction)
    session.flush()
    audit.record(session, principal, action="ticket.correct", entity_type="ticket_event", entity_id=correction.id,
                 agency_id=ticket.agency_id, reason=data.reason,
                 before={"event": audit.snapshot(target), "ticket": before},
                 after={"correction": audit.snapshot(correction), "ticket": audit.snapshot(ticket)},
                 rows=[correction, ticket],
                 scope=_ticket_scope(ticket, target.occurred_at, correction.occurred_at))
    return correction


def add_work_log(session: Session, principal: Principal, ticket_id: str, data: WorkLogIn) -> WorkLog:
    principal.require("worklogs.write")
    ticket = get_scoped(session, Ticket, ticket_id, principal, what="ticket")
    _not_in_future(data.ended_at, "ended_at")
    reported = ticket.reported_at.replace(second=0, microsecond=0)  # forms give minutes: its minute counts
    if data.started_at < reported:
        raise Invalid(f"work cannot start before the ticket was reported "
                      f"({ticket.reported_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC)", code="work_before_ticket",
                      details=[{"field": "started_at", "reported_at": ticket.reported_at.isoformat()}])
    log = WorkLog(agency_id=ticket.agency_id, ticket_id=ticket.id, started_at=data.started_at,
                  ended_at=data.ended_at, engineer=data.engineer, activity=data.activity, notes=data.notes,
                  recorded_at=utcnow(), created_by=principal.actor)
    session.add(log)
    session.flush()
    parts = [WorkLogPart(work_log_id=log.id, part_number=p.part_number, quantity=p.quantity) for p in data.parts]
    session.add_all(parts)
    session.flush()
    audit.record(session, principal, action="work_log.create", entity_type="work_log", entity_id=log.id,
                 agency_id=ticket.agency_id, rows=[log, *parts],
                 after={**audit.snapshot(log), "parts": [p.model_dump() for p in data.parts]},
                 scope=_ticket_scope(ticket, data.started_at))
    return log


def rate(session: Session, principal: Principal, ticket_id: str, data: RatingIn) -> Rating:
    principal.require("ratings.write")
    ticket = get_scoped(session, Ticket, ticket_id, principal, what="ticket")
    if ticket.status not in ("resolved", "closed"):
        raise Conflict("a ticket can be rated once it is resolved", code="not_resolved")
    if session.scalar(select(Rating.id).where(Rating.ticket_id == ticket.id)):
        raise Conflict("this ticket was already rated", code="already_rated")
    rating = Rating(agency_id=ticket.agency_id, ticket_id=ticket.id, score=data.score, comment=data.comment,
                    recorded_at=utcnow(), created_by=principal.actor)
    session.add(rating)
    session.flush()
    audit.record(session, principal, action="ticket.rate", entity_type="rating", entity_id=rating.id,
                 agency_id=ticket.agency_id, after=audit.snapshot(rating), scope=_ticket_scope(ticket),
                 rows=[rating])
    return rating


def work_logs_out(session: Session, ticket_ids: Sequence[str]) -> dict[str, list[WorkLogOut]]:
    return {ticket_id: [WorkLogOut.model_validate(w) for w in logs]
            for ticket_id, logs in _work_logs(session, ticket_ids).items()}


def _work_logs(session: Session, ticket_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """The tickets' work logs with their minutes and parts, as ``WorkLogOut`` fields (bare
    columns; the parts in one more query, only when there are logs), in ``started_at`` order."""
    logs = [row._asdict() for row in session.connection().execute(
        select(_WORK_LOGS.c.id, _WORK_LOGS.c.ticket_id, _WORK_LOGS.c.started_at, _WORK_LOGS.c.ended_at,
               _WORK_LOGS.c.engineer, _WORK_LOGS.c.activity, _WORK_LOGS.c.notes, _WORK_LOGS.c.recorded_at)
        .where(_WORK_LOGS.c.ticket_id.in_(ticket_ids)).order_by(_WORK_LOGS.c.started_at))]
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    if not logs:
        return out
    parts: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in session.scalars(select(WorkLogPart).where(WorkLogPart.work_log_id.in_([w["id"] for w in logs]))):
        parts[p.work_log_id].append({"part_number": p.part_number, "quantity": p.quantity})
    for w in logs:
        w["minutes"] = round((w["ended_at"] - w["started_at"]).total_seconds() / 60, 2)
        w["parts"] = parts[w["id"]]
        out[w["ticket_id"]].append(w)
    return out


_DETAIL_EVENTS = (select(_EVENTS.c.id, _EVENTS.c.type, _EVENTS.c.occurred_at, _EVENTS.c.recorded_at, _EVENTS.c.actor,
                         _EVENTS.c.reason, _EVENTS.c.priority, _EVENTS.c.corrects_id, _EVENTS.c.void,
                         _EVENTS.c.late_reason)
                  .where(_EVENTS.c.ticket_id == bindparam("ticket_id"))
                  .order_by(_EVENTS.c.recorded_at, _EVENTS.c.id))


def detail(session: Session, principal: Principal, ticket_id: str) -> TicketDetailOut:
    """The ticket with its full history: every event (superseded ones marked), work, rating.

    Three round trips (the ticket with its rating, its events, its work logs; their parts only
    when there are any), read as bare columns by statements built once, validated once."""
    principal.require("read")
    stmt: Any = (select(Ticket, Rating.score, Rating.comment, Rating.recorded_at, Contract.reporting_window_hours)
                 .join(Contract, Contract.id == Ticket.contract_id)
                 .outerjoin(Rating, Rating.ticket_id == Ticket.id).where(Ticket.id == ticket_id))
    found = session.execute(scoped(stmt, Ticket, principal)).first()
    if found is None:
        raise NotFound(f"ticket {ticket_id} not found")
    ticket: Ticket = found[0]
    connection = session.connection()
    events = [row._asdict() for row in connection.execute(_DETAIL_EVENTS, {"ticket_id": ticket.id})]
    superseded_by = {e["corrects_id"]: e["id"] for e in events if e["type"] == "corrected" and e["corrects_id"]}
    window = found[4]
    for e in events:
        e["superseded_by"] = superseded_by.get(e["id"])
        e["superseded"] = e["superseded_by"] is not None
        e.update(lateness.flags(e["occurred_at"], e["recorded_at"], window))
    logs = _work_logs(session, [ticket.id])[ticket.id]
    rating = None if found[1] is None else {"ticket_id": ticket.id, "score": found[1], "comment": found[2],
                                            "recorded_at": found[3]}
    return TicketDetailOut.model_validate({
        **{k: getattr(ticket, k) for k in _TICKET_FIELDS},
        **lateness.flags(ticket.reported_at, ticket.recorded_at, window),
        "events": events, "work_logs": logs, "rating": rating,
        "work_minutes": round(sum(w["minutes"] for w in logs), 2),
    })


_TICKET_FIELDS = tuple(k for k in TicketOut.model_fields if k in _TICKETS.c)


def _window(session: Session, contract_id: str) -> int:
    window: int = session.execute(select(_CONTRACTS.c.reporting_window_hours)
                                  .where(_CONTRACTS.c.id == contract_id)).scalar_one()
    return window


def ticket_out(session: Session, ticket: Ticket) -> TicketOut:
    """A ticket as answered, with its ``recorded_late`` flag (its contract's window read once)."""
    return TicketOut.model_validate({**{k: getattr(ticket, k) for k in _TICKET_FIELDS},
                                     **lateness.flags(ticket.reported_at, ticket.recorded_at,
                                                      _window(session, ticket.contract_id))})


def event_out(session: Session, event: TicketEvent) -> EventOut:
    """A just-recorded event as answered, with its ``recorded_late`` flag."""
    contract_id = session.execute(select(Ticket.contract_id).where(Ticket.id == event.ticket_id)).scalar_one()
    return EventOut.model_validate({**{k: getattr(event, k) for k in _EVENT_FIELDS},
                                    **lateness.flags(event.occurred_at, event.recorded_at,
                                                     _window(session, contract_id))})


_EVENT_FIELDS = tuple(k for k in EventOut.model_fields if k in _EVENTS.c)


def list_tickets(session: Session, principal: Principal, *, limit: int, cursor: str | None,
                 filters: dict[str, Any]) -> Page[Any]:
    """A page of tickets as ``{column: value}`` dicts of the ``tickets`` columns."""
    principal.require("read")
    stmt = scoped(select(*_TICKETS.c, _CONTRACTS.c.reporting_window_hours)
                  .join(_CONTRACTS, _CONTRACTS.c.id == _TICKETS.c.contract_id), Ticket, principal)
    for column in ("contract_id", "unit_id", "status", "priority"):
        if filters.get(column):
            stmt = stmt.where(getattr(Ticket, column) == filters[column])
    if filters.get("reported_from"):
        stmt = stmt.where(Ticket.reported_at >= filters["reported_from"])
    if filters.get("reported_to"):
        stmt = stmt.where(Ticket.reported_at < filters["reported_to"])
    found = paginate(session, stmt, Ticket.id, limit=limit, cursor=cursor, rows=True)
    for row in found.items:
        row.update(lateness.flags(row["reported_at"], row["recorded_at"], row.pop("reporting_window_hours")))
    return found


def unit_tickets(session: Session, principal: Principal, unit_id: str, *, limit: int = 100) -> list[Ticket]:
    """A unit's latest tickets, newest first, as the principal may see them."""
    stmt = scoped(select(Ticket).where(Ticket.unit_id == unit_id), Ticket, principal)
    return list(session.scalars(stmt.order_by(Ticket.reported_at.desc()).limit(limit)))
