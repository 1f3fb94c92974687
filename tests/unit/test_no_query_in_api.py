"""The api package asks the fleet and reports services for data; it writes no query of its own
(web pages and CLI included). A query in ``api/`` belongs in the service module that owns the
data, as a named function (issue 16)."""

from __future__ import annotations

import ast
from pathlib import Path

API = Path(__file__).resolve().parents[2] / "api"
QUERY_METHODS = {"execute", "scalars", "scalar", "scalar_one", "query"}
"""Session methods that run a statement."""


def _is_class_name(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id[:1].isupper() and not node.id.isupper()


def queries_in(path: Path, root: Path = API.parent) -> list[str]:
    """``file:line: code`` for each query-making call in one module: ``select(…)``, a statement run
    on a session (``.execute``, ``.scalars``, ``.scalar``, ``.query``) and ``session.get(Model, id)``
    (a ``.get`` whose first argument is a class name; ``request.session.get("sid")`` and
    ``kept.get(ADMIN_VAR)`` are dict reads)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        is_query = (
            (isinstance(func, ast.Name) and name == "select")
            or (isinstance(func, ast.Attribute) and name in QUERY_METHODS)
            or (isinstance(func, ast.Attribute) and name == "get" and bool(node.args)
                and _is_class_name(node.args[0]))
        )
        if is_query:
            found.append(f"{path.relative_to(root)}:{node.lineno}: {ast.unparse(node)[:100]}")
    return found


def test_the_api_package_makes_no_database_query_of_its_own() -> None:
    found = [q for path in sorted(API.rglob("*.py")) for q in queries_in(path)]
    assert not found, (
        "api/ must not query the database (issue 16): move each query into the fleet or reports module "
        "that owns the data, as a named function, and call it:\n  " + "\n  ".join(found))


def test_the_check_sees_a_query_and_not_a_dict_read(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def f(session, Report, rid, request, kept):\n"
                      "    request.session.get('sid'), kept.get(ADMIN_VAR, '')\n"
                      "    session.get(Report, rid)\n"
                      "    return session.execute(select(Report)).all()\n")
    lines = [q.split(": ", 1)[0] for q in queries_in(sample, tmp_path)]
    assert lines.count("sample.py:3") == 1 and lines.count("sample.py:4") == 2 and len(lines) == 3
