"""Webhooks through HTTP: registration (the secret once), tenancy both ways, roles, the
request-forgery guard, the delivery log, and a ticket's event arriving signed at a real receiver."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from api.settings import Settings
from fleet import audit
from fleet.db import utcnow
from fleet.models import Delivery, Webhook
from fleet.notify import deliveries
from fleet.notify.deliveries import Outcome
from fleet.notify.destinations import AllowedHosts
from fleet.notify.webhook_http import WebhookChannel
from fleet.principal import SYSTEM
from tests.builders import (
    assert_error,
    auth,
    make_agency,
    make_contract,
    make_key,
    make_ticket,
    make_unit,
    row_counts,
)
from tests.webhook_receiver import receiver

API = "/api/v1"
PUBLIC = "https://93.184.216.34/hooks/slatrack"  # a public address literal: no DNS needed


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"webhook_allowed_hosts": "127.0.0.1"})


@pytest.fixture
def world(session) -> dict[str, Any]:
    navy, army = make_agency(session, code="NAVY"), make_agency(session, code="ARMY")
    navy_unit = make_unit(session, contract=make_contract(session, agency=navy, number="N-0001"))
    army_unit = make_unit(session, contract=make_contract(session, agency=army, number="W-0002"))
    session.commit()
    return {
        "navy": navy, "army": army, "navy_unit": navy_unit, "army_unit": army_unit,
        "navy_key": auth(make_key(session, "agency", agency=navy, name="navy-int")),
        "army_key": auth(make_key(session, "agency", agency=army, name="army-int")),
        "admin": auth(make_key(session, "admin", name="root")),
        "manager": auth(make_key(session, "manager", name="morgan")),
        "engineer": auth(make_key(session, "engineer", name="dana")),
        "telemetry": auth(make_key(session, "telemetry", name="feed")),
    }


def register(client, headers, url: str = PUBLIC, events: list[str] | None = None):  # type: ignore[no-untyped-def]
    return client.post(f"{API}/webhooks", json={"url": url, "events": events or ["ticket.opened"]}, headers=headers)


def test_registering_answers_201_with_the_secret_once_and_reads_never_show_it(client, session, world):
    r = register(client, world["navy_key"], events=["ticket.opened", "clock.breached"])
    assert r.status_code == 201, r.text
    body = r.json()
    assert set(body) == {"id", "secret", "url", "events", "created_at"}
    assert body["secret"].startswith("whsec_") and len(body["secret"]) >= 6 + 32
    assert (body["url"], body["events"]) == (PUBLIC, ["ticket.opened", "clock.breached"])
    got = client.get(f"{API}/webhooks/{body['id']}", headers=world["navy_key"]).json()
    assert "secret" not in got and got["agency_id"] == world["navy"].id and got["deleted_at"] is None
    listed = client.get(f"{API}/webhooks", headers=world["navy_key"]).json()
    assert [w["id"] for w in listed["items"]] == [body["id"]] and "secret" not in listed["items"][0]
    assert body["secret"] not in r.text.replace(body["secret"], "", 1)
    assert session.get(Webhook, body["id"]).secret == body["secret"]
    assert audit.verify(session).ok


def test_the_secret_is_not_in_the_audit_entry(client, session, world):
    from fleet.models import AuditEntry

    secret = register(client, world["admin"]).json()["secret"]
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "webhook.register")).one()
    assert secret not in str(entry.after) and "secret" not in entry.after


def test_deleting_answers_204_and_the_webhook_leaves_the_list_but_stays_readable(client, session, world):
    hook = register(client, world["navy_key"]).json()
    r = client.delete(f"{API}/webhooks/{hook['id']}", headers=world["navy_key"])
    assert r.status_code == 204 and r.content == b""
    assert client.get(f"{API}/webhooks", headers=world["navy_key"]).json()["items"] == []
    got = client.get(f"{API}/webhooks/{hook['id']}", headers=world["navy_key"]).json()
    assert got["deleted_at"] is not None
    assert client.delete(f"{API}/webhooks/{hook['id']}", headers=world["navy_key"]).status_code == 204
    assert audit.verify(session).ok


@pytest.mark.parametrize("body", [
    {"url": PUBLIC, "events": ["ticket.exploded"]},
    {"url": PUBLIC, "events": []},
    {"url": PUBLIC},
    {"url": PUBLIC, "events": ["ticket.opened"], "secret": "whsec_mine"},
    {"url": 42, "events": ["ticket.opened"]},
    {"url": PUBLIC, "events": "ticket.opened"},
])
def test_malformed_registrations_are_422_and_change_nothing(client, session, world, body):
    before = row_counts(session)
    assert_error(client.post(f"{API}/webhooks", json=body, headers=world["navy_key"]), 422)
    assert row_counts(session) == before


@pytest.mark.parametrize("url", ["http://10.1.2.3/hook", "http://169.254.169.254/latest/meta-data",
                                 "http://[::1]:8080/hook", "http://[::ffff:10.0.0.1]/hook", "ftp://93.184.216.34/x",
                                 "https://user:pw@93.184.216.34/x", "http://192.168.0.10/hook"])
def test_a_destination_the_guard_refuses_is_422_and_changes_nothing(client, session, world, url):
    before = row_counts(session)
    assert_error(register(client, world["admin"], url=url), 422, "webhook_destination_refused")
    assert row_counts(session) == before


def test_a_loopback_destination_passes_when_the_settings_allow_it(client, world):
    assert register(client, world["admin"], url="http://127.0.0.1:9/hook").status_code == 201


def test_an_agency_never_sees_or_deletes_another_agencys_webhook(client, world):
    navy_hook = register(client, world["navy_key"]).json()["id"]
    army_hook = register(client, world["army_key"]).json()["id"]
    for method in ("get", "delete"):
        assert_error(getattr(client, method)(f"{API}/webhooks/{navy_hook}", headers=world["army_key"]), 404,
                     "not_found")
    assert_error(client.get(f"{API}/webhooks/{navy_hook}/deliveries", headers=world["army_key"]), 404)
    assert [w["id"] for w in client.get(f"{API}/webhooks", headers=world["army_key"]).json()["items"]] == [army_hook]
    assert client.get(f"{API}/webhooks/{navy_hook}", headers=world["navy_key"]).json()["deleted_at"] is None


def test_admins_and_managers_register_the_vendors_webhooks_and_see_every_one(client, world):
    navy_hook = register(client, world["navy_key"]).json()["id"]
    vendor_hook = register(client, world["manager"]).json()["id"]
    assert client.get(f"{API}/webhooks/{vendor_hook}", headers=world["admin"]).json()["agency_id"] is None
    assert {w["id"] for w in client.get(f"{API}/webhooks", headers=world["admin"]).json()["items"]} == {
        navy_hook, vendor_hook}
    assert_error(client.get(f"{API}/webhooks/{vendor_hook}", headers=world["navy_key"]), 404)


@pytest.mark.parametrize("role", ["engineer", "telemetry"])
def test_engineers_and_telemetry_may_not_touch_webhooks(client, session, world, role):
    hook = register(client, world["admin"]).json()["id"]
    before = row_counts(session)
    assert_error(register(client, world[role]), 403)
    assert_error(client.get(f"{API}/webhooks", headers=world[role]), 403)
    assert_error(client.get(f"{API}/webhooks/{hook}", headers=world[role]), 403)
    assert_error(client.delete(f"{API}/webhooks/{hook}", headers=world[role]), 403)
    assert_error(client.get(f"{API}/notifications", headers=world[role]), 403)
    assert row_counts(session) == before


def _open(client, headers, unit, summary: str = "Crawler stalls on the ramp"):  # type: ignore[no-untyped-def]
    reported = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    r = client.post(f"{API}/tickets", headers=headers, json={"unit_id": unit.id, "priority": "P1",
                                                             "summary": summary, "reported_at": reported})
    assert r.status_code == 201, r.text
    return r.json()


def _deliveries_to(session, hook_id: str) -> list[Delivery]:  # type: ignore[no-untyped-def]
    return list(session.scalars(select(Delivery).where(Delivery.channel == "webhook", Delivery.target == hook_id)))


def test_an_agencys_ticket_event_arrives_signed_at_its_webhook_and_the_log_says_delivered(client, session, world):
    with receiver() as r:
        created = register(client, world["navy_key"], url=r.url).json()
        r.secret = created["secret"]
        navy_ticket = _open(client, world["admin"], world["navy_unit"])
        army_ticket = _open(client, world["admin"], world["army_unit"])
        pending = _deliveries_to(session, created["id"])
        assert [(d.status, d.attempts) for d in pending] == [("pending", 0)]
        assert army_ticket["id"] not in str([session.get(Delivery, d.id).notification_id for d in pending])

        batch = deliveries.claim(session, worker="w1", now=utcnow())
        session.commit()
        mine = [m for m in batch if m.target == created["id"]]
        assert len(mine) == 1 and mine[0].data["ticket_id"] == navy_ticket["id"]
        channel = WebhookChannel(allowed=AllowedHosts.parse("127.0.0.1"), base_url="http://slatrack.test")
        outcomes = []
        for message in batch:
            try:
                channel.send(message)
                outcomes.append(Outcome(message.delivery_id))
            except deliveries.DeliveryFailed as exc:
                outcomes.append(Outcome(message.delivery_id, str(exc), exc.permanent))
        channel.close()
        assert deliveries.settle(session, SYSTEM, outcomes, worker="w1", now=utcnow()) == len(batch)
        session.commit()

    [got] = r.received
    assert got.error is None, got.error
    event = got.verified
    assert event["type"] == "ticket.opened"
    assert event["data"]["ticket_id"] == navy_ticket["id"] and event["data"]["contract_number"] == "N-0001"
    assert event["data"]["url"] == f"http://slatrack.test/tickets/{navy_ticket['id']}"
    assert got.headers["webhook-id"] == f"msg_{mine[0].delivery_id}"

    log = client.get(f"{API}/webhooks/{created['id']}/deliveries", headers=world["navy_key"])
    assert log.status_code == 200, log.text
    [entry] = log.json()["items"]
    assert (entry["type"], entry["status"], entry["attempts"], entry["last_error"]) == (
        "ticket.opened", "delivered", 1, None)
    assert entry["delivered_at"] is not None and entry["id"] == mine[0].delivery_id
    assert audit.verify(session).ok


def test_the_notification_log_shows_an_agency_its_own_notifications_and_deliveries_only(client, session, world):
    navy_hook = register(client, world["navy_key"], url="http://127.0.0.1:9/navy").json()["id"]
    vendor_hook = register(client, world["admin"], url="http://127.0.0.1:9/vendor").json()["id"]
    navy_ticket = _open(client, world["admin"], world["navy_unit"])
    army_ticket = _open(client, world["admin"], world["army_unit"])

    navy_view = client.get(f"{API}/notifications", headers=world["navy_key"]).json()
    assert [(n["type"], n["ticket_id"]) for n in navy_view["items"]] == [("ticket.opened", navy_ticket["id"])]
    assert [d["target"] for d in navy_view["items"][0]["deliveries"]] == [navy_hook]
    army_view = client.get(f"{API}/notifications", headers=world["army_key"]).json()
    assert [n["ticket_id"] for n in army_view["items"]] == [army_ticket["id"]]
    assert army_view["items"][0]["deliveries"] == []  # the vendor's webhook is not the army's business

    admin_view = client.get(f"{API}/notifications", headers=world["admin"]).json()
    assert [n["ticket_id"] for n in admin_view["items"]] == [army_ticket["id"], navy_ticket["id"]]  # latest first
    assert sorted(d["target"] for d in admin_view["items"][1]["deliveries"]) == sorted([navy_hook, vendor_hook])
    first = client.get(f"{API}/notifications", headers=world["admin"], params={"limit": 1}).json()
    rest = client.get(f"{API}/notifications", headers=world["admin"],
                      params={"limit": 1, "cursor": first["next_cursor"]}).json()
    assert [n["id"] for n in first["items"] + rest["items"]] == [n["id"] for n in admin_view["items"]]
    assert rest["next_cursor"] is None


def test_a_dead_delivery_is_retried_by_an_admin_and_a_live_one_is_409(client, session, world):
    hook = register(client, world["navy_key"], url="http://127.0.0.1:9/navy").json()["id"]
    _open(client, world["admin"], world["navy_unit"])
    [message] = deliveries.claim(session, worker="w1", now=utcnow())
    deliveries.settle(session, SYSTEM, [Outcome(message.delivery_id, "HTTP 410: gone", True)], worker="w1",
                      now=utcnow())
    session.commit()
    [dead] = client.get(f"{API}/webhooks/{hook}/deliveries", headers=world["navy_key"]).json()["items"]
    assert (dead["status"], dead["last_error"]) == ("dead", "HTTP 410: gone")

    assert_error(client.post(f"{API}/notification-deliveries/{dead['id']}/retry", headers=world["navy_key"]), 403)
    r = client.post(f"{API}/notification-deliveries/{dead['id']}/retry", headers=world["manager"])
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["attempts"], r.json()["type"]) == ("pending", 1, "ticket.opened")
    assert_error(client.post(f"{API}/notification-deliveries/{dead['id']}/retry", headers=world["admin"]), 409,
                 "not_dead")
    assert audit.verify(session).ok


def test_a_webhook_deleted_before_delivery_fails_for_good(client, session, world):
    hook = register(client, world["navy_key"], url="http://127.0.0.1:9/navy").json()["id"]
    _open(client, world["admin"], world["navy_unit"])
    assert client.delete(f"{API}/webhooks/{hook}", headers=world["navy_key"]).status_code == 204
    [message] = deliveries.claim(session, worker="w1", now=utcnow())
    channel = WebhookChannel(allowed=AllowedHosts.parse("127.0.0.1"), base_url="http://x")
    with pytest.raises(deliveries.DeliveryFailed) as failed:
        channel.send(message)
    assert failed.value.permanent


def test_ticket_builders_still_emit_to_a_webhook_registered_through_the_api(client, session, world):
    hook = register(client, world["navy_key"], url="http://127.0.0.1:9/navy").json()["id"]
    make_ticket(session, unit=world["navy_unit"])
    assert len(_deliveries_to(session, hook)) == 1
