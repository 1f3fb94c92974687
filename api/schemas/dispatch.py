"""Dispatch and conversation as answered: an assignment fact, a comment of the ticket's conversation."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from fleet.schemas.dispatch import Visibility


class AssignmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    ticket_id: str
    assignee: str | None
    team: str | None
    reason: str | None
    actor: str
    recorded_at: datetime


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
