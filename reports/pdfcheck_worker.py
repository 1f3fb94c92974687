"""Run :func:`reports.pdfcheck.inspect_pdf` in a fresh worker process (the render worker's
``forkserver`` context, :func:`reports.pdf._context`) with an address-space limit and a wall-clock
budget, so a hostile upload costs one child process, never a server thread or the GIL. Over a limit
(time, memory, objects, revisions, pages) the answer is ``too_complex`` with the reason."""

from __future__ import annotations

import dataclasses
import gc
import logging
import multiprocessing.connection
import resource

from reports import worker_process

# Imported here, not in the functions: the forkserver preloads this module, so a worker starts
# with pyHanko loaded (importing it costs about a second).
from reports.pdfcheck import Inspection, VerifyLimits, inspect_pdf


def _worker(conn: multiprocessing.connection.Connection, pdf: bytes, issued_len: int | None,
            limits: VerifyLimits) -> None:
    """Child process: inspect within ``limits.memory_mb``, send the :class:`Inspection`
    (:func:`reports.worker_process.serve`)."""
    def work() -> Inspection:
        logging.getLogger("pyhanko").setLevel(logging.ERROR)  # it logs each rejection with every path (MBs)
        # The forkserver preloaded WeasyPrint and pyHanko: without this every collection of the
        # oldest generation walks all their objects again, and the analysis allocates a lot.
        gc.freeze()
        found = inspect_pdf(pdf, issued_len, limits)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return dataclasses.replace(found, cpu_s=usage.ru_utime + usage.ru_stime)

    worker_process.serve(
        conn, limits.memory_mb, work,
        out_of_memory=Inspection(too_complex=f"reading the PDF needs more than {limits.memory_mb} MB of memory"),
        failed=lambda exc: Inspection(unreadable=f"{type(exc).__name__}: {str(exc)[:200]}"))


def inspect_in_worker(pdf: bytes, issued_len: int | None, limits: VerifyLimits) -> Inspection:
    """:func:`inspect_pdf` in a fresh worker process within ``limits`` (see the module)."""
    from reports.pdf import _context

    ctx = _context()
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_worker, args=(child, pdf, issued_len, limits),  # type: ignore[attr-defined]
                       name="slatrack-verify", daemon=True)
    proc.start()
    child.close()
    try:
        if not parent.poll(limits.timeout_s):
            return Inspection(too_complex=f"checking the PDF took longer than {limits.timeout_s:g} s")
        try:
            result = parent.recv()
        except EOFError:
            proc.join(5)
            return Inspection(too_complex=f"the PDF reader stopped (exit code {proc.exitcode}); most likely the "
                                          f"file needs more than {limits.memory_mb} MB of memory")
    finally:
        parent.close()
        if proc.is_alive():
            proc.kill()
        proc.join(5)
    assert isinstance(result, Inspection)
    return result
