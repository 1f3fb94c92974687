"""The one pass/fail vocabulary: every verdict on a web page and in every PDF reads the same.

``✓ PASS`` when a figure meets its target, ``✗ MISS`` when it does not; ``! AT RISK`` marks a
clock still running close to its target (web pages only: a report judges decided facts). Both
renderers import this module (``reports.render`` for the PDFs, ``api.web.render`` for the
pages), so the words are defined here once. Each word comes with its symbol, so a verdict reads
in greyscale and without colour.
"""

from __future__ import annotations

PASS = "\u2713 PASS"
MISS = "\u2717 MISS"
AT_RISK = "! AT RISK"
NO_VERDICT = "no verdict"

VERDICTS: dict[str, str] = {"PASS": PASS, "MISS": MISS, "AT_RISK": AT_RISK, "NO_VERDICT": NO_VERDICT}


def verdict(passed: bool | None) -> str:
    """``✓ PASS``, ``✗ MISS`` or ``no verdict`` (no data to judge)."""
    if passed is None:
        return NO_VERDICT
    return PASS if passed else MISS
