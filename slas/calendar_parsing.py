"""Parsing a business calendar's input: weekly hours, time zone, holiday country, closures.

Split out of :mod:`slas.calendars` (whose module docstring states the calendar's rules);
:class:`~slas.calendars.BusinessCalendar` validates its fields with these functions, each
raising :class:`~slas.errors.InvalidCalendar` with a message saying what is wrong.
``WEEKDAYS`` and ``WeekMinutes`` are re-exported by :mod:`slas.calendars`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from slas.errors import InvalidCalendar

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HHMM = re.compile(r"(\d{2}):(\d{2})")

#: Parsed weekly hours: for weekday 0..6, the windows as (start, end) minutes.
WeekMinutes = tuple[tuple[tuple[int, int], ...], ...]


def _parse_hhmm(text: object, *, is_end: bool, where: str) -> int:
    """Minutes after midnight for ``HH:MM``; ``24:00`` is accepted only as an end."""
    match = _HHMM.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise InvalidCalendar(f"{where}: {text!r} is not a time of day in HH:MM form")
    hours, minutes = int(match[1]), int(match[2])
    if hours == 24 and minutes == 0:
        if is_end:
            return 1440
        raise InvalidCalendar(f"{where}: 24:00 can only end a window, not start one")
    if hours > 23 or minutes > 59:
        raise InvalidCalendar(f"{where}: {text!r} is not a valid time of day")
    return hours * 60 + minutes


def _split_window(window: object, where: str) -> tuple[str, str]:
    """Accept ``("08:00", "17:00")``, ``["08:00", "17:00"]`` or ``"08:00-17:00"``."""
    if isinstance(window, str):
        parts = re.split(r"\s*[-–]\s*", window.strip())
    elif isinstance(window, Sequence):
        parts = list(window)
    else:
        parts = []
    if len(parts) != 2 or not all(isinstance(p, str) for p in parts):
        raise InvalidCalendar(f"{where}: {window!r} is not a window like ('08:00', '17:00')")
    return (str(parts[0]), str(parts[1]))


def _parse_day(day: str, windows: object) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[int, int], ...]]:
    """Validate one weekday's windows: valid, start < end, ordered, non-overlapping."""
    if isinstance(windows, str) or not isinstance(windows, Sequence):
        raise InvalidCalendar(f"{day}: windows must be a list of (start, end) pairs")
    texts: list[tuple[str, str]] = []
    spans: list[tuple[int, int]] = []
    for n, window in enumerate(windows, start=1):
        where = f"{day} window {n}"
        start_text, end_text = _split_window(window, where)
        start = _parse_hhmm(start_text, is_end=False, where=where)
        end = _parse_hhmm(end_text, is_end=True, where=where)
        if start >= end:
            raise InvalidCalendar(f"{where}: {start_text}–{end_text} must start before it ends")
        if spans and start < spans[-1][1]:
            prev = texts[-1]
            if start < spans[-1][0]:
                raise InvalidCalendar(
                    f"{day}: windows must be in time order ({start_text}–{end_text} "
                    f"comes after {prev[0]}–{prev[1]})"
                )
            raise InvalidCalendar(
                f"{day}: windows {prev[0]}–{prev[1]} and {start_text}–{end_text} overlap"
            )
        texts.append((start_text, end_text))
        spans.append((start, end))
    return tuple(texts), tuple(spans)


def _parse_week(
    weekly_hours: Mapping[str, Sequence[tuple[str, str]]],
) -> tuple[dict[str, tuple[tuple[str, str], ...]], WeekMinutes]:
    """Validate the weekly hours; return the canonical text form and minutes."""
    if not isinstance(weekly_hours, Mapping):
        raise InvalidCalendar("weekly_hours must map weekdays (mon..sun) to windows")
    canonical: dict[str, tuple[tuple[str, str], ...]] = {}
    minutes: list[tuple[tuple[int, int], ...]] = [()] * 7
    for key, windows in weekly_hours.items():
        day = key.lower() if isinstance(key, str) else key
        if day not in WEEKDAYS:
            raise InvalidCalendar(f"unknown weekday {key!r} (use {', '.join(WEEKDAYS)})")
        texts, spans = _parse_day(day, windows)
        if texts:
            canonical[day] = texts
            minutes[WEEKDAYS.index(day)] = spans
    if not canonical:
        raise InvalidCalendar("the calendar has no working hours: give at least one window")
    ordered = {day: canonical[day] for day in WEEKDAYS if day in canonical}
    return ordered, tuple(minutes)


def _zone(name: str) -> ZoneInfo:
    if not isinstance(name, str) or not name:
        raise InvalidCalendar("timezone must be an IANA zone name such as America/New_York")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidCalendar(f"unknown timezone {name!r} (use an IANA name such as America/New_York)") from None


@lru_cache(maxsize=256)
def _check_holidays(country: str | None, subdivision: str | None) -> None:
    if country is None:
        if subdivision is not None:
            raise InvalidCalendar("holiday_subdivision needs a holiday_country")
        return
    try:
        holidays.country_holidays(country, subdiv=subdivision, years=2000)
    except NotImplementedError:
        where = f"{country}/{subdivision}" if subdivision else country
        raise InvalidCalendar(f"no public holidays known for {where!r} (use e.g. 'US', or None)") from None


def _parse_closures(closures: Iterable[date | str]) -> frozenset[date]:
    out: set[date] = set()
    for item in closures:
        if isinstance(item, datetime):
            raise InvalidCalendar(f"closure {item.isoformat()} must be a date, not a datetime")
        if isinstance(item, date):
            out.add(item)
            continue
        try:
            out.add(date.fromisoformat(item))
        except (TypeError, ValueError):
            raise InvalidCalendar(f"closure {item!r} is not a date like 2026-12-24") from None
    return frozenset(out)
