"""An agency never reads a vendor's internal note: not in the ticket's JSON, the comment list, the
ticket list, the unit history PDF (its text and every attachment), nor the web ticket page, while
the public conversation is in each of them. The vendor's staff read both. Assignment reasons,
the vendor's business too, are held back from the agency in the ticket JSON."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from fleet import audit
from fleet.models import User
from tests.builders import (
    add_comment,
    add_event,
    assign_ticket,
    auth,
    make_agency,
    make_contract,
    make_key,
    make_ticket,
    make_unit,
    make_user,
)
from tests.reports.conftest import attachments, page_texts
from tests.web.conftest import login

API = "/api/v1"
INTERNAL = "Vendor-only: the pump seal is our batch defect 4471, credit them quietly"
REASON = "Dana keeps missing the 4471 recall"
QUESTION = "Will the crawler be back before the dam inspection on Friday?"
ANSWER = "Yes. The new seal is fitted and the crawler passed its pressure test."


def test_an_agency_never_sees_an_internal_comment_anywhere(client, app, session: Session) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    agency = make_agency(session, code="DAM1", name="Dam authority")
    unit = make_unit(session, contract=make_contract(session, agency=agency, start=(now - timedelta(days=60)).date(),
                                                   end=(now + timedelta(days=300)).date()),
                     in_service_at=now - timedelta(days=90), serial="DAM-CR-7")
    ticket = make_ticket(session, unit=unit, priority="P2", reported_at=now - timedelta(hours=6),
                         summary="Pump seal weeping")
    make_user(session, "engineer", username="dana", team="Dams")
    make_user(session, "engineer", username="lee", team="Dams")
    assign_ticket(session, ticket, "dana")
    assign_ticket(session, ticket, "lee", reason=REASON)
    add_comment(session, ticket, QUESTION, "public", principal=_agency_principal(agency.id))
    add_comment(session, ticket, INTERNAL, "internal")
    add_comment(session, ticket, ANSWER, "public")
    add_event(session, ticket, "resolved", now - timedelta(hours=1))
    make_user(session, "agency", username="dam-ops", agency=agency, password="dam-ops-password")
    agency_key = auth(make_key(session, "agency", agency=agency))
    manager = auth(make_key(session, "manager"))
    session.commit()

    seen: dict[str, str] = {}
    for path in (f"/tickets/{ticket.id}", f"/tickets/{ticket.id}/comments", "/tickets",
                 f"/tickets/{ticket.id}/comments?limit=1"):
        r = client.get(API + path, headers=agency_key)
        assert r.status_code == 200, r.text
        seen[path] = r.text
    assert QUESTION in seen[f"/tickets/{ticket.id}/comments"] and ANSWER in seen[f"/tickets/{ticket.id}/comments"]
    assert '"assignee":"lee"' in seen[f"/tickets/{ticket.id}"]

    day = now.date()
    issued = client.post(f"{API}/reports", headers=manager, json={
        "kind": "unit_history", "unit_id": unit.id, "from": (day - timedelta(days=7)).isoformat(),
        "to": (day + timedelta(days=1)).isoformat()})
    assert issued.status_code == 201, issued.text
    pdf = client.get(f"{API}/reports/{issued.json()['id']}/pdf", headers=agency_key)
    assert pdf.status_code == 200
    text = " ".join(" ".join(page_texts(pdf.content)).split())
    assert "Conversation with the agency" in text and "dam inspection on Friday" in text
    for name, data in attachments(pdf.content).items():
        seen[f"pdf attachment {name}"] = data.decode("utf-8", "replace")
    assert QUESTION in seen["pdf attachment report-data.json"]
    seen["pdf text"] = text

    with client:
        client.cookies.clear()
        assert login(client, "dam-ops", "dam-ops-password").status_code == 303
        page = client.get(f"/tickets/{ticket.id}")
        assert page.status_code == 200 and ANSWER in page.text
        seen["web ticket page"] = page.text
        client.cookies.clear()

    leaks = [where for where, body in seen.items() if "4471" in body or "pump seal is our" in body]
    assert not leaks, f"the agency saw an internal note or reason in: {leaks}"
    staff = client.get(f"{API}/tickets/{ticket.id}/comments", headers=manager).text
    assert INTERNAL in staff
    assert REASON in client.get(f"{API}/tickets/{ticket.id}", headers=manager).text
    assert audit.verify(session).ok


def _agency_principal(agency_id: str):  # type: ignore[no-untyped-def]
    from fleet.principal import Principal

    return Principal(id="agency-user", name="dam-ops", role="agency", agency_id=agency_id, kind="user")


def test_users_exist_only_through_the_audited_service(session: Session) -> None:
    """The builder makes users through identity.create_user (so audit verify proves them)."""
    user = make_user(session, "engineer", username="audited-eng", team="North")
    assert session.get(User, user.id) is not None and audit.verify(session).ok
