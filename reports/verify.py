"""Verify: is this PDF one we issued, and does a reader see exactly what we issued?

A PDF is **valid** when the report it carries was issued here, the audit ledger still holds the
state the report cites (an ``audit_entries`` row with the report's ``audit_head``), and either

1. its SHA-256 equals the ``sha256`` of an issued report (a byte-identical copy, signed or not:
   the fast path, one indexed lookup, no parsing); or
2. the file *starts* with an issued report's exact bytes (the **issued revision**), and every
   incremental update after it changes nothing a reader sees. pyHanko's difference analysis
   (``DEFAULT_DIFF_POLICY.review_file`` from the issued revision, see :mod:`reports.pdfcheck`)
   must clear each later revision at ``LTA_UPDATES`` (DSS, document timestamps, metadata) or
   ``FORM_FILLING``; at ``FORM_FILLING`` every annotation or form field added or changed must be
   **invisible** (flagged Hidden, or a rectangle of no area, and no ``/A``/``/AA`` action), every
   form field a signature field, and every later signature intact. (pyHanko alone clears an
   unsigned signature field that paints the whole cover at ``FORM_FILLING``: the visibility rule
   is what refuses it.) So a contracting officer's invisible countersignature, by
   any key, is accepted and named (its signer is listed, "not this server's certificate" unless
   it is ours); a visible one is not, nor an unsigned signature field with an appearance, a
   FreeText/Square note, new or rewritten page content, or bytes after the last ``%%EOF``.

The issued revision is found without parsing: the SHA-256 of the file up to each ``%%EOF``
marker is looked up in the register (the longest match wins); pyHanko then confirms that the
revision ending there is in the file's cross-reference chain. Parsing runs in a worker process
with a time and memory budget and object, revision and page limits
(:func:`reports.pdfcheck_worker.inspect_in_worker`); over a limit :class:`reports.errors.PdfTooComplex`
(422). pyHanko's analysis of a tagged report was slow (26 s for a 145 KB review) because its
reader re-parses an object stream's index for every object; :mod:`reports.pdfreader` fixes that.

Every answer that found the issued revision carries it (``issued_revision``: report id, its
revision number in the file when parsed, byte length, SHA-256): the first ``byte_length`` bytes
of the upload *are* the issued report, which its readers may download from the register.
``additions`` lists what each later revision added (revision, page, rectangle, signer, visible).

Tenancy: with a ``principal``, every register lookup is scoped (:func:`fleet.tenancy.scoped`),
so another agency's report answers exactly as a report never issued here (``unknown``).

Statuses: ``valid``; ``not_pdf``; ``unknown`` (no such report here, or not a slatrack report);
``altered`` (not the issued bytes, or later revisions a reader would see); ``data_mismatch``
(no issued revision inside and the embedded data is not the registered data);
``ledger_mismatch`` (the ledger no longer contains the state the report was issued at).
Reads no clock: certificates are identified (pinned fingerprint), not checked for expiry.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from fleet.audit import GENESIS
from fleet.models import AuditEntry, Report
from fleet.principal import Principal
from fleet.tenancy import scoped
from reports.errors import PdfTooComplex
from reports.pdfcheck import EOF_MARKER, Addition, Inspection, VerifyLimits
from reports.pdfcheck_worker import inspect_in_worker
from reports.render import DATA_FILE
from reports.signing import certificate_fingerprint

VerifyStatus = Literal["valid", "not_pdf", "unknown", "altered", "data_mismatch", "ledger_mismatch"]
MAX_SCAN = 1024
MAX_PREFIXES = 64  # %%EOF markers whose prefix is looked up (an issued report has one or two)
_ACCEPTED_LEVELS = {"NONE", "LTA_UPDATES", "FORM_FILLING"}


@dataclass(frozen=True)
class IssuedRevision:
    """The issued report inside the upload: its first ``byte_length`` bytes."""

    report_id: str
    byte_length: int
    sha256: str
    revision: int | None = None


@dataclass(frozen=True)
class VerifyResult:
    valid: bool
    report_id: str | None
    reasons: list[str] = field(default_factory=list)
    status: VerifyStatus = "unknown"
    issued_revision: IssuedRevision | None = None
    additions: list[Addition] = field(default_factory=list)


def _is_pdf(pdf_bytes: bytes) -> bool:
    return b"%PDF-" in pdf_bytes[:MAX_SCAN]


class _Register:
    """Report lookups, scoped to what ``principal`` may see (None: everything)."""

    def __init__(self, session: Session, principal: Principal | None) -> None:
        self.session, self.principal = session, principal

    def all(self, *where: Any, limit: int = MAX_PREFIXES) -> list[Report]:
        stmt = select(Report).where(*where)
        if self.principal is not None:
            stmt = scoped(stmt, Report, self.principal)
        return list(self.session.scalars(stmt.limit(limit)))

    def first(self, *where: Any) -> Report | None:
        found = self.all(*where, limit=1)
        return found[0] if found else None

    def ledger_holds(self, report: Report) -> bool:
        if report.audit_head == GENESIS:
            return True
        return bool(self.session.scalar(select(exists().where(AuditEntry.hash == report.audit_head))))


def _prefix_hashes(pdf: bytes) -> dict[str, int]:
    """SHA-256 → length of the file up to each ``%%EOF`` marker (with and without its line end),
    in one pass."""
    found: dict[str, int] = {}
    digest, done, start = hashlib.sha256(), 0, 0
    while len(found) < MAX_PREFIXES * 3:
        at = pdf.find(EOF_MARKER, start)
        if at < 0:
            break
        end = at + len(EOF_MARKER)
        digest.update(pdf[done:end])
        done = start = end
        found[digest.hexdigest()] = end
        for eol in (b"\n", b"\r\n", b"\r"):
            if pdf.startswith(eol, end):
                tail = digest.copy()
                tail.update(eol)
                found[tail.hexdigest()] = end + len(eol)
    return found


def _trailing(pdf: bytes) -> Addition | None:
    last = pdf.rfind(EOF_MARKER)
    rest = pdf[last + len(EOF_MARKER):] if last >= 0 else b""
    if rest.strip(b"\r\n\t\f\x00 "):
        return Addition("trailing_data", False, f"the file has {len(rest)} bytes after its last %%EOF marker "
                                                "(data that is not part of any revision)")
    return None


def _ledger_reason(report: Report) -> str:
    return (f"ledger mismatch: the audit ledger no longer contains the state report {report.id} was issued at "
            f"(audit head {report.audit_head} is missing): the ledger was truncated or rewritten after issue")


def verify_pdf(session: Session, pdf_bytes: bytes, *, trusted_certs: Sequence[bytes] = (),
               principal: Principal | None = None, limits: VerifyLimits | None = None) -> VerifyResult:
    """Check ``pdf_bytes`` against the register (see the module rules). ``trusted_certs``: this
    server's signing certificate (names a later signature as ours); ``principal``: scope the
    register to what it may see; ``limits``: the parsing budget."""
    limits = limits or VerifyLimits()
    if not pdf_bytes or not _is_pdf(pdf_bytes):
        return VerifyResult(False, None, ["not a PDF: the file has no PDF header"], "not_pdf")
    register = _Register(session, principal)
    sha = hashlib.sha256(pdf_bytes).hexdigest()
    issued = register.first(Report.sha256 == sha)
    if issued is not None:
        revision = IssuedRevision(issued.id, len(pdf_bytes), sha)
        same = (f"identical to report {issued.id} ({issued.kind}) as issued: SHA-256 {sha}"
                + (" (signed)" if issued.signed else ""))
        if not register.ledger_holds(issued):
            return VerifyResult(False, issued.id, [same, _ledger_reason(issued)], "ledger_mismatch", revision)
        return VerifyResult(True, issued.id, [same], "valid", revision)

    prefixes = _prefix_hashes(pdf_bytes)
    matches = register.all(Report.sha256.in_(list(prefixes))) if prefixes else []
    if matches:  # the longest registered prefix (normally the only one)
        report = max(matches, key=lambda r: prefixes[r.sha256])
        return _judge_later_revisions(register, report, pdf_bytes, prefixes[report.sha256], limits,
                                      {certificate_fingerprint(c) for c in trusted_certs})
    return _not_issued(register, pdf_bytes, sha, limits)


def _inspect(pdf: bytes, issued_len: int | None, limits: VerifyLimits) -> Inspection:
    found = inspect_in_worker(pdf, issued_len, limits)
    if found.too_complex is not None:
        raise PdfTooComplex(f"the PDF cannot be checked within this server's limits: {found.too_complex}",
                            details=[{"limit": found.too_complex}])
    return found


def _judge_later_revisions(register: _Register, report: Report, pdf: bytes, issued_len: int,
                           limits: VerifyLimits, ours: set[str]) -> VerifyResult:
    found = _inspect(pdf, issued_len, limits)
    revision = IssuedRevision(report.id, issued_len, report.sha256, found.issued_revision)
    head = (f"the first {issued_len} bytes of this file are report {report.id} ({report.kind}) as issued "
            f"(SHA-256 {report.sha256}); the rest was added later")
    additions = list(found.additions)
    trailing = _trailing(pdf)
    if trailing is not None:
        additions.append(trailing)
    problems = [*found.problems]
    if found.unreadable is not None:
        problems.append(f"the additions after the issued report cannot be read as PDF revisions "
                        f"({found.unreadable})")
    if found.rejected is not None:
        problems.append(f"pyHanko's difference analysis rejects the later revisions: {found.rejected}")
    elif found.level is not None and found.level not in _ACCEPTED_LEVELS:
        problems.append(f"the later revisions change the document at level {found.level} (annotations or content)")
    problems += [f"{a.description}: a reader sees it" for a in additions if a.visible]
    if trailing is not None:
        problems.append(trailing.description)
    problems += [f"revision {a.revision} adds a form field that is not a signature field" for a in additions
                 if a.kind == "form_field" and not a.visible]
    notes = []
    for s in found.signatures:
        who = "this server's signing certificate" if s.fingerprint in ours else "not this server's certificate"
        what = "document timestamp" if s.timestamp else f"signature by {s.signer}"
        if not s.intact:
            problems.append(f"the {what} in revision {s.revision} is broken (it does not match the signed bytes)")
        else:
            notes.append(f"revision {s.revision}: {what}, intact ({who}; identity not checked against a public CA)")
    notes += [a.description for a in additions if not a.visible and a.kind not in ("signature", "trailing_data")]
    if problems:
        return VerifyResult(False, report.id, [
            f"altered: {head}, and the additions change what a reader sees or cannot be cleared",
            *problems, f"the issued report is the first {issued_len} bytes of this file (report {report.id})",
        ], "altered", revision, additions)
    cleared = f"{head}; the later revisions change nothing a reader sees (pyHanko level {found.level})"
    if not register.ledger_holds(report):
        return VerifyResult(False, report.id, [cleared, *notes, _ledger_reason(report)], "ledger_mismatch",
                            revision, additions)
    return VerifyResult(True, report.id, [cleared, *notes], "valid", revision, additions)


def _not_issued(register: _Register, pdf: bytes, sha: str, limits: VerifyLimits) -> VerifyResult:
    """No issued report inside the file: say whether it claims to be one of ours."""
    found = _inspect(pdf, None, limits)
    if found.unreadable is not None:
        return VerifyResult(False, None, [
            f"altered or damaged: the file cannot be read as a PDF; its SHA-256 {sha} matches no issued report",
        ], "altered")
    raw = found.embedded_data
    if raw is None:
        return VerifyResult(False, None, [
            f"unknown: the PDF carries no {DATA_FILE}, so it is not a slatrack report; "
            f"its SHA-256 {sha} matches no issued report",
        ], "unknown")
    data_sha = hashlib.sha256(raw).hexdigest()
    try:
        embedded_id = json.loads(raw).get("report_id")
    except (ValueError, AttributeError):
        embedded_id = None
    rid = embedded_id if isinstance(embedded_id, str) else None
    report = register.first(Report.id == rid) if rid is not None else None
    if report is None:
        report = register.first(Report.data_sha256 == data_sha)
    if report is None:
        what = f"report {rid}" if rid is not None else "report with this data"
        return VerifyResult(False, rid, [
            f"unknown: no {what} was issued here (file SHA-256 {sha}, data SHA-256 {data_sha})",
        ], "unknown")
    reason = (f"altered: this file differs from report {report.id} as issued (SHA-256 {report.sha256}): "
              f"neither the whole file (SHA-256 {sha}) nor any revision of it is the issued PDF")
    if data_sha != report.data_sha256:
        return VerifyResult(False, report.id, [
            reason, f"data mismatch: the embedded {DATA_FILE} hashes to {data_sha}, report {report.id} registered "
            f"{report.data_sha256}",
        ], "data_mismatch")
    return VerifyResult(False, report.id, [reason], "altered")
