"""ASGI middleware: a request id on every request (log lines, audit entries, error bodies and
the ``X-Request-ID`` header), a cap on request body size, JSON bodies on the API (415 otherwise),
no NUL characters in the URL (PostgreSQL cannot compare or store them: a ``%00`` in an id would
fail in the driver), no JSON body nested deeper than :data:`fleet.jsondepth.MAX_JSON_DEPTH` levels
(checked on the bytes before any parser recurses into it), and security headers."""

from __future__ import annotations

import json
import logging
import re
import secrets
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_body
from fleet.audit import request_id_var
from fleet.jsondepth import MAX_JSON_DEPTH, nests_deeper_than

log = logging.getLogger("slatrack.access")
error_log = logging.getLogger("slatrack.api")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"content-security-policy",
     b"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
     b"frame-ancestors 'none'; form-action 'self'"),
]


class BodyTooLarge(Exception):
    pass


def _error(status: int, code: str, message: str, rid: str,
           details: list[Any] | None = None) -> tuple[Message, Message]:
    body = json.dumps(error_body(code, message, details)).encode()
    start: Message = {"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (b"x-request-id", rid.encode())]}
    return start, {"type": "http.response.body", "body": body}


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break  # the client went away; the app sees an empty body and answers no one
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the app the body already read, then waits on the real one."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class RequestContext:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int, max_upload_bytes: int | None = None,
                 upload_paths: tuple[str, ...] = (), json_prefix: str | None = None,
                 raw_json_paths: tuple[str, ...] = ()):
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes or max_body_bytes
        self.upload_paths = upload_paths
        self.json_prefix = json_prefix
        self.raw_json_paths = raw_json_paths

    def checks_depth(self, scope: Scope, headers: dict[bytes, bytes]) -> bool:
        """Whether the body is JSON that FastAPI will parse (``raw_json_paths`` parse their own
        bodies with a depth-limited parser and check depth on their error path: the hot status
        batch is not read twice)."""
        path = scope.get("path", "")
        if path in self.upload_paths or path in self.raw_json_paths or scope.get("method") not in (
                "POST", "PUT", "PATCH"):
            return False
        media = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        return media == b"application/json" or (media.startswith(b"application/") and media.endswith(b"+json"))

    def wrong_media_type(self, scope: Scope, headers: dict[bytes, bytes]) -> str | None:
        """The content type of an API request body that is not JSON (uploads excepted), else None.
        Without this, ``curl -d`` (form-encoded by default) gets a puzzling validation error."""
        path = scope.get("path", "")
        if (self.json_prefix is None or not path.startswith(self.json_prefix) or path in self.upload_paths
                or scope.get("method") not in ("POST", "PUT", "PATCH")):
            return None
        if headers.get(b"content-length", b"0") == b"0" and b"transfer-encoding" not in headers:
            return None
        media = headers.get(b"content-type", b"").split(b";")[0].strip().lower().decode("latin-1")
        if media == "application/json" or (media.startswith("application/") and media.endswith("+json")):
            return None
        return media or "none"

    def limit_for(self, path: str) -> int:
        """PDF uploads (report verification) may be larger than ordinary JSON bodies."""
        return self.max_upload_bytes if path in self.upload_paths else self.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        rid = given if _SAFE_ID.match(given) else secrets.token_hex(8)
        token = request_id_var.set(rid)
        started = time.perf_counter()
        status_holder: dict[str, Any] = {}
        try:
            limit = self.limit_for(scope.get("path", ""))
            length = headers.get(b"content-length")
            if length is not None and length.isdigit() and int(length) > limit:
                for m in _error(413, "payload_too_large", f"request body over {limit} bytes", rid):
                    await send(m)
                return
            if "\x00" in scope.get("path", "") or b"%00" in scope.get("query_string", b""):
                status_holder["status"] = 422
                for m in _error(422, "invalid_request", "the URL may not contain NUL characters (%00)", rid):
                    await send(m)
                return
            media = self.wrong_media_type(scope, headers)
            if media is not None:
                status_holder["status"] = 415
                for m in _error(415, "unsupported_media_type",
                                f"request bodies must be JSON: send Content-Type: application/json (got {media})",
                                rid):
                    await send(m)
                return
            received = 0

            async def limited_receive() -> Message:
                nonlocal received
                message = await receive()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > limit:
                        raise BodyTooLarge()
                return message

            async def send_with_headers(message: Message) -> None:
                if message["type"] == "http.response.start":
                    status_holder["status"] = message["status"]
                    extra = [(b"x-request-id", rid.encode()), *SECURITY_HEADERS]
                    present = {k.lower() for k, _ in message.get("headers", [])}
                    message["headers"] = list(message.get("headers", [])) + [
                        (k, v) for k, v in extra if k not in present]
                await send(message)

            try:
                app_receive: Receive = limited_receive
                if self.checks_depth(scope, headers):
                    body = await _read_body(limited_receive)
                    if nests_deeper_than(body):
                        status_holder["status"] = 422
                        for m in _error(422, "json_too_deep", f"the JSON body nests deeper than {MAX_JSON_DEPTH} "
                                        "levels; nothing was changed", rid):
                            await send(m)
                        return
                    app_receive = _replay(body, receive)
                await self.app(scope, app_receive, send_with_headers)
            except BodyTooLarge:
                if "status" not in status_holder:
                    for m in _error(413, "payload_too_large", f"request body over {limit} bytes", rid):
                        await send(m)
            except Exception:
                # Answered here, not by the app's 500 handler: that runs outside this middleware, after
                # the request id is gone, so neither the body nor the header could carry it.
                error_log.exception("unhandled error (request %s)", rid)
                if "status" in status_holder:
                    raise  # the response already started; let the server drop the connection
                status_holder["status"] = 500
                for m in _error(500, "internal_error", f"internal error; quote request id {rid}", rid,
                                [{"request_id": rid}]):
                    await send(m)
        finally:
            log.info("%s %s %s %.1fms rid=%s", scope.get("method"), scope.get("path"),
                     status_holder.get("status", "-"), (time.perf_counter() - started) * 1000, rid)
            request_id_var.reset(token)
