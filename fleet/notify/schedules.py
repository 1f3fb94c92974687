"""Report schedules: a contract asks for its review every month or quarter on a working day.

- ``put`` (``notifications.manage``: admin, manager) creates the contract's schedule or replaces
  its cadence and working day; a deleted schedule put again is live again from then (its
  ``created_at`` is the time it was put again: periods due while it was deleted are not owed).
- ``get`` (``read``): an agency reads its own contracts' schedules; another agency's contract
  answers 404 like a missing one (:mod:`fleet.tenancy`).
- ``delete`` (``notifications.manage``) sets ``deleted_at``: the row stays, as the ledger proves it.

Every write is audited with the row it leaves. When each review falls due is
:mod:`slas.schedule`'s rule; :mod:`reports.schedule` issues them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleet import audit, registry
from fleet.db import new_id, utcnow
from fleet.errors import NotFound
from fleet.models import Calendar, Contract, ReportSchedule
from fleet.principal import Principal
from fleet.schemas.schedules import ScheduleIn
from fleet.tenancy import get_scoped
from slas.calendars import BusinessCalendar
from slas.schedule import ScheduleSpec, next_due


def spec_of(row: ReportSchedule) -> ScheduleSpec:
    return ScheduleSpec(cadence=row.cadence, working_day=row.working_day,  # type: ignore[arg-type]
                        since=row.created_at)


def calendar_of(session: Session, contract: Contract) -> BusinessCalendar:
    return registry.business_calendar(session.get_one(Calendar, contract.calendar_id))


def _live(session: Session, contract_id: str) -> ReportSchedule | None:
    return session.scalar(select(ReportSchedule).where(ReportSchedule.contract_id == contract_id,
                                                       ReportSchedule.deleted_at.is_(None)))


@dataclass(frozen=True, slots=True)
class NextReview:
    """The next review a schedule will issue: the period ``[from_, to)`` (local dates) and when."""

    from_: date
    to: date
    due_at: datetime


@dataclass(frozen=True, slots=True)
class ScheduleState:
    """A contract's live schedule and its next review (None: the contract's term is over)."""

    id: str
    contract_id: str
    agency_id: str
    cadence: str
    working_day: int
    created_at: datetime
    created_by: str
    next_review: NextReview | None


def schedule_state(session: Session, row: ReportSchedule, contract: Contract, *,
                   now: datetime | None = None) -> ScheduleState:
    nxt = next_due(spec_of(row), calendar_of(session, contract), now or utcnow(), last_day=contract.end_date)
    return ScheduleState(id=row.id, contract_id=row.contract_id, agency_id=row.agency_id,
                         cadence=row.cadence, working_day=row.working_day,
                         created_at=row.created_at, created_by=row.created_by,
                         next_review=None if nxt is None else NextReview(from_=nxt.start, to=nxt.end,
                                                                         due_at=nxt.due_at))


def get(session: Session, principal: Principal, contract_id: str) -> ScheduleState:
    principal.require("read")
    contract = get_scoped(session, Contract, contract_id, principal, what="contract")
    row = _live(session, contract.id)
    if row is None:
        raise NotFound(f"contract {contract.number} has no report schedule", code="no_report_schedule")
    return schedule_state(session, row, contract)


def put(session: Session, principal: Principal, contract_id: str, data: ScheduleIn) -> tuple[ScheduleState, bool]:
    """Create or replace the contract's schedule; ``True`` when it was created (or put again)."""
    principal.require("notifications.manage")
    contract = get_scoped(session, Contract, contract_id, principal, what="contract")
    head = audit.lock_head(session)  # every writer queues here: the read below cannot race
    row = session.scalar(select(ReportSchedule).where(ReportSchedule.contract_id == contract.id))
    now = utcnow()
    before = None
    created = row is None or row.deleted_at is not None
    if row is None:
        row = ReportSchedule(id=new_id(), agency_id=contract.agency_id, contract_id=contract.id,
                             cadence=data.cadence, working_day=data.working_day, created_by=principal.actor,
                             created_at=now, deleted_at=None)
        session.add(row)
    else:
        before = audit.snapshot(row)
        row.cadence, row.working_day = data.cadence, data.working_day
        if row.deleted_at is not None:
            row.deleted_at, row.created_at, row.created_by = None, now, principal.actor
    session.flush()
    audit.record(session, principal, action="report_schedule.create" if created else "report_schedule.update",
                 entity_type="report_schedule", entity_id=row.id, agency_id=row.agency_id, before=before,
                 after=audit.snapshot(row), rows=[row], head=head,
                 scope=audit.Scope(contract.id, now))  # no figure moves
    return schedule_state(session, row, contract, now=now), created


def delete(session: Session, principal: Principal, contract_id: str) -> None:
    principal.require("notifications.manage")
    contract = get_scoped(session, Contract, contract_id, principal, what="contract")
    head = audit.lock_head(session)
    row = _live(session, contract.id)
    if row is None:
        raise NotFound(f"contract {contract.number} has no report schedule", code="no_report_schedule")
    before = audit.snapshot(row)
    row.deleted_at = utcnow()
    session.flush()
    audit.record(session, principal, action="report_schedule.delete", entity_type="report_schedule",
                 entity_id=row.id, agency_id=row.agency_id, before=before, after=audit.snapshot(row), rows=[row],
                 head=head, scope=audit.Scope(contract.id, row.deleted_at))


def live_schedules(session: Session) -> list[tuple[ReportSchedule, Contract]]:
    """Every live schedule with its contract (the worker's list; no principal: it is the system's)."""
    rows = session.execute(select(ReportSchedule, Contract).join(Contract, Contract.id == ReportSchedule.contract_id)
                           .where(ReportSchedule.deleted_at.is_(None)).order_by(ReportSchedule.contract_id)).all()
    return [(r[0], r[1]) for r in rows]
