"""A ticket's timeline as the record keeps it: the rules are :mod:`slas.lifecycle`'s (re-exported
here for the record's modules); :func:`replay` answers an impossible event with the record's
:class:`~fleet.errors.Conflict` (409 ``impossible_event``), so a write that would break the
timeline is refused like any other conflicting write."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from fleet.errors import Conflict
from slas import lifecycle
from slas.errors import ImpossibleEvent
from slas.lifecycle import EVENT_TYPES as EVENT_TYPES
from slas.lifecycle import MILESTONES as MILESTONES
from slas.lifecycle import Fact as Fact
from slas.lifecycle import State as State
from slas.lifecycle import effective as effective
from slas.lifecycle import ordered as ordered
from slas.lifecycle import status_at as status_at


def replay(reported_at: datetime, priority: str, facts: Sequence[Fact], *, pause_allowed: bool) -> State:
    """:func:`slas.lifecycle.replay`, an impossible event refused as a :class:`Conflict`."""
    try:
        return lifecycle.replay(reported_at, priority, facts, pause_allowed=pause_allowed)
    except ImpossibleEvent as exc:
        raise Conflict(str(exc), code="impossible_event") from None
