"""The ``slatrack`` CLI against the test's database: web users, and the fleet register import
(all rows or none; errors name the row and the column)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from tests.builders import make_agency, make_contract, make_unit, row_counts

HEADER = "serial,model,site,in_service_at,notes"


# --- users ------------------------------------------------------------------------------------
def test_users_create_reads_the_password_from_stdin_and_stores_only_an_argon2_hash(cli, session):
    result = cli("users", "create", "--role", "manager", "--username", "jroe", "--password-stdin",
                 input="correct horse battery staple\n")
    assert result.exit_code == 0, result.output
    assert "jroe" in result.stdout
    row = session.execute(text("SELECT role, password_hash, agency_id FROM users WHERE username = 'jroe'")).one()
    assert row.role == "manager" and row.agency_id is None
    assert row.password_hash.startswith("$argon2id$")
    assert "correct horse" not in row.password_hash
    action = session.execute(text("SELECT action FROM audit_entries ORDER BY seq DESC LIMIT 1")).scalar_one()
    assert action == "user.create"


def test_a_user_created_from_stdin_can_log_in_with_that_password(cli, session):
    from fleet import identity

    cli("users", "create", "--role", "engineer", "--username", "tech1", "--password-stdin",
        input="s3cret-enough\n")
    assert identity.principal_for_login(session, "tech1", "s3cret-enough") is not None
    assert identity.principal_for_login(session, "tech1", "s3cret-enough\n") is None
    assert identity.principal_for_login(session, "tech1", "wrong-password") is None


def test_an_agency_user_is_tied_to_its_agency(cli, session):
    agency = make_agency(session, code="GSA")
    result = cli("users", "create", "--role", "agency", "--username", "gsa-cor", "--agency", "GSA",
                 "--password-stdin", input="long enough pw\n")
    assert result.exit_code == 0, result.output
    assert session.execute(text("SELECT agency_id FROM users WHERE username = 'gsa-cor'")).scalar_one() == agency.id


@pytest.mark.parametrize(("args", "password", "needle"), [
    (("--role", "manager", "--username", "shorty"), "short\n", "8 characters"),
    (("--role", "agency", "--username", "nobody"), "long enough pw\n", "--agency"),
    (("--role", "wizard", "--username", "merlin"), "long enough pw\n", "wizard"),
    (("--role", "manager", "--username", "taken"), "long enough pw\n", "already exists"),
])
def test_users_create_rejects_bad_input_and_creates_nothing(cli, session, args, password, needle):
    cli("users", "create", "--role", "manager", "--username", "taken", "--password-stdin", input="first pw ok\n")
    before = row_counts(session)
    result = cli("users", "create", *args, "--password-stdin", input=password)
    assert result.exit_code != 0
    assert needle in result.output
    assert row_counts(session) == before


# --- import units ------------------------------------------------------------------------------
def _csv(tmp_path: Path, *rows: str, header: str = HEADER, name: str = "fleet.csv") -> str:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return str(path)


def _units(session, contract_id: str) -> list[tuple[str, str, str]]:
    return [tuple(r) for r in session.execute(
        text("SELECT serial, site, agency_id FROM units WHERE contract_id = :c ORDER BY serial"),
        {"c": contract_id}).all()]


def test_importing_a_good_register_adds_every_unit_to_the_contract(cli, session, tmp_path):
    contract = make_contract(session, number="N00024-26-C-0001")
    path = _csv(tmp_path,
                "CR-001,Crawler X2,Pier 4,2025-06-01T08:00:00Z,",
                "CR-002,Crawler X2,Pier 5,2025-06-02T08:00:00-04:00,spare",
                '"CR-003","Drone, heavy",Hangar 1,2025-06-03T08:00:00+00:00,"says ""hi"""')
    before = row_counts(session)
    result = cli("import", "units", path, "--contract", "N00024-26-C-0001")
    assert result.exit_code == 0, result.output
    assert "imported 3 units" in result.stdout
    assert _units(session, contract.id) == [("CR-001", "Pier 4", contract.agency_id),
                                            ("CR-002", "Pier 5", contract.agency_id),
                                            ("CR-003", "Hangar 1", contract.agency_id)]
    after = row_counts(session)
    assert after["units"] == before["units"] + 3
    assert after["audit_entries"] == before["audit_entries"] + 3
    assert session.execute(text("SELECT notes FROM units WHERE serial = 'CR-003'")).scalar_one() == 'says "hi"'


def test_a_register_with_a_byte_order_mark_and_columns_in_any_order_imports(cli, session, tmp_path):
    contract = make_contract(session, number="BOM-1")
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeffsite,in_service_at,model,serial\r\nPier 9,2025-01-01T00:00:00Z,X,EX-1\r\n"
                     .encode("utf-8"))
    result = cli("import", "units", str(path), "--contract", "BOM-1")
    assert result.exit_code == 0, result.output
    assert _units(session, contract.id) == [("EX-1", "Pier 9", contract.agency_id)]


BAD_ROWS = [
    ("CR-002,Crawler X2,Pier 5,2025-06-02T08:00:00,", "in_service_at"),
    ("CR-002,Crawler X2,Pier 5,last tuesday,", "in_service_at"),
    ("CR-002,Crawler X2,Pier 5,,", "in_service_at"),
    (",Crawler X2,Pier 5,2025-06-02T08:00:00Z,", "serial"),
    ("CR-002,,Pier 5,2025-06-02T08:00:00Z,", "model"),
    ("CR-002,Crawler X2,,2025-06-02T08:00:00Z,", "site"),
]


@pytest.mark.parametrize(("bad_row", "column"), BAD_ROWS)
def test_one_bad_row_in_the_middle_imports_nothing_and_names_its_row_and_column(cli, session, tmp_path,
                                                                               bad_row, column):
    contract = make_contract(session, number="N-BAD-ROW")
    path = _csv(tmp_path,
                "CR-001,Crawler X2,Pier 4,2025-06-01T08:00:00Z,",
                bad_row,
                "CR-003,Crawler X2,Pier 6,2025-06-03T08:00:00Z,")
    before = row_counts(session)
    result = cli("import", "units", path, "--contract", "N-BAD-ROW")
    assert result.exit_code != 0
    assert f"row 3, column {column}" in result.output
    assert "nothing imported" in result.output
    assert "row 2" not in result.output and "row 4" not in result.output
    assert row_counts(session) == before
    assert _units(session, contract.id) == []


def test_every_bad_row_is_named_not_only_the_first(cli, session, tmp_path):
    make_contract(session, number="N-MANY")
    path = _csv(tmp_path,
                "CR-001,Crawler X2,Pier 4,2025-06-01T08:00:00,",
                "CR-002,Crawler X2,Pier 4,2025-06-01T08:00:00Z,",
                ",Crawler X2,Pier 4,2025-06-01T08:00:00Z,")
    result = cli("import", "units", path, "--contract", "N-MANY")
    assert result.exit_code != 0
    assert "row 2, column in_service_at" in result.output
    assert "row 4, column serial" in result.output


def test_a_serial_repeated_within_the_file_imports_nothing(cli, session, tmp_path):
    contract = make_contract(session, number="N-DUP-FILE")
    path = _csv(tmp_path,
                "CR-001,Crawler X2,Pier 4,2025-06-01T08:00:00Z,",
                "CR-002,Crawler X2,Pier 4,2025-06-01T08:00:00Z,",
                "CR-001,Crawler X2,Pier 7,2025-06-01T08:00:00Z,")
    before = row_counts(session)
    result = cli("import", "units", path, "--contract", "N-DUP-FILE")
    assert result.exit_code != 0
    assert "row 4, column serial" in result.output and "repeats row 2" in result.output
    assert row_counts(session) == before
    assert _units(session, contract.id) == []


def test_a_serial_already_in_the_database_imports_nothing(cli, session, tmp_path):
    make_unit(session, serial="CR-EXISTS")
    contract = make_contract(session, number="N-DUP-DB")
    path = _csv(tmp_path,
                "CR-001,Crawler X2,Pier 4,2025-06-01T08:00:00Z,",
                "CR-EXISTS,Crawler X2,Pier 4,2025-06-01T08:00:00Z,",
                "CR-003,Crawler X2,Pier 4,2025-06-01T08:00:00Z,")
    before = row_counts(session)
    result = cli("import", "units", path, "--contract", "N-DUP-DB")
    assert result.exit_code != 0
    assert "row 3, column serial" in result.output and "already exists" in result.output
    assert row_counts(session) == before
    assert _units(session, contract.id) == []


@pytest.mark.parametrize(("header", "needle"), [
    ("serial,model,site", "in_service_at"),
    ("serial,model,site,in_service_at,colour", "colour"),
])
def test_a_bad_header_imports_nothing_and_names_row_1(cli, session, tmp_path, header, needle):
    make_contract(session, number="N-HEADER")
    path = _csv(tmp_path, "CR-001,Crawler X2,Pier 4,2025-06-01T08:00:00Z,x", header=header)
    before = row_counts(session)
    result = cli("import", "units", path, "--contract", "N-HEADER")
    assert result.exit_code != 0
    assert "row 1" in result.output and needle in result.output
    assert row_counts(session) == before


def test_a_row_with_more_cells_than_columns_is_named(cli, session, tmp_path):
    make_contract(session, number="N-WIDE")
    path = _csv(tmp_path, "CR-001,Crawler X2,Pier 4,2025-06-01T08:00:00Z,,surplus")
    before = row_counts(session)
    result = cli("import", "units", path, "--contract", "N-WIDE")
    assert result.exit_code != 0
    assert "row 2" in result.output
    assert row_counts(session) == before


def test_importing_into_an_unknown_contract_fails_clearly(cli, session, tmp_path):
    path = _csv(tmp_path, "CR-001,Crawler X2,Pier 4,2025-06-01T08:00:00Z,")
    before = row_counts(session)
    result = cli("import", "units", path, "--contract", "NO-SUCH-CONTRACT")
    assert result.exit_code != 0
    assert "NO-SUCH-CONTRACT" in result.output
    assert row_counts(session) == before


def test_a_file_that_is_not_utf8_fails_clearly(cli, session, tmp_path):
    make_contract(session, number="N-LATIN1")
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + "\nCR-\xe9,Crawler,Pier,2025-06-01T08:00:00Z,\n").encode("latin-1"))
    before = row_counts(session)
    result = cli("import", "units", str(path), "--contract", "N-LATIN1")
    assert result.exit_code != 0
    assert "UTF-8" in result.output
    assert row_counts(session) == before


def test_a_formula_like_cell_is_stored_as_plain_text(cli, session, tmp_path):
    contract = make_contract(session, number="N-FORMULA")
    path = _csv(tmp_path, "=CMD(1),Crawler X2,Pier 4,2025-06-01T08:00:00Z,")
    assert cli("import", "units", path, "--contract", "N-FORMULA").exit_code == 0
    assert _units(session, contract.id)[0][0] == "=CMD(1)"


def test_a_register_with_plain_dates_imports_them_as_midnight_utc(cli, session, tmp_path):
    contract = make_contract(session, number="N-DATES")
    path = _csv(tmp_path, "CR-101,Crawler X2,Pier 4,2026-02-05,", "CR-102,Crawler X2,Pier 4,2026-02-30,")
    result = cli("import", "units", path, "--contract", "N-DATES")
    assert result.exit_code == 1 and "row 3, column in_service_at" in result.output  # no 30 February
    path = _csv(tmp_path, "CR-101,Crawler X2,Pier 4,2026-02-05,")
    result = cli("import", "units", path, "--contract", "N-DATES")
    assert result.exit_code == 0, result.output
    stored = session.execute(text("SELECT in_service_at FROM units WHERE serial = 'CR-101'")).scalar_one()
    assert str(stored).startswith("2026-02-05 00:00:00")
    assert _units(session, contract.id)[0][0] == "CR-101"
