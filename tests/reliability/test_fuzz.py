"""Fuzzing the API against its own OpenAPI (schemathesis, in process over ASGI, admin key).

For every operation, schemathesis generates valid and invalid requests from the schema; each
answer must be no 5xx, conform to the documented response schema (status, content type, body),
and every 4xx/5xx body must be the one error shape. Path ids are a seeded record's ids half of
the time (so handlers get past the lookup) and generated strings otherwise.

Runs on its own temporary SQLite database (the fuzzer's writes accumulate, so it is not inside
the rolled-back harness). Bounded by ``FUZZ_MAX_EXAMPLES`` per operation (default 25: ~1-2
minutes on two cores); the longer CLI run is in bench/fuzz.md.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from api.migrate import upgrade
from api.settings import Settings
from fleet.db import Database
from tests.builders import add_event, auth, make_contract, make_key, make_ticket, make_unit, make_window

pytestmark = pytest.mark.slow
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "25"))


# The app is built at import (the schema must exist when tests are collected) on a temporary data
# dir; the database behind it is migrated and seeded by the module fixture, before the first case.
_DATA_DIR = Path(tempfile.mkdtemp(prefix="slatrack-fuzz-"))
atexit.register(shutil.rmtree, _DATA_DIR, True)
_URL = f"sqlite:///{_DATA_DIR / 'fuzz.db'}"
APP = create_app(Settings(data_dir=_DATA_DIR, database_url=_URL, secret_key="fuzz", rate_limit_per_minute=0,
                          report_timeout_seconds=30).resolved())
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module")
def fuzz_target() -> Iterator[dict[str, Any]]:
    upgrade(_URL)
    db: Database = APP.state.db
    with db.transaction(write=True) as session:
        contract = make_contract(session)
        unit = make_unit(session, contract=contract)
        ticket = make_ticket(session, unit=unit, priority="P1", unit_down=True)
        event = add_event(session, ticket, "acknowledged", datetime(2026, 3, 2, 14, 30, tzinfo=UTC))
        window = make_window(session, contract=contract, starts_at=datetime(2026, 3, 9, 8, tzinfo=UTC),
                             ends_at=datetime(2026, 3, 9, 12, tzinfo=UTC))
        token = make_key(session, "admin")
        ids = {"agency_id": contract.agency_id, "calendar_id": contract.calendar_id, "contract_id": contract.id,
               "unit_id": unit.id, "ticket_id": ticket.id, "window_id": window.id, "event_id": event.id}
    yield {"headers": auth(token), "ids": ids}
    db.engine.dispose()
    shutil.rmtree(_DATA_DIR, ignore_errors=True)


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _use_seeded_ids(case: Any, ids: dict[str, str]) -> None:
    """Half of the cases (by a hash of the case) get real ids, so handlers run past the lookup."""
    params = case.path_parameters or {}
    if not params:
        return
    digest = hashlib.sha256(repr(sorted(params.items())).encode()).digest()
    if digest[0] % 2 == 0:
        for name in params:
            if name in ids:
                params[name] = ids[name]


def check_error_shape(response: Any) -> None:
    if response.status_code < 400:
        return
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    assert isinstance(body["error"]["details"], list), body
    assert "Traceback" not in response.text


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_every_operation_survives_generated_input(case: Any, fuzz_target: dict[str, Any]) -> None:
    if case.operation.path == "/api/v1/reports" and case.method.upper() == "POST":
        pytest.skip("renders PDFs (seconds each): fuzzed by the CLI run in bench/fuzz.md")
    _use_seeded_ids(case, fuzz_target["ids"])
    response = case.call_and_validate(headers=fuzz_target["headers"], checks=CHECKS)
    check_error_shape(response)
