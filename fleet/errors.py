"""Domain errors. Plain exceptions; ``api/errors.py`` maps each class to a status code and the
one error body. ``code`` is the stable snake_case name clients see."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "domain_error"

    def __init__(self, message: str, *, details: list[dict[str, Any]] | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or []
        if code:
            self.code = code


class NotFound(DomainError):
    """The object does not exist, or belongs to another agency (the two are indistinguishable)."""

    code = "not_found"


class Conflict(DomainError):
    """The request clashes with the record: a duplicate, or an event the timeline forbids."""

    code = "conflict"


class Invalid(DomainError):
    """Well-formed input that breaks a domain rule (unknown timezone, end before start, ...)."""

    code = "invalid"


class Forbidden(DomainError):
    """The principal's role may not do this."""

    code = "forbidden"


class Unavailable(DomainError):
    """A dependency (database, renderer) is down or too slow; retry later."""

    code = "unavailable"
