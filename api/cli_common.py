"""What every ``slatrack`` command shares: one clear error line on stderr and exit status 1, and
reading a day or an instant from an option."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import wraps
from typing import Any, TypeVar

import typer

from fleet.errors import DomainError

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: int = 1) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def domain_errors(fn: F) -> F:
    """Turn a domain error into one clear line on stderr and exit status 1."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except DomainError as exc:
            rows = [f"  row {d['row']}, column {d['column']}: {d['message']}" for d in exc.details if "row" in d]
            lines = [exc.message, *rows[:50]]
            fail("\n".join(lines))

    return wrapper  # type: ignore[return-value]


def day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{option} {text!r} is not a date (YYYY-MM-DD)")
        raise  # pragma: no cover - fail() exits


def instant(text: str | None, option: str = "--as-of") -> datetime | None:
    if text is None:
        return None
    try:
        value: datetime | None = datetime.fromisoformat(text)
    except ValueError:
        value = None
    if value is None or value.utcoffset() is None:
        fail(f"{option} {text!r} is not an instant with a UTC offset (e.g. 2026-07-01T00:00:00Z)")
        raise AssertionError  # pragma: no cover - fail() exits
    return value
