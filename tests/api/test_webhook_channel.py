"""The webhook channel against a real HTTP receiver on 127.0.0.1 that verifies each signature
with the Standard Webhooks library, as an agency's integration would."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from fleet.notify.deliveries import Claimed, DeliveryFailed
from fleet.notify.destinations import AllowedHosts
from fleet.notify.webhook_http import WebhookChannel, payload
from fleet.notify.webhooks import new_secret
from tests.webhook_receiver import receiver, tls_pair

LOCAL = AllowedHosts.parse("127.0.0.1")
OCCURRED = datetime(2026, 12, 8, 19, 30, tzinfo=UTC)


def claimed(url: str | None, secret: str | None, *, delivery_id: str = "0193a1b2-0000-7000-8000-000000000001",
            attempt: int = 1) -> Claimed:
    data: dict[str, Any] = {"ticket_id": "t-1", "ticket_number": "N-0001-0007", "contract_number": "N-0001",
                            "reported_at": "2026-12-08T19:30:00Z", "path": "/tickets/t-1"}
    return Claimed(delivery_id=delivery_id, notification_id="n-1", channel="webhook", target="h-1", attempt=attempt,
                   type="ticket.opened", occurred_at=OCCURRED, data=data, agency_id=None, webhook_url=url,
                   webhook_secret=secret)


@pytest.fixture
def channel():  # type: ignore[no-untyped-def]
    ch = WebhookChannel(allowed=LOCAL, base_url="https://slatrack.example.gov/", timeout=5.0)
    yield ch
    ch.close()


def test_a_delivery_arrives_signed_and_the_receiver_verifies_it_with_the_library(channel):
    secret = new_secret()
    with receiver(secret=secret) as r:
        channel.send(claimed(r.url, secret))
    [got] = r.received
    assert got.error is None, got.error
    assert got.verified == {"type": "ticket.opened", "timestamp": "2026-12-08T19:30:00Z", "data": {
        "ticket_id": "t-1", "ticket_number": "N-0001-0007", "contract_number": "N-0001",
        "reported_at": "2026-12-08T19:30:00Z", "path": "/tickets/t-1",
        "url": "https://slatrack.example.gov/tickets/t-1"}}
    assert got.headers["webhook-id"] == "msg_0193a1b2-0000-7000-8000-000000000001"
    assert got.headers["content-type"] == "application/json"
    assert got.headers["host"] == f"127.0.0.1:{r.port}" and got.path == "/hook"


def test_every_attempt_carries_the_same_webhook_id_so_the_receiver_drops_repeats(channel):
    secret = new_secret()
    with receiver(secret=secret) as r:
        channel.send(claimed(r.url, secret, attempt=1))
        channel.send(claimed(r.url, secret, attempt=2))
    assert r.ids == ["msg_0193a1b2-0000-7000-8000-000000000001"] * 2
    assert r.received[0].body == r.received[1].body
    assert all(x.error is None for x in r.received)


def test_a_tampered_body_or_another_secret_fails_verification(channel):
    secret = new_secret()
    with receiver(secret=secret) as r:
        channel.send(claimed(r.url, secret))
    got = r.received[0]
    tampered = got.body.replace(b"N-0001-0007", b"N-0001-0008")
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(tampered, got.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(got.body, got.headers)
    assert Webhook(secret).verify(got.body, got.headers)["type"] == "ticket.opened"


def test_a_receiver_error_is_a_transient_failure_with_the_status_and_a_snippet(channel):
    with receiver(status=500) as r, pytest.raises(DeliveryFailed) as failed:
        channel.send(claimed(r.url, new_secret()))
    assert not failed.value.permanent
    assert str(failed.value) == "HTTP 500: receiver says no"


def test_410_gone_is_a_permanent_failure(channel):
    with receiver(status=410) as r, pytest.raises(DeliveryFailed) as failed:
        channel.send(claimed(r.url, new_secret()))
    assert failed.value.permanent and "HTTP 410" in str(failed.value)


def test_a_redirect_is_not_followed(channel):
    with receiver() as target, receiver(status=307) as r:
        r.location = target.url
        with pytest.raises(DeliveryFailed) as failed:
            channel.send(claimed(r.url, new_secret()))
    assert "HTTP 307" in str(failed.value) and "not followed" in str(failed.value)
    assert len(r.received) == 1 and target.received == []


def test_a_destination_the_guard_refuses_at_send_time_is_a_permanent_failure():
    strict = WebhookChannel(allowed=AllowedHosts(), base_url="http://x", timeout=5.0)
    with receiver() as r, pytest.raises(DeliveryFailed) as failed:
        strict.send(claimed(r.url, new_secret()))
    strict.close()
    assert failed.value.permanent and "destination refused" in str(failed.value)
    assert r.received == []


def test_dns_that_changed_to_a_private_address_since_registration_is_refused_before_connecting():
    def rebinding(host: str, port: int, **_: Any) -> list[tuple[Any, ...]]:
        return [(2, 1, 6, "", ("10.0.0.7", port))]

    ch = WebhookChannel(allowed=LOCAL, base_url="http://x", resolve=rebinding)
    with pytest.raises(DeliveryFailed) as failed:
        ch.send(claimed("https://hooks.example.com/in", new_secret()))
    assert failed.value.permanent and "10.0.0.7" in str(failed.value)


def test_the_request_goes_to_the_checked_address_not_to_a_second_lookup():
    """A name allowed by the guard is sent to the address the check resolved (pinned), with the
    name in the Host header."""
    secret = new_secret()
    with receiver(secret=secret) as r:
        def resolve(host: str, port: int, **_: Any) -> list[tuple[Any, ...]]:
            assert host == "receiver.test"
            return [(2, 1, 6, "", ("127.0.0.1", port))]

        ch = WebhookChannel(allowed=AllowedHosts.parse("receiver.test"), base_url="http://x", resolve=resolve)
        ch.send(claimed(f"http://receiver.test:{r.port}/hook", secret))  # receiver.test is in no real DNS
        ch.close()
    [got] = r.received
    assert got.headers["host"] == f"receiver.test:{r.port}" and got.error is None


def test_a_closed_port_is_a_transient_connection_failure(channel):
    with receiver() as r:
        url = r.url
    with pytest.raises(DeliveryFailed) as failed:
        channel.send(claimed(url, new_secret()))
    assert not failed.value.permanent and "could not connect" in str(failed.value)


def test_a_deleted_webhook_is_a_permanent_failure(channel):
    with pytest.raises(DeliveryFailed) as failed:
        channel.send(claimed(None, None))
    assert failed.value.permanent


def test_the_payload_is_type_timestamp_and_data_with_instants_as_iso_text():
    message = claimed("http://x", "whsec_x")
    body = json.loads(payload(Claimed(**{**message.__dict__, "data": {"due_at": OCCURRED, "path": "/t"}}), "http://h"))
    assert body == {"type": "ticket.opened", "timestamp": "2026-12-08T19:30:00Z",
                    "data": {"due_at": "2026-12-08T19:30:00Z", "path": "/t", "url": "http://h/t"}}


def test_the_secret_is_whsec_and_24_random_bytes():
    import base64

    secret = new_secret()
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 24 and secret != new_secret()


def _to_loopback(host: str, port: int, **_: Any) -> list[tuple[Any, ...]]:
    assert host == "receiver.test"
    return [(2, 1, 6, "", ("127.0.0.1", port))]


def test_https_is_pinned_to_the_checked_address_and_the_certificate_is_still_verified_for_the_name(tmp_path):
    server_tls, client_tls = tls_pair("receiver.test", tmp_path)
    secret = new_secret()
    client = httpx.Client(verify=client_tls, trust_env=False, follow_redirects=False)
    ch = WebhookChannel(allowed=AllowedHosts.parse("receiver.test"), base_url="http://x", resolve=_to_loopback,
                        client=client)
    with receiver(secret=secret, tls=server_tls) as r:
        ch.send(claimed(f"https://receiver.test:{r.port}/hook", secret))
    client.close()
    [got] = r.received
    assert got.error is None and got.headers["host"] == f"receiver.test:{r.port}"


def test_https_to_a_server_whose_certificate_names_another_host_fails_and_is_retried_later(tmp_path):
    server_tls, _ = tls_pair("other.test", tmp_path)
    _, client_tls = tls_pair("receiver.test", tmp_path)
    client = httpx.Client(verify=client_tls, trust_env=False)
    ch = WebhookChannel(allowed=AllowedHosts.parse("receiver.test"), base_url="http://x", resolve=_to_loopback,
                        client=client)
    with receiver(tls=server_tls) as r, pytest.raises(DeliveryFailed) as failed:
        ch.send(claimed(f"https://receiver.test:{r.port}/hook", new_secret()))
    client.close()
    assert not failed.value.permanent and "CERTIFICATE_VERIFY_FAILED" in str(failed.value)
    assert r.received == []
