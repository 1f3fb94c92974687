"""How the reports read on paper: one verdict vocabulary, whole serials and ticket numbers, no
empty pauses column, a unit per line, and no table that starts a page without its heading."""

from __future__ import annotations

import re

import pytest

from reports import verdicts
from reports.compose import render_report
from reports.data import ContractReviewData, TrackRecordData, UnitHistoryData
from tests.reports import samples
from tests.reports.conftest import WEASYPRINT_ERROR, page_texts

OTHER_WORDS = ("FAIL", "BELOW", "ALL MET", "NOT ALL MET")


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


def _page_of(pages: tuple[str, ...], needle: str) -> int:
    return next(i for i, text in enumerate(pages) if needle in text)


def test_every_report_says_pass_or_miss_and_no_other_verdict_word(
    review: ContractReviewData, track: TrackRecordData, unit: UnitHistoryData
) -> None:
    for data in (review, track, unit):
        text = _text(render_report(data).html)
        assert verdicts.PASS in text or verdicts.MISS in text, data.kind
        for word in OTHER_WORDS:
            assert word not in text, (data.kind, word)


def test_a_review_names_its_missed_targets_with_the_shared_miss_word(review: ContractReviewData) -> None:
    missed = [r for r in review.compliance if r.passed is False]
    assert missed, "the sample has no missed target: the test would check nothing"
    assert verdicts.MISS == "\u2717 MISS" and verdicts.MISS in _text(render_report(review).html)


def test_the_pauses_column_is_printed_only_when_some_breach_was_paused() -> None:
    paused = samples.contract_review(units=4, tickets=30, months=2)
    assert any(b.pauses for b in paused.breaches)
    assert "Pauses (reason)" in render_report(paused).html

    unpaused = paused.model_copy(update={"breaches": [b.model_copy(update={"pauses": []}) for b in paused.breaches]})
    html = render_report(unpaused).html
    assert "Pauses (reason)" not in html and "No breach was paused." in html
    assert ">none<" not in html


@pytest.mark.skipif(bool(WEASYPRINT_ERROR), reason=WEASYPRINT_ERROR or "-")
def test_ticket_numbers_and_serials_are_printed_whole_in_the_breaches_table(review_pdf: bytes,
                                                                            review: ContractReviewData) -> None:
    pages = page_texts(review_pdf)
    breaches = "\n".join(pages[_page_of(pages, "SLA breaches"):])
    for b in review.breaches:
        assert b.ticket_number in breaches and b.unit_serial in breaches, (b.ticket_number, b.unit_serial)


@pytest.mark.skipif(bool(WEASYPRINT_ERROR), reason=WEASYPRINT_ERROR or "-")
def test_forty_units_with_long_models_fit_on_one_page_a_line_each() -> None:
    from reports.pdf import build_pdf

    data = samples.contract_review(units=40, tickets=20, months=2)
    units = [u.model_copy(update={"model": "HullScan C-4 magnetic crawler", "site": "Berth 42"}) for u in data.units]
    data = data.model_copy(update={"units": units})
    pages = page_texts(build_pdf(data))
    first = _page_of(pages, "Units, lowest availability first")
    assert _page_of(pages, "4. SLA breaches") == first + 1  # the 40 rows take one page
    lines = pages[first].splitlines()
    for u in units:
        assert any(u.serial in line and u.model in line for line in lines), u.serial


@pytest.mark.skipif(bool(WEASYPRINT_ERROR), reason=WEASYPRINT_ERROR or "-")
def test_the_track_records_period_table_starts_with_its_heading(track_pdf: bytes, track: TrackRecordData) -> None:
    pages = page_texts(track_pdf)
    heading = _page_of(pages, "Availability and SLA targets met by period")
    assert track.trend[0].label in pages[heading].split("Availability and SLA targets met by period", 1)[1]
