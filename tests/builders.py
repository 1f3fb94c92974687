"""Typed builders: make the records a test needs, through the real services, in one line each."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from fleet import identity, registry
from fleet.models import Agency, Calendar, Contract, Unit
from fleet.principal import SYSTEM
from fleet.schemas.registry import AgencyIn, CalendarIn, ContractIn, UnitIn

_seq = itertools.count(1)
BACKFILL_WINDOW_HOURS = 87_600
"""The reporting window of builder-made contracts: tests record last spring's history today, so their
contracts allow facts recorded up to ten years late. Tests of the window (tests/api/test_late_records.py)
set a real one."""

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
                  end: date = date(2026, 12, 31), service_credits: dict[str, Any] | None = None,
                  reporting_window_hours: int = BACKFILL_WINDOW_HOURS) -> Contract:
    agency = agency or make_agency(session)
    calendar = calendar or make_calendar(session)
    return registry.create_contract(session, SYSTEM, ContractIn.model_validate({
        "agency_id": agency.id, "number": number or f"GS-35F-{next(_seq):04d}X", "title": "Inspection robots",
        "start_date": start.isoformat(), "end_date": end.isoformat(), "calendar_id": calendar.id,
        "value": "1200000.00", "currency": "USD", "point_of_contact": "Jane Roe, COR, jane.roe@example.gov",
        "aql_percent": aql, "availability_target_percent": availability_target,
        "exclude_scheduled_maintenance": exclude_maintenance, "pause_allowed": pause_allowed,
        "service_credits": service_credits, "reporting_window_hours": reporting_window_hours,
        "sla_targets": targets or DEFAULT_TARGETS,
    }))


def make_unit(session: Session, *, contract: Contract | None = None, serial: str | None = None,
              in_service_at: datetime = datetime(2025, 6, 1, tzinfo=UTC), model: str = "Crawler X2",
              registered_at: datetime | None = None) -> Unit:
    """A unit, registered now unless ``registered_at`` says when (its ``created_at``: figures as
    of an earlier instant leave out units registered after it)."""
    contract = contract or make_contract(session)
    unit = registry.create_unit(session, SYSTEM, UnitIn(
        contract_id=contract.id, serial=serial or f"SN-{next(_seq):06d}", model=model, site="Pier 4",
        in_service_at=in_service_at))
    if registered_at is not None:
        unit.created_at = registered_at
        session.flush()
    return unit


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


# --- request bodies and checks for the HTTP tests (appended) -----------------------------------
def agency_body(**overrides: Any) -> dict[str, Any]:
    """A valid ``POST /agencies`` body with a fresh code."""
    return {"code": f"AGY{next(_seq)}", "name": "Naval Facilities", "timezone": "America/New_York", **overrides}


def calendar_body(**overrides: Any) -> dict[str, Any]:
    """A valid ``POST /calendars`` body (JSON lists, as a client sends them)."""
    return {
        "name": f"Business hours {next(_seq)}", "timezone": "America/Chicago",
        "weekly_hours": {"mon": [["08:00", "12:00"], ["13:00", "17:00"]], "fri": [["20:00", "24:00"]]},
        "holiday_country": "US", "holiday_subdivision": None, "closures": ["2026-12-24", "2026-12-26"],
        **overrides,
    }


def contract_body(agency_id: str, calendar_id: str, **overrides: Any) -> dict[str, Any]:
    """A valid ``POST /contracts`` body."""
    return {
        "agency_id": agency_id, "number": f"W912-{next(_seq):05d}", "title": "Hull inspection crawlers",
        "start_date": "2026-01-01", "end_date": "2026-12-31", "calendar_id": calendar_id,
        "value": "2500000.00", "currency": "USD", "point_of_contact": "Pat Doe, COR, pat.doe@example.gov",
        "aql_percent": "95", "availability_target_percent": "98.5", "exclude_scheduled_maintenance": True,
        "pause_allowed": False,
        "sla_targets": [
            {"priority": "P1", "metric": "response", "minutes": 60, "clock": "24x7"},
            {"priority": "P2", "metric": "on_site", "minutes": 480, "clock": "calendar"},
        ],
        **overrides,
    }


def unit_body(contract_id: str, **overrides: Any) -> dict[str, Any]:
    """A valid ``POST /units`` body with a fresh serial."""
    return {"contract_id": contract_id, "serial": f"CRW-{next(_seq):06d}", "model": "Crawler X2",
            "site": "Pier 4", "in_service_at": "2025-06-01T08:00:00Z", **overrides}


def row_counts(session: Session) -> dict[str, int]:
    """Rows in every table (and the audit head's position): equal before and after a failed request."""
    from sqlalchemy import text

    from fleet.db import Base

    counts = {t.name: session.execute(text(f"SELECT count(*) FROM {t.name}")).scalar_one()
              for t in Base.metadata.sorted_tables}
    counts["audit_head.seq"] = session.execute(text("SELECT seq FROM audit_head WHERE id = 1")).scalar_one()
    return counts


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The one error shape, with the expected status (and code); returns the ``error`` object."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "details"}, error
    assert isinstance(error["code"], str) and error["code"], error
    assert isinstance(error["message"], str) and error["message"], error
    assert isinstance(error["details"], list), error
    if code is not None:
        assert error["code"] == code, error
    return error


# --- uptime (status events, maintenance windows) ----------------------------------------------
def status_event(unit_id: str, occurred_at: str, state: str, *, event_id: str | None = None) -> dict[str, str]:
    """One ``POST /status-events`` item (``event_id`` fresh unless given)."""
    return {"event_id": event_id or f"ev-{next(_seq)}", "unit_id": unit_id, "state": state,
            "occurred_at": occurred_at}


def add_status(session: Session, unit: Unit, occurred_at: datetime, state: str, *,
               recorded_at: datetime | None = None, event_id: str | None = None) -> None:
    """Store one status event directly (so a test can set ``recorded_at`` in the past)."""
    from fleet.db import utcnow
    from fleet.models import StatusEvent

    session.add(StatusEvent(agency_id=unit.agency_id, unit_id=unit.id, event_id=event_id or f"ev-{next(_seq)}",
                            state=state, occurred_at=occurred_at, recorded_at=recorded_at or utcnow()))
    session.flush()


def add_statuses(session: Session, unit: Unit, changes: list[tuple[datetime, str]]) -> None:
    """Store status events through the ingest service, as telemetry would."""
    from fleet import status_events

    status_events.ingest(session, SYSTEM, [{"event_id": f"ev-{next(_seq)}", "unit_id": unit.id, "state": s,
                                            "occurred_at": t} for t, s in changes])


def make_window(session: Session, *, contract: Contract, starts_at: datetime, ends_at: datetime,
                unit: Unit | None = None, reason: str = "quarterly service"):  # type: ignore[no-untyped-def]
    from fleet import uptime
    from fleet.schemas.uptime import MaintenanceWindowIn

    return uptime.create_window(session, SYSTEM, MaintenanceWindowIn(
        contract_id=contract.id, unit_id=unit.id if unit else None, starts_at=starts_at, ends_at=ends_at,
        reason=reason))


@contextmanager
def scratch_postgres_database(base_url: str, suffix: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database ``<name>_<suffix>`` next to ``base_url``'s, dropped after use."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(base_url)
    name = f"{url.database}_{suffix}"
    admin_dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def cite_in_ledger(session: Session, head: str) -> Any:
    """Put an audit entry whose hash is ``head`` into the ledger (outside the chain, seq far
    beyond it): the state a sample report (tests/reports/samples.py) says it was issued at, so
    verify finds it. Returns the existing entry when there is one."""
    from sqlalchemy import func, select

    from fleet.audit import GENESIS
    from fleet.models import AuditEntry as Entry

    found = session.scalars(select(Entry).where(Entry.hash == head)).first()
    if found is not None:
        return found
    seq = max(10**9, (session.scalar(select(func.max(Entry.seq))) or 0) + 1)
    entry = Entry(seq=seq, recorded_at=datetime(2026, 1, 1, tzinfo=UTC), actor="system", role="admin",
                  action="test.cite", entity_type="report", entity_id="sample", agency_id=None, before=None,
                  after=None, reason=None, request_id=None, prev_hash=GENESIS, hash=head)
    session.add(entry)
    session.flush()
    return entry


# --- dispatch and conversation (issue 17) --------------------------------------------------------
def make_user(session: Session, role: str, *, username: str | None = None, team: str | None = None,
              agency: Agency | None = None, password: str = "field-password-1"):  # type: ignore[no-untyped-def]
    """A web user (``team``: its engineers' team), through the real services."""
    from fleet import dispatch

    user = identity.create_user(session, SYSTEM, role=role, username=username or f"{role}-{next(_seq)}",
                                password=password, agency_code=agency.code if agency else None)
    if team is not None:
        dispatch.set_team(session, SYSTEM, username=user.username, team=team)
    return user


def assign_ticket(session: Session, ticket, assignee: str | None, *,  # type: ignore[no-untyped-def]
                  team: str | None = None, reason: str | None = None):
    from fleet import dispatch
    from fleet.schemas.dispatch import AssignmentIn

    return dispatch.assign(session, SYSTEM, ticket.id, AssignmentIn(assignee=assignee, team=team, reason=reason))


def add_comment(session: Session, ticket, body: str, visibility: str = "public", *,  # type: ignore[no-untyped-def]
                principal=None):
    from fleet import conversation
    from fleet.schemas.dispatch import CommentIn

    return conversation.add_comment(session, principal or SYSTEM, ticket.id,
                                    CommentIn.model_validate({"body": body, "visibility": visibility}))


# --- notifications ------------------------------------------------------------------------------
def make_contact(session: Session, audience: str, email: str, *, username: str | None = None,
                 agency: Agency | None = None, name: str | None = None):  # type: ignore[no-untyped-def]
    """An e-mail contact a notification rule can name, through the real service (validated, audited)."""
    from fleet.notify import contacts
    from fleet.schemas.notify import ContactIn

    return contacts.create_contact(session, SYSTEM, ContactIn(
        name=name or email.split("@")[0], email=email, audience=audience, username=username,
        agency_id=agency.id if agency else None))
