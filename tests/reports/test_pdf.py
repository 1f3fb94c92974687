"""Rendered PDFs: figures in the text, embedded data and its hash in every footer, PDF/A
identification, metadata, reproducible bytes, and the fetcher that serves only our assets."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess

import pytest

from reports.charts import fmt_pct
from reports.compose import render_report
from reports.data import ContractReviewData, TrackRecordData, UnitHistoryData, report_data_json
from reports.pdf import AssetFetcher, build_pdf, pdf_identifier
from reports.render import fmt_money
from tests.reports import samples
from tests.reports.conftest import (
    INJECTED_SUMMARY,
    attachments,
    needs_weasyprint,
    page_texts,
    reader,
    review_data,
    squash,
)

pytestmark = needs_weasyprint


def _footer_checks(pdf: bytes, data: ContractReviewData | TrackRecordData | UnitHistoryData) -> None:
    raw = attachments(pdf)["report-data.json"]
    assert raw == report_data_json(data)
    sha = hashlib.sha256(raw).hexdigest()
    texts = page_texts(pdf)
    for i, text in enumerate(texts, start=1):
        flat = squash(text)
        assert f"report-data.jsonSHA-256{sha}" in flat, f"page {i} footer lacks the data hash"
        assert f"Report{data.report_id}" in flat, f"page {i} footer lacks the report id"
        assert f"Page{i}of{len(texts)}" in flat


def _pdfa_checks(pdf: bytes) -> None:
    r = reader(pdf)
    xmp = r.xmp_metadata
    assert xmp is not None
    xml = xmp.stream.get_data().decode()
    assert re.search(r'pdfaid:part(="|>)3', xml) and re.search(r'pdfaid:conformance(="|>)B', xml)
    assert "/StructTreeRoot" in r.trailer["/Root"] and r.trailer["/Root"]["/MarkInfo"]["/Marked"]
    assert r.pdf_header.startswith("%PDF-1.7")
    af = r.trailer["/Root"]["/AF"]
    assert {spec.get_object()["/AFRelationship"] for spec in af} == {"/Data"}


def test_contract_review_shows_the_figures(review: ContractReviewData, review_pdf: bytes) -> None:
    text = "\n".join(page_texts(review_pdf))
    flat = squash(text)
    c, av = review.contract, review.availability
    for needle in (c.number, c.agency.name, "Executive scorecard", "Methodology", "Data appendix",
                   f"prepared by {review.vendor}".lower()):
        assert squash(needle) in flat.lower() or squash(needle) in flat, needle
    assert fmt_pct(av.availability_percent, 2) + "%" in flat
    assert fmt_money(review.credits.total, "USD") in flat
    for row in review.compliance:
        assert f"{row.met}/{row.met + row.breached}" in flat
        assert fmt_pct(row.percent_met) + "%" in flat
    for b in review.breaches[:5]:
        assert b.ticket_number in flat
    assert "✓ PASS" in text and ("✗ MISS" in text or all(r.passed for r in review.compliance))
    assert "FAIL" not in text and "BELOW" not in text  # one verdict vocabulary (reports/verdicts.py)
    assert "MTBF" in text and "MTTR" in text


def test_contract_review_embeds_data_and_prints_its_hash_on_every_page(review: ContractReviewData,
                                                                       review_pdf: bytes) -> None:
    _footer_checks(review_pdf, review)
    files = attachments(review_pdf)
    assert set(files) == {"report-data.json", "compliance.csv", "breaches.csv", "units.csv",
                          "availability-by-month.csv", "tickets.csv", "ticket-events.csv"}
    flat = squash("\n".join(page_texts(review_pdf)))
    for name, content in files.items():  # the data appendix lists every attachment's hash
        assert hashlib.sha256(content).hexdigest() in flat, name


def test_contract_review_is_pdfa3b_tagged_with_metadata(review: ContractReviewData, review_pdf: bytes) -> None:
    _pdfa_checks(review_pdf)
    meta = reader(review_pdf).metadata
    assert meta is not None
    assert meta["/Author"] == "slatrack"
    assert meta["/Title"] == review.title
    assert review.contract.number in meta["/Subject"] and review.contract.number in meta["/Keywords"]
    assert meta["/CreationDate"] == meta["/ModDate"] == "D:20260701060000Z"
    ident = reader(review_pdf).trailer["/ID"][0]
    expected = pdf_identifier(review.report_id, hashlib.sha256(report_data_json(review)).hexdigest())
    assert getattr(ident, "original_bytes", None) == expected


def test_fonts_are_embedded_and_only_ours(review_pdf: bytes) -> None:
    fonts = set()
    for page in reader(review_pdf).pages:
        for f in (page["/Resources"].get("/Font") or {}).values():
            font = f.get_object()
            fonts.add(str(font["/BaseFont"]))
            descendant = font["/DescendantFonts"][0].get_object()
            assert "/FontFile2" in descendant["/FontDescriptor"], font["/BaseFont"]
    assert fonts and all("Slatrack" in name for name in fonts), fonts


def test_same_data_gives_the_same_bytes_and_user_text_fetches_nothing(review_pdf: bytes) -> None:
    """Rendered again from freshly built data: byte-identical. And the summary
    ``<img src="http://127.0.0.1:9/x">`` (plus a bare URL) caused no fetch: the fetcher saw only
    our own asset and chart URLs, and the text is printed literally."""
    fetcher = AssetFetcher()
    pdf = build_pdf(review_data(), fetcher=fetcher)
    assert pdf == review_pdf
    assert fetcher.requests, "the fetcher should have served our CSS and fonts"
    assert all(u.startswith(("slatrack:asset/", "slatrack:chart/")) for u in fetcher.requests), fetcher.requests
    assert not fetcher.refused
    assert not any("127.0.0.1" in u or "evil" in u for u in fetcher.requests)
    assert squash(INJECTED_SUMMARY) in squash("\n".join(page_texts(pdf)))  # printed literally


def test_the_fetcher_refuses_everything_but_packaged_assets() -> None:
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    fetcher = AssetFetcher()
    for url in ("http://127.0.0.1:9/x", "file:///etc/passwd", "data:text/plain,hi", "slatrack:asset/../secret",
                "slatrack:chart/nope.svg"):
        with pytest.raises(FatalURLFetchingError):
            fetcher.fetch(url)
    assert fetcher.fetch("slatrack:asset/report.css").read().startswith(b"/*")
    # A template (not user text: that is escaped) referencing anything else stops the render.
    with pytest.raises(FatalURLFetchingError):
        HTML(string='<img src="file:///etc/hostname">', url_fetcher=AssetFetcher()).write_pdf()


def test_html_escapes_user_text() -> None:
    html = render_report(review_data()).html
    assert "<img src=\"http://127.0.0.1" not in html
    assert "&lt;img src=&#34;http://127.0.0.1:9/x&#34;&gt;" in html


def test_track_record(track: TrackRecordData, track_pdf: bytes) -> None:
    _footer_checks(track_pdf, track)
    _pdfa_checks(track_pdf)
    flat = squash("\n".join(page_texts(track_pdf)))
    assert squash("This is the vendor's own record") in flat
    for c in track.contracts:
        for field in (c.number, c.agency.name, fmt_money(c.value, c.currency), c.point_of_contact,
                      f"{c.period_of_performance_start}to{c.period_of_performance_end}"):
            assert squash(field) in flat, field
    assert fmt_pct(track.totals.availability_percent, 2) + "%" in flat
    assert set(attachments(track_pdf)) == {"report-data.json", "contracts.csv", "tickets.csv", "ticket-events.csv"}


def test_unit_history(unit: UnitHistoryData, unit_pdf: bytes) -> None:
    _footer_checks(unit_pdf, unit)
    _pdfa_checks(unit_pdf)
    flat = squash("\n".join(page_texts(unit_pdf)))
    assert unit.unit.serial in flat
    for t in unit.tickets:
        assert t.number in flat
    for p in unit.parts:
        assert p.part_number in flat
    assert set(attachments(unit_pdf)) == {"report-data.json", "tickets.csv", "ticket-events.csv", "work-logs.csv",
                                          "downtime.csv"}


def test_long_tables_are_capped_with_a_pointer_to_the_csv() -> None:
    from reports import compose, render

    data = samples.contract_review(units=2, tickets=30, months=2, seed=3)
    html_full = compose.render_report(data).html
    old = dict(render.PRINT_LIMITS)
    try:
        render.PRINT_LIMITS.update(breaches=2, units=1)
        html = compose.render_report(data).html
    finally:
        render.PRINT_LIMITS.clear()
        render.PRINT_LIMITS.update(old)
    assert len(data.breaches) > 2
    assert f"Showing the 2 largest overruns (elapsed ÷ target) of {len(data.breaches)} breaches" in html
    assert "all 2 are in the attached units.csv" in html
    assert "largest overruns" not in html_full


@pytest.mark.skipif(shutil.which("qpdf") is None, reason="qpdf is not installed")
def test_qpdf_finds_no_structural_errors(review_pdf: bytes, track_pdf: bytes, unit_pdf: bytes, tmp_path) -> None:  # type: ignore[no-untyped-def]
    for name, pdf in (("review", review_pdf), ("track", track_pdf), ("unit", unit_pdf)):
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(pdf)
        result = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
