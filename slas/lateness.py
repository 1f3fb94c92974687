"""Late records: was a fact recorded later than the contract's reporting window, and by how much.

A fact (a ticket's report, a ticket event, a correction, a telemetry status event) carries
``occurred_at`` (when it happened, as given) and ``recorded_at`` (when slatrack stored it). The
contract's reporting window (hours) bounds the gap: a fact whose gap is *over* the window is
"recorded late" (a gap of exactly the window is on time). The flag never changes a figure; it
tells the reader how much of the record came after the fact.

Pure: both instants are parameters.
"""

from __future__ import annotations

from datetime import datetime, timedelta

DEFAULT_WINDOW_HOURS = 72
MAX_WINDOW_HOURS = 87_600  # ten years: a contract's whole life


def delay(occurred_at: datetime, recorded_at: datetime) -> timedelta:
    """How long after it happened the fact was recorded (zero for a fact recorded ahead of time)."""
    return max(recorded_at - occurred_at, timedelta(0))


def is_late(occurred_at: datetime, recorded_at: datetime, window_hours: int) -> bool:
    return delay(occurred_at, recorded_at) > timedelta(hours=window_hours)


def late_by_minutes(occurred_at: datetime, recorded_at: datetime, window_hours: int) -> float | None:
    """The delay in minutes (two decimals) of a fact recorded late, ``None`` for one on time."""
    if not is_late(occurred_at, recorded_at, window_hours):
        return None
    return round(delay(occurred_at, recorded_at).total_seconds() / 60, 2)


def describe(span: timedelta) -> str:
    """A delay in words a reader takes in at a glance: ``"4 days 2 hours"``, ``"3 hours 5 minutes"``."""
    minutes = int(span.total_seconds() // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = [(days, "day"), (hours, "hour")] if days else [(hours, "hour"), (mins, "minute")]
    words = [f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in parts if n]
    return " ".join(words) or "under a minute"
