"""The demo world: three agencies, five contracts, ~300 units and a year of service history.

Everything is created through the real services (so it is validated and audited like any
other write), from a seeded random generator: the same ``now`` and seed give the same world.
Failure and response patterns are plausible rather than uniform: most tickets are met, a few
breach (slow acknowledgement, parts on back-order), some are paused for site access, some are
fixed remotely (no visit), a few events are corrected by a manager, many resolved tickets are
rated by the agency. Idempotent: if the demo agencies exist, nothing is loaded.

Each write is stamped with the moment it would have been recorded (:func:`fleet.db.simulated_clock`):
a ticket minutes after it was reported, an event minutes after it happened, telemetry within a
day. So the demo's record is mostly on time, as a real one would be, and a few tickets (about one
in seventy) were phoned in and entered by the contract manager days later, with the reason: they
are the "recorded late" facts the pages and the contract review show. The recording delays come
from a second random stream, so the world itself is the one the seed always gave.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fleet import demo_dispatch, demo_telemetry, identity, registry, tickets
from fleet.db import simulated_clock
from fleet.errors import DomainError
from fleet.models import (
    Agency,
    Contract,
    MaintenanceWindow,
    Rating,
    StatusEvent,
    Ticket,
    TicketEvent,
    Unit,
    User,
    WorkLog,
)
from fleet.principal import Principal
from fleet.schemas.registry import AgencyIn, CalendarIn, ContractIn, UnitIn
from fleet.schemas.tickets import CorrectionIn, EventIn, RatingIn, TicketIn, WorkLogIn
from slas.vocabulary import PRIORITIES

Progress = Callable[[str, int, int], None]

AGENCIES = [
    ("NAVFAC", "Naval Facilities Engineering Systems Command", "America/New_York"),
    ("USACE", "U.S. Army Corps of Engineers", "America/Chicago"),
    ("FHWA", "Federal Highway Administration", "America/Los_Angeles"),
]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
CALENDARS = {
    "24x7": ("Around the clock", "America/New_York", {d: [("00:00", "24:00")] for d in (*WEEKDAYS, "sat", "sun")}),
    "et": ("Federal business hours (ET)", "America/New_York", {d: [("08:00", "17:00")] for d in WEEKDAYS}),
    "ct": ("Extended field hours (CT)", "America/Chicago",
           {**{d: [("07:00", "12:00"), ("12:30", "19:00")] for d in WEEKDAYS}, "sat": [("08:00", "14:00")]}),
    "pt": ("Business hours (PT)", "America/Los_Angeles", {d: [("07:30", "16:30")] for d in WEEKDAYS}),
}
TARGETS_24x7 = [("P1", "response", 30, "24x7"), ("P1", "on_site", 240, "24x7"), ("P1", "restore", 480, "24x7"),
                ("P2", "response", 120, "24x7"), ("P2", "restore", 1440, "24x7"),
                ("P3", "response", 480, "24x7"), ("P3", "resolve", 4320, "24x7"),
                ("P4", "resolve", 10080, "24x7")]
TARGETS_BUSINESS = [("P1", "response", 60, "24x7"), ("P1", "on_site", 480, "calendar"),
                    ("P1", "restore", 960, "calendar"), ("P2", "response", 240, "calendar"),
                    ("P2", "on_site", 960, "calendar"), ("P2", "resolve", 2700, "calendar"),
                    ("P3", "response", 540, "calendar"), ("P3", "resolve", 5400, "calendar"),
                    ("P4", "resolve", 10800, "calendar")]


@dataclass(frozen=True)
class ContractSpec:
    agency: str
    number: str
    title: str
    calendar: str
    value: str
    poc: str
    aql: str
    availability: str
    units: int
    model: str
    sites: tuple[str, ...]
    targets: list[tuple[str, str, int, str]]


CONTRACTS = [
    ContractSpec("NAVFAC", "N00024-25-C-6311", "Hull inspection crawlers, Norfolk Naval Shipyard", "24x7",
                 "4850000.00", "Lt Cdr Dana Whitfield, COR, dana.whitfield@example.navy.mil, +1 757 555 0142",
                 "95", "98", 70, "HullScan C-4 magnetic crawler", ("Dry Dock 8", "Pier 5", "Pier 3", "Berth 42"),
                 TARGETS_24x7),
    ContractSpec("NAVFAC", "N39430-25-D-0042", "Pier and waterfront inspection drones, Naval Station Mayport", "et",
                 "1960000.00", "Marcus Bell, Contracting Officer, marcus.bell@example.navy.mil, +1 904 555 0177",
                 "90", "97", 50, "Kestrel Q2 inspection drone", ("Wharf C", "Wharf F", "Turning Basin"),
                 TARGETS_BUSINESS),
    ContractSpec("USACE", "W912DY-25-C-0107", "Dam and spillway inspection robots, Lower Mississippi", "ct",
                 "3275000.00", "Angela Ruiz, COR, angela.ruiz@example.usace.army.mil, +1 601 555 0110",
                 "92", "97.5", 60, "Ferret P8 conduit crawler", ("Lock 25", "Mel Price L&D", "Old River"),
                 TARGETS_BUSINESS),
    ContractSpec("USACE", "W9127S-25-C-0019", "Lock gate underwater crawlers, Arkansas River", "24x7",
                 "2140000.00", "Tom Okafor, Contracting Officer, tom.okafor@example.usace.army.mil, +1 501 555 0131",
                 "95", "98", 50, "Sentinel T-3 underwater crawler", ("L&D 2", "L&D 4", "Murray L&D"),
                 TARGETS_24x7),
    ContractSpec("FHWA", "693JJ3-25-C-000081", "Bridge deck and cable inspection drones, Western region", "pt",
                 "2480000.00", "Priya Natarajan, COR, priya.natarajan@example.dot.gov, +1 916 555 0188",
                 "90", "96", 70, "Kestrel Q2 inspection drone", ("I-80 Bay Bridge", "Golden Gate", "Carquinez"),
                 TARGETS_BUSINESS),
]
ISSUES = {
    "P1": ["Crawler lost adhesion and stopped on the hull", "Drone grounded: flight controller fault",
           "Tether breach, unit down", "Main drive motor failure"],
    "P2": ["Camera gimbal drifting", "Intermittent telemetry dropouts", "Battery pack not holding charge",
           "Ultrasonic thickness probe out of calibration"],
    "P3": ["Firmware update required", "Lighting module flickers", "Inspection report export fails"],
    "P4": ["Cosmetic damage to housing", "Operator requests training refresher", "Spare parts restock"],
}
PAUSE_REASONS = ["Waiting for site access clearance", "Awaiting parts on back-order", "Customer requested hold",
                 "Vessel movement: area closed"]
ENGINEERS = ["A. Moreno", "J. Chen", "S. Patel", "R. Johansson", "K. Adeyemi", "L. Novak"]
PARTS = ["TRK-220 drive track", "BAT-48V pack", "CAM-4K gimbal", "PRB-UT5 probe", "MTR-D2 motor", "TTH-50 tether"]


def demo_exists(session: Session) -> bool:
    return session.scalar(select(Agency.id).where(Agency.code == AGENCIES[0][0])) is not None


def load(session: Session, principal: Principal, *, now: datetime, seed: int = 2026, scale: float = 1.0,
         progress: Progress | None = None) -> dict[str, int]:
    """Create the demo world (flushes; the caller commits). Returns counts of what was made.

    ``scale`` shrinks the fleet (tests use a small world with the same shape)."""
    rnd = random.Random(seed)
    report = progress or (lambda _stage, _done, _total: None)
    start = (now - timedelta(days=365)).replace(hour=0, minute=0, second=0, microsecond=0)
    clock = Recording(now, random.Random(seed + 1))
    clock.at(start - timedelta(days=45))  # the registry was set up before the year began
    with simulated_clock(clock):
        made = _load(session, principal, rnd, clock, report, start=start, now=now, scale=scale)
    made.update(demo_dispatch.load(session, principal, seed=seed))  # last, with its own random generator
    return made


class Recording:
    """When the demo's writes are recorded: a settable instant, never later than the real ``now``."""

    def __init__(self, now: datetime, lag: random.Random):
        self.now = now
        self.lag = lag  # recording delays: a stream of their own, so the world is the seed's
        self.instant = now

    def at(self, when: datetime) -> datetime:
        self.instant = min(when, self.now)
        return self.instant

    def soon_after(self, when: datetime, low: float = 1, high: float = 30) -> datetime:
        """Record ``low``–``high`` minutes after ``when`` (and never before the previous write)."""
        return self.at(max(self.instant, when + timedelta(minutes=self.lag.uniform(low, high))))

    def __call__(self) -> datetime:
        return self.instant


MANAGER = Principal(id="demo-manager", name="manager", role="manager", kind="user")
LATE_REASONS = [
    "Ticket phoned in to the duty desk during the storm; entered when the office systems came back",
    "Reported by radio from the ship; the paper log was entered on return to the office",
    "Site had no network coverage; the field notes were entered after the crew returned",
    "Agency emailed the report to a shared inbox that was not monitored over the holiday; entered on discovery",
]


def _load(session: Session, principal: Principal, rnd: random.Random, clock: Recording, report: Progress, *,
          start: datetime, now: datetime, scale: float) -> dict[str, int]:
    agencies = {code: registry.create_agency(session, principal, AgencyIn(code=code, name=name, timezone=tz))
                for code, name, tz in AGENCIES}
    calendars = {key: registry.create_calendar(session, principal, CalendarIn.model_validate(
        {"name": name, "timezone": tz, "weekly_hours": hours, "holiday_country": None if key == "24x7" else "US",
         "closures": [] if key == "24x7" else [f"{now.year - 1}-12-24", f"{now.year}-12-24"]}))
        for key, (name, tz, hours) in CALENDARS.items()}
    units: list[tuple[Contract, Unit]] = []
    for spec in CONTRACTS:
        contract = _contract(session, principal, spec, agencies[spec.agency].id, calendars[spec.calendar].id, start)
        for i in range(max(2, round(spec.units * scale))):
            in_service = start - timedelta(days=rnd.randint(0, 400)) if i % 9 else start + timedelta(
                days=rnd.randint(30, 240))
            unit = registry.create_unit(session, principal, UnitIn(
                contract_id=contract.id, serial=f"{spec.model.split()[0][:4].upper()}-{spec.number[-4:]}-{i + 1:03d}",
                model=spec.model, site=rnd.choice(spec.sites), in_service_at=in_service))
            units.append((contract, unit))
    made = {"agencies": len(agencies), "contracts": len(CONTRACTS), "units": len(units), "tickets": 0}
    made["users"] = add_web_users(session, principal)
    plan = _ticket_plan(rnd, units, start, now)
    outages: list[demo_telemetry.Outage] = []
    for done, (contract, unit, reported) in enumerate(plan, start=1):
        outage = _ticket(session, principal, rnd, clock, contract, unit, reported, now)
        if outage is not None:
            outages.append(outage)
        made["tickets"] += 1
        if done % 50 == 0 or done == len(plan):
            report("tickets", done, len(plan))
    made["tickets"] += _in_flight(session, principal, rnd, clock, units, now)
    made["status_events"] = demo_telemetry.load(
        session, principal, rnd, units, outages, start=start, now=now, clock=clock.at,
        progress=lambda done, total: report("telemetry", done, total))
    return made


# --- web users (sign in at /login) -------------------------------------------------------------
WEB_USERS = [  # username, demo password, role, agency code
    ("engineer", "demo-engineer", "engineer", None),
    ("manager", "demo-manager", "manager", None),
    ("agency", "demo-agency", "agency", "NAVFAC"),
]


def add_web_users(session: Session, principal: Principal) -> int:
    """The demo's web logins (fixed demo passwords, printed by ``slatrack demo``); skips any that exist."""
    made = 0
    for username, password, role, agency in WEB_USERS:
        if session.scalar(select(User.id).where(User.username == username)) is None:
            identity.create_user(session, principal, role=role, username=username, password=password,
                                 agency_code=agency)
            made += 1
    return made


def _contract(session: Session, principal: Principal, spec: ContractSpec, agency_id: str, calendar_id: str,
              start: datetime) -> Contract:
    begin = date(start.year, start.month, 1)
    return registry.create_contract(session, principal, ContractIn.model_validate({
        "agency_id": agency_id, "number": spec.number, "title": spec.title, "start_date": begin.isoformat(),
        "end_date": date(begin.year + 2, begin.month, 1).isoformat(), "calendar_id": calendar_id,
        "value": spec.value, "currency": "USD", "point_of_contact": spec.poc, "aql_percent": spec.aql,
        "availability_target_percent": spec.availability, "exclude_scheduled_maintenance": True,
        "pause_allowed": spec.calendar != "24x7" or spec.number.startswith("W9127S"),
        "service_credits": {"per_breach_amount": "250.00", "aql_miss_percent": "1.5", "cap_percent": "10"},
        "sla_targets": [{"priority": p, "metric": m, "minutes": n, "clock": c} for p, m, n, c in spec.targets],
    }))


def _ticket_plan(rnd: random.Random, units: list[tuple[Contract, Unit]], start: datetime,
                 now: datetime) -> list[tuple[Contract, Unit, datetime]]:
    plan = []
    for contract, unit in units:
        first = max(start, unit.in_service_at)
        span = (now - first).total_seconds()
        if span <= 0:
            continue
        for _ in range(rnd.randint(4, 16)):
            plan.append((contract, unit, first + timedelta(seconds=rnd.uniform(0, span))))
    plan.sort(key=lambda p: p[2])
    return plan


def _ticket(session: Session, principal: Principal, rnd: random.Random, clock: Recording, contract: Contract,
            unit: Unit, reported: datetime, now: datetime) -> demo_telemetry.Outage | None:
    """One ticket with a plausible history; returns the outage it caused when it took the unit down.

    About one in seventy is entered late, 4 to 10 days after it was reported, by the contract
    manager with the reason (with the events that had happened by then)."""
    priority = rnd.choices(PRIORITIES, weights=[12, 38, 35, 15])[0]
    unit_down = priority == "P1" or (priority == "P2" and rnd.random() < 0.3)
    late_reason = clock.lag.choice(LATE_REASONS) if clock.lag.random() < 1 / 70 else None
    if late_reason is not None:
        entered = clock.at(reported + timedelta(days=clock.lag.uniform(4, 10)))
        if entered - reported <= timedelta(hours=contract.reporting_window_hours):
            late_reason = None  # reported too recently to be entered that late
    else:
        clock.at(reported + timedelta(minutes=clock.lag.uniform(2, 40)))
    ticket = tickets.create_ticket(session, MANAGER if late_reason else principal, TicketIn.model_validate({
        "unit_id": unit.id, "priority": priority, "summary": rnd.choice(ISSUES[priority]), "reported_at": reported,
        "unit_down": unit_down, "late_reason": late_reason,
        "reporter": rnd.choice(["Operations desk", "Site supervisor", "Agency COR", "Telemetry alert"])}))
    entered_at = clock()
    slow = rnd.random() < 0.07
    t = reported + timedelta(minutes=rnd.lognormvariate(3.0 if not slow else 5.2, 0.6))
    events: list[tuple[str, datetime, str | None]] = [("acknowledged", t, None)]
    if contract.pause_allowed and rnd.random() < 0.12:
        t += timedelta(minutes=rnd.uniform(20, 120))
        events.append(("paused", t, rnd.choice(PAUSE_REASONS)))
        t += timedelta(hours=rnd.uniform(2, 60))
        events.append(("resumed", t, None))
    remote = rnd.random() < 0.3
    if not remote:
        t += timedelta(minutes=rnd.lognormvariate(5.0 if not slow else 6.6, 0.5))
        events.append(("on_site", t, None))
    t += timedelta(minutes=rnd.lognormvariate(4.5, 0.7))
    events.append(("restored", t, None))
    t += timedelta(minutes=rnd.lognormvariate(4.8, 0.8))
    events.append(("resolved", t, None))
    t += timedelta(hours=rnd.uniform(4, 72))
    events.append(("closed", t, None))
    recorded = [e for e in events if e[1] < now - timedelta(minutes=10)]
    for kind, when, reason in recorded:
        if late_reason is not None and when < entered_at:  # entered with the ticket, by the manager
            _event(session, MANAGER, ticket.id, kind, when, reason, late_reason=late_reason)
        else:
            clock.soon_after(when)
            _event(session, principal, ticket.id, kind, when, reason)
        if kind == "on_site" and rnd.random() < 0.9:
            clock.at(max(clock(), when + timedelta(minutes=250)))  # the visit's work log, after the visit
            _work(session, principal, rnd, ticket.id, when, now)
    if recorded and rnd.random() < 0.01:
        first = session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
                                .order_by(TicketEvent.recorded_at)).first()
        if first is not None:
            clock.soon_after(clock(), 60, 600)
            with contextlib.suppress(DomainError):  # a correction that breaks the timeline is refused: skip it
                tickets.correct_event(session, principal, ticket.id, CorrectionIn(
                    event_id=first.id, occurred_at=first.occurred_at - timedelta(minutes=rnd.randint(3, 15)),
                    reason="Engineer's tablet clock was behind; time taken from the dispatch log"))
    if any(k == "resolved" for k, _, _ in recorded) and rnd.random() < 0.4:
        score = rnd.choices([5, 4, 3, 2, 1], weights=[45, 30, 13, 8, 4])[0]
        clock.soon_after(clock(), 60, 2880)
        agency_principal = Principal(id=f"demo-{contract.agency_id}", name="agency COR", role="agency",
                                     agency_id=contract.agency_id, kind="user")
        tickets.rate(session, agency_principal, ticket.id, RatingIn(
            score=score, comment=None if score >= 4 else "Took longer than we needed"))
    if not unit_down:
        return None
    restored = next((when for kind, when, _ in recorded if kind in ("restored", "resolved")), None)
    return demo_telemetry.Outage(unit_id=unit.id, reported_at=reported, restored_at=restored)


IN_FLIGHT: list[tuple[str, int, list[tuple[str, int]]]] = [
    # (priority, reported minutes ago, [(event, minutes after the report)]): the work on engineers' desks now
    ("P1", 26, []),                                          # response clock about to run out
    ("P1", 95, [("acknowledged", 9)]),                       # waiting for an engineer on site
    ("P2", 200, []),                                         # nobody answered: breached
    ("P2", 300, [("acknowledged", 20), ("on_site", 150)]),   # on site, repair under way
    ("P3", 50, [("acknowledged", 15)]),
    ("P3", 2900, [("acknowledged", 30), ("paused", 90)]),    # on hold, waiting for parts
    ("P4", 12, []),
    ("P2", 1500, [("acknowledged", 40), ("on_site", 400), ("restored", 600)]),  # restored, not yet resolved
]


def _in_flight(session: Session, principal: Principal, rnd: random.Random, clock: Recording,
               units: list[tuple[Contract, Unit]], now: datetime) -> int:
    """Open tickets at the moment the demo is loaded, so "My work" and the at-risk list have something
    on them: some fresh, one about to breach, one breached, one paused, one restored awaiting resolve."""
    made = 0
    for i, (priority, ago, steps) in enumerate(IN_FLIGHT):
        contract, unit = units[(i * 37) % len(units)]
        if any(kind == "paused" for kind, _ in steps) and not contract.pause_allowed:
            contract, unit = next((c, u) for c, u in units if c.pause_allowed)
        reported = now - timedelta(minutes=ago)
        if reported < unit.in_service_at:
            continue
        clock.at(reported + timedelta(minutes=min(5, ago / 2)))
        ticket = tickets.create_ticket(session, principal, TicketIn.model_validate({
            "unit_id": unit.id, "priority": priority, "summary": rnd.choice(ISSUES[priority]),
            "reported_at": reported, "unit_down": priority == "P1", "reporter": "Operations desk"}))
        for kind, after in steps:
            clock.at(reported + timedelta(minutes=after + 2))
            _event(session, principal, ticket.id, kind, reported + timedelta(minutes=after),
                   rnd.choice(PAUSE_REASONS[1:2]) if kind == "paused" else None)
        made += 1
    return made


def _event(session: Session, principal: Principal, ticket_id: str, kind: str, when: datetime,
           reason: str | None, *, late_reason: str | None = None) -> None:
    tickets.add_event(session, principal, ticket_id, EventIn(type=kind, occurred_at=when, reason=reason,  # type: ignore[arg-type]
                                                             late_reason=late_reason))


def _work(session: Session, principal: Principal, rnd: random.Random, ticket_id: str, start: datetime,
          now: datetime) -> None:
    """A work log from arrival on site; a visit still under way at ``now`` is logged up to now."""
    end = min(start + timedelta(minutes=rnd.randint(30, 240)), now - timedelta(minutes=1))
    parts = [{"part_number": rnd.choice(PARTS), "quantity": rnd.randint(1, 2)}] if rnd.random() < 0.5 else []
    tickets.add_work_log(session, principal, ticket_id, WorkLogIn.model_validate({
        "started_at": start.isoformat(), "ended_at": end.isoformat(),
        "engineer": rnd.choice(ENGINEERS), "activity": rnd.choice(["diagnosis", "repair", "repair", "test"]),
        "notes": "Replaced worn components and ran a functional test.", "parts": parts}))


def last_recorded_at(session: Session) -> datetime | None:
    """The latest instant anything was recorded (tickets, events, ratings, work, status, maintenance)."""
    recorded = [session.scalar(select(func.max(model.recorded_at)))
                for model in (Ticket, TicketEvent, Rating, WorkLog, StatusEvent, MaintenanceWindow)]
    return max((r for r in recorded if r is not None), default=None)


def busiest_unit(session: Session, contract_id: str, since: datetime) -> str | None:
    """The id of the contract's unit with the most tickets reported since ``since`` (ties: by serial)."""
    return session.scalar(
        select(Unit.id).join(Ticket, Ticket.unit_id == Unit.id)
        .where(Unit.contract_id == contract_id, Ticket.reported_at >= since)
        .group_by(Unit.id, Unit.serial).order_by(func.count(Ticket.id).desc(), Unit.serial).limit(1))
