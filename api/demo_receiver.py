"""The demo agency's webhook receiver: what an agency's integration would run, in miniature.

``slatrack demo`` registers a webhook for the demo agency (NAVFAC) pointing here and serves this
receiver on the next port. Each delivery's Standard Webhooks signature is verified with the
``standardwebhooks`` library, as a receiver should; a repeated ``webhook-id`` (a redelivery) is
dropped, as a receiver should; and each verified event is appended to ``received.jsonl`` in the
receiver's folder. ``GET /`` lists them, newest first.
"""

from __future__ import annotations

import html
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from standardwebhooks import Webhook


class Inbox:
    """Verified events in a JSON-lines file, one line per ``webhook-id``."""

    def __init__(self, folder: Path, secret: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / "received.jsonl"
        self.verifier = Webhook(secret)
        self._lock = threading.Lock()

    def events(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line]

    def accept(self, body: bytes, headers: dict[str, str]) -> int:
        """Verify and keep one delivery; the HTTP status to answer."""
        headers = {k.lower(): v for k, v in headers.items()}
        try:
            self.verifier.verify(body, headers)
        except Exception:
            return 401
        webhook_id = headers["webhook-id"]
        with self._lock:
            if any(e["webhook_id"] == webhook_id for e in self.events()):
                return 200  # a redelivery: already kept
            event = json.loads(body)
            line = {"webhook_id": webhook_id, "type": event.get("type"), "timestamp": event.get("timestamp"),
                    "data": event.get("data", {}), "verified": True}
            with self.path.open("a", encoding="utf-8") as f:
                f.write(json.dumps(line, sort_keys=True) + "\n")
        return 204

    def page(self) -> bytes:
        rows = "".join(
            f"<tr><td>{html.escape(str(e['timestamp']))}</td><td>{html.escape(str(e['type']))}</td>"
            f"<td>{html.escape(str(e['data'].get('ticket_number') or e['data'].get('title') or ''))}</td>"
            f"<td>{html.escape(str(e['data'].get('contract_number') or ''))}</td><td>✓ verified</td></tr>"
            for e in reversed(self.events()))
        return (f"<!doctype html><meta charset=utf-8><title>NAVFAC webhook receiver</title>"
                f"<style>body{{font:15px system-ui;margin:2em}}td,th{{padding:4px 10px;text-align:left}}</style>"
                f"<h1>NAVFAC's webhook receiver (demo)</h1><p>Signed events slatrack delivered to the agency, "
                f"each signature checked with the standardwebhooks library.</p><table><tr><th>when</th>"
                f"<th>event</th><th>subject</th><th>contract</th><th>signature</th></tr>{rows}</table>").encode()


def serve(inbox: Inbox, host: str, port: int) -> ThreadingHTTPServer:
    """Serve ``inbox`` in a daemon thread; returns the server (``shutdown()`` stops it)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            status = inbox.accept(self.rfile.read(min(length, 1_000_000)), dict(self.headers))
            self.send_response(status)
            self.end_headers()

        def do_GET(self) -> None:
            body = inbox.page()
            self.send_response(200)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, name="demo-webhook-receiver", daemon=True).start()
    return server
