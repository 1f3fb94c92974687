"""Uptime use cases: status events at fleet scale, maintenance windows, availability, timelines.

Status events (:func:`ingest`) arrive in batches of up to 10,000 and are the hot path:

* the batch is validated in one pass (:func:`fleet.schemas.uptime.parse_status_batch`), unit ids
  are resolved with one query (scoped: an agency-bound key sees only its agency's units, so another
  agency's unit is just an unknown unit), and every bad event is reported as ``{index, event_id,
  reason}`` with the whole batch refused and nothing stored;
* the rows go in with one statement (PostgreSQL: ``INSERT … SELECT FROM unnest(arrays)``; SQLite:
  an executemany), ``ON CONFLICT (unit_id, event_id) DO NOTHING``: a retried or overlapping batch
  stores nothing twice, and ``duplicates`` counts what was already stored or repeated in the batch
  (the first copy of an ``event_id`` wins; a re-sent id with other content is still a duplicate);
* rows are inserted in ``(unit_id, occurred_at, event_id)`` order, so two batches racing over the
  same events take their row locks in the same order (no deadlock), and a unit's simultaneous
  events are applied in a fixed order (by ``id``, the storage order: the last one stored wins);
* **audit**: one ledger entry per batch that stored something (action ``status_events.ingest``,
  entity = the batch's SHA-256, ``after`` = accepted, duplicates, events, units, first/last
  ``occurred_at`` and the SHA-256 of the canonical batch), not one per event: at fleet scale a
  per-event entry would serialise every writer on the audit head 10,000 times a request. The
  events themselves are append-only facts with their own ``recorded_at``; the hash lets anyone
  check a stored batch against the entry. A batch of duplicates only writes nothing and is not
  audited.

Availability (:func:`contract_availability`, :func:`unit_availability`) follows DESIGN.md
"Availability" with the pure arithmetic in :mod:`slas.availability`. The record is read as it
stood at ``as_of`` (``recorded_at <= as_of`` for status events, tickets and their events, and
maintenance windows; a window cancelled by ``as_of`` is ignored; only units registered by then,
``created_at <= as_of``, are counted) and the clocks at ``at`` (the
period ends at ``min(to, at)``). The facts (status changes, ticket downtime, windows) are read by
:mod:`fleet.period`, the one reader of a contract's period record (its module docstring says how,
and the ticket-downtime rule); each unit's timelines are built once and the period and its months
are sliced from them (:func:`slas.availability.unit_availability_series`), as soon as its changes
are in (:func:`fleet.period.iter_unit_facts`). docs/SCALING.md has the measurements.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any, cast

from sqlalchemy import String, Table, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from fleet import audit, rowproof
from fleet import period as record
from fleet.answers import AnswerCache
from fleet.db import utcnow
from fleet.errors import Conflict, Invalid
from fleet.models import Contract, MaintenanceWindow, StatusEvent, Unit
from fleet.pagination import Page, paginate
from fleet.period import Period, UnitFacts, period  # the record is read by fleet.period
from fleet.principal import Principal
from fleet.registry import contract_timezone
from fleet.schemas.types import NUL_MESSAGE
from fleet.schemas.uptime import (
    BatchErrors,
    CancelIn,
    ContractAvailabilityOut,
    IngestOut,
    IntervalOut,
    MaintenanceWindowIn,
    MonthOut,
    StatusEventIn,
    TimelineOut,
    UnitAvailabilityOut,
    batch_rejected,
    parse_status_batch,
)
from fleet.tenancy import get_scoped, scope_filter, scoped
from fleet.tickets import FUTURE_TOLERANCE
from slas.availability import (
    StatusChange,
    UnitAvailability,
    UnitState,
    fleet_availability,
    local_month_label,
    months_between,
    state_timeline,
)
from slas.availability import unit_availability_series as unit_series
from slas.calendars import local_midnight
from slas.vocabulary import AVAILABILITY_TERMS, availability_definition

_EVENTS = cast(Table, StatusEvent.__table__)
_PG_INSERT = (  # driver SQL: each column travels as one JSON array text, zipped back into rows in C
    "INSERT INTO status_events (agency_id, unit_id, event_id, state, occurred_at, recorded_at) "
    "SELECT t.a, t.u, t.e, t.s, t.o::timestamptz, %s FROM ROWS FROM ("
    + ", ".join(["json_array_elements_text(%s::json)"] * 5)
    + ") WITH ORDINALITY AS t(a, u, e, s, o, n) ORDER BY t.n ON CONFLICT (unit_id, event_id) DO NOTHING "
    "RETURNING id, unit_id, event_id"
)
_MINUTE = timedelta(minutes=1)
_encode_json_string: Callable[[str], str] = json.encoder.encode_basestring
"""``json.dumps(s, ensure_ascii=False)`` for one string (the C encoder ``json.dumps`` itself uses)."""
_Row = tuple[str, datetime, str, str, str, str]
"""unit_id, occurred_at, event_id, state, occurred_at as ISO text, agency_id (sorts by unit, then time)."""


# --- status events ----------------------------------------------------------------------------
def ingest_json(session: Session, principal: Principal, body: bytes) -> IngestOut:
    """``POST /status-events``: check the role, validate the raw JSON batch, then :func:`ingest`.
    A malformed batch is refused naming every bad event, its domain problems included."""
    principal.require("status.write")
    try:
        events = parse_status_batch(body)
    except BatchErrors as exc:
        problems = list(exc.problems)
        nul = _nul_problems(exc.valid.items())
        problems.extend(nul)
        bad = {p["index"] for p in nul}
        valid = {i: e for i, e in exc.valid.items() if i not in bad}
        if valid:
            units = _units(session, principal, {e["unit_id"] for e in valid.values()})
            latest = utcnow() + FUTURE_TOLERANCE
            for i, e in valid.items():
                reason = _why(e["unit_id"], units.get(e["unit_id"]), e["occurred_at"].astimezone(UTC), latest)
                if reason:
                    problems.append({"index": i, "event_id": e["event_id"], "reason": reason})
        raise batch_rejected(problems, exc.total) from None
    return ingest(session, principal, events)


def ingest(session: Session, principal: Principal, events: Sequence[StatusEventIn]) -> IngestOut:
    """Store a batch of status events, all or none (see the module docstring)."""
    principal.require("status.write")
    if not events:
        return IngestOut(accepted=0, duplicates=0)
    problems = _nul_problems(enumerate(events))  # named with the other problems, kept out of SQL
    bad = {p["index"] for p in problems}
    units = _units(session, principal, {e["unit_id"] for i, e in enumerate(events) if not bad or i not in bad})
    latest = utcnow() + FUTURE_TOLERANCE
    instants: list[str] = []
    unique: dict[tuple[str, str], _Row] = {}
    for i, e in enumerate(events):
        unit_id, event_id, when = e["unit_id"], e["event_id"], e["occurred_at"]
        if when.tzinfo is not UTC:
            if when.utcoffset() is None:
                raise Invalid(f"event {i}: occurred_at has no UTC offset", code="invalid_status_events")
            when = when.astimezone(UTC)
        unit = units.get(unit_id)
        if unit is None or when < unit[1] or when > latest:
            if not bad or i not in bad:
                problems.append({"index": i, "event_id": event_id, "reason": _why(unit_id, unit, when, latest)})
        elif not problems:
            iso = when.isoformat().replace("+00:00", "Z")
            instants.append(iso)
            if (unit_id, event_id) not in unique:
                unique[unit_id, event_id] = (unit_id, when, event_id, e["state"], iso, unit[0])
    if problems:
        raise batch_rejected(problems, len(events))
    rows = sorted(unique.values())
    now = utcnow()
    stored = _insert(session, rows, now)
    accepted = len(stored)
    duplicates = len(events) - accepted
    if accepted:
        digest = batch_sha256(events, instants)
        agencies = {r[5] for r in rows}
        first = min(r[1] for r in rows)
        contracts = {units[r[0]][2] for r in rows}  # one contract's batch leaves the others' answers be
        agency_id = principal.agency_id or (agencies.pop() if len(agencies) == 1 else None)
        audit.record(session, principal, action="status_events.ingest", entity_type="status_event_batch",
                     entity_id=digest, agency_id=agency_id,
                     after={"accepted": accepted, "duplicates": duplicates, "events": len(events),
                            "units": len({r[0] for r in rows}), "first_occurred_at": first,
                            "last_occurred_at": max(r[1] for r in rows), "sha256": digest},
                     scope=audit.Scope(contracts.pop() if len(contracts) == 1 else None, first),
                     batch=_batch_proof(session, unique, stored, now))
    return IngestOut(accepted=accepted, duplicates=duplicates)


def _nul_problems(events: Iterable[tuple[int, StatusEventIn]]) -> list[dict[str, Any]]:
    """Events whose ids hold a NUL character (PostgreSQL cannot store one; see
    :data:`fleet.schemas.types.NUL_MESSAGE`)."""
    return [{"index": i, "event_id": e["event_id"], "reason": NUL_MESSAGE} for i, e in events
            if "\x00" in e["event_id"] or "\x00" in e["unit_id"]]


def _units(session: Session, principal: Principal, unit_ids: set[str]) -> dict[str, tuple[str, datetime, str]]:
    """``{unit_id: (agency_id, in_service_at, contract_id)}`` for the units the principal may see, in one query
    (PostgreSQL: the ids as one array parameter rather than thousands of bound values)."""
    if session.get_bind().dialect.name == "postgresql":
        wanted = Unit.id == any_(bindparam("unit_ids", list(unit_ids), type_=ARRAY(String)))
    else:
        wanted = Unit.id.in_(unit_ids)
    stmt = select(Unit.id, Unit.agency_id, Unit.in_service_at, Unit.contract_id).where(wanted)
    tenancy = scope_filter(Unit, principal)
    if tenancy is not None:
        stmt = stmt.where(tenancy)
    return {row[0]: (row[1], row[2], row[3]) for row in session.execute(stmt)}


def _why(unit_id: str, unit: tuple[str, datetime, str] | None, when: datetime, latest: datetime) -> str | None:
    """Why an event cannot be stored (unknown or unseen unit, before in service, future), or None."""
    if unit is None:
        return f"unknown unit {unit_id!r}"
    if when < unit[1]:
        return f"occurred_at {_iso(when)} is before the unit entered service ({_iso(unit[1])})"
    if when > latest:
        return f"occurred_at {_iso(when)} is in the future"
    return None


def _insert(session: Session, rows: list[_Row], now: datetime) -> list[tuple[int, str, str]]:
    """One statement for the whole batch; returns the new rows' ``(id, unit_id, event_id)``.

    PostgreSQL: ``INSERT … SELECT FROM ROWS FROM (json_array_elements_text(…) × 5) ORDER BY
    ordinality``: each column is one JSON array of strings (``json.dumps`` of a list of str is a
    few milliseconds), which the server splits and zips back into rows in C. Binding the columns as
    five 5,000-element arrays cost psycopg ~45 ms of Python per batch, more than the insert. The
    explicit order keeps the batch's sorted order, so racing batches lock rows in the same order."""
    if session.get_bind().dialect.name == "postgresql":
        columns = [json.dumps([r[k] for r in rows], separators=(",", ":"), ensure_ascii=False)
                   for k in (5, 0, 2, 3, 4)]
        result: Any = session.connection().exec_driver_sql(_PG_INSERT, (now, *columns))
    else:
        stmt = (sqlite_insert(_EVENTS).on_conflict_do_nothing(index_elements=["unit_id", "event_id"])
                .returning(_EVENTS.c.id, _EVENTS.c.unit_id, _EVENTS.c.event_id))
        result = session.execute(stmt, [
            {"agency_id": r[5], "unit_id": r[0], "event_id": r[2], "state": r[3], "occurred_at": r[1],
             "recorded_at": now} for r in rows])
    return [(int(r[0]), str(r[1]), str(r[2])) for r in result.all()]


def _batch_proof(session: Session, unique: dict[tuple[str, str], _Row], stored: list[tuple[int, str, str]],
                 now: datetime) -> dict[str, Any]:
    """The ledger's proof of the rows this batch stored: their ids and one SHA-256 over their
    canonical rows in id order (:mod:`fleet.rowproof`), from the values just written."""
    stored = sorted(stored)
    ids = [s[0] for s in stored]
    if rowproof.status_fast_path():
        rows = ((i, r[5], r[0], r[2], r[3], r[1], now) for i, r in ((s[0], unique[s[1], s[2]]) for s in stored))
        lines: Iterable[str] = rowproof.status_lines(rows)
    else:  # a column added since: hash the rows as stored, in the generic canonical form
        read = (session.connection().execute(select(_EVENTS).where(_EVENTS.c.id.in_(ids[i:i + 1000]))
                                             .order_by(_EVENTS.c.id)).mappings() for i in range(0, len(ids), 1000))
        lines = rowproof.generic_lines(_EVENTS, (cast(Mapping[str, Any], row) for chunk in read for row in chunk))
    return rowproof.batch_proof(ids, hashlib.sha256("".join(lines).encode()).hexdigest())


def batch_sha256(events: Sequence[StatusEventIn], instants: Sequence[str] | None = None) -> str:
    """SHA-256 of the canonical batch: canonical JSON (:mod:`fleet.canonical`: sorted keys, no
    spaces, instants as UTC ``Z``) of the events in the order sent, repeats included, i.e.
    ``canonical_json([{"event_id", "occurred_at", "state", "unit_id"}, ...])``.

    Written out item by item with the ``json`` module's own C string encoder rather than through
    ``json.dumps`` of 10,000 dicts: the same bytes (a test checks it against
    :func:`fleet.canonical.canonical_json` on arbitrary strings) at a fifth of the cost. ``state``
    is one of three known words and the instants are ISO text, so neither needs escaping."""
    isos = instants if instants is not None else [_iso(e["occurred_at"]) for e in events]
    enc = _encode_json_string
    items = [f'{{"event_id":{enc(e["event_id"])},"occurred_at":"{iso}","state":"{e["state"]}",'
             f'"unit_id":{enc(e["unit_id"])}}}' for e, iso in zip(events, isos, strict=True)]
    return hashlib.sha256(("[" + ",".join(items) + "]").encode()).hexdigest()


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


# --- maintenance windows ----------------------------------------------------------------------
def create_window(session: Session, principal: Principal, data: MaintenanceWindowIn) -> MaintenanceWindow:
    principal.require("maintenance.write")
    contract = get_scoped(session, Contract, data.contract_id, principal, what="contract")
    if data.unit_id is not None:
        unit = get_scoped(session, Unit, data.unit_id, principal, what="unit")
        if unit.contract_id != contract.id:
            raise Invalid(f"unit {unit.serial} is not on contract {contract.number}", code="unit_not_in_contract")
    window = MaintenanceWindow(agency_id=contract.agency_id, contract_id=contract.id, unit_id=data.unit_id,
                               starts_at=data.starts_at, ends_at=data.ends_at, reason=data.reason,
                               recorded_at=utcnow(), created_by=principal.actor)
    session.add(window)
    session.flush()
    audit.record(session, principal, action="maintenance_window.create", entity_type="maintenance_window",
                 entity_id=window.id, agency_id=window.agency_id, reason=data.reason, after=audit.snapshot(window),
                 scope=audit.Scope(window.contract_id, window.starts_at), rows=[window])
    return window


def get_window(session: Session, principal: Principal, window_id: str) -> MaintenanceWindow:
    principal.require("read")
    return get_scoped(session, MaintenanceWindow, window_id, principal, what="maintenance window")


def list_windows(session: Session, principal: Principal, *, limit: int, cursor: str | None,
                 contract_id: str | None = None, unit_id: str | None = None) -> Page[MaintenanceWindow]:
    principal.require("read")
    stmt = scoped(select(MaintenanceWindow), MaintenanceWindow, principal)
    if contract_id:
        stmt = stmt.where(MaintenanceWindow.contract_id == contract_id)
    if unit_id:
        stmt = stmt.where(MaintenanceWindow.unit_id == unit_id)
    return paginate(session, stmt, MaintenanceWindow.id, limit=limit, cursor=cursor)


def cancel_window(session: Session, principal: Principal, window_id: str, data: CancelIn) -> MaintenanceWindow:
    """Cancel a window: the row stays (``cancelled_at``, ``cancelled_by`` and ``cancel_reason``
    set, the change in the audit entry), so figures as of an earlier instant still exclude it."""
    principal.require("maintenance.write")
    window = get_scoped(session, MaintenanceWindow, window_id, principal, what="maintenance window")
    if window.cancelled_at is not None:
        raise Conflict(f"maintenance window {window.id} was already cancelled", code="already_cancelled")
    before = audit.snapshot(window)
    window.cancelled_at = utcnow()
    window.cancelled_by = principal.actor
    window.cancel_reason = data.reason
    session.flush()
    audit.record(session, principal, action="maintenance_window.cancel", entity_type="maintenance_window",
                 entity_id=window.id, agency_id=window.agency_id, reason=data.reason, before=before,
                 after=audit.snapshot(window), scope=audit.Scope(window.contract_id, window.starts_at), rows=[window])
    return window


# --- availability -----------------------------------------------------------------------------


def _series(units: Iterable[UnitFacts], p: Period, *,
            exclude: bool) -> tuple[list[tuple[UnitFacts, UnitAvailability]], list[MonthOut]]:
    """Each unit's figures for the whole period (ordered by serial) and the fleet's monthly series:
    one :func:`slas.availability.unit_availability_series` per unit (its timelines built once, the
    period and each month sliced from them), computed as the units arrive (:func:`fleet.period.iter_unit_facts`)."""
    if p.empty:
        return sorted(((u, fleet_availability([])) for u in units), key=lambda pair: pair[0].serial), []
    months = months_between(p.start, p.end, p.timezone)
    one_month = months == [(p.start, p.end)]  # the period is one whole month: its figures are the month's
    spans = [(p.start, p.end)] if one_month else [(p.start, p.end), *months]
    per_month: list[list[UnitAvailability]] = [[] for _ in months]
    whole: list[tuple[UnitFacts, UnitAvailability]] = []
    for u in units:
        period_figures, *monthly_figures = unit_series(
            spans=spans, in_service_at=u.in_service_at, changes=u.changes, ticket_down=u.ticket_down,
            maintenance_windows=u.windows, exclude_maintenance=exclude, state_before_first_change=u.state_before)
        if one_month:
            monthly_figures = [period_figures]
        whole.append((u, period_figures))
        for k, (_, me) in enumerate(months):
            if me > u.in_service_at:
                per_month[k].append(monthly_figures[k])
    monthly = []
    for (ms, _), figs in zip(months, per_month, strict=True):
        f = fleet_availability(figs)
        monthly.append(MonthOut(month=local_month_label(ms, p.timezone).strftime("%Y-%m"),
                                availability_percent=_pct(f.availability_percent),
                                downtime_minutes=_minutes(f.downtime), failures=f.failures,
                                period_minutes=_minutes(f.period), excluded_minutes=_minutes(f.excluded)))
    return sorted(whole, key=lambda pair: pair[0].serial), monthly


def _minutes(value: timedelta) -> float:
    return round(value / _MINUTE, 3)


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _hours(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _figures_out(f: UnitAvailability) -> dict[str, Any]:
    return {"availability_percent": _pct(f.availability_percent), "period_minutes": _minutes(f.period),
            "downtime_minutes": _minutes(f.downtime), "excluded_minutes": _minutes(f.excluded),
            "uptime_minutes": _minutes(f.uptime), "failures": f.failures, "mtbf_hours": _hours(f.mtbf_hours),
            "mttr_hours": _hours(f.mttr_hours)}


def _verdict(contract: Contract, f: UnitAvailability) -> dict[str, Any]:
    """Target, pass/fail (exact: uptime × 100 ≥ target × (period − excluded), no float rounding)."""
    target = Decimal(contract.availability_target_percent)
    denominator = f.period - f.excluded
    passed = None
    if denominator > timedelta(0):
        passed = Fraction(f.uptime // timedelta(microseconds=1)) * 100 >= Fraction(target) * (
            denominator // timedelta(microseconds=1))
    exclude = contract.exclude_scheduled_maintenance
    return {"definition": AVAILABILITY_TERMS[availability_definition(exclude)].api_label,
            "exclude_scheduled_maintenance": exclude,
            "target_percent": float(target), "passed": passed}


def contract_availability(session: Session, principal: Principal, contract_id: str, *, start_date: date,
                          end_date: date, at: datetime | None = None, as_of: datetime | None = None,
                          answers: AnswerCache | None = None) -> ContractAvailabilityOut:
    """A contract's availability for ``[start_date, end_date)`` (local dates of its calendar's time
    zone) as of ``as_of`` with clocks read at ``at``: fleet figures (period-weighted), each unit's
    figures, and a monthly series. Units not yet in service by the period end are left out.

    With ``answers`` and neither instant given, a period that is over is answered from the cache
    while no write has changed its record (:mod:`fleet.answers`): once the period has ended its
    figures no longer depend on the reading instant."""
    principal.require("read")
    contract = get_scoped(session, Contract, contract_id, principal, what="contract")
    tz = contract_timezone(session, contract)
    if answers is None or at is not None or as_of is not None:
        return _contract_availability(session, contract, period(start_date, end_date, tz, at=at, as_of=as_of))

    def compute(now: datetime) -> tuple[ContractAvailabilityOut, None]:
        return _contract_availability(session, contract, period(start_date, end_date, tz, at=None, as_of=now)), None

    return answers.answer(session, ("availability", contract.id, start_date, end_date), contract_id=contract.id,
                          end=local_midnight(end_date, tz), compute=compute)


def _contract_availability(session: Session, contract: Contract, p: Period) -> ContractAvailabilityOut:
    return availability_of(contract, p, record.iter_unit_facts(session, contract, p))


def availability_of(contract: Contract, p: Period, units: Iterable[UnitFacts]) -> ContractAvailabilityOut:
    """The contract's availability answer from its units' facts (:mod:`fleet.period`)."""
    exclude = contract.exclude_scheduled_maintenance
    whole, monthly = _series(units, p, exclude=exclude)
    fleet = fleet_availability([f for _, f in whole])
    return ContractAvailabilityOut.model_validate({  # one validation of plain data, not a model per unit
        "contract_id": contract.id, **p.out(), **_verdict(contract, fleet), **_figures_out(fleet),
        "units": [{"unit_id": u.unit_id, "serial": u.serial, "in_service_at": u.in_service_at, **_figures_out(f)}
                  for u, f in whole],
        "monthly": monthly,
    })


def unit_availability(session: Session, principal: Principal, unit_id: str, *, start_date: date, end_date: date,
                      at: datetime | None = None, as_of: datetime | None = None) -> UnitAvailabilityOut:
    """One unit's availability, judged against its contract's target and definition."""
    unit, contract, p = _unit_period(session, principal, unit_id, start_date, end_date, at, as_of)
    return unit_availability_of(contract, unit, p, record.iter_unit_facts(session, contract, p, unit_id=unit.id))


def _unit_period(session: Session, principal: Principal, unit_id: str, start_date: date, end_date: date,
                 at: datetime | None, as_of: datetime | None) -> tuple[Unit, Contract, Period]:
    principal.require("read")
    unit = get_scoped(session, Unit, unit_id, principal, what="unit")
    contract = session.get_one(Contract, unit.contract_id)
    return unit, contract, period(start_date, end_date, contract_timezone(session, contract), at=at, as_of=as_of)


def unit_availability_of(contract: Contract, unit: Unit | record.UnitRow, p: Period,
                         facts: Iterable[UnitFacts]) -> UnitAvailabilityOut:
    """One unit's availability answer from its facts (none: not in service in the period)."""
    whole, monthly = _series(facts, p, exclude=contract.exclude_scheduled_maintenance)
    f = whole[0][1] if whole else fleet_availability([])
    return UnitAvailabilityOut(unit_id=unit.id, serial=unit.serial, contract_id=contract.id,
                               in_service_at=unit.in_service_at, **p.out(), **_verdict(contract, f),
                               **_figures_out(f), monthly=monthly)


def unit_timeline(session: Session, principal: Principal, unit_id: str, *, start_date: date, end_date: date,
                  at: datetime | None = None, as_of: datetime | None = None) -> TimelineOut:
    """The unit's merged state over the period: maintenance, down (telemetry ∪ tickets) or up."""
    unit, contract, p = _unit_period(session, principal, unit_id, start_date, end_date, at, as_of)
    return timeline_of(unit.id, p, list(record.iter_unit_facts(session, contract, p, unit_id=unit.id)))


def timeline_of(unit_id: str, p: Period, facts: Sequence[UnitFacts]) -> TimelineOut:
    """The unit's merged state over the period from its facts (none: not in service in the period)."""
    intervals: list[IntervalOut] = []
    if facts and not p.empty:
        u = facts[0]
        changes = [StatusChange(t, cast(UnitState, s)) for t, s in u.changes]
        spans = state_timeline(start=p.start, end=p.end, changes=changes, ticket_down=u.ticket_down,
                               maintenance_windows=u.windows, in_service_at=u.in_service_at,
                               state_before_first_change=u.state_before)
        intervals = [IntervalOut(start=s, end=e, state=state) for s, e, state in spans]
    return TimelineOut(unit_id=unit_id, **p.out(), intervals=intervals)
