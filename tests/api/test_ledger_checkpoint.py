"""Ledger checkpoints: the head anchored outside the database, signed; ``audit verify --checkpoint``
fails when the ledger no longer extends it (a cut tail, a rewritten entry)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import text

import api.cli
from api.settings import Settings
from reports.signing import make_demo_signing_key
from tests.builders import make_agency, make_contract


@pytest.fixture
def signed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    key, cert = make_demo_signing_key(tmp_path / "signing")
    settings = Settings(signing_key=key, signing_cert=cert, data_dir=tmp_path).resolved()
    monkeypatch.setattr(api.cli, "get_settings", lambda: settings)
    return settings


@pytest.fixture
def unsigned(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    settings = Settings(data_dir=tmp_path).resolved()
    monkeypatch.setattr(api.cli, "get_settings", lambda: settings)
    return settings


def _head(session) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    seq, head_hash = session.execute(text("SELECT seq, hash FROM audit_head WHERE id = 1")).one()
    return int(seq), str(head_hash)


def _checkpoint(cli, path: Path, *extra: str) -> None:  # type: ignore[no-untyped-def]
    result = cli("audit", "checkpoint", "-o", str(path), *extra)
    assert result.exit_code == 0, result.output


def test_a_signed_checkpoint_records_the_head_and_the_ledger_extends_it(cli, session, signed, tmp_path):
    make_contract(session)
    path = tmp_path / "cp.json"
    _checkpoint(cli, path)
    seq, head_hash = _head(session)
    body = json.loads(path.read_bytes())
    assert (body["seq"], body["hash"], body["signed"]) == (seq, head_hash, True)
    assert path.with_name("cp.json.sig").exists() and path.with_name("cp.json.crt").exists()

    make_agency(session)  # the ledger grows past the checkpoint: it still extends it
    result = cli("audit", "verify", "--checkpoint", str(path))
    assert result.exit_code == 0, result.output
    assert "extends it" in result.stdout and "signature valid" in result.stdout


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_an_agency_checks_the_checkpoint_signature_with_openssl(cli, session, signed, tmp_path):
    make_agency(session)
    path = tmp_path / "cp.json"
    _checkpoint(cli, path)
    pub = tmp_path / "vendor.pub"
    subprocess.run(["openssl", "x509", "-in", f"{path}.crt", "-pubkey", "-noout", "-out", str(pub)], check=True)
    ok = subprocess.run(["openssl", "dgst", "-sha256", "-verify", str(pub), "-signature", f"{path}.sig", str(path)],
                        capture_output=True, text=True)
    assert ok.returncode == 0 and "Verified OK" in ok.stdout
    path.write_bytes(path.read_bytes().replace(b'"seq":', b'"seq":1'))
    bad = subprocess.run(["openssl", "dgst", "-sha256", "-verify", str(pub), "-signature", f"{path}.sig", str(path)],
                         capture_output=True, text=True)
    assert bad.returncode != 0


def test_a_cut_tail_fails_verify_against_the_checkpoint(cli, session, signed, tmp_path):
    make_contract(session)
    agency = make_agency(session)  # the last entry: cut it, its row and the head back, consistently
    path = tmp_path / "cp.json"
    _checkpoint(cli, path)
    seq, _ = _head(session)
    session.execute(text("DELETE FROM audit_entries WHERE seq = :s"), {"s": seq})
    session.execute(text("DELETE FROM agencies WHERE id = :id"), {"id": agency.id})
    prev = session.execute(text("SELECT hash FROM audit_entries WHERE seq = :s"), {"s": seq - 1}).scalar_one()
    session.execute(text("UPDATE audit_head SET seq = :s, hash = :h WHERE id = 1"), {"s": seq - 1, "h": prev})
    assert cli("audit", "verify").exit_code == 0  # without the anchor the cut is invisible

    result = cli("audit", "verify", "--checkpoint", str(path))
    assert result.exit_code == 1
    assert f"the ledger ends at entry {seq - 1} but the checkpoint" in result.output
    assert f"records entry {seq}" in result.output and "cut from the end" in result.output


def test_a_rewritten_entry_fails_verify_against_the_checkpoint(cli, session, signed, tmp_path):
    make_agency(session)
    path = tmp_path / "cp.json"
    _checkpoint(cli, path)
    seq, _ = _head(session)
    session.execute(text("UPDATE audit_entries SET hash = :h WHERE seq = :s"), {"h": "e" * 64, "s": seq})
    session.execute(text("UPDATE audit_head SET hash = :h WHERE id = 1"), {"h": "e" * 64})
    result = cli("audit", "verify", "--checkpoint", str(path))
    assert result.exit_code == 1
    assert f"entry {seq}" in result.output


def test_an_altered_checkpoint_file_is_refused(cli, session, signed, tmp_path):
    make_agency(session)
    path = tmp_path / "cp.json"
    _checkpoint(cli, path)
    seq, _ = _head(session)
    path.write_bytes(path.read_bytes().replace(f'"seq":{seq}'.encode(), f'"seq":{seq - 1}'.encode()))
    result = cli("audit", "verify", "--checkpoint", str(path))
    assert result.exit_code == 1
    assert "does not verify" in result.output


def test_without_a_signing_key_a_checkpoint_is_refused_unless_asked_unsigned(cli, session, unsigned, tmp_path):
    make_agency(session)
    path = tmp_path / "cp.json"
    refused = cli("audit", "checkpoint", "-o", str(path))
    assert refused.exit_code == 1 and "no signing key" in refused.output and not path.exists()

    _checkpoint(cli, path, "--unsigned")
    assert json.loads(path.read_bytes())["signed"] is False
    assert not path.with_name("cp.json.sig").exists()
    result = cli("audit", "verify", "--checkpoint", str(path))
    assert result.exit_code == 0, result.output
    assert "unsigned checkpoint" in result.stdout


def test_a_record_that_does_not_verify_is_not_anchored(cli, session, signed, tmp_path):
    agency = make_agency(session)
    session.execute(text("UPDATE agencies SET name = 'Someone Else' WHERE id = :id"), {"id": agency.id})
    result = cli("audit", "checkpoint", "-o", str(tmp_path / "cp.json"))
    assert result.exit_code == 1 and "not anchored" in result.output
    assert not (tmp_path / "cp.json").exists()
