"""Verify: is this PDF one we issued, and is it unaltered?

A PDF is **valid** when

1. its SHA-256 equals the ``sha256`` of an issued report (a byte-identical copy, signed or not); or
2. it is signed, and the signature verifies (the signed bytes are intact and the signature is
   cryptographically valid, checked with pyHanko), the revisions appended after it only add
   signatures, fill signature fields or update metadata (e.g. a contracting officer's
   countersignature; no content, no other annotations), the embedded ``report-data.json``
   hashes to that report's registered ``data_sha256``, and either the signed revision is
   byte-identical to the issued PDF or the signing certificate is one of ``trusted_certs``
   (this server's signing certificate, pinned by SHA-256 fingerprint).

pyHanko's own difference analysis is not used: on a tagged PDF (thousands of structure
elements) it takes about a minute; the check here looks only at the objects a later revision
changed.

Trust: the demo key is self-signed, so no public trust chain exists. Integrity plus the
registry match (or the pinned certificate) is what makes a copy ours; "signer not trusted by
a public CA" is reported as information, not as a failure. A signature by any other key over
our data is *not* accepted: anyone can sign anything with a self-made certificate.

Otherwise the result says why, with ``status``: ``not_pdf`` (not a PDF at all), ``unknown`` (no
such report was issued here, or not a slatrack report), ``altered`` (bytes differ from the
issued report and no valid signature vouches for them, or the signature is broken),
``data_mismatch`` (the embedded data is not the registered data).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleet.models import Report
from reports.render import DATA_FILE
from reports.signing import certificate_fingerprint

LOG = logging.getLogger("slatrack.reports")
VerifyStatus = Literal["valid", "not_pdf", "unknown", "altered", "data_mismatch"]
MAX_SCAN = 1024


@dataclass(frozen=True)
class VerifyResult:
    valid: bool
    report_id: str | None
    reasons: list[str] = field(default_factory=list)
    status: VerifyStatus = "unknown"


def _is_pdf(pdf_bytes: bytes) -> bool:
    return b"%PDF-" in pdf_bytes[:MAX_SCAN]


def _embedded_data(pdf_bytes: bytes) -> bytes | None:
    """The bytes of the embedded ``report-data.json`` (``None`` when absent)."""
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(pdf_bytes), strict=False)
    files = reader.attachments
    contents = files.get(DATA_FILE)
    if not contents:
        return None
    data: bytes = contents[0]
    return data


def _report_by(session: Session, column: Any, value: str) -> Report | None:
    return session.scalars(select(Report).where(column == value).limit(1)).first()


@dataclass(frozen=True)
class _SignatureCheck:
    ok: bool
    reasons: list[str]
    signed_revision_sha256: str | None
    signer_fingerprint: str | None


# What a later revision may change in an object that existed when the document was signed
# (signatures, form fields and metadata; not content, not other annotations).
_ALLOWED_KEYS: dict[str, frozenset[str]] = {
    "catalog": frozenset({"/AcroForm", "/DSS", "/Metadata", "/Extensions", "/Perms"}),
    "page": frozenset({"/Annots"}),
    "acroform": frozenset({"/Fields", "/SigFlags", "/DA", "/DR"}),
    "signature": frozenset({"/V", "/AP", "/F", "/Lock", "/SV"}),
}


def _is_signature(obj: Any) -> bool:
    """A signature field or its widget (possibly merged), or a signature value dictionary."""
    from pyhanko.pdf_utils import generic

    if not isinstance(obj, generic.DictionaryObject):
        return False
    if obj.get("/Type") in ("/Sig", "/DocTimeStamp"):
        return True
    if obj.get("/FT") == "/Sig":
        return True
    parent = obj.get("/Parent")
    return parent is not None and _is_signature(parent.get_object() if hasattr(parent, "get_object") else parent)


def _kind(obj: Any, ref: Any, info_ref: Any) -> str:
    from pyhanko.pdf_utils import generic

    if info_ref is not None and (ref.idnum, ref.generation) == (info_ref.idnum, info_ref.generation):
        return "info"
    if isinstance(obj, generic.StreamObject):
        return "stream:" + str(obj.get("/Type", ""))
    if isinstance(obj, generic.ArrayObject):
        return "array"
    if not isinstance(obj, generic.DictionaryObject):
        return "other"
    if obj.get("/Type") == "/Catalog":
        return "catalog"
    if obj.get("/Type") == "/Page":
        return "page"
    if _is_signature(obj):
        return "signature"
    if "/Fields" in obj:
        return "acroform"
    return "dictionary"


def _items(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value.get_object() if hasattr(value, "get_object") else value)


def _new_items_are_signatures(before: Any, after: Any) -> bool:
    old = {repr(x) for x in _items(before)}
    return all(_is_signature(x.get_object()) for x in _items(after) if repr(x) not in old)


def _changes_after(reader: Any, signed_revision: int) -> list[str]:
    """Problems with the revisions appended after ``signed_revision`` (empty when they only add
    signatures, fill signature fields or update metadata)."""
    problems: list[str] = []
    xrefs = reader.xrefs
    info_ref = reader.trailer.raw_get("/Info") if "/Info" in reader.trailer else None
    for rev in range(signed_revision + 1, xrefs.total_revisions):
        old, new = reader.get_historical_resolver(rev - 1), reader.get_historical_resolver(rev)
        for ref in sorted(xrefs.explicit_refs_in_revision(rev), key=lambda r: (r.idnum, r.generation)):
            after = new.get_object(ref)
            if xrefs.get_introducing_revision(ref) == rev:
                if _kind(after, ref, None) in ("page", "catalog"):
                    problems.append(f"object {ref.idnum} adds a {_kind(after, ref, None)} after signing")
                continue
            before = old.get_object(ref)
            kind = _kind(before, ref, info_ref)
            if kind in ("info", "stream:/Metadata", "stream:/XRef", "stream:/ObjStm", "signature"):
                if kind == "signature":
                    changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
                    if not changed <= _ALLOWED_KEYS["signature"]:
                        problems.append(f"signature field {ref.idnum} was changed after signing")
                continue
            if kind == "array":
                if list(after)[: len(before)] != list(before) or not _new_items_are_signatures(before, after):
                    problems.append(f"array object {ref.idnum} was changed after signing")
                continue
            allowed = _ALLOWED_KEYS.get(kind)
            if allowed is None:
                problems.append(f"object {ref.idnum} ({kind}) was changed after signing")
                continue
            changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
            if not changed <= allowed:
                problems.append(f"the {kind} (object {ref.idnum}) was changed after signing: "
                                f"{', '.join(sorted(changed - allowed))}")
            elif kind == "page" and not _new_items_are_signatures(before.get("/Annots"), after.get("/Annots")):
                problems.append(f"annotations other than signatures were added to page object {ref.idnum}")
            elif kind == "acroform" and not _new_items_are_signatures(before.get("/Fields"), after.get("/Fields")):
                problems.append("form fields other than signatures were added after signing")
    return problems


def _check_signatures(pdf_bytes: bytes, *, trusted_fps: set[str]) -> list[_SignatureCheck]:
    """Integrity of every signature (no certificate path validation: see the module rules)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation.generic_cms import validate_sig_integrity

    reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
    results: list[_SignatureCheck] = []
    for sig in reader.embedded_signatures:
        name = sig.field_name
        fingerprint = None
        try:
            fingerprint = hashlib.sha256(sig.signer_cert.dump()).hexdigest()
            sig.compute_integrity_info(skip_diff=True)
            intact, valid = validate_sig_integrity(sig.signer_info, sig.signer_cert, expected_content_type="data",
                                                   actual_digest=sig.compute_digest())
            later = _changes_after(reader, sig.signed_revision)
        except Exception as exc:  # malformed CMS, unsupported algorithm, unreadable certificate...
            results.append(_SignatureCheck(False, [f"altered: signature {name!r} cannot be validated ({exc})"], None,
                                           fingerprint))
            continue
        reasons: list[str] = []
        if not intact:
            reasons.append(f"altered: signature {name!r} does not match the document (the signed bytes were changed)")
        elif not valid:
            reasons.append(f"altered: signature {name!r} is not a valid signature of the signed bytes")
        reasons += [f"altered: {p}" for p in later]
        ok = not reasons
        if ok:
            if fingerprint in trusted_fps:
                reasons.append(f"signature {name!r} intact, made with this server's signing certificate "
                               f"(SHA-256 fingerprint {fingerprint})")
            else:
                subject = sig.signer_cert.subject.human_friendly
                reasons.append(f"signature {name!r} intact; signer not trusted by a public CA ({subject}): "
                               "integrity checked, not identity")
            if sig.signed_revision < reader.xrefs.total_revisions - 1:
                reasons.append(f"after signature {name!r} the file has later additions limited to signatures, "
                               "signature fields and metadata (e.g. a countersignature)")
        end = int(sig.byte_range[2]) + int(sig.byte_range[3])
        results.append(_SignatureCheck(ok, reasons, hashlib.sha256(pdf_bytes[:end]).hexdigest(), fingerprint))
    return results


def verify_pdf(session: Session, pdf_bytes: bytes, *, trusted_certs: Sequence[bytes] = ()) -> VerifyResult:
    """Check ``pdf_bytes`` against the report register (see the module rules).

    ``trusted_certs``: PEM or DER certificates whose signatures vouch for a copy (this
    server's signing certificate). Reads no clock: certificates are not checked for expiry or
    revocation, only for identity (pinned fingerprint) and the signature for integrity."""
    if not pdf_bytes or not _is_pdf(pdf_bytes):
        return VerifyResult(False, None, ["not a PDF: the file has no PDF header"], "not_pdf")
    sha = hashlib.sha256(pdf_bytes).hexdigest()
    issued = _report_by(session, Report.sha256, sha)
    if issued is not None:
        return VerifyResult(True, issued.id, [
            f"identical to report {issued.id} ({issued.kind}) as issued: SHA-256 {sha}"
            + (" (signed)" if issued.signed else ""),
        ], "valid")

    try:
        raw = _embedded_data(pdf_bytes)
    except Exception as exc:  # pypdf raises many types on damaged files
        LOG.info("verify: cannot read PDF: %s", exc)
        return VerifyResult(False, None, [
            f"altered or damaged: the file cannot be read as a PDF ({type(exc).__name__}); "
            f"its SHA-256 {sha} matches no issued report",
        ], "altered")
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
    report = session.get(Report, embedded_id) if isinstance(embedded_id, str) else None
    if report is None:
        report = _report_by(session, Report.data_sha256, data_sha)
    if report is None:
        what = f"report {embedded_id}" if isinstance(embedded_id, str) else "report with this data"
        return VerifyResult(False, embedded_id if isinstance(embedded_id, str) else None, [
            f"unknown: no {what} was issued here (file SHA-256 {sha}, data SHA-256 {data_sha})",
        ], "unknown")

    trusted_fps = {certificate_fingerprint(c) for c in trusted_certs}
    try:
        checks = _check_signatures(pdf_bytes, trusted_fps=trusted_fps)
    except Exception as exc:  # a damaged signature dictionary, unreadable xref...
        LOG.info("verify: cannot read signatures: %s", exc)
        checks = [_SignatureCheck(False, [f"altered: the signatures cannot be read ({type(exc).__name__})"], None,
                                  None)]
    data_ok = data_sha == report.data_sha256
    if not checks:
        reason = (f"altered: this copy differs from report {report.id} as issued (SHA-256 {sha}, issued "
                  f"{report.sha256}) and carries no signature to vouch for it")
        if not data_ok:
            return VerifyResult(False, report.id, [
                reason, f"data mismatch: the embedded {DATA_FILE} hashes to {data_sha}, the report registered "
                f"{report.data_sha256}",
            ], "data_mismatch")
        return VerifyResult(False, report.id, [reason], "altered")

    reasons = [r for c in checks for r in c.reasons]
    good = [c for c in checks if c.ok and (c.signed_revision_sha256 == report.sha256
                                          or c.signer_fingerprint in trusted_fps)]
    if not data_ok:
        return VerifyResult(False, report.id, [
            *reasons, f"data mismatch: the embedded {DATA_FILE} hashes to {data_sha}, report {report.id} "
            f"registered {report.data_sha256}",
        ], "data_mismatch")
    if good:
        return VerifyResult(True, report.id, [
            f"report {report.id} ({report.kind}): the signed revision is the issued PDF or was signed with our "
            f"certificate, and the embedded data matches the register (data SHA-256 {data_sha})",
            *reasons,
        ], "valid")
    if any(c.ok for c in checks):
        reasons.append(f"altered: the signature is intact but was not made by this server over report "
                       f"{report.id} as issued (signed bytes differ from the issued PDF and the signing certificate "
                       "is not ours)")
    return VerifyResult(False, report.id, reasons, "altered")
