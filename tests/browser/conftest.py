"""Browser tests: Playwright drives headless Chromium against a real server on a loopback port.

Skipped with a clear reason when Playwright or ``/usr/bin/chromium`` is absent. The server runs
over its own scratch database (a migrated temporary SQLite file, or on PostgreSQL a scratch
database next to ``SLATRACK_TEST_DATABASE_URL``), not the rolled-back test transaction, because
uvicorn answers from another thread.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.server import CHROMIUM, CHROMIUM_ARGS, Live, Seeded, seed, serve

try:
    from playwright.sync_api import sync_playwright

    PLAYWRIGHT_ERROR = ""
except ImportError as exc:  # pragma: no cover - depends on the machine
    PLAYWRIGHT_ERROR = f"Playwright is not installed: {exc}"

if not PLAYWRIGHT_ERROR and not Path(CHROMIUM).exists():
    PLAYWRIGHT_ERROR = f"Chromium is not installed at {CHROMIUM}"


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).parent == here:
            item.add_marker(pytest.mark.browser)
            if PLAYWRIGHT_ERROR:
                item.add_marker(pytest.mark.skip(reason=PLAYWRIGHT_ERROR))


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Live, Seeded]]:
    data_dir = tmp_path_factory.mktemp("live")
    pg = os.environ.get("SLATRACK_TEST_DATABASE_URL", "")
    if pg:
        from tests.builders import scratch_postgres_database

        with scratch_postgres_database(pg, "browser") as url, serve(url, data_dir) as server:
            yield server, seed(server.db)
    else:
        with serve(f"sqlite:///{data_dir / 'live.db'}", data_dir) as server:
            yield server, seed(server.db)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()
