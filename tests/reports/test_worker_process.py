"""The worker processes' shared endings: a memory failure is told apart from any other, even
when a library re-raised it as something else, and a child leaves at once after answering."""

from __future__ import annotations

import multiprocessing
import multiprocessing.util
import time
from multiprocessing.connection import Connection

import pytest

from reports import worker_process


class ParseError(Exception):
    pass


def _raised_while_handling_memory() -> BaseException:
    try:
        try:
            raise MemoryError
        except MemoryError:
            raise ParseError("could not read object 12") from None  # a library's wrapper, cause hidden
    except ParseError as exc:
        return exc


def _raised_from_memory() -> BaseException:
    try:
        try:
            raise MemoryError
        except MemoryError as exc:
            raise ParseError("stream") from exc
    except ParseError as exc:
        return exc


@pytest.mark.parametrize(("exc", "memory"), [
    (MemoryError(), True),
    (_raised_from_memory(), True),
    (_raised_while_handling_memory(), True),
    (ParseError("bad xref"), False),
    (KeyboardInterrupt(), False),
])
def test_a_memory_failure_is_recognised_through_the_exception_chain(exc: BaseException, memory: bool) -> None:
    assert worker_process.ran_out_of_memory(exc) is memory


def test_an_exception_chain_that_loops_ends_the_search() -> None:
    a, b = ParseError("a"), ParseError("b")
    a.__context__, b.__context__ = b, a
    assert worker_process.ran_out_of_memory(a) is False


def _child_whose_shutdown_never_ends(conn: Connection) -> None:
    # A finalizer that cannot finish, as one short of memory may not: multiprocessing runs these
    # when the target returns, before the process exits.
    multiprocessing.util.Finalize(None, time.sleep, args=(3600,), exitpriority=0)
    conn.send_bytes(worker_process.prepared(("memory", "out of memory")))
    worker_process.end(conn)


def test_a_child_that_answered_leaves_without_running_its_shutdown() -> None:
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child_whose_shutdown_never_ends, args=(child,), daemon=True)
    proc.start()
    child.close()
    try:
        assert parent.poll(30) and parent.recv() == ("memory", "out of memory")
        proc.join(30)
        assert proc.exitcode == 0, "the child waited in its shutdown instead of leaving"
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join(5)


def test_the_address_space_limit_never_exceeds_the_hard_limit() -> None:
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)

    def limited(conn: Connection) -> None:
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (8 * 1024 ** 3, 8 * 1024 ** 3))  # an operator's ulimit
        worker_process.limit_address_space(64 * 1024)  # asks for 64 GB
        conn.send(resource.getrlimit(resource.RLIMIT_AS))
        worker_process.end(conn)

    proc = ctx.Process(target=limited, args=(child,), daemon=True)
    proc.start()
    child.close()
    assert parent.poll(30)
    assert parent.recv() == (8 * 1024 ** 3, 8 * 1024 ** 3)
    proc.join(30)
