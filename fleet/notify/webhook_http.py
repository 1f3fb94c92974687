"""The webhook channel: one signed HTTP POST per delivery (Standard Webhooks).

The body is ``{"type", "timestamp", "data"}``: the event type, the instant the event happened
(ISO 8601, UTC) and the notification's data (instants as ISO strings) with ``url``, the link to
the ticket (``base_url`` + its path). It is signed with the webhook's secret by the
``standardwebhooks`` library and sent with the headers the specification names: ``webhook-id``
(``msg_<delivery id>``: the same on every attempt, so a receiver drops repeats), ``webhook-timestamp``
(this attempt's time: receivers refuse a signature more than 5 minutes old) and
``webhook-signature``. Receivers verify with the same library:
``Webhook(secret).verify(body, headers)``.

Outcomes: a 2xx is delivered. ``410 Gone``, a destination the guard refuses and a deleted
webhook fail for good (the delivery is ``dead``). Any other status, a timeout or a connection
error fails for now: the worker retries with backoff. A redirect is not followed (it would send
the signed body to a URL nobody checked).

Pinning: the destination is checked again before each attempt (:mod:`fleet.notify.destinations`:
DNS may answer differently than at registration), and the request goes to the checked address
itself, never to a second lookup of the name: the URL's host is replaced by the address, the
``Host`` header keeps the name, and for https the TLS server name (SNI) and the certificate check
use the name too (httpcore's ``sni_hostname`` request extension), so verification is unchanged.
A pooled connection is kept per address, not per name, so https requests of each host name get a
client (a connection pool) of their own: a TLS connection verified for one name is never reused
for another name that resolves to the same address. Plain http shares one pool (the ``Host``
header routes it, as any virtual host). The clients ignore proxy environment variables (a proxy
would connect wherever it likes). A client passed in (tests) is used for everything.
"""

from __future__ import annotations

import json
import re
import threading
from datetime import UTC, datetime
from typing import Any

import httpx
from standardwebhooks import Webhook

from fleet.canonical import iso_utc, to_jsonable
from fleet.notify.deliveries import Claimed, DeliveryFailed
from fleet.notify.destinations import AllowedHosts, Destination, DestinationRefused, Resolver, Unresolvable, destination

SNIPPET = 200


def payload(message: Claimed, base_url: str) -> bytes:
    """The body of the request for ``message``: the same bytes on every attempt."""
    data: dict[str, Any] = to_jsonable(message.data)
    path = data.get("path")
    if isinstance(path, str):
        data["url"] = base_url.rstrip("/") + "/" + path.lstrip("/")
    body = {"type": message.type, "timestamp": iso_utc(message.occurred_at), "data": data}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def message_id(message: Claimed) -> str:
    return f"msg_{message.delivery_id}"


class WebhookChannel:
    """Sends webhook deliveries. Thread-safe: one ``httpx.Client`` (its pool is) and no other state."""

    def __init__(self, *, allowed: AllowedHosts, base_url: str, timeout: float = 10.0,
                 client: httpx.Client | None = None, resolve: Resolver | None = None) -> None:
        self.allowed = allowed
        self.base_url = base_url
        self.timeout = timeout
        self._resolve = resolve
        self._given = client
        self._client = client or self._new_client()
        self._tls: dict[str, httpx.Client] = {}
        self._lock = threading.Lock()

    def _new_client(self) -> httpx.Client:
        return httpx.Client(timeout=httpx.Timeout(self.timeout), follow_redirects=False, trust_env=False)

    def _client_for(self, dest: Destination) -> httpx.Client:
        if self._given is not None or dest.scheme != "https":
            return self._client
        with self._lock:
            client = self._tls.get(dest.host)
            if client is None:
                client = self._tls[dest.host] = self._new_client()
            return client

    def close(self) -> None:
        if self._given is None:
            self._client.close()
        with self._lock:
            for client in self._tls.values():
                client.close()
            self._tls.clear()

    def send(self, message: Claimed) -> None:
        if message.webhook_url is None or message.webhook_secret is None:
            raise DeliveryFailed("the webhook was deleted", permanent=True)
        try:
            dest = destination(message.webhook_url, self.allowed, self._resolve)
        except Unresolvable as exc:
            raise DeliveryFailed(exc.message) from None
        except DestinationRefused as exc:
            raise DeliveryFailed(f"destination refused: {exc.message}", permanent=True) from None
        body = payload(message, self.base_url)
        msg_id = message_id(message)
        now = datetime.now(UTC)
        headers = {
            "content-type": "application/json",
            "user-agent": "slatrack-webhooks",
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": Webhook(message.webhook_secret).sign(msg_id, now, body),
        }
        failure = "no address to connect to"
        for address in dest.addresses:
            try:
                status, snippet = self._post(dest, address, body, headers)
            except httpx.ConnectError as exc:  # the next address of the name may answer
                failure = f"could not connect to {address}: {_short(str(exc))}"
                continue
            except httpx.TimeoutException:
                raise DeliveryFailed(f"no answer from {address} within {self.timeout:g} s") from None
            except httpx.HTTPError as exc:
                raise DeliveryFailed(f"{type(exc).__name__} from {address}: {_short(str(exc))}") from None
            _judge(status, snippet)
            return
        raise DeliveryFailed(failure)

    def _post(self, dest: Destination, address: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        url = httpx.URL(dest.url)
        pinned = url.copy_with(host=address)
        extensions: dict[str, Any] = {"timeout": httpx.Timeout(self.timeout).as_dict()}
        if dest.scheme == "https":
            extensions["sni_hostname"] = dest.host
        client = self._client_for(dest)
        request = client.build_request("POST", pinned, content=body,
                                       headers={**headers, "host": url.netloc.decode("ascii")}, extensions=extensions)
        response = client.send(request, stream=True, follow_redirects=False)
        try:
            head = b""
            for chunk in response.iter_raw():
                head += chunk
                if len(head) >= SNIPPET:
                    break
        finally:
            response.close()
        return response.status_code, head[:SNIPPET].decode("utf-8", "replace")


def _short(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()[:SNIPPET]


def _judge(status: int, snippet: str) -> None:
    if 200 <= status < 300:
        return
    text = f"HTTP {status}" + (f": {_short(snippet)}" if snippet.strip() else "")
    if status == 410:
        raise DeliveryFailed(text + " (the receiver says the webhook is gone)", permanent=True)
    if 300 <= status < 400:
        raise DeliveryFailed(text + " (a redirect: not followed)")
    raise DeliveryFailed(text)
