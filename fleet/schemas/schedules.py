"""Report schedule commands (``PUT /contracts/{id}/report-schedule``)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictInt

from fleet.schemas.types import StrictInput
from slas.schedule import MAX_WORKING_DAY, Cadence


class ScheduleIn(StrictInput):
    """``cadence``: ``monthly`` or ``quarterly``; ``working_day``: the review of a period is
    issued on this working day (1..10) after the period ends, at the opening of business hours."""

    cadence: Cadence
    working_day: Annotated[StrictInt, Field(ge=1, le=MAX_WORKING_DAY)]
