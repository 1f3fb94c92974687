"""The delivery log page: managers see every message with its status, attempts and last error,
and retry a dead one; engineers and agencies do not get the page."""

from __future__ import annotations

from fleet.db import new_id, utcnow
from fleet.models import Delivery, Webhook
from fleet.notify import deliveries
from fleet.notify.deliveries import Outcome
from fleet.notify.webhooks import new_secret
from fleet.principal import SYSTEM
from tests.builders import make_ticket
from tests.web.conftest import csrf_of


def _dead_and_delivered(session, world) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    session.add(Webhook(id=new_id(), agency_id=None, url="https://hooks.example.com/in", events=["ticket.opened"],
                        secret=new_secret(), created_by="key:test", deleted_at=None, created_at=utcnow()))
    session.flush()
    make_ticket(session, unit=world.unit, summary="Arm stuck")
    make_ticket(session, unit=world.other_unit, summary="Camera drift")
    batch = deliveries.claim(session, worker="w", now=utcnow())
    assert len(batch) == 2
    dead, ok = batch[0].delivery_id, batch[1].delivery_id
    deliveries.settle(session, SYSTEM, [Outcome(dead, "HTTP 410: receiver says gone", True), Outcome(ok)],
                      worker="w", now=utcnow())
    session.commit()
    return dead, ok


def test_a_manager_sees_the_delivery_log_and_retries_a_dead_delivery(manager, session, world):
    dead, ok = _dead_and_delivered(session, world)
    page = manager.get("/notifications")
    assert page.status_code == 200, page.text
    assert "HTTP 410: receiver says gone" in page.text and "https://hooks.example.com/in" in page.text
    assert "✗ DEAD" in page.text and "✓ DELIVERED" in page.text
    assert f'action="/notifications/deliveries/{dead}/retry"' in page.text
    assert f'action="/notifications/deliveries/{ok}/retry"' not in page.text
    r = manager.post(f"/notifications/deliveries/{dead}/retry", data={"csrf_token": csrf_of(page.text)},
                     follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/notifications#d-{dead}"
    session.expire_all()
    assert session.get(Delivery, dead).status == "pending"
    after = manager.get("/notifications")
    assert "Retry queued" in after.text and f'action="/notifications/deliveries/{dead}/retry"' not in after.text


def test_retrying_a_delivery_that_is_not_dead_changes_nothing_and_says_so(manager, session, world):
    _, ok = _dead_and_delivered(session, world)
    page = manager.get("/notifications")
    r = manager.post(f"/notifications/deliveries/{ok}/retry", data={"csrf_token": csrf_of(page.text)})
    assert r.status_code == 200 and "Not retried" in r.text
    session.expire_all()
    assert session.get(Delivery, ok).status == "delivered"


def test_a_retry_without_the_csrf_token_is_refused(manager, session, world):
    dead, _ = _dead_and_delivered(session, world)
    assert manager.post(f"/notifications/deliveries/{dead}/retry", data={}).status_code == 403
    session.expire_all()
    assert session.get(Delivery, dead).status == "dead"


def test_engineers_and_agencies_do_not_get_the_page(engineer, navy, world):
    for client in (engineer, navy):
        assert client.get("/notifications").status_code == 403
        assert 'href="/notifications"' not in client.get("/contracts").text
