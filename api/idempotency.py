"""``Idempotency-Key`` for create endpoints: replay the first answer, never a duplicate."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from fleet import idempotency
from fleet.canonical import canonical_json, sha256_hex
from fleet.principal import Principal

IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=255,
                                             description="makes retries safe: the same key and body "
                                             "replay the first answer; another body gets 409")]


def respond(session: Session, principal: Principal, key: str | None, scope: str, body: BaseModel,
            produce: Callable[[], BaseModel], status_code: int = 201) -> JSONResponse:
    """Run ``produce`` once per key: later calls with the same key and body get the same answer."""
    if key is None:
        return JSONResponse(produce().model_dump(mode="json", by_alias=True), status_code=status_code)
    request_hash = sha256_hex(canonical_json({"scope": scope, "body": body.model_dump(mode="json")}))
    claimed = idempotency.claim(session, principal_id=principal.id, key=key, scope=scope,
                                request_hash=request_hash)
    if isinstance(claimed, idempotency.Replay):
        return JSONResponse(claimed.response, status_code=claimed.status_code,
                            headers={"Idempotent-Replayed": "true"})
    payload: Any = produce().model_dump(mode="json", by_alias=True)  # what jsonable_encoder gives for a model, cheaper
    idempotency.remember(session, claimed, status_code, payload)
    return JSONResponse(payload, status_code=status_code)
