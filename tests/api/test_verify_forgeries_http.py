"""Forged and legitimately extended copies of a report issued through the API, checked through
``POST /api/v1/reports/verify``, ``slatrack report verify`` and the web verify page; uploads over
the limits get a 422; the CLI signs with the key ``slatrack demo`` left in the data folder."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

import api.cli
from api.settings import DEMO_SIGNING_DIR, Settings
from fleet.models import AuditEntry, Report
from reports.signing import make_demo_signing_key
from tests.api.test_reports_api import World, build_world, issue, pdf_of, verify
from tests.builders import assert_error
from tests.reports import forgeries
from tests.reports.conftest import needs_weasyprint
from tests.web.conftest import csrf_of, signed_in

pytestmark = needs_weasyprint


@pytest.fixture
def world(session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setattr(api.cli, "get_settings", lambda: settings)
    return build_world(session)


@pytest.fixture
def issued(client: TestClient, world: World) -> tuple[str, bytes]:
    body = issue(client, world.manager, kind="contract_review", contract_id=world.contract_a.id,
                 as_of=world.as_of).json()
    return body["id"], pdf_of(client, world.manager, body["id"])


@pytest.fixture
def officer(tmp_path: Path) -> tuple[Path, Path]:
    return make_demo_signing_key(tmp_path / "officer", common_name="Contracting officer")


def test_the_api_names_a_cover_forgery_and_offers_the_issued_revision(client: TestClient, world: World,
                                                                      issued: tuple[str, bytes]) -> None:
    report_id, pdf = issued
    forged = forgeries.unsigned_field_painting_the_cover(pdf)
    body = verify(client, world.manager, forged)
    assert (body["valid"], body["status"], body["report_id"]) == (False, "altered", report_id)
    assert body["issued_revision"] == {
        "report_id": report_id, "byte_length": len(pdf), "sha256": body["issued_revision"]["sha256"], "revision": 1,
        "download_url": f"/api/v1/reports/{report_id}/pdf"}
    [added] = [a for a in body["additions"] if a["visible"]]
    assert (added["kind"], added["revision"], added["page"], added["rect"], added["signer"]) == (
        "signature_field", 2, 1, list(forgeries.COVER), None)
    issued_copy = client.get(body["issued_revision"]["download_url"], headers=world.manager).content
    assert issued_copy == forged[:body["issued_revision"]["byte_length"]] == pdf


def test_the_api_accepts_an_invisible_countersignature_and_refuses_a_visible_one(
        client: TestClient, world: World, issued: tuple[str, bytes], officer: tuple[Path, Path]) -> None:
    _report_id, pdf = issued
    invisible = verify(client, world.manager, forgeries.countersign(pdf, officer, visible=False))
    assert (invisible["valid"], invisible["status"]) == (True, "valid"), invisible["reasons"]
    assert [a["signer"] for a in invisible["additions"] if a["kind"] == "signature"] == [
        "Organization: slatrack demo, Common Name: Contracting officer"]
    stamped = verify(client, world.manager, forgeries.countersign(pdf, officer, visible=True))
    assert (stamped["valid"], stamped["status"]) == (False, "altered")
    [added] = [a for a in stamped["additions"] if a["visible"]]
    assert (added["kind"], added["page"], added["rect"]) == ("signature", 1, list(forgeries.STAMP))
    assert "Contracting officer" in added["signer"]


def test_a_truncated_ledger_makes_the_issued_report_not_valid(client: TestClient, session: Session, world: World,
                                                             issued: tuple[str, bytes]) -> None:
    report_id, pdf = issued
    head = session.scalar(select(Report.audit_head).where(Report.id == report_id))
    cut = session.scalar(select(AuditEntry.seq).where(AuditEntry.hash == head))
    session.execute(delete(AuditEntry).where(AuditEntry.seq >= cut))  # the tail, from the cited state on
    session.flush()
    body = verify(client, world.manager, pdf)
    assert (body["valid"], body["status"], body["report_id"]) == (False, "ledger_mismatch", report_id)
    assert any("ledger no longer contains the state" in r for r in body["reasons"])


def test_an_upload_over_the_limits_answers_422_and_the_server_goes_on(
        settings: Settings, db: Any, world: World, issued: tuple[str, bytes], officer: tuple[Path, Path]) -> None:
    from api.app import create_app

    _report_id, pdf = issued
    # 48 MB is below what the reader itself takes, so every new allocation fails. The reader most
    # often answers "memory" at once; starved at an unlucky point it may never answer (seen on a
    # busy CI machine), and then the time budget stops it. Either way: 422, and the server goes on.
    tight = create_app(settings.model_copy(update={"verify_memory_mb": 48, "verify_timeout_seconds": 20}), db=db)
    with TestClient(tight, raise_server_exceptions=False) as client:
        files = {"file": ("r.pdf", forgeries.countersign(pdf, officer, visible=False), "application/pdf")}
        r = client.post("/api/v1/reports/verify", headers=world.manager, files=files)
        assert_error(r, 422, "pdf_too_complex")
        assert re.search(r"needs more than 48 MB of memory|took longer than 20 s", r.json()["error"]["message"])
        assert verify(client, world.manager, pdf)["valid"] is True  # the issued file needs no parsing


def test_the_cli_names_the_forgery_and_extracts_the_issued_revision(cli, world: World, issued: tuple[str, bytes],
                                                                    tmp_path: Path) -> None:
    report_id, pdf = issued
    forged = tmp_path / "forged.pdf"
    forged.write_bytes(forgeries.page_content_appended(pdf))
    out = tmp_path / "as-issued.pdf"
    result = cli("report", "verify", str(forged), "--extract-issued", str(out))
    assert result.exit_code == 1
    assert "invalid (altered)" in result.stderr and "revision 2 changes page 1" in result.stderr
    assert f"the issued report {report_id} is the first {len(pdf)} bytes" in result.stderr
    assert out.read_bytes() == pdf
    assert cli("report", "verify", str(out)).exit_code == 0


def test_the_cli_accepts_a_document_with_a_timestamp_added(cli, world: World, issued: tuple[str, bytes],
                                                           tmp_path: Path) -> None:
    _report_id, pdf = issued
    stamped = tmp_path / "stamped.pdf"
    stamped.write_bytes(forgeries.document_timestamp(pdf, tmp_path / "tsa"))
    result = cli("report", "verify", str(stamped))
    assert result.exit_code == 0, result.output
    assert "document timestamp" in result.stdout


def test_the_cli_signs_with_the_key_the_demo_left_in_the_data_folder(cli, settings: Settings, world: World,
                                                                     tmp_path: Path) -> None:
    make_demo_signing_key(settings.data_dir / DEMO_SIGNING_DIR)  # what `slatrack demo` does, in its own process
    out = tmp_path / "review.pdf"
    result = cli("report", "contract-review", "--contract", world.contract_a.number, "--from", "2026-03-01",
                 "--to", "2026-04-01", "--as-of", world.as_of, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert ", signed, as of" in result.stdout and b"/ByteRange" in out.read_bytes()
    assert cli("report", "verify", str(out)).exit_code == 0


def test_the_web_verify_page_explains_a_forgery_and_links_the_issued_report(
        app: Any, session: Session, world: World, issued: tuple[str, bytes]) -> None:
    from fleet.models import User
    from tests.web.conftest import _password_hash

    report_id, pdf = issued
    session.add(User(username="mgr", password_hash=_password_hash(), role="manager", agency_id=None))
    session.commit()
    manager = signed_in(app, "mgr")
    html = manager.get("/reports/verify").text
    page = manager.post("/reports/verify", data={"csrf_token": csrf_of(html)},
                        files={"file": ("r.pdf", io.BytesIO(forgeries.square_note(pdf)), "application/pdf")}).text
    assert "NOT VALID — someone added to this report after it was issued" in page
    assert f'href="/reports/{report_id}/pdf"' in page and "Download the report as issued" in page
    assert "Square annotation" in page and "YES" in page


def test_hostile_additions_get_a_clear_answer_never_a_500(client: TestClient, world: World,
                                                          issued: tuple[str, bytes]) -> None:
    _report_id, pdf = issued
    startxref = int(pdf.rsplit(b"startxref", 1)[1].split()[0])
    huge = pdf + (b"xref\n0 1\n0000000000 65535 f \ntrailer\n<</Size 90000000/Root 1 0 R/Prev %d>>\nstartxref\n%d\n"
                  b"%%%%EOF\n" % (startxref, len(pdf)))
    r = client.post("/api/v1/reports/verify", headers=world.manager, files={"file": ("h.pdf", huge, "application/pdf")})
    assert_error(r, 422, "pdf_too_complex")  # 90,000,000 objects declared: over the limit, not read
    nested = pdf + b"1 0 obj " + b"[" * 200_000 + b" endobj\n%%EOF\n"
    body = verify(client, world.manager, nested)
    assert (body["valid"], body["status"]) == (False, "altered")
