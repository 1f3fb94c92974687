"""Authorization matrix: every route of the app × every kind of caller, expected outcome per cell.

Routes are discovered from the app's router (``fastapi.routing.iter_route_contexts(app.routes)``),
so a new route fails :func:`test_every_route_of_the_app_is_classified` until it is given a row
here. Two tables:

* :data:`API` — routes under ``/api/v1`` (Bearer keys). Columns: ``admin``, ``manager``,
  ``engineer``, ``agency`` (an agency key on its own agency's ids), ``telemetry``, ``nokey`` (no
  Authorization header), ``revoked`` (a revoked admin key), ``other`` (an agency key on *another*
  agency's ids; for lists: filtered by the other agency's ids).
* :data:`NON_API` — everything else: health, OpenAPI, docs, static files and the web pages. The
  pages use cookie sessions, so their columns are web users signed in with that role (``telemetry``:
  a session whose user became a telemetry account; ``nokey``: no session; ``revoked``: a signed-in
  admin whose user was then disabled; ``other``: the agency user on the other agency's ids).

Outcomes: ``ok`` (2xx), ``303`` (a page's redirect, e.g. to sign in), ``400``, ``401``, ``403``,
``404``. Besides the status, every cell checks that an error is in the one error shape, and every
agency cell checks that the answer names nothing of the other agency (ids, code, contract number,
unit serials, ticket numbers...) except what the caller itself sent. Lists for an agency key return
only its own rows (checked per item and in the text).

Each cell runs in its own savepoint, rolled back afterwards, on a record with two agencies, each
with a calendar, a contract, units, tickets (open and resolved), work logs, status events, a
maintenance window and an issued report.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import Connection, select

from api.app import create_app
from api.settings import Settings
from api.web import SESSION_COOKIE
from fleet import identity
from fleet.db import new_id
from fleet.models import Agency, Delivery, Notification, NotificationContact, Report, Ticket, Webhook
from fleet.notify import deliveries, outbox, schedules, webhooks
from fleet.notify.deliveries import Claimed, Outcome
from fleet.notify.destinations import AllowedHosts
from fleet.notify.mail import MailChannel, eml_name
from fleet.principal import SYSTEM, Principal
from fleet.schemas.notify import WebhookIn
from fleet.schemas.schedules import ScheduleIn
from tests.builders import (
    add_event,
    add_statuses,
    auth,
    contract_body,
    make_agency,
    make_calendar,
    make_contact,
    make_contract,
    make_key,
    make_ticket,
    make_unit,
    make_window,
    unit_body,
)

V1 = "/api/v1"
ROLES = ("admin", "manager", "engineer", "agency", "telemetry", "nokey", "revoked", "other")
OK = "ok"


def row(spec: str) -> dict[str, str]:
    """``"ok ok 403 ok 403 401 401 404"`` → outcome per column of :data:`ROLES`."""
    cells = spec.split()
    assert len(cells) == len(ROLES), spec
    return dict(zip(ROLES, cells, strict=True))


# --- the table -------------------------------------------------------------------------------
#                                                  admin mgr  eng  agcy tele nokey revk other
READ = row("ok ok ok ok 403 401 401 404")          # read one object of a tenant
LIST = row("ok ok ok ok 403 401 401 ok")           # a list: other = filtered by the other agency's id
REGISTRY_WRITE = row("ok ok 403 403 403 401 401 403")
PUBLIC = row("ok ok ok ok ok ok ok ok")

API: dict[str, dict[str, str]] = {
    "POST /api/v1/agencies": REGISTRY_WRITE,
    "GET /api/v1/agencies": LIST,
    "GET /api/v1/agencies/{agency_id}": READ,
    "POST /api/v1/calendars": REGISTRY_WRITE,
    "GET /api/v1/calendars": LIST,
    "GET /api/v1/calendars/{calendar_id}": READ,
    "POST /api/v1/contracts": REGISTRY_WRITE,
    "GET /api/v1/contracts": LIST,
    "GET /api/v1/contracts/{contract_id}": READ,
    "POST /api/v1/contracts/{contract_id}/sla-policies": REGISTRY_WRITE,
    "GET /api/v1/contracts/{contract_id}/sla-policies": READ,
    "GET /api/v1/contracts/{contract_id}/compliance": READ,
    "GET /api/v1/contracts/{contract_id}/availability": READ,
    "GET /api/v1/contracts/{contract_id}/tickets": READ,
    "GET /api/v1/contracts/{contract_id}/compliance.{fmt}": READ,
    "GET /api/v1/contracts/{contract_id}/availability.{fmt}": READ,
    "GET /api/v1/contracts/{contract_id}/tickets.{fmt}": READ,
    "POST /api/v1/units": REGISTRY_WRITE,
    "GET /api/v1/units": LIST,
    "GET /api/v1/units/{unit_id}": READ,
    "GET /api/v1/units/{unit_id}/availability": READ,
    "GET /api/v1/units/{unit_id}/timeline": READ,
    "POST /api/v1/tickets": row("ok ok ok ok 403 401 401 404"),
    "GET /api/v1/tickets": LIST,
    "GET /api/v1/tickets/{ticket_id}": READ,
    "GET /api/v1/tickets/{ticket_id}/sla": READ,
    "POST /api/v1/tickets/{ticket_id}/events": row("ok ok ok 403 403 401 401 403"),
    "POST /api/v1/tickets/{ticket_id}/corrections": row("ok ok 403 403 403 401 401 403"),
    "POST /api/v1/tickets/{ticket_id}/work-logs": row("ok ok ok 403 403 401 401 403"),
    "POST /api/v1/tickets/{ticket_id}/satisfaction": row("ok 403 403 ok 403 401 401 404"),
    # dispatch: a manager assigns anyone; an engineer key only takes for itself (this one is not "matrix-engineer")
    "POST /api/v1/tickets/{ticket_id}/assignment": row("ok ok 403 403 403 401 401 403"),
    "POST /api/v1/tickets/{ticket_id}/comments": row("ok ok ok ok 403 401 401 404"),
    "GET /api/v1/tickets/{ticket_id}/comments": READ,
    "POST /api/v1/status-events": row("ok ok ok 403 ok 401 401 403"),
    "POST /api/v1/maintenance-windows": row("ok ok 403 403 403 401 401 403"),
    "GET /api/v1/maintenance-windows": LIST,
    "GET /api/v1/maintenance-windows/{window_id}": READ,
    "POST /api/v1/maintenance-windows/{window_id}/cancel": row("ok ok 403 403 403 401 401 403"),
    "POST /api/v1/reports": row("ok ok 403 403 403 401 401 403"),
    "GET /api/v1/reports": LIST,
    "GET /api/v1/reports/{report_id}": READ,
    "GET /api/v1/reports/{report_id}/pdf": READ,
    # whoever holds a PDF may ask whether it is genuine (an agency learns only the verdict about
    # another agency's report: tests/api/test_reports_api.py)
    "POST /api/v1/reports/verify": row("ok ok ok ok 403 401 401 ok"),
    "GET /api/v1/audit/verify": row("ok ok 403 403 403 401 401 403"),
    "PUT /api/v1/contracts/{contract_id}/report-schedule": row("ok ok 403 403 403 401 401 403"),
    "GET /api/v1/contracts/{contract_id}/report-schedule": READ,
    "DELETE /api/v1/contracts/{contract_id}/report-schedule": row("ok ok 403 403 403 401 401 403"),
    "GET /api/v1/health": PUBLIC,
    # notification contacts: the vendor's admins and managers keep all; an agency key its own agency's
    "POST /api/v1/notification-contacts": row("ok ok 403 ok 403 401 401 404"),
    "GET /api/v1/notification-contacts": row("ok ok 403 ok 403 401 401 ok"),
    "DELETE /api/v1/notification-contacts/{contact_id}": row("ok ok 403 ok 403 401 401 404"),
    "GET /api/v1/contracts/{contract_id}/notification-rules": READ,
    "PUT /api/v1/contracts/{contract_id}/notification-rules/{event_type}": REGISTRY_WRITE,
    "DELETE /api/v1/contracts/{contract_id}/notification-rules/{event_type}": REGISTRY_WRITE,
    # webhooks: an agency key registers, sees and deletes its own agency's (registering names no
    # agency: the other agency's key registers its own); admins and managers the vendor's and see all
    "POST /api/v1/webhooks": row("ok ok 403 ok 403 401 401 ok"),
    "GET /api/v1/webhooks": row("ok ok 403 ok 403 401 401 ok"),
    "GET /api/v1/webhooks/{webhook_id}": row("ok ok 403 ok 403 401 401 404"),
    "DELETE /api/v1/webhooks/{webhook_id}": row("ok ok 403 ok 403 401 401 404"),
    "GET /api/v1/webhooks/{webhook_id}/deliveries": row("ok ok 403 ok 403 401 401 404"),
    # the notification log: an agency sees its own agency's notifications (and deliveries to its own destinations)
    "GET /api/v1/notifications": row("ok ok 403 ok 403 401 401 ok"),
    # a retry needs notifications.manage (admin, manager), asked before the delivery is looked up
    "POST /api/v1/notification-deliveries/{delivery_id}/retry": row("ok ok 403 403 403 401 401 403"),
}

# Routes outside /api/v1: the JSON docs, and the web pages (cookie sessions; see the docstring).
PAGE = row("ok ok ok ok 403 303 303 404")           # a tenant's page: signed out → sign in; other agency → 404
PAGE_LIST = row("ok ok ok ok 403 303 303 ok")       # a page listing the caller's own records
STAFF_POST = row("303 303 303 403 403 303 303 404")  # a field action: recorded, then back to the ticket
NON_API: dict[str, dict[str, str]] = {
    "GET /health": PUBLIC,
    "GET /openapi.json": PUBLIC,
    "GET /docs": PUBLIC,
    "GET /docs/oauth2-redirect": PUBLIC,
    "GET /static": PUBLIC,
    "GET /static/swagger-ui": PUBLIC,
    "GET /favicon.ico": PUBLIC,
    "GET /": row("303 303 303 303 303 303 303 303"),
    "GET /login": PUBLIC,
    "POST /login": row("400 400 400 400 400 403 400 400"),  # wrong password: one message; no session: no CSRF token
    "POST /logout": row("303 303 303 303 303 403 303 303"),  # no session, so no CSRF token: refused
    "GET /work": PAGE_LIST,
    "GET /contracts": PAGE_LIST,
    "GET /contracts/{contract_id}": PAGE,
    "GET /contracts/{contract_id}/export/{kind}.{fmt}": PAGE,
    "GET /tickets/{ticket_id}": PAGE,
    "GET /units/{unit_id}": PAGE,
    "GET /reports": PAGE_LIST,
    "POST /reports": row("ok ok 403 403 403 303 303 403"),
    "GET /reports/verify": PAGE_LIST,
    "POST /reports/verify": PAGE_LIST,
    "GET /reports/{report_id}/pdf": PAGE,
    "POST /tickets/{ticket_id}/events": STAFF_POST,
    "POST /tickets/{ticket_id}/work-logs": STAFF_POST,
    # a refused form's address reopened: back to the ticket page, which decides
    "GET /tickets/{ticket_id}/events": row("303 303 303 303 303 303 303 303"),
    "GET /tickets/{ticket_id}/work-logs": row("303 303 303 303 303 303 303 303"),
    "GET /dispatch": row("ok ok 403 403 403 303 303 403"),
    "POST /tickets/{ticket_id}/assignment": row("303 303 303 403 403 303 303 403"),  # the engineer takes it
    "POST /tickets/{ticket_id}/comments": row("303 303 303 303 403 303 303 404"),
    "POST /tickets/{ticket_id}/rating": row("303 403 403 303 403 303 303 404"),
    "GET /tickets/new": PAGE_LIST,
    "POST /tickets/new": row("303 303 303 303 403 303 303 404"),
    # the mail folder: all for admins and managers; the engineer has no address the message went to
    "GET /mail": PAGE_LIST,
    "GET /mail/{name}": row("ok ok 404 ok 403 303 303 404"),
    # the delivery log page and its retry: notifications.manage (admins and managers)
    "GET /notifications": row("ok ok 403 403 403 303 303 403"),
    "POST /notifications/deliveries/{delivery_id}/retry": row("303 303 403 403 403 303 303 403"),
}
WEB_ROUTES = frozenset(r for r in NON_API if r.split(" ", 1)[1] not in ("/health", "/openapi.json", "/docs",
                                                                         "/docs/oauth2-redirect"))
CSRF = "<csrf>"  # replaced by the caller's session token in form data


# --- the record: two agencies ------------------------------------------------------------------
T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
PUBLIC_HOOK = "https://93.184.216.34/hooks"  # a public address literal: the forgery guard needs no DNS


@dataclass
class Tenant:
    ids: dict[str, str]
    secrets: set[str] = field(default_factory=set)  # strings that identify this agency's data
    report_pdf: bytes = b""


def _tenant(session: Any, code: str) -> Tenant:
    agency = make_agency(session, code=code, name=f"Agency {code}")
    calendar = make_calendar(session)
    contract = make_contract(session, agency=agency, calendar=calendar, number=f"{code}-CONTRACT-1")
    unit = make_unit(session, contract=contract, serial=f"{code}-SN-1")
    make_unit(session, contract=contract, serial=f"{code}-SN-2")
    open_ticket = make_ticket(session, unit=unit, priority="P1", summary=f"{code} open ticket", unit_down=True)
    ack = add_event(session, open_ticket, "acknowledged", datetime(2026, 3, 2, 14, 20, tzinfo=UTC))
    done = make_ticket(session, unit=unit, priority="P2", summary=f"{code} resolved ticket")
    add_event(session, done, "resolved", datetime(2026, 3, 3, 10, 0, tzinfo=UTC))
    add_statuses(session, unit, [(datetime(2026, 3, 1, tzinfo=UTC), "up"),
                                 (datetime(2026, 3, 2, 14, 0, tzinfo=UTC), "down")])
    window = make_window(session, contract=contract, starts_at=datetime(2026, 3, 10, 8, tzinfo=UTC),
                         ends_at=datetime(2026, 3, 10, 12, tzinfo=UTC), reason=f"{code} service")
    pdf = f"%PDF-1.7 not really a report of {code}".encode()
    report = Report(agency_id=agency.id, kind="unit_history",
                    parameters={"unit_id": unit.id, "from": "2026-03-01", "to": "2026-04-01"},
                    as_of=datetime(2026, 4, 1, tzinfo=UTC), audit_head="0" * 64, data_sha256=code.lower() * 8,
                    sha256=(code.lower() * 16)[:64], signed=False, page_count=1, size_bytes=len(pdf),
                    created_by="key:matrix", pdf=pdf)
    session.add(report)
    session.flush()
    contact = make_contact(session, "agency", f"cor@{code.lower()}.example.gov", agency=agency)
    schedules.put(session, SYSTEM, contract.id, ScheduleIn(cadence="monthly", working_day=1))
    hook, note, dead = _webhook_with_a_dead_delivery(session, agency, open_ticket, ack.occurred_at)
    ids = {"agency_id": agency.id, "calendar_id": calendar.id, "contract_id": contract.id, "unit_id": unit.id,
           "ticket_id": open_ticket.id, "resolved_ticket_id": done.id, "event_id": ack.id,
           "window_id": window.id, "report_id": report.id, "contact_id": contact.id,
           "webhook_id": hook.id, "delivery_id": dead.id}
    secrets = {*ids.values(), code, f"Agency {code}", contract.number, unit.serial, f"{code}-SN-2",
               open_ticket.number, done.number, f"{code} open ticket", report.sha256, contact.email,
               hook.url, note.id}
    return Tenant(ids=ids, secrets=secrets, report_pdf=pdf)


def _webhook_with_a_dead_delivery(session: Any, agency: Agency, ticket: Ticket, occurred_at: datetime
                                  ) -> tuple[Webhook, Notification, Delivery]:
    """The agency's webhook (registered by its own key through the service) and a notification
    to it that the worker gave up on: claimed, then settled with a permanent failure (the e-mail
    to the agency contact of the same notification was delivered)."""
    key = Principal(id=f"matrix-{agency.code}", name=f"matrix-{agency.code.lower()}", role="agency",
                    agency_id=agency.id, kind="system")
    hook = webhooks.register(session, key, WebhookIn.model_validate(
        {"url": f"{PUBLIC_HOOK}/{agency.code}", "events": ["ticket.acknowledged"]}), allowed=AllowedHosts())
    note = outbox.emit(session, SYSTEM, type="ticket.acknowledged", dedupe_key=f"matrix:{agency.code}:ack",
                       occurred_at=occurred_at, agency_id=agency.id, contract_id=ticket.contract_id,
                       ticket_id=ticket.id, data=outbox.ticket_data(session, ticket.id))
    assert note is not None
    now = datetime.now(UTC)
    claimed = deliveries.claim(session, worker="matrix", now=now)
    assert {c.notification_id for c in claimed} == {note.id}, claimed
    deliveries.settle(session, SYSTEM, [
        Outcome(c.delivery_id, *(("410 Gone", True) if c.channel == "webhook" else (None, False)))
        for c in claimed], worker="matrix", now=now)
    dead = session.scalars(select(Delivery).where(Delivery.notification_id == note.id,
                                                  Delivery.channel == "webhook")).one()
    assert dead.status == "dead" and dead.target == hook.id
    return hook, note, dead


@dataclass
class World:
    ours: Tenant
    theirs: Tenant
    headers: dict[str, dict[str, str]]
    web: dict[str, tuple[str, str]] = field(default_factory=dict)  # role → (session cookie, CSRF token)


@pytest.fixture
def world(session: Any, app: FastAPI) -> World:
    ours = _tenant(session, "OURS")
    theirs = _tenant(session, "THEIRS")
    for t in (ours, theirs):
        t.ids["mail_name"] = _mail(session, app, t)
    ours_agency = session.get(Agency, ours.ids["agency_id"])
    revoked_key, revoked_token = identity.create_key(session, SYSTEM, role="admin", name="revoked")
    identity.revoke_key(session, SYSTEM, revoked_key.id)
    headers = {role: auth(make_key(session, role)) for role in ("admin", "manager", "engineer", "telemetry")}
    headers["agency"] = headers["other"] = auth(make_key(session, "agency", agency=ours_agency))
    headers["nokey"] = {}
    headers["revoked"] = auth(revoked_token)
    session.commit()
    return World(ours, theirs, headers, web=_web_sessions(app, session, ours_agency))


def _mail(session: Any, app: FastAPI, t: Tenant) -> str:
    """A message about the tenant's open ticket to its agency contact, in the app's mail folder."""
    contact = session.get(NotificationContact, t.ids["contact_id"])
    message = Claimed(delivery_id=new_id(), notification_id=new_id(), channel="email", target=contact.email,
                      attempt=1, type="ticket.acknowledged", occurred_at=datetime(2026, 3, 2, 14, 20, tzinfo=UTC),
                      data=outbox.ticket_data(session, t.ids["ticket_id"]), agency_id=t.ids["agency_id"])
    settings = app.state.settings
    MailChannel(settings.mail_settings(), base_url=settings.public_url).send(message)
    return eml_name(message)


def _web_sessions(app: FastAPI, session: Any, agency: Agency) -> dict[str, tuple[str, str]]:
    """Sign a web user of each role in through the login form; ``telemetry`` is a session whose
    user then became a telemetry account, ``revoked`` one whose user was then disabled."""
    users = {role: identity.create_user(session, SYSTEM, role="engineer" if role == "telemetry" else role,
                                        username=f"matrix-{role}", password="matrix-password",
                                        agency_code=agency.code if role == "agency" else None)
             for role in ("admin", "manager", "engineer", "agency", "telemetry")}
    users["revoked"] = identity.create_user(session, SYSTEM, role="admin", username="matrix-revoked",
                                            password="matrix-password")
    session.commit()
    web: dict[str, tuple[str, str]] = {"nokey": ("", "")}
    for role, user in users.items():
        with TestClient(app) as c:
            c.get("/login")
            r = c.post("/login", data={"username": user.username, "password": "matrix-password",
                                       "csrf_token": _session_data(c.cookies[SESSION_COOKIE])["csrf"]},
                       follow_redirects=False)
            assert r.status_code == 303, r.text
            cookie = c.cookies[SESSION_COOKIE]
        web[role] = (cookie, _session_data(cookie)["csrf"])
    users["telemetry"].role = "telemetry"
    users["revoked"].disabled_at = datetime(2026, 1, 1, tzinfo=UTC)
    web["other"] = web["agency"]
    session.commit()
    return web


def _session_data(cookie: str) -> dict[str, Any]:
    """What a signed session cookie holds (its first part is base64 JSON)."""
    part = cookie.split(".", 1)[0]
    return dict(json.loads(base64.b64decode(part + "=" * (-len(part) % 4))))


# --- one request per route --------------------------------------------------------------------
Request = tuple[str, dict[str, Any]]  # (url, httpx keyword arguments)
PERIOD = {"from": "2026-03-01", "to": "2026-04-01"}


def _requests(t: Tenant) -> dict[str, Request]:
    i = t.ids
    return {
        "POST /api/v1/agencies": (f"{V1}/agencies", {"json": {"code": "NEWAG", "name": "New", "timezone": "UTC"}}),
        "GET /api/v1/agencies": (f"{V1}/agencies", {}),
        "GET /api/v1/agencies/{agency_id}": (f"{V1}/agencies/{i['agency_id']}", {}),
        "POST /api/v1/calendars": (f"{V1}/calendars", {"json": {
            "name": "Matrix hours", "timezone": "UTC", "weekly_hours": {"mon": [["08:00", "17:00"]]},
            "holiday_country": None, "holiday_subdivision": None, "closures": []}}),
        "GET /api/v1/calendars": (f"{V1}/calendars", {}),
        "GET /api/v1/calendars/{calendar_id}": (f"{V1}/calendars/{i['calendar_id']}", {}),
        "POST /api/v1/contracts": (f"{V1}/contracts", {"json": contract_body(i["agency_id"], i["calendar_id"])}),
        "GET /api/v1/contracts": (f"{V1}/contracts", {"params": {"agency_id": i["agency_id"]}}),
        "GET /api/v1/contracts/{contract_id}": (f"{V1}/contracts/{i['contract_id']}", {}),
        "POST /api/v1/contracts/{contract_id}/sla-policies": (f"{V1}/contracts/{i['contract_id']}/sla-policies", {
            "json": {"effective_from": "2026-06-01T00:00:00Z", "reason": "amendment 1",
                     "sla_targets": [{"priority": "P1", "metric": "response", "minutes": 30, "clock": "24x7"}]}}),
        "GET /api/v1/contracts/{contract_id}/sla-policies": (f"{V1}/contracts/{i['contract_id']}/sla-policies", {}),
        "GET /api/v1/contracts/{contract_id}/compliance": (f"{V1}/contracts/{i['contract_id']}/compliance",
                                                            {"params": PERIOD}),
        "GET /api/v1/contracts/{contract_id}/availability": (f"{V1}/contracts/{i['contract_id']}/availability",
                                                              {"params": PERIOD}),
        "GET /api/v1/contracts/{contract_id}/tickets": (f"{V1}/contracts/{i['contract_id']}/tickets",
                                                         {"params": PERIOD}),
        "GET /api/v1/contracts/{contract_id}/compliance.{fmt}": (f"{V1}/contracts/{i['contract_id']}/compliance.csv",
                                                                  {"params": PERIOD}),
        "GET /api/v1/contracts/{contract_id}/availability.{fmt}": (
            f"{V1}/contracts/{i['contract_id']}/availability.xlsx", {"params": PERIOD}),
        "GET /api/v1/contracts/{contract_id}/tickets.{fmt}": (f"{V1}/contracts/{i['contract_id']}/tickets.csv",
                                                               {"params": PERIOD}),
        "POST /api/v1/units": (f"{V1}/units", {"json": unit_body(i["contract_id"])}),
        "GET /api/v1/units": (f"{V1}/units", {"params": {"contract_id": i["contract_id"]}}),
        "GET /api/v1/units/{unit_id}": (f"{V1}/units/{i['unit_id']}", {}),
        "GET /api/v1/units/{unit_id}/availability": (f"{V1}/units/{i['unit_id']}/availability", {"params": PERIOD}),
        "GET /api/v1/units/{unit_id}/timeline": (f"{V1}/units/{i['unit_id']}/timeline", {"params": PERIOD}),
        "POST /api/v1/tickets": (f"{V1}/tickets", {"json": {
            "unit_id": i["unit_id"], "priority": "P3", "summary": "Matrix ticket",
            "reported_at": "2026-03-05T09:00:00Z", "unit_down": False}}),
        "GET /api/v1/tickets": (f"{V1}/tickets", {"params": {"contract_id": i["contract_id"]}}),
        "GET /api/v1/tickets/{ticket_id}": (f"{V1}/tickets/{i['ticket_id']}", {}),
        "GET /api/v1/tickets/{ticket_id}/sla": (f"{V1}/tickets/{i['ticket_id']}/sla", {}),
        "POST /api/v1/tickets/{ticket_id}/events": (f"{V1}/tickets/{i['ticket_id']}/events", {
            "json": {"type": "on_site", "occurred_at": "2026-03-02T15:00:00Z"}}),
        "POST /api/v1/tickets/{ticket_id}/corrections": (f"{V1}/tickets/{i['ticket_id']}/corrections", {
            "json": {"event_id": i["event_id"], "reason": "logged on the wrong ticket", "void": True}}),
        "POST /api/v1/tickets/{ticket_id}/work-logs": (f"{V1}/tickets/{i['ticket_id']}/work-logs", {"json": {
            "started_at": "2026-03-02T15:00:00Z", "ended_at": "2026-03-02T16:00:00Z", "engineer": "Sam",
            "activity": "repair", "parts": [{"part_number": "P-1", "quantity": 1}]}}),
        "POST /api/v1/tickets/{ticket_id}/satisfaction": (f"{V1}/tickets/{i['resolved_ticket_id']}/satisfaction",
                                                           {"json": {"score": 4, "comment": "fine"}}),
        "POST /api/v1/tickets/{ticket_id}/assignment": (f"{V1}/tickets/{i['ticket_id']}/assignment", {
            "json": {"assignee": "matrix-engineer"}}),
        "POST /api/v1/tickets/{ticket_id}/comments": (f"{V1}/tickets/{i['ticket_id']}/comments", {
            "json": {"body": "Matrix question", "visibility": "public"}}),
        "GET /api/v1/tickets/{ticket_id}/comments": (f"{V1}/tickets/{i['ticket_id']}/comments", {}),
        "POST /api/v1/status-events": (f"{V1}/status-events", {"json": {"events": [
            {"event_id": "matrix-1", "unit_id": i["unit_id"], "state": "up",
             "occurred_at": "2026-03-03T09:00:00Z"}]}}),
        "POST /api/v1/maintenance-windows": (f"{V1}/maintenance-windows", {"json": {
            "contract_id": i["contract_id"], "unit_id": i["unit_id"], "starts_at": "2026-03-20T08:00:00Z",
            "ends_at": "2026-03-20T10:00:00Z", "reason": "matrix service"}}),
        "GET /api/v1/maintenance-windows": (f"{V1}/maintenance-windows", {"params": {"contract_id": i["contract_id"]}}),
        "GET /api/v1/maintenance-windows/{window_id}": (f"{V1}/maintenance-windows/{i['window_id']}", {}),
        "POST /api/v1/maintenance-windows/{window_id}/cancel": (f"{V1}/maintenance-windows/{i['window_id']}/cancel",
                                                                 {"json": {"reason": "not needed"}}),
        "PUT /api/v1/contracts/{contract_id}/report-schedule": (
            f"{V1}/contracts/{i['contract_id']}/report-schedule", {"json": {"cadence": "quarterly", "working_day": 2}}),
        "GET /api/v1/contracts/{contract_id}/report-schedule": (f"{V1}/contracts/{i['contract_id']}/report-schedule",
                                                                 {}),
        "DELETE /api/v1/contracts/{contract_id}/report-schedule": (
            f"{V1}/contracts/{i['contract_id']}/report-schedule", {}),
        "POST /api/v1/reports": (f"{V1}/reports", {"json": {"kind": "unit_history", "unit_id": i["unit_id"],
                                                            **PERIOD}}),
        "GET /api/v1/reports": (f"{V1}/reports", {}),
        "GET /api/v1/reports/{report_id}": (f"{V1}/reports/{i['report_id']}", {}),
        "GET /api/v1/reports/{report_id}/pdf": (f"{V1}/reports/{i['report_id']}/pdf", {}),
        "POST /api/v1/reports/verify": (f"{V1}/reports/verify", {
            "files": {"file": ("report.pdf", t.report_pdf, "application/pdf")}}),
        "GET /api/v1/audit/verify": (f"{V1}/audit/verify", {}),
        "GET /api/v1/health": (f"{V1}/health", {}),
        "POST /api/v1/notification-contacts": (f"{V1}/notification-contacts", {"json": {
            "name": "Matrix contact", "email": "matrix.contact@agency.example.gov", "audience": "agency",
            "agency_id": i["agency_id"]}}),
        "GET /api/v1/notification-contacts": (f"{V1}/notification-contacts", {"params": {"agency_id": i["agency_id"]}}),
        "DELETE /api/v1/notification-contacts/{contact_id}": (f"{V1}/notification-contacts/{i['contact_id']}", {}),
        "GET /api/v1/contracts/{contract_id}/notification-rules": (
            f"{V1}/contracts/{i['contract_id']}/notification-rules", {}),
        "PUT /api/v1/contracts/{contract_id}/notification-rules/{event_type}": (
            f"{V1}/contracts/{i['contract_id']}/notification-rules/clock.warning",
            {"json": {"recipients": ["assignee", "managers"], "priorities": None}}),
        "DELETE /api/v1/contracts/{contract_id}/notification-rules/{event_type}": (
            f"{V1}/contracts/{i['contract_id']}/notification-rules/clock.warning", {}),
        "POST /api/v1/webhooks": (f"{V1}/webhooks", {"json": {"url": f"{PUBLIC_HOOK}/matrix",
                                                              "events": ["ticket.opened", "clock.breached"]}}),
        "GET /api/v1/webhooks": (f"{V1}/webhooks", {}),
        "GET /api/v1/webhooks/{webhook_id}": (f"{V1}/webhooks/{i['webhook_id']}", {}),
        "DELETE /api/v1/webhooks/{webhook_id}": (f"{V1}/webhooks/{i['webhook_id']}", {}),
        "GET /api/v1/webhooks/{webhook_id}/deliveries": (f"{V1}/webhooks/{i['webhook_id']}/deliveries", {}),
        "GET /api/v1/notifications": (f"{V1}/notifications", {}),
        "POST /api/v1/notification-deliveries/{delivery_id}/retry": (
            f"{V1}/notification-deliveries/{i['delivery_id']}/retry", {}),
    }


NON_API_REQUESTS: dict[str, Callable[[Tenant], Request]] = {
    "GET /health": lambda t: ("/health", {}),
    "GET /openapi.json": lambda t: ("/openapi.json", {}),
    "GET /docs": lambda t: ("/docs", {}),
    "GET /docs/oauth2-redirect": lambda t: ("/docs/oauth2-redirect", {}),
    "GET /static": lambda t: ("/static/app.css", {}),
    "GET /static/swagger-ui": lambda t: ("/static/swagger-ui/swagger-ui.css", {}),
    "GET /favicon.ico": lambda t: ("/favicon.ico", {}),
    "GET /": lambda t: ("/", {}),
    "GET /login": lambda t: ("/login", {}),
    "POST /login": lambda t: ("/login", {"data": {"csrf_token": CSRF, "username": "nobody", "password": "wrong-1234"}}),
    "POST /logout": lambda t: ("/logout", {"data": {"csrf_token": CSRF}}),
    "GET /work": lambda t: ("/work", {}),
    "GET /contracts": lambda t: ("/contracts", {}),
    "GET /contracts/{contract_id}": lambda t: (f"/contracts/{t.ids['contract_id']}", {"params": {"month": "2026-03"}}),
    "GET /contracts/{contract_id}/export/{kind}.{fmt}": lambda t: (
        f"/contracts/{t.ids['contract_id']}/export/tickets.csv", {"params": {"month": "2026-03"}}),
    "GET /tickets/{ticket_id}": lambda t: (f"/tickets/{t.ids['ticket_id']}", {}),
    "GET /units/{unit_id}": lambda t: (f"/units/{t.ids['unit_id']}", {}),
    "GET /reports": lambda t: ("/reports", {}),
    "POST /reports": lambda t: ("/reports", {"data": {
        "csrf_token": CSRF, "kind": "unit_history", "unit_id": t.ids["unit_id"], **PERIOD}}),
    "GET /reports/verify": lambda t: ("/reports/verify", {}),
    "POST /reports/verify": lambda t: ("/reports/verify", {
        "data": {"csrf_token": CSRF}, "files": {"file": ("report.pdf", t.report_pdf, "application/pdf")}}),
    "GET /reports/{report_id}/pdf": lambda t: (f"/reports/{t.ids['report_id']}/pdf", {}),
    "POST /tickets/{ticket_id}/events": lambda t: (f"/tickets/{t.ids['ticket_id']}/events", {"data": {
        "csrf_token": CSRF, "type": "on_site", "occurred_at": "2026-03-02T10:00"}}),
    "POST /tickets/{ticket_id}/work-logs": lambda t: (f"/tickets/{t.ids['ticket_id']}/work-logs", {"data": {
        "csrf_token": CSRF, "started_at": "2026-03-02T10:00", "ended_at": "2026-03-02T11:00", "engineer": "Sam",
        "activity": "repair", "notes": "", "form_key": ""}}),
    "GET /tickets/{ticket_id}/events": lambda t: (f"/tickets/{t.ids['ticket_id']}/events", {}),
    "GET /tickets/{ticket_id}/work-logs": lambda t: (f"/tickets/{t.ids['ticket_id']}/work-logs", {}),
    "GET /dispatch": lambda t: ("/dispatch", {}),
    "POST /tickets/{ticket_id}/assignment": lambda t: (f"/tickets/{t.ids['ticket_id']}/assignment", {"data": {
        "csrf_token": CSRF, "assignee": "matrix-engineer"}}),
    "POST /tickets/{ticket_id}/comments": lambda t: (f"/tickets/{t.ids['ticket_id']}/comments", {"data": {
        "csrf_token": CSRF, "body": "Matrix question", "visibility": "public"}}),
    "POST /tickets/{ticket_id}/rating": lambda t: (f"/tickets/{t.ids['resolved_ticket_id']}/rating", {"data": {
        "csrf_token": CSRF, "score": "4", "comment": "fine"}}),
    "GET /tickets/new": lambda t: ("/tickets/new", {}),
    "POST /tickets/new": lambda t: ("/tickets/new", {"data": {
        "csrf_token": CSRF, "unit_id": t.ids["unit_id"], "priority": "P3", "summary": "Matrix ticket",
        "started_at": "2026-03-05T09:00"}}),
    "GET /mail": lambda t: ("/mail", {}),
    "GET /mail/{name}": lambda t: (f"/mail/{t.ids['mail_name']}", {}),
    "GET /notifications": lambda t: ("/notifications", {}),
    "POST /notifications/deliveries/{delivery_id}/retry": lambda t: (
        f"/notifications/deliveries/{t.ids['delivery_id']}/retry", {"data": {"csrf_token": CSRF}}),
}


# --- discovery ---------------------------------------------------------------------------------
def discovered_routes(app: FastAPI) -> list[str]:
    """``"METHOD /path"`` for every route the app serves (HEAD is GET's shadow)."""
    found: set[str] = set()
    for route in iter_route_contexts(app.routes):
        for method in route.methods or {"GET"}:
            if method != "HEAD":
                found.add(f"{method} {route.path}")
    return sorted(found)


def _collection_app() -> FastAPI:
    """An app to list routes from at collection time (it never touches its database)."""
    import atexit
    import shutil
    import tempfile

    data_dir = tempfile.mkdtemp(prefix="slatrack-matrix-")
    atexit.register(shutil.rmtree, data_dir, True)
    return create_app(Settings(data_dir=data_dir, secret_key="x").resolved())


ROUTES = discovered_routes(_collection_app())


def test_every_route_of_the_app_is_classified(app):
    routes = discovered_routes(app)
    unclassified = [r for r in routes if r not in API and r not in NON_API]
    assert not unclassified, f"routes with no row in the authorization matrix: {unclassified}"
    stale = [r for r in [*API, *NON_API] if r not in routes]
    assert not stale, f"rows for routes the app does not serve: {stale}"
    misplaced = [r for r in API if not r.split(" ", 1)[1].startswith(V1 + "/")]
    misplaced += [r for r in NON_API if r.split(" ", 1)[1].startswith(V1 + "/")]
    assert not misplaced, misplaced
    assert set(API) <= set(_requests(Tenant(ids={k: "x" for k in _ID_KEYS}))), "a classified API route has no request"
    assert set(NON_API) <= set(NON_API_REQUESTS), "a classified non-API route has no request"


_ID_KEYS = ("agency_id", "calendar_id", "contract_id", "unit_id", "ticket_id", "resolved_ticket_id", "event_id",
            "window_id", "report_id", "contact_id", "mail_name", "webhook_id", "delivery_id")


# --- the cells ---------------------------------------------------------------------------------
@contextmanager
def rolled_back(connection: Connection) -> Iterator[None]:
    """Run one cell in a savepoint that is rolled back: no cell sees another's writes."""
    savepoint = connection.begin_nested()
    try:
        yield
    finally:
        if savepoint.is_active:
            savepoint.rollback()


def _check_error_shape(response: Any) -> None:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}, body
    assert body["error"]["message"] and "Traceback" not in response.text


def _sent(kwargs: dict[str, Any], url: str) -> str:
    return url + repr(kwargs)


def _leaks(response: Any, foreign: Tenant, sent: str) -> list[str]:
    """The other agency's identifying strings in the answer (except those the caller sent)."""
    text = response.text if "json" in response.headers.get("content-type", "") or response.text.isprintable() \
        else response.content.decode("latin-1")
    return sorted(s for s in foreign.secrets if s and s in text and s not in sent)


def run_cell(client: Any, world: World, route: str, role: str, expected: str, request: Request) -> list[str]:
    """The problems with one cell (empty: as expected)."""
    url, kwargs = request
    method = route.split(" ", 1)[0]
    if route in WEB_ROUTES:
        cookie, csrf = world.web[role]
        if "data" in kwargs:
            kwargs = {**kwargs, "data": {k: csrf if v == CSRF else v for k, v in kwargs["data"].items()}}
        client.cookies.clear()
        headers = {"cookie": f"{SESSION_COOKIE}={cookie}"} if cookie else {}
        response = client.request(method, url, headers=headers, follow_redirects=False, **kwargs)
    else:
        response = client.request(method, url, headers=world.headers[role], **kwargs)
    problems: list[str] = []
    status = response.status_code
    got = OK if 200 <= status < 300 else str(status)
    if route in WEB_ROUTES and status >= 400:
        problems += [f"{route} as {role}: a page error leaks a trace"] if "Traceback" in response.text else []
    if got != expected:
        problems.append(f"{route} as {role}: expected {expected}, got {status} {response.text[:300]}")
    if status >= 400 and (route not in WEB_ROUTES or _is_json(response)):
        try:
            _check_error_shape(response)
        except (AssertionError, ValueError) as exc:
            problems.append(f"{route} as {role}: error not in the one shape: {exc}")
    if role in ("agency", "other"):
        leaked = _leaks(response, world.theirs, _sent(kwargs, url))
        if leaked:
            problems.append(f"{route} as {role}: answer names the other agency's {leaked}")
        if got == OK and method == "GET" and isinstance(response.json() if _is_json(response) else None, dict):
            for item in response.json().get("items", []):
                if isinstance(item, dict) and "agency_id" in item and item["agency_id"] != world.ours.ids["agency_id"]:
                    problems.append(f"{route} as {role}: list item of another agency {item.get('id')}")
    return problems


def _is_json(response: Any) -> bool:
    return "application/json" in response.headers.get("content-type", "")


@pytest.mark.parametrize("route", sorted(set(ROUTES) | set(API) | set(NON_API)))
def test_each_route_answers_each_caller_as_the_matrix_says(route, client, world, connection):
    if route not in API and route not in NON_API:
        pytest.fail(f"{route} is not classified in the authorization matrix (add a row to API or NON_API)")
    if route in API:
        table, ours, theirs = API[route], _requests(world.ours)[route], _requests(world.theirs)[route]
    else:
        table = NON_API[route]
        ours, theirs = NON_API_REQUESTS[route](world.ours), NON_API_REQUESTS[route](world.theirs)
    problems: list[str] = []
    for role in ROLES:
        with rolled_back(connection):
            problems += run_cell(client, world, route, role, table[role], theirs if role == "other" else ours)
    assert not problems, "\n".join(problems)


LIST_FILTERS = [
    ("/api/v1/contracts", "agency_id"), ("/api/v1/units", "contract_id"), ("/api/v1/tickets", "contract_id"),
    ("/api/v1/tickets", "unit_id"), ("/api/v1/maintenance-windows", "contract_id"),
    ("/api/v1/maintenance-windows", "unit_id"),
]


@pytest.mark.parametrize(("path", "param"), LIST_FILTERS)
def test_an_agency_list_filtered_by_another_agencys_id_is_empty(client, world, path, param):
    r = client.get(path, params={param: world.theirs.ids[param]}, headers=world.headers["agency"])
    assert r.status_code == 200, r.text
    assert r.json()["items"] == []
    assert not _leaks(r, world.theirs, world.theirs.ids[param])


@pytest.mark.parametrize("path", ["/api/v1/agencies", "/api/v1/calendars", "/api/v1/contracts", "/api/v1/units",
                                  "/api/v1/tickets", "/api/v1/maintenance-windows", "/api/v1/reports",
                                  "/api/v1/tickets?at_risk=true", "/api/v1/webhooks", "/api/v1/notifications"])
def test_an_agency_list_holds_its_own_rows_and_nothing_else(client, world, path):
    mine = client.get(path, headers=world.headers["agency"])
    everyone = client.get(path, headers=world.headers["admin"])
    assert mine.status_code == everyone.status_code == 200, (mine.text, everyone.text)
    assert not _leaks(mine, world.theirs, "")
    ids = {item["id"] if "id" in item else item.get("ticket_id") for item in mine.json()["items"]}
    all_ids = {item["id"] if "id" in item else item.get("ticket_id") for item in everyone.json()["items"]}
    assert ids <= all_ids
    if "at_risk" not in path:
        assert ids, f"{path}: the agency's own rows are missing"
        assert all_ids - ids, f"{path}: the admin should see the other agency's rows"


def test_another_agencys_object_answers_like_a_missing_one(client, world):
    """Same status, code and message (modulo the id the caller sent) for every id route."""
    missing = dict.fromkeys(_ID_KEYS, "00000000-0000-7000-8000-000000000000")
    unlike: list[str] = []
    for route, outcome in API.items():
        if outcome["other"] != "404":
            continue
        url, kwargs = _requests(world.theirs)[route]
        murl, mkwargs = _requests(Tenant(ids=missing, report_pdf=world.theirs.report_pdf))[route]
        method = route.split(" ", 1)[0]
        theirs = client.request(method, url, headers=world.headers["agency"], **kwargs)
        absent = client.request(method, murl, headers=world.headers["agency"], **mkwargs)
        a = theirs.json()["error"]
        b = absent.json()["error"]
        for value in world.theirs.ids.values():
            a["message"] = a["message"].replace(value, "<id>")
        b["message"] = b["message"].replace(missing["agency_id"], "<id>")
        if (theirs.status_code, a["code"], a["message"]) != (absent.status_code, b["code"], b["message"]):
            unlike.append(f"{route}: {theirs.status_code} {a} vs missing {absent.status_code} {b}")
    assert not unlike, "\n".join(unlike)
