"""Report data, the shared base: the vocabulary, the frozen model, provenance (:class:`Sources`),
the parameters of each kind and the deterministic report id."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from fleet.canonical import canonical_json, to_jsonable
from slas.vocabulary import METRICS as METRICS
from slas.vocabulary import PRIORITIES as PRIORITIES
from slas.vocabulary import AvailabilityDefinition as AvailabilityDefinition
from slas.vocabulary import ClockKind as ClockKind
from slas.vocabulary import Metric as Metric
from slas.vocabulary import MetricState as MetricState
from slas.vocabulary import Priority as Priority

FORMAT: Literal["slatrack.report-data/1"] = "slatrack.report-data/1"

ReportKind = Literal["contract_review", "track_record", "unit_history"]
REPORT_KINDS: tuple[ReportKind, ...] = ("contract_review", "track_record", "unit_history")
UtcDateTime = Annotated[AwareDatetime, AfterValidator(lambda v: v if v.tzinfo is UTC else v.astimezone(UTC))]
"""An aware instant, normalised to UTC (so it serialises with ``Z``, as canonical JSON does)."""
Sha256Hex = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
Month = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
NonNegInt = Annotated[int, Field(ge=0)]
NonNegDecimal = Annotated[Decimal, Field(ge=0)]
Percent = Annotated[Decimal, Field(ge=0, le=100)]


class _Model(BaseModel):
    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        serialize_by_alias=True,
        validate_by_name=True,
        validate_by_alias=True,
    )


# --------------------------------------------------------------------------- provenance


class Sources(_Model):
    """Ids of the records a figure was computed from, by table (status events by their id)."""

    contracts: list[str] = []
    maintenance_windows: list[str] = []
    ratings: list[str] = []
    status_events: list[str] = []
    ticket_events: list[str] = []
    tickets: list[str] = []
    units: list[str] = []
    work_logs: list[str] = []


# --------------------------------------------------------------------------- parameters


class ContractReviewParams(_Model):
    at: UtcDateTime | None = None
    contract_id: str
    from_: date = Field(alias="from")
    to: date

    @model_validator(mode="after")
    def _period(self) -> ContractReviewParams:
        _check_period(self.from_, self.to)
        return self


class TrackRecordParams(_Model):
    contract_ids: list[str] = Field(min_length=1)
    from_: date = Field(alias="from")
    to: date

    @model_validator(mode="after")
    def _period(self) -> TrackRecordParams:
        _check_period(self.from_, self.to)
        if list(self.contract_ids) != sorted(set(self.contract_ids)):
            raise ValueError("contract_ids must be sorted and unique (use canonical_parameters)")
        return self


class UnitHistoryParams(_Model):
    from_: date = Field(alias="from")
    to: date
    unit_id: str

    @model_validator(mode="after")
    def _period(self) -> UnitHistoryParams:
        _check_period(self.from_, self.to)
        return self


def _check_period(start: date, end: date) -> None:
    if end <= start:
        raise ValueError(f"the period must end after it starts ({start} .. {end})")


_PARAMS: dict[str, type[ContractReviewParams | TrackRecordParams | UnitHistoryParams]] = {
    "contract_review": ContractReviewParams,
    "track_record": TrackRecordParams,
    "unit_history": UnitHistoryParams,
}


def canonical_parameters(kind: str, parameters: Mapping[str, Any]) -> dict[str, Any]:
    """The one JSON form of a kind's parameters (validated; ``contract_ids`` sorted, deduplicated)."""
    model = _PARAMS.get(kind)
    if model is None:
        raise ValueError(f"unknown report kind {kind!r}; expected one of {', '.join(REPORT_KINDS)}")
    raw = dict(parameters)
    if kind == "track_record" and isinstance(raw.get("contract_ids"), list | tuple):
        raw["contract_ids"] = sorted({str(c) for c in raw["contract_ids"]})
    result: dict[str, Any] = to_jsonable(model.model_validate(raw).model_dump())
    return result


def make_report_id(kind: str, parameters: Mapping[str, Any], as_of: datetime) -> str:
    """A UUID (RFC 9562 version 8) made from SHA-256 of (kind, canonical parameters, as_of)."""
    if as_of.tzinfo is None or as_of.utcoffset() is None:
        raise ValueError("as_of must carry a UTC offset")
    digest = hashlib.sha256(
        canonical_json({"kind": kind, "parameters": canonical_parameters(kind, parameters), "as_of": as_of})
    ).digest()
    value = int.from_bytes(digest[:16], "big")
    value = (value & ~(0xF << 76)) | (0x8 << 76)  # version 8
    value = (value & ~(0b11 << 62)) | (0b10 << 62)  # RFC 4122 variant
    return str(uuid.UUID(int=value))




def _check_report(kind: str, parameters: BaseModel, *, report_id: str, as_of: datetime, at: datetime) -> None:
    """Every report model declares its own fields (all in sorted order, see
    :func:`report_data_json`) and runs this check: the id follows from kind, parameters, as_of."""
    expected = make_report_id(kind, to_jsonable(parameters.model_dump()), as_of)
    if report_id != expected:
        raise ValueError(f"report_id {report_id} is not make_report_id(kind, parameters, as_of) = {expected}")
    if at > as_of:
        raise ValueError("at must not be after as_of")
