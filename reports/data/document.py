"""The report data as a document: the discriminated union of the kinds, its canonical JSON
(``report-data.json``), its hash and parsing it back; the sorted-fields check of every model."""

from __future__ import annotations

import weakref
from typing import Annotated

from pydantic import BaseModel, Field, TypeAdapter

from fleet.canonical import sha256_hex
from reports.data.base import (
    _Model,
)
from reports.data.contract_review import ContractReviewData
from reports.data.track_record import TrackRecordData
from reports.data.unit_history import UnitHistoryData

ReportData = Annotated[ContractReviewData | TrackRecordData | UnitHistoryData, Field(discriminator="kind")]
_ADAPTER: TypeAdapter[ContractReviewData | TrackRecordData | UnitHistoryData] = TypeAdapter(ReportData)


def report_data_json(data: ContractReviewData | TrackRecordData | UnitHistoryData) -> bytes:
    """The canonical JSON bytes of the data: exactly what is embedded as ``report-data.json``.

    Byte-identical to ``fleet.canonical.canonical_json(data)`` (keys sorted, compact, UTF-8,
    instants UTC ``Z``, decimals as strings), produced by pydantic's serializer in one pass:
    every model declares its fields in sorted order (checked at import by
    :func:`_check_sorted_fields`), dictionaries are sorted on validation and instants are UTC, so
    ``model_dump_json`` already writes the canonical form — about six times faster than
    sorting a dumped dict, and without the intermediate objects (20,000 tickets: 0.7 s).
    """
    cached = _JSON_CACHE.get(id(data))
    if cached is not None and cached[0]() is data:
        return cached[1]
    raw = data.model_dump_json().encode()
    key = id(data)

    def forget(_ref: weakref.ReferenceType[BaseModel]) -> None:
        _JSON_CACHE.pop(key, None)

    _JSON_CACHE[key] = (weakref.ref(data, forget), raw)
    return raw


# Report data is frozen (treat its lists as immutable too), so its JSON is computed once per
# object: issue hashes it, render embeds it.
_JSON_CACHE: dict[int, tuple[weakref.ReferenceType[BaseModel], bytes]] = {}


def data_sha256(data: ContractReviewData | TrackRecordData | UnitHistoryData) -> str:
    return sha256_hex(report_data_json(data))


def parse_report_data(raw: bytes | str) -> ContractReviewData | TrackRecordData | UnitHistoryData:
    """Read ``report-data.json`` back into the model (raises ``pydantic.ValidationError``)."""
    return _ADAPTER.validate_json(raw)


def _check_sorted_fields() -> None:
    """Every model's fields, by serialized name, must be in sorted order (see report_data_json)."""
    pending: list[type[BaseModel]] = [_Model]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        names = [f.serialization_alias or f.alias or name for name, f in cls.model_fields.items()]
        if names != sorted(names):
            raise TypeError(f"{cls.__name__} fields must be declared in sorted order for canonical JSON: {names}")


_check_sorted_fields()
