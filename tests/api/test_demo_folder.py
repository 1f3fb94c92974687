"""`slatrack demo` works from any folder, even one holding directories named like our packages."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.reports.conftest import needs_weasyprint

pytestmark = [pytest.mark.slow, needs_weasyprint]


def test_the_demo_run_from_a_folder_holding_package_named_directories_writes_its_pdfs(tmp_path: Path):
    """The render worker once imported ``reports`` from the current directory (the demo's own
    data folder has a ``reports/`` directory) and every PDF failed with FileNotFoundError."""
    script = Path(sys.executable).parent / "slatrack"
    if not script.exists():
        pytest.skip(f"the slatrack console script is not installed beside {sys.executable}")
    for name in ("reports", "fleet", "api", "slas"):
        (tmp_path / name).mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLATRACK_")}
    env["SLATRACK_DATA_DIR"] = str(tmp_path)
    done = subprocess.run([str(script), "demo", "--no-serve", "--scale", "0.02"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    pdfs = sorted(p.name.split("-")[0] for p in (tmp_path / "reports").glob("*.pdf"))
    assert pdfs == ["contract", "track", "unit"], pdfs
    assert all(p.read_bytes().startswith(b"%PDF-") for p in (tmp_path / "reports").glob("*.pdf"))
