"""Issuing (register, sign, audit, idempotency) and verifying PDFs against the register."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from sqlalchemy import select
from sqlalchemy.orm import Session

from fleet.errors import Forbidden
from fleet.models import AuditEntry, Report
from fleet.principal import SYSTEM, Principal
from reports.data import ContractReviewData, data_sha256
from reports.errors import ReportConflict, ReportMismatch
from reports.issue import issue_report
from reports.signing import SigningKey, make_demo_signing_key, sign_pdf
from reports.verify import verify_pdf
from tests.builders import cite_in_ledger, make_agency
from tests.reports import samples
from tests.reports.conftest import needs_weasyprint, reader

pytestmark = needs_weasyprint
MANAGER = Principal(id="u-1", name="casey", role="manager", kind="user")
SIGNED_AT = datetime(2026, 7, 1, 6, 30, tzinfo=UTC)


def _renderer(pdf: bytes, calls: list[str] | None = None) -> Callable[[object], bytes]:
    def render(data: object) -> bytes:
        if calls is not None:
            calls.append("render")
        return pdf

    return render


def _issue(session: Session, data: ContractReviewData, pdf: bytes, **kw: object) -> Report:
    args: dict[str, object] = dict(kind=data.kind, parameters=data.parameters.model_dump(), as_of=data.as_of, data=data,
                                   created_by=MANAGER, agency_id=None, audit_head=data.audit_head,
                                   renderer=_renderer(pdf))
    args.update(kw)
    cite_in_ledger(session, str(args["audit_head"]))
    return issue_report(session, **args)  # type: ignore[arg-type]


def _flip(pdf: bytes, at: int) -> bytes:
    return pdf[:at] + bytes([pdf[at] ^ 0x01]) + pdf[at + 1:]


def test_issue_registers_the_report_and_audits_it(session: Session, review: ContractReviewData,
                                                  review_pdf: bytes) -> None:
    agency = make_agency(session)
    calls: list[str] = []
    row = _issue(session, review, review_pdf, agency_id=agency.id, renderer=_renderer(review_pdf, calls))
    assert row.id == review.report_id
    assert (row.kind, row.agency_id, row.signed, row.created_by) == ("contract_review", agency.id, False, "user:casey")
    assert row.parameters == {"contract_id": review.parameters.contract_id, "from": "2026-01-01",
                              "to": "2026-05-01", "at": None}
    assert row.as_of == review.as_of and row.audit_head == review.audit_head
    assert row.data_sha256 == data_sha256(review)
    assert row.size_bytes == len(review_pdf) and row.pdf == review_pdf
    assert row.page_count == len(reader(review_pdf).pages)
    entry = session.scalars(select(AuditEntry).where(AuditEntry.entity_id == row.id)).one()
    assert (entry.action, entry.entity_type, entry.actor) == ("report.issue", "report", "user:casey")
    assert entry.after["sha256"] == row.sha256 and "pdf" not in entry.after

    again = _issue(session, review, review_pdf, agency_id=agency.id, renderer=_renderer(review_pdf, calls))
    assert again is row and calls == ["render"]  # idempotent: not rendered, not stored, not audited twice
    assert session.scalars(select(AuditEntry).where(AuditEntry.entity_id == row.id)).all() == [entry]


def test_issuing_the_same_id_from_different_data_is_a_conflict(session: Session, review: ContractReviewData,
                                                                review_pdf: bytes) -> None:
    _issue(session, review, review_pdf)
    changed = samples.contract_review(units=3, tickets=16, months=4, vendor="Someone Else LLC")
    assert changed.report_id == review.report_id
    with pytest.raises(ReportConflict, match="issued from different data"):
        _issue(session, changed, review_pdf)


def test_data_must_match_the_request(session: Session, review: ContractReviewData, review_pdf: bytes) -> None:
    with pytest.raises(ReportMismatch, match="audit_head"):
        _issue(session, review, review_pdf, audit_head="0" * 64)
    with pytest.raises(ReportMismatch, match="as_of"):
        _issue(session, review, review_pdf, as_of=datetime(2026, 7, 2, tzinfo=UTC))


def test_only_roles_that_create_reports_may_issue(session: Session, review: ContractReviewData,
                                                  review_pdf: bytes) -> None:
    with pytest.raises(Forbidden):
        _issue(session, review, review_pdf, created_by=Principal(id="k", name="field", role="engineer"))


def test_verify_an_issued_copy_and_say_why_others_fail(session: Session, review: ContractReviewData,
                                                       review_pdf: bytes, track_pdf: bytes) -> None:
    row = _issue(session, review, review_pdf, created_by=SYSTEM)

    ok = verify_pdf(session, review_pdf)
    assert (ok.valid, ok.report_id, ok.status) == (True, row.id, "valid")
    assert "identical to report" in ok.reasons[0]

    # one byte in the binary comment of the header: still a readable PDF with our data inside
    header_flip = verify_pdf(session, _flip(review_pdf, 11))
    assert (header_flip.valid, header_flip.report_id, header_flip.status) == (False, row.id, "altered")
    assert "differs from report" in header_flip.reasons[0]

    for at in (len(review_pdf) // 3, len(review_pdf) // 2, len(review_pdf) - 40):
        result = verify_pdf(session, _flip(review_pdf, at))
        assert not result.valid and result.status in {"altered", "unknown", "data_mismatch"}, (at, result)
        assert result.reasons

    truncated = verify_pdf(session, review_pdf[: len(review_pdf) // 2])
    assert not truncated.valid and truncated.reasons

    assert verify_pdf(session, b"hello, not a pdf").status == "not_pdf"
    assert verify_pdf(session, b"").status == "not_pdf"

    unknown = verify_pdf(session, track_pdf)  # a real slatrack PDF, never issued here
    assert (unknown.valid, unknown.status) == (False, "unknown")
    assert "no report" in unknown.reasons[0]


def _countersign(pdf: bytes, key: tuple[Path, Path]) -> bytes:
    signer = signers.SimpleSigner.load(key_file=str(key[0]), cert_file=str(key[1]))
    meta = signers.PdfSignatureMetadata(field_name="agency-countersignature", subfilter=SigSeedSubFilter.PADES)
    out = signers.PdfSigner(meta, signer).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False))
    return bytes(out.getvalue())


def test_signed_reports_verify_also_when_countersigned(session: Session, review: ContractReviewData,
                                                       review_pdf: bytes, demo_keys: tuple[Path, Path],
                                                       tmp_path: Path) -> None:
    key = SigningKey(*demo_keys, signer_name="Northwind Robotics")
    row = _issue(session, review, review_pdf, signer=key, signed_at=SIGNED_AT)
    assert row.signed and row.pdf.startswith(review_pdf)  # an incremental update over the rendered bytes
    xmp = reader(row.pdf).xmp_metadata
    assert xmp is not None and 'pdfaid:part="3"' in xmp.stream.get_data().decode()

    exact = verify_pdf(session, row.pdf)
    assert exact.valid and "(signed)" in exact.reasons[0]

    agency_key = make_demo_signing_key(tmp_path / "agency", common_name="Contracting officer")
    countersigned = _countersign(row.pdf, agency_key)
    result = verify_pdf(session, countersigned)
    assert (result.valid, result.report_id, result.status) == (True, row.id, "valid"), result.reasons
    text = " ".join(result.reasons)
    assert "change nothing a reader sees" in text and "Contracting officer" in text
    assert "not this server's certificate" in text  # the countersignature is named, not vouched for

    pinned = verify_pdf(session, countersigned, trusted_certs=[agency_key[1].read_bytes()])
    assert pinned.valid and "this server's signing certificate" in " ".join(pinned.reasons)

    broken = verify_pdf(session, _flip(countersigned, len(review_pdf) // 2))
    assert not broken.valid and broken.status == "altered"


def test_an_invisible_signature_by_someone_else_is_named_and_vouches_for_nothing(
        session: Session, review: ContractReviewData, review_pdf: bytes, tmp_path: Path) -> None:
    # Policy change (issue 15): what counts is what a reader sees. An invisible signature added
    # to the issued bytes changes no page, so the copy is valid, and the answer names the signer
    # as not this server; a signature never makes bytes we did not issue valid (next test).
    _issue(session, review, review_pdf)  # issued unsigned
    forger = make_demo_signing_key(tmp_path / "forger", common_name="slatrack demo signer (self-signed)")
    forged = sign_pdf(review_pdf, SigningKey(*forger), signed_at=SIGNED_AT, reason="Issued by slatrack")
    result = verify_pdf(session, forged)
    assert (result.valid, result.status, result.report_id) == (True, "valid", review.report_id), result.reasons
    assert "not this server's certificate" in " ".join(result.reasons)
    assert [(a.kind, a.visible, a.revision) for a in result.additions if a.kind == "signature"] == [
        ("signature", False, 2)]


def test_a_signature_by_someone_else_over_bytes_we_did_not_issue_is_not_accepted(
        session: Session, review: ContractReviewData, review_pdf: bytes, tmp_path: Path) -> None:
    _issue(session, review, review_pdf)
    forger = make_demo_signing_key(tmp_path / "forger", common_name="slatrack demo signer (self-signed)")
    changed = _flip(review_pdf, 11)  # the header comment: same data inside, not the issued bytes
    forged = sign_pdf(changed, SigningKey(*forger), signed_at=SIGNED_AT, reason="Issued by slatrack")
    result = verify_pdf(session, forged, trusted_certs=[forger[1].read_bytes()])
    assert (result.valid, result.status, result.report_id) == (False, "altered", review.report_id)
    assert "differs from report" in result.reasons[0] and result.issued_revision is None


def test_signing_is_reproducible_for_a_given_time_and_key(review_pdf: bytes, demo_keys: tuple[Path, Path]) -> None:
    key = SigningKey(*demo_keys)
    a = sign_pdf(review_pdf, key, signed_at=SIGNED_AT, reason="r")
    assert a == sign_pdf(review_pdf, key, signed_at=SIGNED_AT, reason="r")
    meta = reader(a).metadata
    assert meta is not None and meta["/ModDate"] == "D:20260701063000Z"


def test_demo_key_is_self_signed_private_and_kept(tmp_path: Path) -> None:
    from cryptography import x509

    key, cert = make_demo_signing_key(tmp_path)
    assert key.stat().st_mode & 0o777 == 0o600
    c = x509.load_pem_x509_certificate(cert.read_bytes())
    assert c.issuer == c.subject
    assert make_demo_signing_key(tmp_path) == (key, cert) and cert.read_bytes() == c.public_bytes(
        __import__("cryptography.hazmat.primitives.serialization", fromlist=["Encoding"]).Encoding.PEM)


def _append_update(pdf: bytes, change: Callable[[IncrementalPdfFileWriter], None]) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_content_changes_appended_after_our_signature_are_caught(session: Session, review: ContractReviewData,
                                                                 review_pdf: bytes,
                                                                 demo_keys: tuple[Path, Path]) -> None:
    from pyhanko.pdf_utils import generic

    row = _issue(session, review, review_pdf, signer=SigningKey(*demo_keys), signed_at=SIGNED_AT)

    def rotate(w: IncrementalPdfFileWriter) -> None:
        page_ref = w.root["/Pages"].raw_get("/Kids")[1]
        page = page_ref.get_object()
        page[generic.NameObject("/Rotate")] = generic.NumberObject(90)
        w.update_container(page)

    def overlay(w: IncrementalPdfFileWriter) -> None:  # a FreeText note printing a fake figure
        page_ref = w.root["/Pages"].raw_get("/Kids")[1]
        page = page_ref.get_object()
        note = w.add_object(generic.DictionaryObject({
            generic.NameObject("/Type"): generic.NameObject("/Annot"),
            generic.NameObject("/Subtype"): generic.NameObject("/FreeText"),
            generic.NameObject("/Rect"): generic.ArrayObject([generic.NumberObject(x) for x in (100, 600, 300, 640)]),
            generic.NameObject("/Contents"): generic.TextStringObject("Availability 99.99% PASS"),
        }))
        page[generic.NameObject("/Annots")] = generic.ArrayObject([note])
        w.update_container(page)

    for change, words in ((rotate, "/Rotate"), (overlay, "visible FreeText annotation on page 2")):
        tampered = _append_update(row.pdf, change)
        assert tampered.startswith(row.pdf)
        result = verify_pdf(session, tampered)
        assert (result.valid, result.status) == (False, "altered"), result.reasons
        assert words in " ".join(result.reasons)
