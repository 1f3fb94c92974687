"""The error body ``{"error": {"code", "message", "details"}}`` is built in one place:
:func:`api.errors.error_body` (issue 16)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def error_bodies_outside_errors_py() -> list[str]:
    """``file:line`` of each dict literal with an ``"error"`` key whose value is a dict, outside api/errors.py."""
    found = []
    for package in ("api", "fleet", "reports"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if path == ROOT / "api" / "errors.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
                if isinstance(node, ast.Dict) and any(
                        isinstance(k, ast.Constant) and k.value == "error" and isinstance(v, ast.Dict)
                        for k, v in zip(node.keys, node.values, strict=True)):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_the_error_body_is_built_only_by_api_errors_error_body() -> None:
    found = error_bodies_outside_errors_py()
    assert not found, ("an error body is built outside api/errors.py; call api.errors.error_body(code, message, "
                       "details) instead:\n  " + "\n  ".join(found))
