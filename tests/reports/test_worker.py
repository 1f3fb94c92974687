"""Rendering in a worker process with time and memory limits."""

from __future__ import annotations

import pytest

from reports.data import ContractReviewData
from reports.errors import RenderFailed
from reports.pdf import render_pdf
from tests.reports.conftest import needs_weasyprint

pytestmark = needs_weasyprint


def test_the_worker_produces_the_same_bytes_as_in_process(review: ContractReviewData, review_pdf: bytes) -> None:
    assert render_pdf(review, timeout_s=120, memory_mb=1536) == review_pdf


def test_a_render_over_time_is_stopped(review: ContractReviewData) -> None:
    with pytest.raises(RenderFailed, match=r"took longer than 0\.05 s") as info:
        render_pdf(review, timeout_s=0.05, memory_mb=1536)
    assert info.value.code == "render_timeout"


def test_a_render_over_memory_fails_cleanly(review: ContractReviewData) -> None:
    with pytest.raises(RenderFailed) as info:
        render_pdf(review, timeout_s=60, memory_mb=64)
    assert info.value.code == "render_out_of_memory"
    assert "ran out of memory (limit 64 MB)" in info.value.message


def test_limits_must_be_positive(review: ContractReviewData) -> None:
    with pytest.raises(ValueError):
        render_pdf(review, timeout_s=0, memory_mb=10)
