"""Notification rules per contract: which recipients each event type goes to by e-mail.

A contract with no rule of its own for an event type uses :data:`fleet.notify.events.DEFAULTS`,
so a new contract warns without configuration; a rule replaces the default for its event type
(an empty recipient list silences it), and deleting the rule returns to the default. Reading
the rules needs ``read`` (an agency reads its own contracts'); changing them needs
``notifications.manage``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleet import audit
from fleet.db import utcnow
from fleet.errors import Invalid
from fleet.models import Contract, NotificationRule
from fleet.notify.events import DEFAULTS, EVENT_TYPES, TITLES, EventType
from fleet.principal import Principal
from fleet.schemas.notify import RuleIn
from fleet.tenancy import get_scoped


def _event_type(value: str) -> EventType:
    if value not in EVENT_TYPES:
        raise Invalid(f"unknown event type {value!r}; one of: {', '.join(EVENT_TYPES)}", code="unknown_event_type")
    return value


@dataclass(frozen=True, slots=True)
class EffectiveRule:
    """The rule in effect for ``event_type`` on a contract: its ``source`` is ``contract`` (the
    contract's own rule) or ``default`` (:data:`~fleet.notify.events.DEFAULTS`: it has none).
    ``priorities`` None: every priority."""

    event_type: str
    title: str
    recipients: tuple[str, ...]
    priorities: tuple[str, ...] | None
    source: Literal["contract", "default"]


def _default(event_type: EventType) -> EffectiveRule:
    recipients, priorities = DEFAULTS[event_type]
    return EffectiveRule(event_type=event_type, title=TITLES[event_type], recipients=tuple(recipients),
                         priorities=None if priorities is None else tuple(priorities),
                         source="default")


def _own(rule: NotificationRule) -> EffectiveRule:
    return EffectiveRule(event_type=rule.event_type, title=TITLES[rule.event_type],  # type: ignore[index]
                         recipients=tuple(rule.recipients), priorities=None if rule.priorities is None
                         else tuple(rule.priorities), source="contract")


def effective_rules(session: Session, principal: Principal, contract_id: str) -> list[EffectiveRule]:
    """The rule in effect for every event type: the contract's own, or the default."""
    principal.require("read")
    contract = get_scoped(session, Contract, contract_id, principal, what="contract")
    own = {r.event_type: r for r in session.scalars(select(NotificationRule).where(
        NotificationRule.contract_id == contract.id, NotificationRule.deleted_at.is_(None)))}
    return [_own(own[t]) if t in own else _default(t) for t in EVENT_TYPES]


def _find(session: Session, contract_id: str, event_type: str) -> NotificationRule | None:
    """The contract's row for the event type, live or dropped (one per pair: a unique constraint)."""
    return session.scalars(select(NotificationRule).where(NotificationRule.contract_id == contract_id,
                                                          NotificationRule.event_type == event_type)).first()


def set_rule(session: Session, principal: Principal, contract_id: str, event_type: str,
             data: RuleIn) -> EffectiveRule:
    """Replace the contract's rule for ``event_type`` (made, or revived, when it has none)."""
    principal.require("notifications.manage")
    type_ = _event_type(event_type)
    contract = get_scoped(session, Contract, contract_id, principal, what="contract")
    recipients: list[str] = list(dict.fromkeys(data.recipients))
    priorities: list[str] | None = None if data.priorities is None else sorted(set(data.priorities))
    rule = _find(session, contract.id, type_)
    before = None if rule is None else audit.snapshot(rule)
    if rule is None:
        rule = NotificationRule(agency_id=contract.agency_id, contract_id=contract.id, event_type=type_,
                                recipients=recipients, priorities=priorities, created_by=principal.actor,
                                deleted_at=None)
        session.add(rule)
    else:
        rule.recipients, rule.priorities, rule.deleted_at = recipients, priorities, None
    session.flush()
    audit.record(session, principal, action="notification_rule.set", entity_type="notification_rule",
                 entity_id=rule.id, agency_id=contract.agency_id, before=before, after=audit.snapshot(rule),
                 rows=[rule], scope=audit.Scope(contract.id, utcnow()))  # no figure moves
    return _own(rule)


def reset_rule(session: Session, principal: Principal, contract_id: str, event_type: str) -> EffectiveRule:
    """Back to the default for ``event_type`` (the contract's rule is marked dropped; with none,
    nothing changes and nothing is recorded). Returns the default now in effect."""
    principal.require("notifications.manage")
    type_ = _event_type(event_type)
    contract = get_scoped(session, Contract, contract_id, principal, what="contract")
    rule = _find(session, contract.id, type_)
    if rule is not None and rule.deleted_at is None:
        before = audit.snapshot(rule)
        rule.deleted_at = utcnow()
        session.flush()
        audit.record(session, principal, action="notification_rule.reset", entity_type="notification_rule",
                     entity_id=rule.id, agency_id=contract.agency_id, before=before, after=audit.snapshot(rule),
                     rows=[rule], scope=audit.Scope(contract.id, rule.deleted_at))
    return _default(type_)
