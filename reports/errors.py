"""Report errors (plain domain errors; ``api`` maps them to the one error shape)."""

from __future__ import annotations

from fleet.errors import Conflict, Invalid, Unavailable


class RenderFailed(Unavailable):
    """The renderer did not produce a PDF: it ran out of time or memory, crashed, or refused a
    resource. Nothing was stored."""

    code = "render_failed"


class ReportMismatch(Invalid):
    """The data handed to :func:`reports.issue.issue_report` does not match its kind, parameters
    or ``as_of``."""

    code = "report_mismatch"


class ReportConflict(Conflict):
    """A report with the same id was issued from different data (the record before ``as_of``
    changed, which append-only facts should make impossible)."""

    code = "report_conflict"


class BadCheckpoint(Invalid):
    """A ledger checkpoint file that cannot be read, or whose signature does not verify."""

    code = "bad_checkpoint"


class PdfTooComplex(Invalid):
    """An uploaded PDF cannot be checked within the verify limits (time, memory, objects,
    revisions, pages): nothing is said about it."""

    code = "pdf_too_complex"
