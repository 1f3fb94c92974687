"""What `slatrack demo` sets up around the demo world: keys made once and kept private, a vendor
name that is not a placeholder, command lines that run without an activated virtualenv."""

from __future__ import annotations

import functools
import stat
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from api.demo_setup import (
    ADMIN_VAR,
    AGENCY_VAR,
    DEMO_VENDOR,
    demo_keys,
    slatrack_command,
    use_demo_vendor,
    vendor_hint,
)
from api.settings import Settings
from fleet import identity
from fleet.models import ApiKey
from fleet.principal import SYSTEM
from tests.builders import make_agency


def _keys(session) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(ApiKey)) or 0


def test_the_demo_makes_its_keys_once_and_keeps_them_in_a_private_file(session, tmp_path: Path) -> None:
    make_agency(session, code="NAVFAC")
    first = demo_keys(session, tmp_path)
    assert first.created and _keys(session) == 2
    assert stat.S_IMODE(first.path.stat().st_mode) == 0o600
    text = first.path.read_text()
    assert f"{ADMIN_VAR}={first.admin}" in text and f"{AGENCY_VAR}={first.agency}" in text
    again = demo_keys(session, tmp_path)
    assert not again.created and (again.admin, again.agency) == (first.admin, first.agency)
    assert _keys(session) == 2  # no new keys on a later start


def test_the_demo_makes_new_keys_when_its_kept_ones_were_revoked(session, tmp_path: Path) -> None:
    make_agency(session, code="NAVFAC")
    first = demo_keys(session, tmp_path)
    found = identity.principal_for_token(session, first.admin)
    assert found is not None
    identity.revoke_key(session, SYSTEM, found.principal.id)
    again = demo_keys(session, tmp_path)
    assert again.created and again.admin != first.admin
    assert stat.S_IMODE(again.path.stat().st_mode) == 0o600


def test_an_unset_vendor_name_gets_a_hint_and_the_demo_a_realistic_name(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLATRACK_VENDOR_NAME", "restored after the test")
    monkeypatch.delenv("SLATRACK_VENDOR_NAME")
    monkeypatch.setenv("SLATRACK_DATA_DIR", str(tmp_path))
    fresh = functools.partial(Settings)  # the process's cached settings stay as they were
    fresh.cache_clear = lambda: None  # type: ignore[attr-defined]
    monkeypatch.setattr("api.demo_setup.get_settings", fresh)
    unset = Settings()
    assert "SLATRACK_VENDOR_NAME" in (vendor_hint(unset) or "")
    assert use_demo_vendor(unset).vendor_name == DEMO_VENDOR
    named = Settings(vendor_name="Acme Robotics Ltd")
    assert vendor_hint(named) is None and use_demo_vendor(named).vendor_name == "Acme Robotics Ltd"


def test_the_printed_slatrack_command_is_a_full_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["slatrack"])  # run from PATH, or through python -m
    command = slatrack_command()
    beside = Path(sys.executable).parent / "slatrack"
    if beside.exists():
        assert command == str(beside) and Path(command).is_absolute()
