"""``slatrack report …`` against the test's database: issue each kind to a file, verify a copy
(exit 0) and an altered one (exit 1 with the reason), and refuse bad input with a clear line."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pypdf
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import api.cli
from api.settings import Settings
from fleet.models import Report
from tests.api.test_reports_api import World, build_world, flip, text_of
from tests.builders import row_counts
from tests.reports.conftest import needs_weasyprint

pytestmark = needs_weasyprint


@pytest.fixture
def world(session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setattr(api.cli, "get_settings", lambda: settings)
    return build_world(session)


def test_contract_review_writes_the_pdf_and_verify_accepts_it(cli, session, world: World, tmp_path: Path) -> None:
    out = tmp_path / "out" / "review.pdf"
    result = cli("report", "contract-review", "--contract", world.contract_a.number, "--from", "2026-03-01",
                 "--to", "2026-04-01", "--as-of", world.as_of, "-o", str(out))
    assert result.exit_code == 0, result.output
    row = session.scalars(select(Report)).one()
    assert f"issued: report {row.id} (contract_review)" in result.stdout
    assert f"written to {out}" in result.stdout and row.data_sha256 in result.stdout
    pdf = out.read_bytes()
    assert hashlib.sha256(pdf).hexdigest() == row.sha256
    assert world.contract_a.number in text_of(pdf)
    assert row.agency_id == world.agency_a.id and row.created_by == "system:cli"

    again = cli("report", "contract-review", "--contract", world.contract_a.number, "--from", "2026-03-01",
                "--to", "2026-04-01", "--as-of", world.as_of, "-o", str(tmp_path / "again.pdf"))
    assert again.exit_code == 0 and "already issued" in again.stdout
    assert (tmp_path / "again.pdf").read_bytes() == pdf
    assert session.scalar(select(func.count()).select_from(Report)) == 1

    ok = cli("report", "verify", str(out))
    assert ok.exit_code == 0, ok.output
    assert ok.stdout.startswith(f"valid: report {row.id}")

    altered = tmp_path / "altered.pdf"
    altered.write_bytes(flip(pdf, len(pdf) // 2))
    bad = cli("report", "verify", str(altered))
    assert bad.exit_code == 1
    assert "invalid (" in bad.stderr and ("altered" in bad.stderr or "mismatch" in bad.stderr)
    appended = tmp_path / "appended.pdf"
    appended.write_bytes(pdf + b"\n% edited\n")
    bad = cli("report", "verify", str(appended))
    assert bad.exit_code == 1 and "invalid (altered)" in bad.stderr and row.id in bad.stderr


def test_track_record_and_unit_history_by_number_and_serial(cli, session, world: World, tmp_path: Path) -> None:
    track = tmp_path / "track.pdf"
    result = cli("report", "track-record", "--from", "2026-03-01", "--to", "2026-04-01", "--contract",
                 world.contract_a.number, "--contract", world.contract_b.number, "--as-of", world.as_of, "-o",
                 str(track))
    assert result.exit_code == 0, result.output
    text = text_of(track.read_bytes())
    assert world.contract_a.number in text and world.contract_b.number in text
    assert session.scalars(select(Report.agency_id).where(Report.kind == "track_record")).one() is None

    unit = tmp_path / "unit.pdf"
    result = cli("report", "unit-history", "--unit", "RPT-A-0002", "--from", "2026-03-01", "--to", "2026-04-01",
                 "-o", str(unit))
    assert result.exit_code == 0, result.output
    data = pypdf.PdfReader(io.BytesIO(unit.read_bytes())).attachments["report-data.json"][0]
    assert b'"serial":"RPT-A-0002"' in data


@pytest.mark.parametrize("args, message", [
    (["contract-review", "--contract", "NO-SUCH", "--from", "2026-03-01", "--to", "2026-04-01"],
     "contract NO-SUCH not found"),
    (["contract-review", "--contract", "{number}", "--from", "2026-04-01", "--to", "2026-03-01"],
     "to must be after from"),
    (["contract-review", "--contract", "{number}", "--from", "March", "--to", "2026-04-01"],
     "--from 'March' is not a date"),
    (["contract-review", "--contract", "{number}", "--from", "2026-03-01", "--to", "2026-04-01", "--as-of",
      "2026-03-05"], "is not an instant with a UTC offset"),
    (["contract-review", "--contract", "{number}", "--from", "2026-03-01", "--to", "2026-04-01", "--as-of",
      "2999-01-01T00:00:00Z"], "as_of is in the future"),
    (["unit-history", "--unit", "NO-SUCH-UNIT", "--from", "2026-03-01", "--to", "2026-04-01"],
     "unit NO-SUCH-UNIT not found"),
])
def test_bad_input_is_one_clear_line_and_stores_nothing(cli, session, world: World, tmp_path: Path,
                                                        args: list[str], message: str) -> None:
    out = tmp_path / "x.pdf"
    before = row_counts(session)
    result = cli("report", *[a.replace("{number}", world.contract_a.number) for a in args], "-o", str(out))
    assert result.exit_code == 1, result.output
    assert message in result.stderr
    assert not out.exists()
    assert row_counts(session) == before


def test_verify_of_a_file_that_is_not_a_report(cli, world: World, tmp_path: Path) -> None:
    other = tmp_path / "notes.pdf"
    other.write_bytes(b"plain text, not a PDF")
    result = cli("report", "verify", str(other))
    assert result.exit_code == 1 and "invalid (not_pdf)" in result.stderr
    assert cli("report", "verify", str(tmp_path / "missing.pdf")).exit_code == 2


def test_the_demo_writes_one_signed_sample_of_each_kind_and_again_the_same(cli, db, session, settings: Settings,
                                                                         tmp_path: Path, monkeypatch) -> None:
    from datetime import UTC, datetime

    from fleet import demo
    from fleet.principal import SYSTEM
    from reports.signing import SigningKey, make_demo_signing_key

    monkeypatch.setattr(api.cli, "get_settings", lambda: settings)
    now = datetime.now(UTC)
    demo.load(session, SYSTEM, now=now, scale=0.04)
    session.flush()
    signer = SigningKey(*make_demo_signing_key(tmp_path / "signing"))
    written = api.cli.write_demo_reports(db, tmp_path / "reports", signer=signer, vendor="Demo vendor", now=now)
    assert [kind for kind, _ in written] == ["contract review", "track record", "unit history"]
    rows = session.scalars(select(Report).order_by(Report.kind)).all()
    assert [r.kind for r in rows] == ["contract_review", "track_record", "unit_history"]
    assert all(r.signed for r in rows) and rows[1].agency_id is None
    for _, path in written:
        assert path.parent == tmp_path / "reports" and path.read_bytes()[:5] == b"%PDF-"
        result = cli("report", "verify", str(path))
        assert result.exit_code == 0 and result.stdout.startswith("valid: report"), result.output
    again = api.cli.write_demo_reports(db, tmp_path / "reports", signer=signer, vendor="Demo vendor", now=now)
    assert [p for _, p in again] == [p for _, p in written]
    assert session.scalar(select(func.count()).select_from(Report)) == 3
