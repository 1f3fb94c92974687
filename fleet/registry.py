"""Registry use cases: agencies, calendars, contracts with versioned SLA targets, units.

Every function takes the acting principal, checks its permission, scopes reads to its agency,
audits each write, and flushes (the boundary commits).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session, selectinload

from fleet import audit
from fleet.errors import Conflict, Invalid, NotFound
from fleet.identifiers import identifier_key
from fleet.models import Agency, Calendar, Contract, SlaPolicy, SlaTarget, Unit
from fleet.pagination import Page, paginate
from fleet.principal import Principal
from fleet.schemas.registry import AgencyIn, CalendarIn, ContractIn, SlaPolicyIn, SlaTargetIn, UnitIn
from fleet.tenancy import get_scoped, scope_filter, scoped
from slas.calendars import BusinessCalendar
from slas.errors import InvalidCalendar

POLICY_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# --- agencies ---------------------------------------------------------------------------------
def create_agency(session: Session, principal: Principal, data: AgencyIn) -> Agency:
    principal.require("registry.write")
    if session.scalar(select(Agency.id).where(Agency.code_key == identifier_key(data.code))):
        raise Conflict(f"an agency with code {data.code!r} already exists", code="duplicate_agency")
    agency = Agency(code=data.code, name=data.name, timezone=data.timezone)
    session.add(agency)
    session.flush()
    audit.record(session, principal, action="agency.create", entity_type="agency", entity_id=agency.id,
                 agency_id=agency.id, after=audit.snapshot(agency), rows=[agency])
    return agency


def list_agencies(session: Session, principal: Principal, *, limit: int, cursor: str | None) -> Page[Agency]:
    principal.require("read")
    return paginate(session, scoped(select(Agency), Agency, principal), Agency.id, limit=limit, cursor=cursor)


def get_agency(session: Session, principal: Principal, agency_id: str) -> Agency:
    principal.require("read")
    return get_scoped(session, Agency, agency_id, principal, what="agency")


# --- calendars --------------------------------------------------------------------------------
_TIMEZONE = select(Calendar.timezone).where(Calendar.id == bindparam("calendar_id"))


def agency_id_by_code(session: Session, code: str) -> str | None:
    """The id of the agency with this code (compared as identifiers are: case-folded)."""
    return session.scalar(select(Agency.id).where(Agency.code_key == identifier_key(code)))


def agency_timezone(session: Session, agency_id: str) -> str | None:
    return session.scalar(select(Agency.timezone).where(Agency.id == agency_id))


def contract_timezone(session: Session, contract: Contract) -> str:
    """The IANA time zone of the contract's calendar (periods are local dates in it)."""
    tz: str = session.connection().execute(_TIMEZONE, {"calendar_id": contract.calendar_id}).scalar_one()
    return tz


def unit_timezone(session: Session, unit: Unit) -> str:
    """The IANA time zone of the calendar of the unit's contract."""
    tz: str = session.execute(select(Calendar.timezone).join(Contract, Contract.calendar_id == Calendar.id)
                              .where(Contract.id == unit.contract_id)).scalar_one()
    return tz


def contracts_with_timezones(session: Session, principal: Principal) -> list[tuple[Contract, str]]:
    """The contracts the principal may see, by number, with their calendar's time zone (one query)."""
    stmt = select(Contract, Calendar.timezone).join(Calendar, Calendar.id == Contract.calendar_id)
    clause = scope_filter(Contract, principal)
    rows = session.execute((stmt if clause is None else stmt.where(clause)).order_by(Contract.number)).all()
    return [(c, tz) for c, tz in rows]


def units_with_contracts(session: Session, principal: Principal) -> list[tuple[Unit, str, str]]:
    """The units the principal may see, by serial, with their contract's number and time zone."""
    stmt: Any = (select(Unit, Contract.number, Calendar.timezone).join(Contract, Contract.id == Unit.contract_id)
                 .join(Calendar, Calendar.id == Contract.calendar_id).order_by(Unit.serial))
    return [(u, n, tz) for u, n, tz in session.execute(scoped(stmt, Unit, principal)).all()]


def business_calendar(cal: Calendar) -> BusinessCalendar:
    """The pure calendar the SLA engine reads, built from the stored row."""
    return BusinessCalendar.from_spec(
        timezone=cal.timezone,
        weekly_hours={day: [tuple(w) for w in windows] for day, windows in cal.weekly_hours.items()},
        holiday_country=cal.holiday_country,
        holiday_subdivision=cal.holiday_subdivision,
        closures=[datetime.fromisoformat(d).date() for d in cal.closures],
    )


def create_calendar(session: Session, principal: Principal, data: CalendarIn) -> Calendar:
    principal.require("registry.write")
    cal = Calendar(
        name=data.name,
        timezone=data.timezone,
        weekly_hours={day: [list(w) for w in windows] for day, windows in data.weekly_hours.items()},
        holiday_country=data.holiday_country,
        holiday_subdivision=data.holiday_subdivision,
        closures=sorted({d.isoformat() for d in data.closures}),
    )
    try:
        business_calendar(cal)
    except InvalidCalendar as exc:
        raise Invalid(str(exc), code="invalid_calendar") from None
    session.add(cal)
    session.flush()
    audit.record(session, principal, action="calendar.create", entity_type="calendar", entity_id=cal.id,
                 agency_id=None, after=audit.snapshot(cal), rows=[cal])
    return cal


def list_calendars(session: Session, principal: Principal, *, limit: int, cursor: str | None) -> Page[Calendar]:
    principal.require("read")
    return paginate(session, scoped(select(Calendar), Calendar, principal), Calendar.id, limit=limit, cursor=cursor)


def get_calendar(session: Session, principal: Principal, calendar_id: str) -> Calendar:
    principal.require("read")
    return get_scoped(session, Calendar, calendar_id, principal, what="calendar")


# --- contracts --------------------------------------------------------------------------------
def _add_policy(session: Session, contract: Contract, version: int, effective_from: datetime,
                reason: str | None, targets: list[SlaTargetIn]) -> list[SlaPolicy | SlaTarget]:
    """Add a target version; returns its rows (the policy first, then its targets) for the ledger."""
    policy = SlaPolicy(agency_id=contract.agency_id, contract_id=contract.id, version=version,
                       effective_from=effective_from, reason=reason)
    session.add(policy)
    session.flush()
    rows: list[SlaPolicy | SlaTarget] = [policy]
    for i, t in enumerate(targets):
        rows.append(SlaTarget(policy_id=policy.id, position=i, priority=t.priority, metric=t.metric,
                              minutes=t.minutes, clock=t.clock))
        session.add(rows[-1])
    session.flush()
    return rows


def create_contract(session: Session, principal: Principal, data: ContractIn) -> Contract:
    principal.require("registry.write")
    get_scoped(session, Agency, data.agency_id, principal, what="agency")
    get_scoped(session, Calendar, data.calendar_id, principal, what="calendar")
    if session.scalar(select(Contract.id).where(Contract.number_key == identifier_key(data.number))):
        raise Conflict(f"a contract numbered {data.number!r} already exists", code="duplicate_contract")
    credits = data.service_credits
    contract = Contract(
        agency_id=data.agency_id, number=data.number, title=data.title, start_date=data.start_date,
        end_date=data.end_date, calendar_id=data.calendar_id, value=data.value, currency=data.currency,
        point_of_contact=data.point_of_contact, aql_percent=data.aql_percent,
        availability_target_percent=data.availability_target_percent,
        exclude_scheduled_maintenance=data.exclude_scheduled_maintenance, pause_allowed=data.pause_allowed,
        warning_percent=data.warning_percent, reporting_window_hours=data.reporting_window_hours,
        credit_per_breach=credits.per_breach_amount if credits else None,
        credit_percent_on_aql_miss=credits.aql_miss_percent if credits else None,
        credit_cap_percent=credits.cap_percent if credits else None,
        ticket_seq=0,
    )
    session.add(contract)
    session.flush()
    session.refresh(contract)  # answer with the stored values (e.g. 95 -> 95.000), as a GET would
    policy_rows = _add_policy(session, contract, 1, POLICY_EPOCH, "initial targets", data.sla_targets)
    audit.record(session, principal, action="contract.create", entity_type="contract", entity_id=contract.id,
                 agency_id=contract.agency_id, rows=[contract, *policy_rows],
                 after={**audit.snapshot(contract), "sla_targets": [t.model_dump() for t in data.sla_targets]})
    return contract


def add_sla_policy(session: Session, principal: Principal, contract_id: str, data: SlaPolicyIn) -> SlaPolicy:
    """Version the targets: tickets reported before ``effective_from`` keep the old ones."""
    principal.require("registry.write")
    contract = get_scoped(session, Contract, contract_id, principal, what="contract")
    latest = policies(session, contract.id)[-1]
    if data.effective_from <= latest.effective_from:
        raise Invalid(
            f"effective_from must be after the current version's ({latest.effective_from.isoformat()})",
            code="invalid_effective_from",
        )
    policy_rows = _add_policy(session, contract, latest.version + 1, data.effective_from, data.reason,
                              data.sla_targets)
    policy = policy_rows[0]
    audit.record(session, principal, action="sla_policy.create", entity_type="sla_policy", entity_id=policy.id,
                 agency_id=contract.agency_id, reason=data.reason, rows=policy_rows,
                 after={**audit.snapshot(policy), "sla_targets": [t.model_dump() for t in data.sla_targets]})
    return policies(session, contract.id)[-1]  # the new version, with its targets loaded


def policies(session: Session, contract_id: str) -> list[SlaPolicy]:
    """All target versions of a contract, oldest first, with their targets loaded."""
    return list(session.scalars(
        select(SlaPolicy).where(SlaPolicy.contract_id == contract_id)
        .options(selectinload(SlaPolicy.targets)).order_by(SlaPolicy.version)
    ).all())


@dataclass(frozen=True, slots=True)
class ServiceCreditTerms:
    """How the contract prices a miss (the ``credit_*`` columns; None: no such credit)."""

    per_breach_amount: Decimal | None
    aql_miss_percent: Decimal | None
    cap_percent: Decimal | None


@dataclass(frozen=True, slots=True)
class ContractTerms:
    """A contract as it stands: its columns, its credit terms, and the SLA targets (rows) of the
    version in force now."""

    id: str
    agency_id: str
    number: str
    title: str
    start_date: date
    end_date: date
    calendar_id: str
    value: Decimal
    currency: str
    point_of_contact: str
    aql_percent: Decimal
    availability_target_percent: Decimal
    exclude_scheduled_maintenance: bool
    pause_allowed: bool
    warning_percent: int
    reporting_window_hours: int
    service_credits: ServiceCreditTerms
    sla_policy_version: int
    sla_targets: tuple[SlaTarget, ...]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PolicyTerms:
    """One version of a contract's targets, with its target rows in order."""

    version: int
    effective_from: datetime
    reason: str | None
    sla_targets: tuple[SlaTarget, ...]


def contract_terms(session: Session, contract: Contract) -> ContractTerms:
    current = policies(session, contract.id)[-1]
    return ContractTerms(
        id=contract.id, agency_id=contract.agency_id, number=contract.number, title=contract.title,
        start_date=contract.start_date, end_date=contract.end_date, calendar_id=contract.calendar_id,
        value=contract.value, currency=contract.currency, point_of_contact=contract.point_of_contact,
        aql_percent=contract.aql_percent, availability_target_percent=contract.availability_target_percent,
        exclude_scheduled_maintenance=contract.exclude_scheduled_maintenance,
        pause_allowed=contract.pause_allowed, warning_percent=contract.warning_percent,
        reporting_window_hours=contract.reporting_window_hours,
        service_credits=ServiceCreditTerms(per_breach_amount=contract.credit_per_breach,
                                           aql_miss_percent=contract.credit_percent_on_aql_miss,
                                           cap_percent=contract.credit_cap_percent),
        sla_policy_version=current.version,
        sla_targets=tuple(current.targets),
        created_at=contract.created_at,
    )


def policy_terms(policy: SlaPolicy) -> PolicyTerms:
    return PolicyTerms(version=policy.version, effective_from=policy.effective_from, reason=policy.reason,
                       sla_targets=tuple(policy.targets))


def list_contracts(session: Session, principal: Principal, *, limit: int, cursor: str | None,
                   agency_id: str | None = None) -> Page[Contract]:
    principal.require("read")
    stmt = scoped(select(Contract), Contract, principal)
    if agency_id:
        stmt = stmt.where(Contract.agency_id == agency_id)
    return paginate(session, stmt, Contract.id, limit=limit, cursor=cursor)


def get_contract(session: Session, principal: Principal, contract_id: str) -> Contract:
    principal.require("read")
    return get_scoped(session, Contract, contract_id, principal, what="contract")


def get_contract_by_number(session: Session, principal: Principal, number: str) -> Contract:
    principal.require("read")
    found: Contract | None = session.scalars(
        scoped(select(Contract).where(Contract.number_key == identifier_key(number)), Contract, principal)).first()
    if found is None:
        raise NotFound(f"contract {number} not found")
    return found


# --- units ------------------------------------------------------------------------------------
def create_unit(session: Session, principal: Principal, data: UnitIn) -> Unit:
    principal.require("registry.write")
    contract = get_scoped(session, Contract, data.contract_id, principal, what="contract")
    return _add_unit(session, principal, contract, data)


def _add_unit(session: Session, principal: Principal, contract: Contract, data: UnitIn) -> Unit:
    if session.scalar(select(Unit.id).where(Unit.serial_key == identifier_key(data.serial))):
        raise Conflict(f"a unit with serial {data.serial!r} already exists", code="duplicate_serial")
    unit = Unit(agency_id=contract.agency_id, contract_id=contract.id, serial=data.serial, model=data.model,
                site=data.site, in_service_at=data.in_service_at, notes=data.notes)
    session.add(unit)
    session.flush()
    audit.record(session, principal, action="unit.create", entity_type="unit", entity_id=unit.id,
                 agency_id=unit.agency_id, after=audit.snapshot(unit), rows=[unit],
                 scope=audit.Scope(unit.contract_id, unit.in_service_at))
    return unit


def list_units(session: Session, principal: Principal, *, limit: int, cursor: str | None,
               contract_id: str | None = None) -> Page[Any]:
    """A page of units as ``{column: value}`` dicts of the ``units`` columns."""
    principal.require("read")
    stmt = scoped(select(*cast(Table, Unit.__table__).c), Unit, principal)
    if contract_id:
        stmt = stmt.where(Unit.contract_id == contract_id)
    return paginate(session, stmt, Unit.id, limit=limit, cursor=cursor, rows=True)


def get_unit(session: Session, principal: Principal, unit_id: str) -> Unit:
    principal.require("read")
    return get_scoped(session, Unit, unit_id, principal, what="unit")


def contracts_on_record(session: Session, principal: Principal, as_of: datetime) -> list[Contract]:
    """Every contract the principal sees that was on record at ``as_of``, by id."""
    return list(session.scalars(scoped(select(Contract), Contract, principal)
                                .where(Contract.created_at <= as_of).order_by(Contract.id)).all())


def serials_on_contract(session: Session, contract_id: str) -> dict[str, str]:
    """Unit id → serial, for the units of one contract (the caller has checked the contract)."""
    return {i: s for i, s in session.execute(select(Unit.id, Unit.serial).where(Unit.contract_id == contract_id))}


def serials_of(session: Session, unit_ids: list[str]) -> dict[str, str]:
    """Unit id → serial for these ids (labels for rows the caller may already see)."""
    if not unit_ids:
        return {}
    return {i: s for i, s in session.execute(select(Unit.id, Unit.serial).where(Unit.id.in_(unit_ids)))}


def unit_id_by_serial(session: Session, serial: str) -> str | None:
    """The id of the unit with this serial (system use: the CLI), or ``None``."""
    return session.scalar(select(Unit.id).where(Unit.serial == serial))


def contract_number(session: Session, contract_id: str | None) -> str | None:
    return session.scalar(select(Contract.number).where(Contract.id == contract_id)) if contract_id else None


def unit_serial(session: Session, unit_id: str | None) -> str | None:
    return session.scalar(select(Unit.serial).where(Unit.id == unit_id)) if unit_id else None
