"""Ticket use cases: open, record events, correct, log work, rate. Reading the history:
:mod:`fleet.ticket_facts` (for the clocks and the record), :mod:`fleet.ticket_views` (as answered).

The ticket's ``status``, ``priority`` and milestone columns are a projection rebuilt from the
effective timeline after every write (see :mod:`fleet.timeline`); figures never read them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    Table,
    bindparam,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from fleet import audit, lateness, timeline
from fleet.db import new_id, utcnow
from fleet.errors import Conflict, Invalid, NotFound
from fleet.models import Contract, Rating, Ticket, TicketEvent, Unit, WorkLog, WorkLogPart
from fleet.notify import hooks
from fleet.principal import Principal
from fleet.schemas.tickets import (
    CorrectionIn,
    EventIn,
    RatingIn,
    TicketIn,
    WorkLogIn,
)
from fleet.tenancy import get_scoped, scoped
from fleet.ticket_facts import fact
from fleet.ticket_views import reporting_window_hours
from slas.vocabulary import FINISHED_STATUSES

FUTURE_TOLERANCE = timedelta(minutes=5)


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
    hooks.ticket_opened(session, principal, ticket, window_hours=window_hours)
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
            "resolved_at": _last(eff, "resolved") if state.status in FINISHED_STATUSES else None,
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
    hooks.event_recorded(session, principal, ticket, event, facts, window_hours=found[2])
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
                       recorded_at=recorded_at, window_hours=reporting_window_hours(session, ticket.contract_id),
                       reason=data.reason)
    correction = TicketEvent(id=new_id(), agency_id=ticket.agency_id, ticket_id=ticket.id, type="corrected",
                             occurred_at=data.occurred_at or target.occurred_at, recorded_at=recorded_at,
                             actor=principal.actor, reason=data.reason, corrects_id=target.id, void=data.void)
    before = audit.snapshot(ticket)
    facts = [fact(e) for e in events] + [fact(correction)]
    _check_and_project(session, ticket, facts)
    session.add(correction)
    session.flush()
    audit.record(session, principal, action="ticket.correct", entity_type="ticket_event", entity_id=correction.id,
                 agency_id=ticket.agency_id, reason=data.reason,
                 before={"event": audit.snapshot(target), "ticket": before},
                 after={"correction": audit.snapshot(correction), "ticket": audit.snapshot(ticket)},
                 rows=[correction, ticket],
                 scope=_ticket_scope(ticket, target.occurred_at, correction.occurred_at))
    hooks.ticket_corrected(session, ticket, facts)
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
    if ticket.status not in FINISHED_STATUSES:
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
