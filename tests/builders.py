"""Typed builders: make the records a test needs, through the real services, in one line each."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from fleet import identity, registry
from fleet.models import Agency, Calendar, Contract, Unit
from fleet.principal import SYSTEM
from fleet.schemas.registry import AgencyIn, CalendarIn, ContractIn, UnitIn

_seq = itertools.count(1)

BUSINESS_HOURS = {d: [("08:00", "17:00")] for d in ("mon", "tue", "wed", "thu", "fri")}
DEFAULT_TARGETS: list[dict[str, Any]] = [
    {"priority": "P1", "metric": "response", "minutes": 60, "clock": "24x7"},
    {"priority": "P1", "metric": "restore", "minutes": 480, "clock": "24x7"},
    {"priority": "P2", "metric": "response", "minutes": 240, "clock": "calendar"},
    {"priority": "P2", "metric": "on_site", "minutes": 960, "clock": "calendar"},
    {"priority": "P2", "metric": "resolve", "minutes": 2400, "clock": "calendar"},
]


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_agency(session: Session, *, code: str | None = None, name: str = "Test Agency",
                timezone: str = "America/New_York") -> Agency:
    return registry.create_agency(session, SYSTEM, AgencyIn(code=code or f"AG{next(_seq)}", name=name,
                                                            timezone=timezone))


def make_calendar(session: Session, *, timezone: str = "America/New_York",
                  weekly_hours: dict[str, list[tuple[str, str]]] | None = None,
                  holiday_country: str | None = "US", closures: list[date] | None = None) -> Calendar:
    return registry.create_calendar(session, SYSTEM, CalendarIn(
        name=f"Calendar {next(_seq)}", timezone=timezone, weekly_hours=weekly_hours or BUSINESS_HOURS,
        holiday_country=holiday_country, closures=closures or []))


def make_contract(session: Session, *, agency: Agency | None = None, calendar: Calendar | None = None,
                  number: str | None = None, targets: list[dict[str, Any]] | None = None,
                  pause_allowed: bool = True, aql: str = "90", availability_target: str = "98",
                  exclude_maintenance: bool = True, start: date = date(2026, 1, 1),
                  end: date = date(2026, 12, 31), service_credits: dict[str, Any] | None = None) -> Contract:
    agency = agency or make_agency(session)
    calendar = calendar or make_calendar(session)
    return registry.create_contract(session, SYSTEM, ContractIn.model_validate({
        "agency_id": agency.id, "number": number or f"GS-35F-{next(_seq):04d}X", "title": "Inspection robots",
        "start_date": start.isoformat(), "end_date": end.isoformat(), "calendar_id": calendar.id,
        "value": "1200000.00", "currency": "USD", "point_of_contact": "Jane Roe, COR, jane.roe@example.gov",
        "aql_percent": aql, "availability_target_percent": availability_target,
        "exclude_scheduled_maintenance": exclude_maintenance, "pause_allowed": pause_allowed,
        "service_credits": service_credits,
        "sla_targets": targets or DEFAULT_TARGETS,
    }))


def make_unit(session: Session, *, contract: Contract | None = None, serial: str | None = None,
              in_service_at: datetime = datetime(2025, 6, 1, tzinfo=UTC), model: str = "Crawler X2") -> Unit:
    contract = contract or make_contract(session)
    return registry.create_unit(session, SYSTEM, UnitIn(
        contract_id=contract.id, serial=serial or f"SN-{next(_seq):06d}", model=model, site="Pier 4",
        in_service_at=in_service_at))


def make_key(session: Session, role: str, *, agency: Agency | None = None, name: str = "test key") -> str:
    _, token = identity.create_key(session, SYSTEM, role=role, name=name,
                                   agency_code=agency.code if agency else None)
    return token


# --- tickets (lead) ---------------------------------------------------------------------------
def make_ticket(session: Session, *, unit: Unit | None = None, priority: str = "P2",
                reported_at: datetime = datetime(2026, 3, 2, 14, 0, tzinfo=UTC), unit_down: bool = False,
                summary: str = "Crawler stalls on the ramp"):  # type: ignore[no-untyped-def]
    from fleet import tickets
    from fleet.schemas.tickets import TicketIn

    unit = unit or make_unit(session)
    return tickets.create_ticket(session, SYSTEM, TicketIn(unit_id=unit.id, priority=priority, summary=summary,
                                                           reported_at=reported_at, unit_down=unit_down))


def add_event(session: Session, ticket, type: str, occurred_at: datetime, *,  # type: ignore[no-untyped-def]
              reason: str | None = None, priority: str | None = None):
    from fleet import tickets
    from fleet.schemas.tickets import EventIn

    return tickets.add_event(session, SYSTEM, ticket.id, EventIn(type=type, occurred_at=occurred_at, reason=reason,
                                                                 priority=priority))
