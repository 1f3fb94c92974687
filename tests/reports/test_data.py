"""The report-data model: deterministic ids, canonical JSON, validation (no rendering)."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from pydantic import ValidationError

from fleet.canonical import canonical_json
from reports.data import (
    ComplianceRow,
    Sources,
    canonical_parameters,
    data_sha256,
    make_report_id,
    parse_report_data,
    report_data_json,
)
from tests.reports import samples

AS_OF = datetime(2026, 7, 1, 6, tzinfo=UTC)
PARAMS = {"contract_id": "c-1", "from": "2026-01-01", "to": "2026-07-01"}


def test_report_id_is_a_deterministic_uuid8_of_kind_parameters_and_as_of() -> None:
    rid = make_report_id("contract_review", PARAMS, AS_OF)
    assert rid == make_report_id("contract_review", dict(reversed(list(PARAMS.items()))), AS_OF)
    same_instant = AS_OF.astimezone(timezone(timedelta(hours=-5)))
    assert rid == make_report_id("contract_review", PARAMS, same_instant)
    assert uuid.UUID(rid).version == 8
    assert rid != make_report_id("contract_review", PARAMS, AS_OF + timedelta(seconds=1))
    assert rid != make_report_id("contract_review", {**PARAMS, "to": "2026-06-30"}, AS_OF)
    assert rid != make_report_id("unit_history", {"unit_id": "c-1", "from": "2026-01-01", "to": "2026-07-01"}, AS_OF)


def test_canonical_parameters_sort_contract_ids_and_reject_bad_input() -> None:
    a = canonical_parameters("track_record",
                             {"contract_ids": ["b", "a", "b"], "from": "2026-01-01", "to": "2026-02-01"})
    assert a == {"contract_ids": ["a", "b"], "from": "2026-01-01", "to": "2026-02-01"}
    with pytest.raises(ValueError, match="unknown report kind"):
        canonical_parameters("invoice", PARAMS)
    with pytest.raises(ValidationError, match="end after it starts"):
        canonical_parameters("contract_review", {**PARAMS, "to": "2026-01-01"})
    with pytest.raises(ValidationError):
        canonical_parameters("contract_review", {**PARAMS, "surprise": 1})
    with pytest.raises(ValueError, match="offset"):
        make_report_id("contract_review", PARAMS, datetime(2026, 7, 1))


@pytest.mark.parametrize("build", [samples.contract_review, samples.track_record, samples.unit_history])
def test_canonical_json_round_trips_to_the_same_bytes(build) -> None:  # type: ignore[no-untyped-def]
    data = build()
    raw = report_data_json(data)
    assert raw == report_data_json(build())  # same inputs, same bytes
    again = parse_report_data(raw)
    assert again == data
    assert report_data_json(again) == raw
    assert data_sha256(data) == hashlib.sha256(raw).hexdigest()
    assert b'"format":"slatrack.report-data/1"' in raw
    assert raw == canonical_json(data.model_dump())  # the fast serializer writes fleet's canonical form
    assert b'", "' not in raw and b'": ' not in raw


def test_decimals_are_exact_strings_and_instants_utc() -> None:
    raw = report_data_json(samples.contract_review(units=1, tickets=2, months=1)).decode()
    assert '"aql_percent":"90"' in raw
    assert '"as_of":"2026-07-01T06:00:00Z"' in raw


def test_report_id_must_match_kind_parameters_and_as_of() -> None:
    data = samples.unit_history()
    with pytest.raises(ValidationError, match="is not make_report_id"):
        type(data).model_validate({**data.model_dump(), "report_id": str(uuid.uuid4())})
    with pytest.raises(ValidationError, match="is not make_report_id"):
        type(data).model_validate({**data.model_dump(), "as_of": data.as_of + timedelta(days=1)})


def test_figures_must_add_up() -> None:
    good = dict(priority="P1", metric="response", target_minutes=60, clock="24x7", total=3, met=2, breached=1,
                pending=0, not_applicable=0, percent_met=Decimal("66.666667"), aql_percent=Decimal(90), passed=False,
                sources=Sources(tickets=["t1", "t2", "t3"]))
    ComplianceRow.model_validate(good)
    with pytest.raises(ValidationError, match="total"):
        ComplianceRow.model_validate({**good, "total": 4})
    with pytest.raises(ValidationError, match="null iff nothing decided"):
        ComplianceRow.model_validate({**good, "met": 0, "breached": 0, "pending": 3})
    with pytest.raises(ValidationError):
        ComplianceRow.model_validate({**good, "percent_met": Decimal("100.5")})


def test_naive_instants_are_rejected() -> None:
    data = samples.unit_history()
    dumped = data.model_dump()
    dumped["at"] = datetime(2026, 7, 1)
    with pytest.raises(ValidationError):
        type(data).model_validate(dumped)


def test_canonical_form_holds_for_awkward_text_numbers_and_offsets() -> None:
    awkward = "".join(chr(i) for i in range(128)) + "\u2028\u2029 é 漢 \U0001F600 \\ \" </script>"
    data = samples.contract_review(units=1, tickets=2, months=1, summaries={0: awkward, 1: "=1+1"})
    dumped = data.model_dump()
    dumped["credits"]["period_value"] = Decimal("1E+2")
    dumped["tickets"][0]["reported_at"] = datetime(2026, 1, 5, 9, 30, 0, 123, tzinfo=timezone(timedelta(hours=-5)))
    again = type(data).model_validate(dumped)
    assert again.tickets[0].reported_at.tzinfo == UTC
    assert report_data_json(again) == canonical_json(again.model_dump())
    assert parse_report_data(report_data_json(again)).tickets[0].summary == awkward
