"""Tenancy, enforced once, here. Every read of a tenant-owned table goes through
:func:`scoped` or :func:`get_scoped`; a principal with an ``agency_id`` sees only rows of that
agency, and another agency's object answers exactly like a missing one (404, same message).
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session

from fleet.errors import NotFound
from fleet.models import Agency, Calendar, Contract
from fleet.principal import Principal

T = TypeVar("T")


def scope_filter(model: Any, principal: Principal) -> Any | None:
    """The WHERE clause that limits ``model`` to the principal's agency (None: unrestricted)."""
    if principal.agency_id is None:
        return None
    if model is Agency:
        return Agency.id == principal.agency_id
    if model is Calendar:
        return exists().where(Contract.calendar_id == Calendar.id, Contract.agency_id == principal.agency_id)
    return model.agency_id == principal.agency_id


def scoped(stmt: Select[Any], model: Any, principal: Principal) -> Select[Any]:
    clause = scope_filter(model, principal)
    return stmt if clause is None else stmt.where(clause)


def get_scoped(session: Session, model: type[T], object_id: str, principal: Principal, *, what: str) -> T:
    """Load one object the principal may see, or raise :class:`NotFound`."""
    stmt = scoped(select(model).where(model.id == object_id), model, principal)  # type: ignore[attr-defined]
    obj: T | None = session.scalars(stmt).first()
    if obj is None:
        raise NotFound(f"{what} {object_id} not found")
    return obj
