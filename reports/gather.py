"""The report pipeline: a request → resolved parameters → report data → a signed, registered PDF.

:func:`resolve` checks a request against the record and makes it exact; :func:`gather` fills the
report data of its kind from the contract's period record (:mod:`reports.contract_review`,
:mod:`reports.track_record`, :mod:`reports.unit_history`, each over :mod:`reports.record`).

The two instants (DESIGN.md principle 3): only facts recorded by ``as_of`` are read (tickets,
events, corrections, ratings, work logs, maintenance windows, status events) and the clocks are
read at ``at = as_of`` (the API's default), so a ticket reported in the period is judged on how
it actually ended by then: a ticket still open at the period's end is not left "pending" in
this period's review for ever. Availability ends each unit's period at ``min(to, as_of)``.

Every figure carries :class:`reports.data.Sources`: the ids of the tickets, ticket events,
status events (the state changes the availability maths used, and each unit's state at the
period start), maintenance windows, ratings, work logs and units it came from. Compliance rows
cite their tickets (each ticket's events are in ``events``); breaches cite the ticket and every
event of it. Exactness: :mod:`reports.exact`. PASS/FAIL verdicts are the services' own (decided on
exact values).

:func:`produce` runs the whole pipeline for the API, the web page and the CLI on the sessions
its caller gives it (the caller begins and commits the transactions): gather on a read session,
render in a worker process, then sign, register and audit on a write session first used after
the render (on SQLite a write transaction holds the database's write lock).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from fleet import registry, sla_service
from fleet.db import utcnow
from fleet.errors import Invalid, NotFound
from fleet.models import Contract, Report, Unit
from fleet.principal import Principal
from fleet.tenancy import get_scoped
from reports.contract_review import DEFAULT_VENDOR, gather_contract_review
from reports.data import (
    REPORT_KINDS,
    ContractReviewData,
    TrackRecordData,
    UnitHistoryData,
    canonical_parameters,
    make_report_id,
)
from reports.issue import issue_report
from reports.pdf import render_pdf
from reports.signing import SigningKey
from reports.track_record import MIXED_TIMEZONES, gather_track_record
from reports.unit_history import gather_unit_history

__all__ = ["DEFAULT_VENDOR", "MIXED_TIMEZONES", "AnyReportData", "Produced", "ReportRequest", "Resolved", "gather",
           "gather_contract_review", "gather_track_record", "gather_unit_history", "produce", "resolve"]

AnyReportData = ContractReviewData | TrackRecordData | UnitHistoryData


# --------------------------------------------------------------------------- requests


@dataclass(frozen=True)
class ReportRequest:
    """What a caller asks for (the API body or the CLI options), before resolution."""

    kind: str
    start_date: date
    end_date: date
    contract_id: str | None = None
    contract_ids: tuple[str, ...] | None = None
    unit_id: str | None = None
    as_of: datetime | None = None


@dataclass(frozen=True)
class Resolved:
    """A request made exact: canonical parameters, the instant, the owning agency (``None``
    when a track record spans several agencies) and the deterministic report id."""

    kind: str
    parameters: dict[str, Any]
    as_of: datetime
    agency_id: str | None
    report_id: str


def resolve(session: Session, principal: Principal, request: ReportRequest, *,
            now: datetime | None = None) -> Resolved:
    """Check the request against the record (ids exist and are visible, the period is a period,
    ``as_of`` is not in the future) and make its parameters canonical. A track record without
    ``contract_ids`` covers every contract the principal sees that existed at ``as_of``."""
    principal.require("read")
    if request.kind not in REPORT_KINDS:
        raise Invalid(f"unknown report kind {request.kind!r}; use one of {', '.join(REPORT_KINDS)}",
                      code="invalid_report_kind")
    if request.end_date <= request.start_date:
        raise Invalid("to must be after from (the period is [from, to))", code="invalid_period")
    as_of = sla_service.instants(None, request.as_of, now=now).as_of.astimezone(UTC)
    extra = {"contract_review": ("contract_ids", "unit_id"), "track_record": ("contract_id", "unit_id"),
             "unit_history": ("contract_id", "contract_ids")}[request.kind]
    for name in extra:
        if getattr(request, name) is not None:
            raise Invalid(f"{name} is not a parameter of a {request.kind} report", code="invalid_report_parameters")
    period = {"from": request.start_date, "to": request.end_date}
    agency_id: str | None
    if request.kind == "contract_review":
        if not request.contract_id:
            raise Invalid("a contract_review report needs contract_id", code="invalid_report_parameters")
        contract = get_scoped(session, Contract, request.contract_id, principal, what="contract")
        params: dict[str, Any] = {"contract_id": contract.id, **period}
        agency_id = contract.agency_id
    elif request.kind == "unit_history":
        if not request.unit_id:
            raise Invalid("a unit_history report needs unit_id", code="invalid_report_parameters")
        unit = get_scoped(session, Unit, request.unit_id, principal, what="unit")
        params = {"unit_id": unit.id, **period}
        agency_id = unit.agency_id
    else:
        if request.contract_ids is not None:
            if not request.contract_ids:
                raise Invalid("contract_ids must name at least one contract", code="invalid_report_parameters")
            contracts = [get_scoped(session, Contract, cid, principal, what="contract")
                         for cid in sorted(set(request.contract_ids))]
        else:
            contracts = registry.contracts_on_record(session, principal, as_of)
            if not contracts:
                raise NotFound("no contract was on record at as_of: nothing to report", code="no_contracts")
        params = {"contract_ids": [c.id for c in contracts], **period}
        agencies = {c.agency_id for c in contracts}
        agency_id = agencies.pop() if len(agencies) == 1 else None
    try:
        canonical = canonical_parameters(request.kind, params)
    except ValueError as exc:
        raise Invalid(str(exc), code="invalid_report_parameters") from None
    return Resolved(request.kind, canonical, as_of, agency_id, make_report_id(request.kind, canonical, as_of))


def gather(session: Session, principal: Principal, resolved: Resolved, *,
           vendor: str = DEFAULT_VENDOR) -> AnyReportData:
    """The report data of a resolved request."""
    p = resolved.parameters
    start, end = date.fromisoformat(p["from"]), date.fromisoformat(p["to"])
    if resolved.kind == "contract_review":
        return gather_contract_review(session, principal, contract_id=p["contract_id"], start_date=start,
                                      end_date=end, as_of=resolved.as_of, vendor=vendor)
    if resolved.kind == "track_record":
        return gather_track_record(session, principal, contract_ids=p["contract_ids"], start_date=start,
                                   end_date=end, as_of=resolved.as_of, vendor=vendor)
    return gather_unit_history(session, principal, unit_id=p["unit_id"], start_date=start, end_date=end,
                               as_of=resolved.as_of, vendor=vendor)


# --------------------------------------------------------------------------- the pipeline


Step = Callable[[str], None]
Renderer = Callable[[AnyReportData], bytes]


@dataclass(frozen=True)
class Produced:
    """An issued report: its register row, whether this call issued it, and its bytes
    when asked for."""

    report: Report
    created: bool
    pdf: bytes | None = None


def produce(read: Session, write: Session, principal: Principal, request: ReportRequest, *,
            vendor: str = DEFAULT_VENDOR, signer: SigningKey | None = None, timeout_s: float = 120.0,
            memory_mb: int = 1536, renderer: Renderer | None = None, step: Step | None = None,
            want_pdf: bool = False, now: datetime | None = None) -> Produced:
    """Gather (on ``read``) → render (worker process) → sign, register and audit (on ``write``).
    The caller owns both transactions and commits them (the HTTP route in its handler's trip,
    the CLI in its ``Database.transaction()``): ``read`` is a read session (it never takes the
    write lock), ``write`` is first used after the render, so on SQLite the write lock is held
    only while the report is registered. The same parameters and ``as_of`` give the same report
    id: when it is registered already, it is returned as it stands (``created`` false) without
    gathering again. Nothing is written unless every step succeeds."""
    principal.require("reports.create")
    say = step or (lambda _name: None)
    resolved = resolve(read, principal, request, now=now)
    existing = read.get(Report, resolved.report_id)
    if existing is not None:
        return Produced(existing, False, existing.pdf if want_pdf else None)
    say("gather")
    data = gather(read, principal, resolved, vendor=vendor)
    say("render")
    render = renderer or (lambda d: render_pdf(d, timeout_s=timeout_s, memory_mb=memory_mb))
    pdf = render(data)
    say("issue")
    existing = write.get(Report, resolved.report_id)
    if existing is not None:  # issued meanwhile by another request: the first one stands
        return Produced(existing, False, existing.pdf if want_pdf else None)
    row = issue_report(write, kind=resolved.kind, parameters=resolved.parameters, as_of=resolved.as_of,
                       data=data, created_by=principal, agency_id=resolved.agency_id,
                       audit_head=data.audit_head, signer=signer,
                       signed_at=utcnow() if signer is not None else None, renderer=lambda _d: pdf)
    return Produced(row, True, row.pdf if want_pdf else None)
