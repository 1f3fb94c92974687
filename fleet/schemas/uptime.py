"""Uptime inputs: status-event batches and maintenance windows (the answers' shapes are in
``api/schemas/uptime.py``).

A status batch holds up to 10,000 events, so it is validated in one pass by pydantic-core straight
from the request bytes (:data:`STATUS_BATCH`, a ``TypeAdapter`` over ``TypedDict`` s: no model
instance per event) and its errors are reported per event as ``{index, event_id, reason}``
(:func:`parse_status_batch`, which also hands back the events that passed, so the caller can
name their domain problems too).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import ConfigDict, Field, StrictStr, TypeAdapter, ValidationError, model_validator
from typing_extensions import TypedDict

from fleet.errors import Invalid
from fleet.jsondepth import MAX_JSON_DEPTH, nests_deeper_than
from fleet.schemas.types import Instant, StrictInput
from slas.availability import UnitState as UnitState

MAX_BATCH = 10_000

_STRICT = ConfigDict(strict=True, extra="forbid")


# --- status events ----------------------------------------------------------------------------
class StatusEventIn(TypedDict):
    """One telemetry event: ``unit_id`` is in ``state`` from ``occurred_at`` on."""

    __pydantic_config__ = _STRICT  # type: ignore[misc]

    event_id: Annotated[StrictStr, Field(min_length=1, max_length=100,
                                         description="chosen by the sender, unique per unit: makes retries safe")]
    unit_id: Annotated[StrictStr, Field(min_length=1, max_length=100)]
    state: UnitState
    occurred_at: Instant


class StatusBatchIn(TypedDict):
    __pydantic_config__ = _STRICT  # type: ignore[misc]

    events: Annotated[list[StatusEventIn], Field(max_length=MAX_BATCH)]


STATUS_BATCH: TypeAdapter[StatusBatchIn] = TypeAdapter(StatusBatchIn)
STATUS_EVENT: TypeAdapter[StatusEventIn] = TypeAdapter(StatusEventIn)


def _problem(index: int | None, event_id: Any, reason: str) -> dict[str, Any]:
    return {"index": index, "event_id": event_id if isinstance(event_id, str) else None, "reason": reason}


def batch_rejected(problems: list[dict[str, Any]], total: int | None) -> Invalid:
    """The one error for a refused batch: every problem listed (by index), nothing stored."""
    problems = sorted(problems, key=lambda p: -1 if p["index"] is None else p["index"])
    bad = len({p["index"] for p in problems})
    what = f"{bad} of {total} events are invalid" if total is not None else "the batch is malformed"
    return Invalid(f"status batch rejected, nothing stored: {what}; see details", code="invalid_status_events",
                   details=problems)


class BatchErrors(Exception):
    """A batch that failed validation: its ``problems``, and the events that passed (by index) so
    the caller can add their domain problems (unknown unit, …) before refusing the batch."""

    def __init__(self, problems: list[dict[str, Any]], total: int | None, valid: dict[int, StatusEventIn]):
        super().__init__(f"{len(problems)} problems")
        self.problems, self.total, self.valid = problems, total, valid


def parse_status_batch(body: bytes) -> list[StatusEventIn]:
    """Validate a batch from its JSON bytes in one pass, or raise :class:`BatchErrors`."""
    try:
        return STATUS_BATCH.validate_json(body)["events"]
    except ValidationError as exc:
        raise _explain(body, exc) from None


def _explain(body: bytes, exc: ValidationError) -> BatchErrors:
    """Turn pydantic's errors into ``{index, event_id, reason}`` entries (slow path: errors only)."""
    if nests_deeper_than(body):  # json.loads would recurse into it (RecursionError)
        return BatchErrors([_problem(None, None, f"the body nests deeper than {MAX_JSON_DEPTH} levels")], None, {})
    try:
        raw: Any = json.loads(body)
    except (ValueError, RecursionError):
        return BatchErrors([_problem(None, None, "the body is not valid JSON")], None, {})
    events = raw.get("events") if isinstance(raw, dict) else None
    if not isinstance(events, list):
        reasons = [f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()
                   if len(e["loc"]) <= 1]
        return BatchErrors([_problem(None, None, r) for r in reasons or ['expected {"events": [...]}']], None, {})
    if len(events) > MAX_BATCH:
        return BatchErrors(
            [_problem(None, None, f"{len(events)} events in one batch; send at most {MAX_BATCH:,} per request")],
            len(events), {})
    problems: dict[int, list[str]] = {}
    for e in exc.errors(include_url=False):
        loc = e["loc"]
        if len(loc) >= 2 and loc[0] == "events" and isinstance(loc[1], int):
            field = ".".join(str(p) for p in loc[2:]) or "event"
            problems.setdefault(loc[1], []).append(f"{field}: {_message(e)}")
        else:
            problems.setdefault(-1, []).append(f"{'.'.join(str(p) for p in loc) or 'body'}: {e['msg']}")
    out = [_problem(None, None, "; ".join(reasons)) for i, reasons in problems.items() if i < 0]
    for i, reasons in sorted((i, r) for i, r in problems.items() if i >= 0):
        item = events[i]
        out.append(_problem(i, item.get("event_id") if isinstance(item, dict) else None, "; ".join(reasons)))
    valid: dict[int, StatusEventIn] = {}
    if -1 not in problems:
        for i, item in enumerate(events):
            if i not in problems:
                try:
                    valid[i] = STATUS_EVENT.validate_python(item)
                except ValidationError:  # pragma: no cover - passed in the batch, so passes alone
                    out.append(_problem(i, item.get("event_id"), "invalid event"))
    return BatchErrors(out, len(events), valid)


def _message(error: Any) -> str:
    if error["type"] == "literal_error" and error["loc"][-1] == "state":
        return f"unknown state {error['input']!r}; use up, down or maintenance"
    msg: str = error["msg"]
    return msg.removeprefix("Value error, ")


def _inline_refs(schema: Any, defs: dict[str, Any]) -> Any:
    if isinstance(schema, dict):
        if "$ref" in schema:
            return _inline_refs(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
        return {k: _inline_refs(v, defs) for k, v in schema.items() if k != "$defs"}
    if isinstance(schema, list):
        return [_inline_refs(v, defs) for v in schema]
    return schema


def status_batch_openapi() -> dict[str, Any]:
    """The request body as OpenAPI sees it (the handler reads raw bytes for speed)."""
    schema = STATUS_BATCH.json_schema()
    body = _inline_refs(schema, schema.get("$defs", {}))
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": body}}}}


# --- maintenance windows ----------------------------------------------------------------------
class MaintenanceWindowIn(StrictInput):
    contract_id: StrictStr
    unit_id: StrictStr | None = Field(default=None, description="omit for a window covering the whole contract")
    starts_at: Instant
    ends_at: Instant
    reason: Annotated[StrictStr, Field(min_length=3, max_length=2000)]

    @model_validator(mode="after")
    def _check(self) -> MaintenanceWindowIn:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class CancelIn(StrictInput):
    reason: Annotated[StrictStr, Field(min_length=3, max_length=2000)]
