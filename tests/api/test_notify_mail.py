"""E-mail notifications: the words of each event type, a real SMTP server receiving what the mail
channel sends, the .eml folder when no server is set, and the path from a ticket write to a file."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from fleet.errors import NotFound
from fleet.models import Delivery
from fleet.notify import deliveries
from fleet.notify.deliveries import Claimed, DeliveryFailed, Outcome
from fleet.notify.events import EVENT_TYPES
from fleet.notify.mail import MailChannel, MailSettings, compose, read_folder, read_message
from fleet.principal import SYSTEM
from tests.builders import auth, make_contact, make_key, make_unit

API = "/api/v1"
WHEN = datetime(2026, 12, 8, 18, 0, tzinfo=UTC)
TICKET = {"ticket_id": "0192-ticket", "ticket_number": "NAVFAC-2026-001-000123", "priority": "P1",
          "summary": "Crawler stalls on the ramp", "reported_local": "Tue 8 Dec 2026 11:00 EST",
          "unit_serial": "RX-7", "site": "Pier 4", "contract_id": "c1", "contract_number": "NAVFAC-2026-001",
          "contract_title": "Hull robots", "timezone": "America/New_York", "path": "/tickets/0192-ticket"}
CLOCK = {"metric": "response", "target_minutes": 240, "clock": "24x7", "elapsed_minutes": 180,
         "due_at": "2026-12-08T19:30:00Z", "due_local": "Tue 8 Dec 2026 14:30 EST", "warning_percent": 75}
EXTRA: dict[str, dict[str, Any]] = {
    "ticket.assigned": {"assignee": "dana", "team": "North", "assigned_by": "user:morgan"},
    "ticket.acknowledged": {"occurred_local": "Tue 8 Dec 2026 11:20 EST"},
    "clock.warning": CLOCK,
    "clock.breached": CLOCK,
    "ticket.restored": {"occurred_local": "Tue 8 Dec 2026 15:05 EST"},
    "ticket.resolved": {"occurred_local": "Tue 8 Dec 2026 16:00 EST"},
    "report.issued": {"kind": "contract_review", "period_label": "November 2026", "path": "/reports"},
    "record.late": {"what": "restored", "late_by_minutes": 1500, "reporting_window_hours": 24},
}


def claimed(type_: str = "clock.warning", *, target: str = "dana@navy.example.gov", delivery_id: str = "d-0001",
            data: dict[str, Any] | None = None) -> Claimed:
    return Claimed(delivery_id=delivery_id, notification_id="n-1", channel="email", target=target, attempt=1,
                   type=type_, occurred_at=WHEN, data=data if data is not None else {**TICKET, **EXTRA.get(type_, {})},
                   agency_id=None)


# --- the words ----------------------------------------------------------------------------------
def test_a_warning_says_which_clock_of_which_ticket_is_due_when_in_the_contracts_zone():
    msg = compose(claimed(), base_url="https://sla.example.gov/", attachment=None)
    assert msg["Subject"] == ("[slatrack] Warning: P1 response on NAVFAC-2026-001-000123 is due "
                              "Tue 8 Dec 2026 14:30 EST (75 % used)")
    body = msg.get_content()
    assert "has used 75 % of its target of 4 h: it is due Tue 8 Dec 2026 14:30 EST" in body
    for fact in ("RX-7 at Pier 4", "Crawler stalls on the ramp", "NAVFAC-2026-001 · Hull robots",
                 "response, target 4 h (24x7)", "America/New_York"):
        assert fact in body
    assert "Open it: https://sla.example.gov/tickets/0192-ticket" in body


@pytest.mark.parametrize("type_", EVENT_TYPES)
def test_every_event_type_reads_as_plain_words_with_the_ticket_and_a_link(type_):
    msg = compose(claimed(type_), base_url="http://127.0.0.1:8000", attachment=None)
    subject, body = msg["Subject"], msg.get_content()
    assert subject.startswith("[slatrack] ") and "None" not in subject and "{" not in subject
    assert "None" not in body and "?" not in body.split("Open it:")[0]
    assert "http://127.0.0.1:8000/" in body
    if type_ != "report.issued":
        assert "NAVFAC-2026-001-000123" in subject and "RX-7" in body


def test_the_subjects_of_each_event_say_what_happened():
    subjects = {t: compose(claimed(t), base_url="http://x", attachment=None)["Subject"] for t in EVENT_TYPES}
    assert subjects["ticket.opened"] == ("[slatrack] P1 ticket opened: NAVFAC-2026-001-000123: "
                                         "Crawler stalls on the ramp")
    assert subjects["ticket.assigned"] == "[slatrack] Assigned to dana: P1 NAVFAC-2026-001-000123"
    assert subjects["clock.breached"] == ("[slatrack] Breached: P1 response target on NAVFAC-2026-001-000123 "
                                          "passed at Tue 8 Dec 2026 14:30 EST")
    assert subjects["ticket.resolved"] == "[slatrack] Resolved: NAVFAC-2026-001-000123, waiting for a rating"
    assert subjects["report.issued"] == ("[slatrack] Report issued: Contract review for NAVFAC-2026-001 "
                                         "(November 2026)")
    assert subjects["record.late"] == ("[slatrack] Late record: the restored event on NAVFAC-2026-001-000123 "
                                       "recorded 1 d 1 h after it happened")


def test_a_business_hours_clock_states_its_target_in_business_hours():
    data = {**TICKET, **CLOCK, "clock": "calendar", "target_minutes": 2700}
    body = compose(claimed(data=data), base_url="http://x", attachment=None).get_content()
    assert "target of 45 business hours" in body and "(business hours)" in body


def test_the_headers_carry_the_delivery_id_the_event_and_the_occurred_instant():
    msg = compose(claimed(delivery_id="0192abcd-0001"), base_url="http://x", attachment=None)
    assert msg["Message-ID"] == "<0192abcd-0001@slatrack>"
    assert msg["X-Slatrack-Event"] == "clock.warning"
    assert msg["To"] == "dana@navy.example.gov"
    assert msg["Date"].datetime == WHEN


def test_a_report_carries_its_pdf_as_an_attachment():
    msg = compose(claimed("report.issued"), base_url="http://x", attachment=("review-2026-11.pdf", b"%PDF-1.7 x"))
    [part] = list(msg.iter_attachments())
    assert part.get_filename() == "review-2026-11.pdf" and part.get_content_type() == "application/pdf"
    assert part.get_content() == b"%PDF-1.7 x"


# --- a real SMTP server ---------------------------------------------------------------------------
class Inbox:
    """An aiosmtpd handler: keeps what it receives; refuses ``refused@…`` (550) and ``busy@…`` (450)."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        if address.startswith("refused@"):
            return "550 5.1.1 no such mailbox"
        if address.startswith("busy@"):
            return "450 4.2.1 mailbox busy, try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _channel(port: int, tmp_path: Path, **kw: Any) -> MailChannel:
    return MailChannel(MailSettings(host="127.0.0.1", port=port, security="none", sender="slatrack <ops@vendor.test>",
                                    folder=tmp_path / "mail", timeout=5), base_url="https://sla.example.gov", **kw)


def test_the_mail_channel_delivers_to_a_real_smtp_server_with_the_headers_and_attachment(smtp, tmp_path):
    inbox, port = smtp
    channel = _channel(port, tmp_path, attachment=lambda m: ("review.pdf", b"%PDF-1.7 signed")
                       if m.type == "report.issued" else None)
    channel.send(claimed("report.issued", target="co@agency.example.gov", delivery_id="0192-d-77"))
    [(mail_from, rcpt, raw)] = inbox.received
    assert mail_from == "ops@vendor.test" and rcpt == ["co@agency.example.gov"]
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    assert msg["Message-ID"] == "<0192-d-77@slatrack>" and msg["X-Slatrack-Event"] == "report.issued"
    assert msg["From"] == "slatrack <ops@vendor.test>" and msg["To"] == "co@agency.example.gov"
    assert [p.get_filename() for p in msg.iter_attachments()] == ["review.pdf"]
    assert not (tmp_path / "mail").exists()  # with a host, nothing is written to the folder


def test_several_threads_send_through_one_channel_at_once(smtp, tmp_path):
    inbox, port = smtp
    channel = _channel(port, tmp_path)
    threads = [threading.Thread(target=channel.send, args=(claimed(target=f"e{i}@x.example.gov",
                                                                     delivery_id=f"d-{i}"),)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r[1][0] for r in inbox.received) == sorted(f"e{i}@x.example.gov" for i in range(8))


def test_a_recipient_the_server_refuses_with_5xx_is_a_permanent_failure(smtp, tmp_path):
    _, port = smtp
    with pytest.raises(DeliveryFailed) as failed:
        _channel(port, tmp_path).send(claimed(target="refused@agency.example.gov"))
    assert failed.value.permanent and "550" in str(failed.value)


def test_a_4xx_reply_or_no_server_is_a_transient_failure(smtp, tmp_path):
    _, port = smtp
    with pytest.raises(DeliveryFailed) as busy:
        _channel(port, tmp_path).send(claimed(target="busy@agency.example.gov"))
    assert not busy.value.permanent and "450" in str(busy.value)
    with pytest.raises(DeliveryFailed) as down:
        _channel(_free_port(), tmp_path).send(claimed())
    assert not down.value.permanent and "cannot reach" in str(down.value)


# --- the .eml folder ------------------------------------------------------------------------------
def _folder_channel(tmp_path: Path) -> MailChannel:
    return MailChannel(MailSettings(host=None, folder=tmp_path / "mail"), base_url="http://127.0.0.1:8000")


def test_without_a_host_each_delivery_is_one_eml_file_even_when_sent_twice(tmp_path):
    channel = _folder_channel(tmp_path)
    channel.send(claimed(delivery_id="d-1"))
    channel.send(claimed(delivery_id="d-1"))  # a retry after a lost lease: the same file again
    channel.send(claimed("clock.breached", delivery_id="d-2"))
    names = sorted(p.name for p in (tmp_path / "mail").iterdir())
    assert names == ["20261208T180000Z-d-1.eml", "20261208T180000Z-d-2.eml"]  # no temporary file left behind
    [newest, older] = read_folder(tmp_path / "mail")
    assert {newest.event, older.event} == {"clock.warning", "clock.breached"}
    assert newest.to == ("dana@navy.example.gov",) and newest.date == WHEN


def test_reading_a_message_gives_its_headers_body_and_attachment_names(tmp_path):
    channel = MailChannel(MailSettings(host=None, folder=tmp_path / "mail"), base_url="http://h",
                          attachment=lambda m: ("review.pdf", b"%PDF"))
    channel.send(claimed("report.issued", delivery_id="d-9"))
    view = read_message(tmp_path / "mail", "20261208T180000Z-d-9.eml")
    assert view.subject.startswith("[slatrack] Report issued") and view.attachments == ("review.pdf",)
    assert "Report issued" in view.body and ("X-Slatrack-Event", "report.issued") in view.headers


@pytest.mark.parametrize("name", ["../secret_key", "..%2Fsecret_key", "/etc/passwd", "x.eml",
                                  "20261208T180000Z-d-9.eml/../../secret_key", "20261208T180000Z-missing.eml"])
def test_a_message_name_that_is_not_one_of_the_folders_files_is_not_found(tmp_path, name):
    (tmp_path / "secret_key").write_text("s3cret")
    _folder_channel(tmp_path).send(claimed(delivery_id="d-9"))
    with pytest.raises(NotFound):
        read_message(tmp_path / "mail", name)


def test_the_folder_reads_only_as_many_messages_as_asked_for_newest_first(tmp_path):
    channel = _folder_channel(tmp_path)
    for n in range(5):
        channel.send(Claimed(delivery_id=f"d-{n}", notification_id="n", channel="email",
                             target="a@x.example.gov" if n % 2 else "b@x.example.gov", attempt=1, type="clock.warning",
                             occurred_at=WHEN + timedelta(minutes=n), data={**TICKET, **CLOCK}, agency_id=None))
    picked = read_folder(tmp_path / "mail", limit=2, keep=lambda i: i.to == ("b@x.example.gov",))
    assert [i.name for i in picked] == ["20261208T180400Z-d-4.eml", "20261208T180200Z-d-2.eml"]


def test_an_empty_or_missing_folder_lists_nothing(tmp_path):
    assert read_folder(tmp_path / "nowhere") == []


# --- end to end: a ticket write to a file ---------------------------------------------------------
def test_opening_a_p1_ticket_decides_an_email_that_the_channel_writes_to_the_folder(client, session, settings):
    make_contact(session, "manager", "ops-manager@vendor.example.com", name="Ops manager")
    unit = make_unit(session)
    key = auth(make_key(session, "manager"))
    reported = (datetime.now(UTC) - timedelta(minutes=10)).isoformat()
    r = client.post(f"{API}/tickets", headers=key, json={"unit_id": unit.id, "priority": "P1", "summary":
                    "Crawler stalls on the ramp", "reported_at": reported, "unit_down": True})
    assert r.status_code == 201, r.text
    [delivery] = session.scalars(select(Delivery).where(Delivery.channel == "email")).all()
    assert (delivery.target, delivery.status, delivery.attempts) == ("ops-manager@vendor.example.com", "pending", 0)

    now = datetime.now(UTC)
    [message] = deliveries.claim(session, worker="w1", now=now)
    channel = MailChannel(settings.mail_settings(), base_url=settings.public_url)
    channel.send(message)
    assert deliveries.settle(session, SYSTEM, [Outcome(message.delivery_id)], worker="w1", now=now) == 1
    session.refresh(delivery)
    assert delivery.status == "delivered"

    [item] = read_folder(settings.data_dir / "mail")
    assert item.subject.startswith("[slatrack] P1 ticket opened: ") and item.event == "ticket.opened"
    view = read_message(settings.data_dir / "mail", item.name)
    assert f"http://127.0.0.1:8000/tickets/{r.json()['id']}" in view.body
    assert ("Message-ID", f"<{delivery.id}@slatrack>") in view.headers
