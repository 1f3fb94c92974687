"""The mail folder page: the .eml messages newest first, one message in full, and who reads which."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fleet.notify.deliveries import Claimed
from fleet.notify.mail import MailChannel
from tests.builders import make_contact

T = datetime(2026, 12, 7, 15, 30, tzinfo=UTC)


def _mail(settings, n: int, target: str, type_: str = "clock.warning", *, pdf: bool = False) -> str:  # type: ignore[no-untyped-def]
    data = {"ticket_number": f"N-0001-{n:06d}", "priority": "P1", "summary": "Crawler lost adhesion",
            "unit_serial": "CRAWL-001", "site": "Pier 4", "contract_number": "N-0001", "timezone": "America/New_York",
            "path": "/tickets/x", "metric": "response", "target_minutes": 240, "clock": "24x7",
            "due_local": "Mon 7 Dec 2026 12:30 EST", "warning_percent": 75}
    message = Claimed(delivery_id=f"d-{n}", notification_id="n", channel="email", target=target, attempt=1,
                      type=type_, occurred_at=T + timedelta(minutes=n), data=data, agency_id=None)
    MailChannel(settings.mail_settings(), base_url=settings.public_url,
                attachment=(lambda m: ("review.pdf", b"%PDF")) if pdf else None).send(message)
    return f"{(T + timedelta(minutes=n)):%Y%m%dT%H%M%SZ}-d-{n}.eml"


@pytest.fixture
def folder(session, world, settings) -> dict[str, str]:  # type: ignore[no-untyped-def]
    make_contact(session, "engineer", "eng@vendor.example.com", username="eng")
    make_contact(session, "agency", "cor@navy.example.gov", agency=world.agency)
    make_contact(session, "agency", "cor@army.example.gov", agency=world.other_agency)
    session.commit()
    return {"eng": _mail(settings, 1, "eng@vendor.example.com"),
            "navy": _mail(settings, 2, "cor@navy.example.gov", "report.issued", pdf=True),
            "army": _mail(settings, 3, "cor@army.example.gov", "ticket.acknowledged"),
            "other_eng": _mail(settings, 4, "someone@vendor.example.com", "clock.breached")}


def test_a_manager_sees_every_message_newest_first(manager, folder):
    page = manager.get("/mail")
    assert page.status_code == 200
    html = page.text
    positions = [html.index(f'href="/mail/{folder[k]}"') for k in ("other_eng", "army", "navy", "eng")]
    assert positions == sorted(positions)
    assert "SLA clock breached" in html and "cor@army.example.gov" in html
    assert 'href="/mail"' in html and 'aria-current="page">Mail' in html


def test_a_message_shows_its_headers_body_and_attachments(manager, folder):
    page = manager.get(f"/mail/{folder['navy']}")
    assert page.status_code == 200
    assert "review.pdf" in page.text and "cor@navy.example.gov" in page.text
    assert "Message-ID" in page.text and "&lt;d-2@slatrack&gt;" in page.text
    assert "The Contract review for N-0001 was issued" in page.text


def test_an_engineer_sees_only_the_messages_to_their_own_addresses(engineer, folder):
    html = engineer.get("/mail").text
    assert folder["eng"] in html
    assert not any(folder[k] in html for k in ("navy", "army", "other_eng"))
    assert engineer.get(f"/mail/{folder['eng']}").status_code == 200
    assert engineer.get(f"/mail/{folder['other_eng']}").status_code == 404


def test_an_agency_user_sees_only_its_agencys_contacts_mail(navy, folder):
    html = navy.get("/mail").text
    assert folder["navy"] in html and folder["army"] not in html and folder["eng"] not in html
    assert navy.get(f"/mail/{folder['army']}").status_code == 404
    assert navy.get(f"/mail/{folder['navy']}").status_code == 200
    assert "EST" in html  # the agency's zone until the browser shows its own


def test_an_empty_folder_says_so_and_a_path_outside_it_is_not_found(manager, world, settings):
    (settings.data_dir / "mail").mkdir(exist_ok=True)
    assert "No messages yet" in manager.get("/mail").text
    for name in ("..%2Fsecret_key", "secret_key", "%2e%2e", "%2e%2e%2fsecret_key"):
        assert manager.get(f"/mail/{name}").status_code == 404


def test_signing_in_is_required(client, folder):
    r = client.get("/mail", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
