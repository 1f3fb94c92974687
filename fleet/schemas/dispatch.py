"""Assignment and conversation commands (dispatch and one conversation per ticket; the answers:
``api/schemas/dispatch.py``)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StrictStr

from fleet.schemas.types import StrictInput

Visibility = Literal["public", "internal"]


def _stripped(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("may not be blank")
    return value


Username = Annotated[StrictStr, Field(min_length=1, max_length=80), AfterValidator(_stripped)]
TeamName = Annotated[StrictStr, Field(min_length=1, max_length=80), AfterValidator(_stripped)]
Reason = Annotated[StrictStr, Field(min_length=1, max_length=2000), AfterValidator(_stripped)]
CommentBody = Annotated[StrictStr, Field(min_length=1, max_length=5000), AfterValidator(_stripped)]


class AssignmentIn(StrictInput):
    """``assignee``: an engineer's username, or null to hand the ticket back (it stays in its
    team). ``team``: dispatch to a team (managers; defaults to the assignee's team). ``reason``:
    required when a manager takes a ticket away from someone."""

    assignee: Username | None
    team: TeamName | None = None
    reason: Reason | None = None


class CommentIn(StrictInput):
    body: CommentBody
    visibility: Visibility

