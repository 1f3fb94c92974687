"""The first commands a user runs read cleanly: no library warnings, no type labels on flags,
a favicon rather than a 404 per page view."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def _slatrack() -> Path:
    script = Path(sys.executable).parent / "slatrack"
    if not script.exists():
        pytest.skip(f"the slatrack console script is not installed beside {sys.executable}")
    return script


def test_help_shows_flags_without_a_bool_type_label() -> None:
    done = subprocess.run([str(_slatrack()), "demo", "--help"], capture_output=True, text=True, timeout=120,
                          env={"COLUMNS": "100", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert "--no-serve" in done.stdout and "<bool>" not in done.stdout
    assert "<int>" in done.stdout  # value options keep theirs


def test_the_cli_does_not_print_the_dsa_deprecation_warning_of_its_signing_library() -> None:
    code = "from api.cli import _quiet_library_noise; _quiet_library_noise(); import pyhanko.sign.signers.pdf_cms"
    done = subprocess.run([sys.executable, "-W", "default", "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "DSA" not in done.stderr, done.stderr


def test_the_favicon_is_served(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.headers["content-type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
