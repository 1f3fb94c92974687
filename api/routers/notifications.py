"""Notification contacts and rules: thin handlers over :mod:`fleet.notify.contacts` and
:mod:`fleet.notify.rules`."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from api.deps import PageDep, PrincipalDep, SessionDep
from api.routers.registry import PageOut, json_response
from api.routing import TransactionRoute
from api.schemas.notify import ContactOut, RuleOut
from fleet.notify import contacts, rules
from fleet.notify.events import Audience
from fleet.schemas.notify import ContactIn, RuleIn

router = APIRouter(tags=["notifications"], route_class=TransactionRoute)


@router.post("/notification-contacts", status_code=201, response_model=ContactOut)
def create_contact(body: ContactIn, session: SessionDep, principal: PrincipalDep) -> Response:
    """An address rules can name (admins and managers: any audience; an agency: its own contacts)."""
    return json_response(ContactOut.model_validate(contacts.create_contact(session, principal, body)), 201)


@router.get("/notification-contacts", response_model=PageOut[ContactOut])
def list_contacts(session: SessionDep, principal: PrincipalDep, page: PageDep, audience: Audience | None = None,
                  agency_id: str | None = None) -> Response:
    found = contacts.list_contacts(session, principal, limit=page[0], cursor=page[1], audience=audience,
                                   agency_id=agency_id)
    return json_response(PageOut[ContactOut].model_validate(
        {"items": [ContactOut.model_validate(c) for c in found.items], "next_cursor": found.next_cursor}))


@router.delete("/notification-contacts/{contact_id}", status_code=204)
def delete_contact(contact_id: str, session: SessionDep, principal: PrincipalDep) -> Response:
    """Remove the contact: no rule reaches it from now on."""
    contacts.delete_contact(session, principal, contact_id)
    return Response(status_code=204)


@router.get("/contracts/{contract_id}/notification-rules", response_model=list[RuleOut])
def list_rules(contract_id: str, session: SessionDep, principal: PrincipalDep) -> list[RuleOut]:
    """The rule in effect for every event type: the contract's own (``source: contract``) or the default."""
    return [RuleOut.model_validate(r) for r in rules.effective_rules(session, principal, contract_id)]


@router.put("/contracts/{contract_id}/notification-rules/{event_type}", response_model=RuleOut)
def set_rule(contract_id: str, event_type: str, body: RuleIn, session: SessionDep, principal: PrincipalDep
             ) -> RuleOut:
    return RuleOut.model_validate(rules.set_rule(session, principal, contract_id, event_type, body))


@router.delete("/contracts/{contract_id}/notification-rules/{event_type}", response_model=RuleOut)
def reset_rule(contract_id: str, event_type: str, session: SessionDep, principal: PrincipalDep) -> RuleOut:
    """Back to the default for the event type; answers the default now in effect."""
    return RuleOut.model_validate(rules.reset_rule(session, principal, contract_id, event_type))
