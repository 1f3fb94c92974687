"""A real HTTP receiver for webhook tests: a ThreadingHTTPServer on 127.0.0.1 that verifies each
request's Standard Webhooks signature with the receiver's side of the library."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    verified: Any  # the parsed payload, or None when the signature did not verify
    error: str | None


@dataclass
class Receiver:
    """Answers every POST with ``status`` (and ``location`` for redirects); ``secret``: verify with it."""

    status: int = 204
    secret: str | None = None
    location: str | None = None
    received: list[Received] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    @property
    def ids(self) -> list[str]:
        return [r.headers["webhook-id"] for r in self.received]


@contextmanager
def receiver(status: int = 204, secret: str | None = None) -> Iterator[Receiver]:
    state = Receiver(status=status, secret=secret)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            verified, error = None, None
            if state.secret is not None:
                try:
                    verified = Webhook(state.secret).verify(body, headers)
                except Exception as exc:
                    error = f"{type(exc).__name__}: {exc}"
            state.received.append(Received(self.path, headers, body, verified, error))
            self.send_response(state.status)
            if state.location:
                self.send_header("location", state.location)
            text = b"receiver says no" if state.status >= 300 else b""
            self.send_header("content-length", str(len(text)))
            self.end_headers()
            self.wfile.write(text)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
