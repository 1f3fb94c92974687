"""E-mail: the words of each notification, and the channel that sends them.

:func:`compose` turns a claimed delivery into a plain-text message that says what happened in
plain words: the ticket (number, unit, site, summary), the clock where one applies (metric,
target, due time in the contract's zone) and a link to the ticket. Its ``Message-ID`` is made
from the delivery id, which is stable across retries, so a receiver (or a mail client) drops a
repeat.

:class:`MailChannel` sends it over SMTP (``starttls``, ``ssl`` or plain, logging in when a
username is set), one connection per message, so several threads may send at once. A recipient
the server refuses with a 5xx reply is a permanent failure (the delivery goes dead at once);
a 4xx reply, a refused connection or a timeout is transient (retried with backoff). With no
SMTP host configured, each message is written as an ``.eml`` file into the mail folder instead
(atomically; the file name comes from the delivery, so a retry rewrites the same file), and
:func:`read_folder` / :func:`read_message` read it back for the mail folder page.
"""

from __future__ import annotations

import email.utils
import os
import re
import smtplib
import ssl
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any, Literal

from fleet.errors import NotFound
from fleet.notify.deliveries import Claimed, DeliveryFailed
from fleet.notify.events import TITLES

Security = Literal["none", "starttls", "ssl"]
SECURITIES: tuple[Security, ...] = ("none", "starttls", "ssl")
Attachment = tuple[str, bytes]
"""``(file name, PDF bytes)``."""

METRICS = {"response": "response", "on_site": "on-site", "restore": "restore", "resolve": "resolve"}
EVENT_HEADER = "X-Slatrack-Event"
_NAME = re.compile(r"^[0-9]{8}T[0-9]{6}Z-[A-Za-z0-9_-]{1,64}\.eml$")


@dataclass(frozen=True)
class MailSettings:
    """How mail leaves: ``host`` None writes ``.eml`` files into ``folder`` instead of sending."""

    host: str | None
    port: int = 587
    security: Security = "starttls"
    username: str | None = None
    password: str | None = None
    sender: str = "slatrack <noreply@localhost>"
    folder: Path = Path("var/mail")
    timeout: float = 30.0


# --- the words ----------------------------------------------------------------------------------
def _target(minutes: Any, clock: Any) -> str:
    """``240`` → ``4 h``; a business-hours clock says so (``2700`` → ``45 business hours``)."""
    if not isinstance(minutes, int | float):
        return "?"
    h, m = divmod(round(minutes), 60)
    business = clock == "calendar"
    if h and not m:
        return f"{h} business hour{'s' if h != 1 else ''}" if business else f"{h} h"
    text = f"{h} h {m} min" if h else f"{m} min"
    return f"{text} of business hours" if business else text


def _metric(data: dict[str, Any]) -> str:
    return METRICS.get(str(data.get("metric")), str(data.get("metric", "SLA")))


def _ticket(data: dict[str, Any]) -> str:
    return str(data.get("ticket_number") or data.get("ticket_id") or "")


def _subject(type_: str, d: dict[str, Any]) -> str:
    p, number = d.get("priority") or "", _ticket(d)
    if type_ == "ticket.opened":
        text = f"{p} ticket opened: {number}: {d.get('summary', '')}"
    elif type_ == "ticket.assigned":
        text = f"Assigned to {d.get('assignee')}: {p} {number}"
    elif type_ == "ticket.acknowledged":
        text = f"Acknowledged: {p} {number} at {d.get('occurred_local', '')}"
    elif type_ == "clock.warning":
        text = (f"Warning: {p} {_metric(d)} on {number} is due {d.get('due_local')} "
                f"({d.get('warning_percent')} % used)")
    elif type_ == "clock.breached":
        text = f"Breached: {p} {_metric(d)} target on {number} passed at {d.get('due_local')}"
    elif type_ == "ticket.restored":
        text = f"Restored: unit {d.get('unit_serial')} on {number} at {d.get('occurred_local', '')}"
    elif type_ == "ticket.resolved":
        text = f"Resolved: {number}, waiting for a rating"
    elif type_ == "report.issued":
        text = f"Report issued: {_report_name(d)}"
    elif type_ == "record.late":
        text = f"Late record: {_what(d)} on {number} recorded {_late_by(d)} after it happened"
    else:
        text = f"{TITLES.get(type_, type_)}: {number}"  # type: ignore[call-overload]
    return "[slatrack] " + " ".join(text.split()).rstrip(": ")


def _report_name(d: dict[str, Any]) -> str:
    kind = str(d.get("kind") or "contract review").replace("_", " ")
    parts = [kind[:1].upper() + kind[1:]]
    if d.get("contract_number"):
        parts.append(f"for {d['contract_number']}")
    period = d.get("period_label") or (f"{d['from']} to {d['to']}" if d.get("from") and d.get("to") else None)
    if period:
        parts.append(f"({period})")
    return " ".join(parts)


def _what(d: dict[str, Any]) -> str:
    what = str(d.get("what") or "event")
    return "the report time" if what == "reported_at" else f"the {what.replace('_', ' ')} event"


def _late_by(d: dict[str, Any]) -> str:
    minutes = d.get("late_by_minutes")
    if not isinstance(minutes, int | float):
        return "late"
    h, m = divmod(round(minutes), 60)
    days, h = divmod(h, 24)
    return (f"{days} d {h} h" if days else f"{h} h {m} min" if h else f"{m} min")


def _opening(type_: str, d: dict[str, Any]) -> str:
    """The first paragraph: what happened, in one or two sentences."""
    p, number = d.get("priority") or "", _ticket(d)
    if type_ == "ticket.opened":
        return f"A {p} ticket, {number}, was opened (reported {d.get('reported_local', '')})."
    if type_ == "ticket.assigned":
        team = f" (team {d['team']})" if d.get("team") else ""
        by = f" by {d['assigned_by']}" if d.get("assigned_by") else ""
        return f"Ticket {number} was assigned to {d.get('assignee')}{team}{by}."
    if type_ == "ticket.acknowledged":
        return f"The vendor acknowledged ticket {number} at {d.get('occurred_local', '')}."
    if type_ == "clock.warning":
        return (f"The {p} {_metric(d)} clock of ticket {number} has used {d.get('warning_percent')} % of its "
                f"target of {_target(d.get('target_minutes'), d.get('clock'))}: it is due "
                f"{d.get('due_local')}. Act before then to stay within the contract's service level.")
    if type_ == "clock.breached":
        return (f"The {p} {_metric(d)} clock of ticket {number} passed its target of "
                f"{_target(d.get('target_minutes'), d.get('clock'))} at {d.get('due_local')}: the service "
                f"level for this ticket is breached.")
    if type_ == "ticket.restored":
        return f"Unit {d.get('unit_serial')} was restored to service at {d.get('occurred_local', '')}."
    if type_ == "ticket.resolved":
        return (f"Ticket {number} was resolved at {d.get('occurred_local', '')}. It is waiting for the "
                f"agency's rating of the service.")
    if type_ == "report.issued":
        return f"The {_report_name(d)} was issued and signed. The PDF is attached when this message carries it."
    if type_ == "record.late":
        return (f"{_what(d)[:1].upper() + _what(d)[1:]} of ticket {number} was recorded {_late_by(d)} after "
                f"it happened, outside the {d.get('reporting_window_hours')} h reporting window. Late records "
                f"are flagged in the contract review.")
    return f"{TITLES.get(type_, type_)}."  # type: ignore[call-overload]


def _facts(type_: str, d: dict[str, Any]) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    if d.get("ticket_number"):
        rows.append(("Ticket", f"{d['ticket_number']} ({d.get('priority')})"))
        if d.get("summary"):
            rows.append(("Summary", str(d["summary"])))
        if d.get("unit_serial"):
            rows.append(("Unit", f"{d['unit_serial']}" + (f" at {d['site']}" if d.get("site") else "")))
        if d.get("reported_local"):
            rows.append(("Reported", str(d["reported_local"])))
    if d.get("contract_number"):
        title = f" · {d['contract_title']}" if d.get("contract_title") else ""
        rows.append(("Contract", f"{d['contract_number']}{title}"))
    if type_ in ("clock.warning", "clock.breached") and d.get("metric"):
        kind = "business hours" if d.get("clock") == "calendar" else "24x7"
        rows.append(("Clock", f"{_metric(d)}, target {_target(d.get('target_minutes'), d.get('clock'))} ({kind})"))
        rows.append(("Due", str(d.get("due_local") or "—")))
    if type_ == "ticket.assigned" and d.get("assignee"):
        rows.append(("Assignee", str(d["assignee"]) + (f", team {d['team']}" if d.get("team") else "")))
    if type_ == "record.late" and d.get("late_by_minutes") is not None:
        rows.append(("Late by", _late_by(d)))
    return rows


def compose(message: Claimed, *, base_url: str, sender: str = "slatrack <noreply@localhost>",
            attachment: Attachment | None = None) -> EmailMessage:
    """The e-mail of one delivery: plain words per event type, a link, stable headers."""
    d, type_ = message.data, message.type
    msg = EmailMessage(policy=policy.SMTP)
    msg["Subject"] = _subject(type_, d)
    msg["From"] = sender
    msg["To"] = message.target
    msg["Date"] = email.utils.format_datetime(message.occurred_at.astimezone(UTC))
    msg["Message-ID"] = f"<{message.delivery_id}@slatrack>"
    msg[EVENT_HEADER] = type_
    lines = [TITLES.get(type_, type_), "", _opening(type_, d), ""]  # type: ignore[call-overload]
    facts = _facts(type_, d)
    width = max((len(k) for k, _ in facts), default=0) + 2
    lines += [f"{k + ':':<{width}}{v}" for k, v in facts]
    link = d.get("path") or d.get("download_path")
    if isinstance(link, str) and link:
        lines += ["", f"Open it: {base_url.rstrip('/')}{link}"]
    if d.get("timezone"):
        lines += ["", f"Times are in the contract's time zone ({d['timezone']})."]
    lines += ["", "-- ", "slatrack · you receive this because a notification rule of the contract names you."]
    msg.set_content("\n".join(lines) + "\n")
    if attachment is not None:
        name, content = attachment
        msg.add_attachment(content, maintype="application", subtype="pdf", filename=name)
    return msg


# --- the channel --------------------------------------------------------------------------------
class MailChannel:
    """Sends a claimed e-mail delivery (SMTP, or an ``.eml`` file when no host is set). Holds no
    connection between sends, so it is safe to call from several threads at once."""

    def __init__(self, settings: MailSettings, *, base_url: str,
                 attachment: Callable[[Claimed], Attachment | None] | None = None) -> None:
        self.settings = settings
        self.base_url = base_url
        self.attachment = attachment

    def compose(self, message: Claimed) -> EmailMessage:
        extra = self.attachment(message) if self.attachment is not None else None
        return compose(message, base_url=self.base_url, sender=self.settings.sender, attachment=extra)

    def send(self, message: Claimed) -> None:
        msg = self.compose(message)
        if self.settings.host is None:
            write_eml(self.settings.folder, message, msg)
        else:
            self._smtp(msg, message.target)

    def _smtp(self, msg: EmailMessage, to: str) -> None:
        s = self.settings
        assert s.host is not None
        sender = email.utils.parseaddr(s.sender)[1] or s.sender
        try:
            if s.security == "ssl":
                client: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout,
                                                        context=ssl.create_default_context())
            else:
                client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            with client:
                if s.security == "starttls":
                    client.starttls(context=ssl.create_default_context())
                if s.username:
                    client.login(s.username, s.password or "")
                client.send_message(msg, from_addr=sender, to_addrs=[to])
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()), (0, b""))
            raise DeliveryFailed(f"{to} refused: {code} {_text(reply)}", permanent=500 <= code < 600) from None
        except smtplib.SMTPDataError as exc:
            raise DeliveryFailed(f"message refused: {exc.smtp_code} {_text(exc.smtp_error)}",
                                 permanent=500 <= exc.smtp_code < 600) from None
        except smtplib.SMTPResponseException as exc:  # sender refused, authentication, …: configuration
            raise DeliveryFailed(f"SMTP error: {exc.smtp_code} {_text(exc.smtp_error)}") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryFailed(f"cannot reach the SMTP server {s.host}:{s.port}: {exc}") from None


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def eml_name(message: Claimed) -> str:
    """``20261208T143000Z-<delivery id>.eml``: sorts by when it happened; a retry names the same file."""
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", message.delivery_id):
        raise ValueError(f"delivery id {message.delivery_id!r} cannot name a file")
    return f"{message.occurred_at.astimezone(UTC):%Y%m%dT%H%M%SZ}-{message.delivery_id}.eml"


def write_eml(folder: Path, message: Claimed, msg: EmailMessage) -> Path:
    """Write the message into ``folder`` atomically (a temporary file, then a rename over the name)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / eml_name(message)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".eml", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(msg.as_bytes())
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# --- reading the folder -------------------------------------------------------------------------
@dataclass(frozen=True)
class MailItem:
    """One message of the folder, as the list shows it."""

    name: str
    date: datetime | None
    to: tuple[str, ...]
    subject: str
    event: str
    sender: str


@dataclass(frozen=True)
class MailView(MailItem):
    """One message in full: its headers, text body and attachment names."""

    headers: tuple[tuple[str, str], ...] = ()
    body: str = ""
    attachments: tuple[str, ...] = ()


def _addresses(value: str | None) -> tuple[str, ...]:
    return tuple(addr.lower() for _, addr in email.utils.getaddresses([value or ""]) if addr)


def _date(value: str | None) -> datetime | None:
    try:
        found = email.utils.parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError):
        return None
    return found.astimezone(UTC) if found is not None and found.tzinfo is not None else None


def _item(name: str, msg: Any) -> MailItem:
    return MailItem(name=name, date=_date(msg["Date"]), to=_addresses(msg["To"]), subject=_one_line(msg["Subject"]),
                    event=_one_line(msg[EVENT_HEADER]), sender=_one_line(msg["From"]))


def _one_line(value: Any) -> str:
    """A header's value on one line (a long one is folded when written)."""
    return " ".join(str(value or "").split())


def read_folder(folder: Path, *, limit: int | None = None,
                keep: Callable[[MailItem], bool] | None = None) -> list[MailItem]:
    """The folder's messages (headers only), newest first: the first ``limit`` that ``keep``
    accepts. File names start with the instant, so only as many files are read as needed."""
    if not folder.is_dir():
        return []
    parser = BytesParser(policy=policy.default)
    names = sorted((p.name for p in folder.iterdir() if _NAME.fullmatch(p.name)), reverse=True)
    items: list[MailItem] = []
    for name in names:
        try:
            with (folder / name).open("rb") as f:
                item = _item(name, parser.parse(f, headersonly=True))
        except (FileNotFoundError, IsADirectoryError):
            continue
        if keep is None or keep(item):
            items.append(item)
            if limit is not None and len(items) >= limit:
                break
    return items


def read_message(folder: Path, name: str) -> MailView:
    """One message of the folder by file name; a name that is not one of ours (a path, ``..``)
    or a missing file is :class:`NotFound`."""
    if not _NAME.fullmatch(name):
        raise NotFound(f"message {name!r} not found")
    path = folder / name
    try:
        raw = path.read_bytes()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise NotFound(f"message {name!r} not found") from None
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    body_part = msg.get_body(preferencelist=("plain",))
    body = body_part.get_content() if body_part is not None else ""
    attachments = tuple(part.get_filename() or "(unnamed)" for part in msg.iter_attachments())
    item = _item(name, msg)
    return MailView(**item.__dict__, headers=tuple((k, _one_line(v)) for k, v in msg.items()),
                    body=str(body).replace("\r\n", "\n"),
                    attachments=attachments)
