"""PDF: rendered HTML → PDF/A-3b with WeasyPrint, in a worker process with limits.

- :class:`AssetFetcher` is the only way WeasyPrint can load anything: it serves the packaged
  assets (``slatrack:asset/…``: CSS, fonts, logo) and this report's charts
  (``slatrack:chart/…``) from memory, records every request, and refuses everything else with
  a fatal error (no network, no ``file:`` paths, no ``data:`` URLs). User text is escaped by
  the templates, so it never becomes an element that could ask for a URL in the first place.
- :func:`write_pdf` is reproducible: attachment dates, ``dcterms.created``/``modified`` are the
  report's ``as_of``; the PDF ``/ID`` is derived from the report id and data hash; fonts are
  bundled (DejaVu, reports/assets/fonts) so no system font enters the file.
- :func:`render_pdf` runs the WeasyPrint step in a fresh process (``forkserver``) with an
  address-space limit (``RLIMIT_AS``) and a wall-clock timeout, and raises
  :class:`reports.errors.RenderFailed` when either is hit or the worker dies.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import multiprocessing.connection
import os
import resource
import traceback
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC
from importlib import resources as importlib_resources
from typing import Any

import pydyf  # type: ignore[import-untyped]
from weasyprint import HTML, Attachment
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from fleet.gcpause import gc_paused
from reports import worker_process
from reports.compose import render_report
from reports.data import ContractReviewData, TrackRecordData, UnitHistoryData
from reports.errors import RenderFailed
from reports.render import ASSET_BASE, CHART_BASE, RenderedReport

PDF_VARIANT = "pdf/a-3b"
LOG = logging.getLogger("slatrack.reports")
_CONTENT_TYPES = {
    ".css": "text/css",
    ".ttf": "font/ttf",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}


class AssetRefused(FatalURLFetchingError):  # type: ignore[misc]
    """WeasyPrint asked for a URL that is not one of our packaged assets or charts."""


def _packaged_assets() -> dict[str, bytes]:
    root = importlib_resources.files("reports") / "assets"
    found: dict[str, bytes] = {}

    def walk(node: Any, prefix: str) -> None:
        for child in node.iterdir():
            if child.is_dir():
                walk(child, f"{prefix}{child.name}/")
            elif any(child.name.endswith(ext) for ext in _CONTENT_TYPES):
                found[ASSET_BASE + prefix + child.name] = child.read_bytes()

    walk(root, "")
    return found


_ASSETS: dict[str, bytes] | None = None


def packaged_assets() -> dict[str, bytes]:
    """``slatrack:asset/<path>`` → bytes for every CSS, font, SVG and PNG under reports/assets."""
    global _ASSETS
    if _ASSETS is None:
        _ASSETS = _packaged_assets()
    return _ASSETS


class AssetFetcher(URLFetcher):  # type: ignore[misc]
    """Serves packaged assets and in-memory resources by exact URL; refuses everything else.

    ``requests`` lists every URL WeasyPrint asked for, ``refused`` the ones it did not get.
    """

    def __init__(self, resources: Mapping[str, bytes] | None = None) -> None:
        super().__init__(allowed_protocols=("slatrack",), allow_redirects=False, fail_on_errors=True)
        self._resources: dict[str, bytes] = {**packaged_assets(), **(resources or {})}
        self.requests: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        self.requests.append(url)
        body = self._resources.get(url) if url.startswith((ASSET_BASE, CHART_BASE)) else None
        if body is None:
            self.refused.append(url)
            raise AssetRefused(f"refused to fetch {url[:200]!r}: only packaged report assets are served")
        suffix = url[url.rfind(".") :]
        return URLFetcherResponse(url, body, {"Content-Type": _CONTENT_TYPES.get(suffix, "application/octet-stream")})


def pdf_identifier(report_id: str, data_sha256: str) -> bytes:
    """The first ``/ID`` element: 32 hex digits of SHA-256(report id, data hash)."""
    return hashlib.sha256(f"{report_id}\n{data_sha256}".encode()).hexdigest()[:32].encode()


ATTACHMENT_ZLIB_LEVEL = 3


def _precompress_attachments(_document: Any, pdf: Any) -> None:
    """WeasyPrint finisher: compress embedded files once, at a moderate level.

    pydyf compresses every stream at level 9 each time it is serialised, and serialises twice
    when a ``pdf_identifier`` is set (once to hash the file, once to write it): for 80 MB of
    JSON and CSV that is ~8 s of zlib. Compressing here and marking the stream as already
    filtered (level 3: ~12 % larger than level 9, four times faster) makes it ~1 s; the
    output stays deterministic.
    """
    for obj in pdf.objects:
        if isinstance(obj, pydyf.Stream) and obj.compress and obj.extra.get("Type") == "/EmbeddedFile":
            raw = b"\n".join(item if isinstance(item, bytes) else str(item).encode() for item in obj.stream)
            obj.stream = [zlib.compress(raw, ATTACHMENT_ZLIB_LEVEL)]
            obj.compress = False
            obj.extra["Filter"] = "/FlateDecode"


def write_pdf(rendered: RenderedReport, *, fetcher: AssetFetcher | None = None) -> bytes:
    """Lay out and write the PDF/A-3b (tagged) in this process."""
    fetcher = fetcher or AssetFetcher(rendered.resources)
    stamp = rendered.as_of.astimezone(UTC).replace(tzinfo=None)  # WeasyPrint writes it with a Z
    attachments = [
        Attachment(
            string=f.content,
            name=f.name,
            description=f.description,
            created=stamp,
            modified=stamp,
            relationship=f.relationship,
            url_fetcher=fetcher,
        )
        for f in rendered.attachments
    ]
    html = HTML(string=rendered.html, base_url=ASSET_BASE, url_fetcher=fetcher)
    pdf: bytes = html.write_pdf(
        finisher=_precompress_attachments,
        pdf_variant=PDF_VARIANT,
        pdf_tags=True,
        pdf_identifier=pdf_identifier(rendered.report_id, rendered.data_sha256),
        attachments=attachments,
        custom_metadata=False,
        uncompressed_pdf=False,
    )
    return pdf


def build_pdf(
    data: ContractReviewData | TrackRecordData | UnitHistoryData, *, fetcher: AssetFetcher | None = None
) -> bytes:
    """Render and write in this process (tests, tools). Servers use :func:`render_pdf`."""
    rendered = render_report(data)
    if fetcher is not None:
        fetcher._resources.update(rendered.resources)
    return write_pdf(rendered, fetcher=fetcher)


# --------------------------------------------------------------------------- worker


def _worker(conn: multiprocessing.connection.Connection, rendered: RenderedReport, memory_mb: int) -> None:
    """Child process: write the PDF within ``memory_mb``; send ``("ok", (bytes, peak KB, CPU s))``,
    ``("memory", …)`` or ``("error", …)`` (:func:`reports.worker_process.serve`)."""
    def work() -> tuple[str, tuple[bytes, int, float]]:
        logging.getLogger("weasyprint").setLevel(logging.ERROR)
        pdf = write_pdf(rendered)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return "ok", (pdf, usage.ru_maxrss, usage.ru_utime + usage.ru_stime)

    worker_process.serve(
        conn, memory_mb, work, out_of_memory=("memory", f"the renderer ran out of memory (limit {memory_mb} MB)"),
        failed=lambda exc: ("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}"))


_CONTEXT: multiprocessing.context.BaseContext | None = None


def _context() -> multiprocessing.context.BaseContext:
    global _CONTEXT
    if _CONTEXT is None:
        ctx: multiprocessing.context.BaseContext
        methods = multiprocessing.get_all_start_methods()
        if "forkserver" in methods:
            # The fork server runs ``python -c …``, which puts the current directory first on its
            # sys.path: started from a folder holding a ``reports/`` directory (the demo's data
            # folder does), ``import reports`` would find that folder instead of this package.
            # PYTHONSAFEPATH (3.11+) keeps the current directory off; every later restart of the
            # fork server inherits it too.
            os.environ["PYTHONSAFEPATH"] = "1"
            forkserver = multiprocessing.get_context("forkserver")
            forkserver.set_forkserver_preload(["reports.pdf", "reports.pdfcheck_worker"])  # + the verify worker
            ctx = forkserver
        else:  # pragma: no cover - macOS/Windows
            ctx = multiprocessing.get_context("spawn")
        _CONTEXT = ctx
    return _CONTEXT


@dataclass(frozen=True)
class RenderStats:
    """What a worker render cost: its peak resident memory and CPU seconds (resource accounting,
    not a clock: the figures do not enter the PDF)."""

    worker_peak_rss_mb: float
    worker_cpu_s: float


def render_pdf(
    data: ContractReviewData | TrackRecordData | UnitHistoryData, *, timeout_s: float = 120.0,
    memory_mb: int = 1536,
) -> bytes:
    """Render ``data`` to PDF bytes in a worker process limited to ``memory_mb`` of address
    space and ``timeout_s`` seconds of wall time. Raises :class:`RenderFailed` otherwise.

    The collector is paused (:mod:`fleet.gcpause`) while the HTML is built here, a bounded
    computation over cycle-free report data, and not while the worker process writes the PDF:
    a pause is process-wide, and that wait may last up to ``timeout_s``."""
    with gc_paused():
        rendered = render_report(data)
    return render_in_worker(rendered, timeout_s=timeout_s, memory_mb=memory_mb)[0]


def render_in_worker(rendered: RenderedReport, *, timeout_s: float, memory_mb: int) -> tuple[bytes, RenderStats]:
    """Write ``rendered`` to PDF in a fresh worker process (see :func:`render_pdf`)."""
    if timeout_s <= 0 or memory_mb <= 0:
        raise ValueError("timeout_s and memory_mb must be positive")
    ctx = _context()
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(  # type: ignore[attr-defined]
        target=_worker, args=(child, rendered, memory_mb), name=f"slatrack-render-{rendered.report_id[:8]}",
        daemon=True,
    )
    proc.start()
    child.close()
    try:
        if not parent.poll(timeout_s):
            raise RenderFailed(
                f"rendering report {rendered.report_id} took longer than {timeout_s:g} s and was stopped",
                code="render_timeout",
            )
        try:
            status, payload = parent.recv()
        except EOFError:
            proc.join(5)
            raise RenderFailed(
                f"the renderer for report {rendered.report_id} died (exit code {proc.exitcode}); "
                f"most likely it exceeded its {memory_mb} MB memory limit",
                code="render_crashed",
            ) from None
    finally:
        parent.close()
        if proc.is_alive():
            proc.kill()
        proc.join(5)
    if status == "ok":
        pdf, peak_kb, cpu_s = payload
        assert isinstance(pdf, bytes)
        return pdf, RenderStats(peak_kb / 1024, cpu_s)
    if status == "memory":
        raise RenderFailed(f"report {rendered.report_id}: {payload}", code="render_out_of_memory")
    LOG.error("render of report %s failed: %s", rendered.report_id, payload)
    first_line = str(payload).splitlines()[0] if payload else "unknown error"
    raise RenderFailed(f"rendering report {rendered.report_id} failed: {first_line}")
