"""Tenancy, enforced once, here. Every read of a tenant-owned table goes through
:func:`scoped` or :func:`get_scoped`; a principal with an ``agency_id`` sees only rows of that
agency, and another agency's object answers exactly like a missing one (404, same message).
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, bindparam, exists, select
from sqlalchemy.orm import Session

from fleet.errors import NotFound
from fleet.models import Agency, Calendar, Contract
from fleet.principal import Principal

T = TypeVar("T")


def scope_filter(model: Any, principal: Principal) -> Any | None:
    """The WHERE clause that limits ``model`` to the principal's agency (None: unrestricted)."""
    if principal.agency_id is None:
        return None
    return _agency_clause(model, principal.agency_id)


def _agency_clause(model: Any, agency_id: Any) -> Any:
    if model is Agency:
        return Agency.id == agency_id
    if model is Calendar:
        return exists().where(Contract.calendar_id == Calendar.id, Contract.agency_id == agency_id)
    return model.agency_id == agency_id


def scoped(stmt: Select[Any], model: Any, principal: Principal) -> Select[Any]:
    clause = scope_filter(model, principal)
    return stmt if clause is None else stmt.where(clause)


_BY_ID: dict[tuple[Any, bool], Select[Any]] = {}


def _by_id(model: Any, agency_scoped: bool) -> Select[Any]:
    """``SELECT model WHERE id = :object_id [AND <agency clause on :agency_id>]``, built once per
    model (building a statement costs more than running it on a hot read)."""
    stmt = _BY_ID.get((model, agency_scoped))
    if stmt is None:
        stmt = select(model).where(model.id == bindparam("object_id"))
        if agency_scoped:
            stmt = stmt.where(_agency_clause(model, bindparam("agency_id")))
        _BY_ID[model, agency_scoped] = stmt
    return stmt


def get_scoped(session: Session, model: type[T], object_id: str, principal: Principal, *, what: str) -> T:
    """Load one object the principal may see, or raise :class:`NotFound`."""
    stmt = _by_id(model, principal.agency_id is not None)
    obj: T | None = session.scalars(stmt, {"object_id": object_id, "agency_id": principal.agency_id}).first()
    if obj is None:
        raise NotFound(f"{what} {object_id} not found")
    return obj
