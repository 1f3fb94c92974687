"""Verify against forgeries built as incremental updates over an issued (signed) report: each
one a reader would see is not valid, names what was added and offers the issued revision;
additions a reader does not see (an invisible countersignature, a document timestamp, DSS
validation data) keep the copy valid. Also: a truncated ledger, and uploads over the limits."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import delete
from sqlalchemy.orm import Session

from fleet.models import AuditEntry, Report
from reports.data import ContractReviewData
from reports.errors import PdfTooComplex
from reports.pdfcheck import VerifyLimits
from reports.signing import SigningKey, make_demo_signing_key
from reports.verify import VerifyResult, verify_pdf
from tests.reports import forgeries
from tests.reports.conftest import needs_weasyprint
from tests.reports.test_issue_verify import SIGNED_AT, _issue

pytestmark = needs_weasyprint


@pytest.fixture
def issued(session: Session, review: ContractReviewData, review_pdf: bytes, demo_keys: tuple[Path, Path]) -> Report:
    """The review as the server issues it with a signing key: rendered bytes plus our signature."""
    return _issue(session, review, review_pdf, signer=SigningKey(*demo_keys), signed_at=SIGNED_AT)


@pytest.fixture
def forger(tmp_path: Path) -> tuple[Path, Path]:
    return make_demo_signing_key(tmp_path / "forger", common_name="Forger")


def assert_forged(result: VerifyResult, issued: Report, forged: bytes, kind: str) -> None:
    """Not valid, says the issued report is inside and where it ends, and names a visible ``kind``."""
    assert (result.valid, result.status, result.report_id) == (False, "altered", issued.id), result.reasons
    revision = result.issued_revision
    assert revision is not None and revision.byte_length == len(issued.pdf) and revision.sha256 == issued.sha256
    assert forged[:revision.byte_length] == issued.pdf
    assert revision.revision == 2  # rendered, then signed
    assert any(a.kind == kind and a.visible for a in result.additions), result.additions
    assert f"the issued report is the first {len(issued.pdf)} bytes" in " ".join(result.reasons)


def test_the_issued_file_is_valid_on_the_fast_path(session: Session, issued: Report) -> None:
    result = verify_pdf(session, issued.pdf)
    assert (result.valid, result.status) == (True, "valid")
    assert result.issued_revision is not None and result.issued_revision.revision is None  # not parsed
    assert result.additions == []


def test_an_unsigned_signature_field_painting_the_cover_is_not_valid(session: Session, issued: Report) -> None:
    forged = forgeries.unsigned_field_painting_the_cover(issued.pdf)
    result = verify_pdf(session, forged)
    assert_forged(result, issued, forged, "signature_field")
    [added] = [a for a in result.additions if a.kind == "signature_field"]
    assert (added.revision, added.page, added.rect, added.signer) == (3, 1, forgeries.COVER, None)
    assert "visible signature field (unsigned) named 'approval' on page 1 at [0, 0, 595, 842]" in added.description


def test_a_visible_countersignature_with_a_self_made_key_is_not_valid(session: Session, issued: Report,
                                                                     forger: tuple[Path, Path]) -> None:
    forged = forgeries.countersign(issued.pdf, forger, visible=True)
    result = verify_pdf(session, forged)
    assert_forged(result, issued, forged, "signature")
    [added] = [a for a in result.additions if a.kind == "signature"]
    assert (added.revision, added.page, added.rect) == (3, 1, forgeries.STAMP)
    assert added.signer is not None and "Forger" in added.signer


@pytest.mark.parametrize("forge", [forgeries.square_note, forgeries.free_text_note], ids=["square", "free_text"])
def test_a_new_annotation_is_not_valid(session: Session, issued: Report, forge) -> None:  # type: ignore[no-untyped-def]
    forged = forge(issued.pdf)
    assert_forged(verify_pdf(session, forged), issued, forged, "annotation")


def test_content_appended_to_a_page_is_not_valid(session: Session, issued: Report) -> None:
    forged = forgeries.page_content_appended(issued.pdf)
    result = verify_pdf(session, forged)
    assert_forged(result, issued, forged, "page_content")
    assert [a.page for a in result.additions if a.kind == "page_content"] == [1]


def test_bytes_after_the_last_end_of_file_marker_are_not_valid(session: Session, issued: Report) -> None:
    forged = forgeries.trailing_garbage(issued.pdf)
    result = verify_pdf(session, forged)
    assert (result.valid, result.status) == (False, "altered")
    assert result.issued_revision is not None and result.issued_revision.byte_length == len(issued.pdf)
    assert [a.kind for a in result.additions] == ["trailing_data"]


def test_another_document_appended_after_the_issued_one_is_not_valid(session: Session, issued: Report,
                                                                       track_pdf: bytes) -> None:
    result = verify_pdf(session, issued.pdf + track_pdf)
    assert (result.valid, result.status, result.report_id) == (False, "altered", issued.id)


def test_an_invisible_countersignature_is_valid_and_names_its_signer(session: Session, issued: Report,
                                                                     forger: tuple[Path, Path]) -> None:
    signed = forgeries.countersign(issued.pdf, forger, visible=False)
    result = verify_pdf(session, signed)
    assert (result.valid, result.status) == (True, "valid"), result.reasons
    [added] = [a for a in result.additions if a.kind == "signature"]
    assert (added.visible, added.revision, added.signer is not None and "Forger" in added.signer) == (False, 3, True)
    assert "not this server's certificate" in " ".join(result.reasons)
    twice = forgeries.countersign(signed, forger, visible=False, name="second")
    assert verify_pdf(session, twice).valid


def test_a_document_timestamp_and_validation_data_are_valid(session: Session, issued: Report, tmp_path: Path,
                                                            demo_keys: tuple[Path, Path]) -> None:
    stamped = forgeries.document_timestamp(issued.pdf, tmp_path / "tsa")
    result = verify_pdf(session, stamped)
    assert (result.valid, result.status) == (True, "valid"), result.reasons
    assert "document_timestamp" in [a.kind for a in result.additions]
    with_dss = forgeries.dss_added(issued.pdf, demo_keys[1])
    result = verify_pdf(session, with_dss)
    assert (result.valid, result.status) == (True, "valid"), result.reasons
    assert "validation_data" in [a.kind for a in result.additions]


def test_a_forgery_on_top_of_a_legitimate_countersignature_is_not_valid(session: Session, issued: Report,
                                                                        forger: tuple[Path, Path]) -> None:
    countersigned = forgeries.countersign(issued.pdf, forger, visible=False)
    forged = forgeries.free_text_note(countersigned)
    result = verify_pdf(session, forged)
    assert (result.valid, result.status) == (False, "altered")
    assert [a.revision for a in result.additions if a.visible] == [4]


def test_a_truncated_ledger_makes_an_issued_report_not_valid(session: Session, issued: Report,
                                                            forger: tuple[Path, Path]) -> None:
    session.execute(delete(AuditEntry).where(AuditEntry.hash == issued.audit_head))
    session.flush()
    for copy in (issued.pdf, forgeries.countersign(issued.pdf, forger, visible=False)):
        result = verify_pdf(session, copy)
        assert (result.valid, result.status, result.report_id) == (False, "ledger_mismatch", issued.id)
        assert "the audit ledger no longer contains the state" in " ".join(result.reasons)
        assert "truncated or rewritten" in " ".join(result.reasons)


def test_a_pdf_over_the_limits_is_refused_not_judged(session: Session, issued: Report,
                                                     forger: tuple[Path, Path]) -> None:
    countersigned = forgeries.countersign(issued.pdf, forger, visible=False)
    with pytest.raises(PdfTooComplex, match="objects") as info:
        verify_pdf(session, countersigned, limits=VerifyLimits(max_objects=100))
    assert info.value.code == "pdf_too_complex"
    # Below the reader's own size: "memory" at once, or, starved at an unlucky point, the time budget.
    with pytest.raises(PdfTooComplex, match=r"needs more than 48 MB of memory|took longer than 20 s"):
        verify_pdf(session, countersigned, limits=VerifyLimits(memory_mb=48, timeout_s=20))
    with pytest.raises(PdfTooComplex, match=r"checking the PDF took longer than 0\.01 s"):
        verify_pdf(session, countersigned, limits=VerifyLimits(timeout_s=0.01))
    with pytest.raises(PdfTooComplex, match="revisions after the issued one"):
        verify_pdf(session, forgeries.countersign(countersigned, forger, visible=False, name="again"),
                   limits=VerifyLimits(max_revisions=1))
    assert verify_pdf(session, issued.pdf, limits=VerifyLimits(max_objects=1)).valid  # the fast path parses nothing


def test_a_decompression_bomb_after_the_issued_bytes_is_altered_and_the_reader_stays_within_bounds(
        session: Session, issued: Report) -> None:
    bomb = forgeries.xref_bomb(issued.pdf, inflated_mb=512)  # half a megabyte that inflates to 512 MB
    assert len(bomb) - len(issued.pdf) < 1024 * 1024
    result = verify_pdf(session, bomb)  # default limits: 1,536 MB, 30 s
    assert (result.valid, result.status, result.report_id) == (False, "altered", issued.id)
    assert "cannot be read as PDF revisions" in " ".join(result.reasons)


def test_the_worker_answers_with_plain_data(issued: Report, forger: tuple[Path, Path]) -> None:
    import pickle

    from reports.pdfcheck import inspect_pdf

    found = inspect_pdf(forgeries.countersign(issued.pdf, forger, visible=False), len(issued.pdf), VerifyLimits())
    assert found.level == "FORM_FILLING" and found.changed_fields == ("agency-countersignature",)
    assert len(pickle.dumps(found)) < 16_000  # no pyHanko object (each drags its whole reader along)


def test_a_hidden_field_that_runs_javascript_is_not_valid(session: Session, issued: Report) -> None:
    forged = forgeries.hidden_field_with_javascript(issued.pdf)
    result = verify_pdf(session, forged)
    assert_forged(result, issued, forged, "signature_field")
    assert "with an action" in " ".join(result.reasons)
