"""The CSV unit import applies the identifier rules: serials are normalized, compared ignoring
case and width (within the file and against stored units), and invisible characters are refused,
each problem named by row and column; nothing is imported unless every row is good."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from fleet.models import Unit
from tests.builders import make_contract, make_unit, row_counts

HEADER = "serial,model,site,in_service_at,notes"


def _import(cli, tmp_path: Path, number: str, *rows: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "fleet.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return cli("import", "units", str(path), "--contract", number)


@pytest.mark.parametrize(("bad_row", "column", "says"), [
    ("RBT\u200b-2,Crawler,Pier 5,2025-06-02T08:00:00Z,", "serial", "U+200B"),
    ("RBT-2\u202e,Crawler,Pier 5,2025-06-02T08:00:00Z,", "serial", "U+202E"),
    ("rbt-1,Crawler,Pier 5,2025-06-02T08:00:00Z,", "serial", "repeats row 2"),
    ("ＲＢＴ－１,Crawler,Pier 5,2025-06-02T08:00:00Z,", "serial", "repeats row 2"),
    ("STORED-9,Crawler,Pier 5,2025-06-02T08:00:00Z,", "serial", "already exists"),
    ("RBT-2,Crawler,Pier 5,0001-01-01T00:00:00+05:00,", "in_service_at", "out of range"),
    ("RBT-2,Crawler,Pier\u202e 5,2025-06-02T08:00:00Z,", "site", "U+202E"),
])
def test_a_bad_identifier_row_imports_nothing_and_is_named(cli, session, tmp_path, bad_row, column, says):  # type: ignore[no-untyped-def]
    contract = make_contract(session, number="N-EDGE-1")
    make_unit(session, serial="stored-9")
    before = row_counts(session)
    result = _import(cli, tmp_path, "N-EDGE-1", "RBT-1,Crawler,Pier 4,2025-06-01T08:00:00Z,", bad_row)
    assert result.exit_code != 0
    assert f"row 3, column {column}" in result.output and says in result.output, result.output
    assert row_counts(session) == before
    assert session.scalars(select(Unit).where(Unit.contract_id == contract.id)).all() == []


def test_imported_serials_are_stored_normalized_and_the_contract_is_found_ignoring_case(cli, session, tmp_path):  # type: ignore[no-untyped-def]
    contract = make_contract(session, number="N-EDGE-2")
    result = _import(cli, tmp_path, "n-edge-2", " ＲＢＴ－３ ,Crawler,Pier 4,2025-06-01T08:00:00Z,")
    assert result.exit_code == 0, result.output
    assert session.scalars(select(Unit.serial).where(Unit.contract_id == contract.id)).all() == ["RBT-3"]


def test_usernames_are_unique_ignoring_case_and_width(cli, session):  # type: ignore[no-untyped-def]
    args = ("users", "create", "--role", "engineer", "--password-stdin", "--username")
    assert cli(*args, "JRoe", input="long enough pw\n").exit_code == 0
    before = row_counts(session)
    for variant in ("jroe", "ＪＲＯＥ", " jroe "):
        result = cli(*args, variant, input="long enough pw\n")
        assert result.exit_code != 0 and "already exists" in result.output, result.output
    result = cli(*args, "j\u200broe", input="long enough pw\n")
    assert result.exit_code != 0 and "U+200B" in result.output, result.output
    assert row_counts(session) == before
