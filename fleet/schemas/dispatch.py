"""Assignment and conversation shapes (dispatch and one conversation per ticket)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictStr

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


class AssignmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    ticket_id: str
    assignee: str | None
    team: str | None
    reason: str | None
    actor: str
    recorded_at: datetime


class CommentIn(StrictInput):
    body: CommentBody
    visibility: Visibility


class CommentOut(BaseModel):
    """A message of the ticket's conversation. ``side``: ``agency`` or ``vendor``."""

    model_config = ConfigDict(from_attributes=True)
    id: str
    ticket_id: str
    visibility: Visibility
    side: Literal["agency", "vendor"]
    author: str
    body: str
    recorded_at: datetime
