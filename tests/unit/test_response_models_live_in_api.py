"""The API's response models live in ``api/schemas`` and nowhere below it: ``fleet``, ``reports``
and ``slas`` return plain values (ORM rows, frozen dataclasses) that the edges project, so a
service never builds an HTTP shape and a report never reads one back (issue 16)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BELOW_API = ("fleet", "reports", "slas")


def response_models_in(path: Path, root: Path = ROOT) -> list[str]:
    """``file:line: name`` for each response model in a module: a class named ``…Out``, or in
    ``fleet/`` any class based on ``BaseModel`` itself (the record layer's Pydantic models are
    request models, based on ``StrictInput``; the report data models of ``reports/data`` are the
    document's own schema, not an HTTP shape)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        bases = {ast.unparse(b) for b in node.bases}
        in_fleet = path.relative_to(root).parts[0] == "fleet"
        is_strict_input = node.name == "StrictInput" and path.name == "types.py"
        if node.name.endswith("Out") or (in_fleet and bases & {"BaseModel", "pydantic.BaseModel"}
                                         and not is_strict_input):
            found.append(f"{path.relative_to(root)}:{node.lineno}: {node.name}")
    return found


def test_no_response_model_is_defined_below_the_api_package() -> None:
    found = [m for pkg in BELOW_API for path in sorted((ROOT / pkg).rglob("*.py")) for m in response_models_in(path)]
    assert not found, ("response models belong in api/schemas (issue 16); return a plain value (an ORM row or "
                       "a frozen dataclass with the same attribute names) and project it there:\n  "
                       + "\n  ".join(found))


def test_the_check_sees_a_response_model_and_not_a_request_model(tmp_path: Path) -> None:
    sample = tmp_path / "fleet" / "sample.py"
    sample.parent.mkdir()
    sample.write_text("from pydantic import BaseModel\n"
                      "class TicketOut(BaseModel):\n    id: str\n"
                      "class Shape(BaseModel):\n    id: str\n"
                      "class TicketIn(StrictInput):\n    id: str\n")
    assert [line.split(": ")[1] for line in response_models_in(sample, tmp_path)] == ["TicketOut", "Shape"]
