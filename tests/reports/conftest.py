"""Fixtures for the report tests: each kind rendered once per session (WeasyPrint is the slow
part), demo signing keys, and small PDF readers. Tests that render are skipped with a clear
reason when WeasyPrint cannot load its native libraries (Pango, HarfBuzz, Fontconfig)."""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

import pypdf
import pytest

from reports.data import ContractReviewData, TrackRecordData, UnitHistoryData
from tests.reports import samples

try:
    import weasyprint  # noqa: F401

    WEASYPRINT_ERROR = ""
except OSError as exc:  # pragma: no cover - depends on the machine
    WEASYPRINT_ERROR = f"WeasyPrint cannot load Pango/HarfBuzz here: {exc}"

needs_weasyprint = pytest.mark.skipif(bool(WEASYPRINT_ERROR), reason=WEASYPRINT_ERROR or "ok")

INJECTED_SUMMARY = '<img src="http://127.0.0.1:9/x"> <b>bold</b> see https://evil.example/a.png'
FORMULA_SUMMARY = '=HYPERLINK("http://evil.example","click")'


def review_data() -> ContractReviewData:
    return samples.contract_review(units=3, tickets=16, months=4, summaries={0: INJECTED_SUMMARY, 1: FORMULA_SUMMARY})


@pytest.fixture(scope="session")
def review() -> ContractReviewData:
    return review_data()


@pytest.fixture(scope="session")
def track() -> TrackRecordData:
    return samples.track_record()


@pytest.fixture(scope="session")
def unit() -> UnitHistoryData:
    return samples.unit_history()


@pytest.fixture(scope="session")
def review_pdf(review: ContractReviewData) -> bytes:
    if WEASYPRINT_ERROR:
        pytest.skip(WEASYPRINT_ERROR)
    from reports.pdf import build_pdf

    return build_pdf(review)


@pytest.fixture(scope="session")
def track_pdf(track: TrackRecordData) -> bytes:
    if WEASYPRINT_ERROR:
        pytest.skip(WEASYPRINT_ERROR)
    from reports.pdf import build_pdf

    return build_pdf(track)


@pytest.fixture(scope="session")
def unit_pdf(unit: UnitHistoryData) -> bytes:
    if WEASYPRINT_ERROR:
        pytest.skip(WEASYPRINT_ERROR)
    from reports.pdf import build_pdf

    return build_pdf(unit)


@pytest.fixture(scope="session")
def demo_keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from reports.signing import make_demo_signing_key

    return make_demo_signing_key(tmp_path_factory.mktemp("keys"))


def reader(pdf: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(pdf))


@lru_cache(maxsize=16)
def page_texts(pdf: bytes) -> tuple[str, ...]:
    return tuple(p.extract_text() or "" for p in reader(pdf).pages)


def attachments(pdf: bytes) -> dict[str, bytes]:
    return {name: contents[0] for name, contents in reader(pdf).attachments.items()}


def squash(text: str) -> str:
    """Text with all white space removed (extraction splits and joins lines freely)."""
    return "".join(text.split())
