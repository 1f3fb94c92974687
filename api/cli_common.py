"""What every ``slatrack`` command shares: one clear error line on stderr and exit status 1."""

from __future__ import annotations

from collections.abc import Callable
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
