"""What the render and verify worker processes share (:func:`serve`): the address-space limit,
telling a memory failure from another, and ending the child at once.

A child that hits its address-space limit is in a fragile state: every new allocation fails,
libraries may catch the ``MemoryError`` and raise something else from it, and the interpreter's
own shutdown (finalizers, atexit hooks) allocates. So the answer for "out of memory" is pickled
before the limit is set, and the child leaves with :func:`os._exit` once it has answered: the
parent reads an answer or an end of file, never waits out its time budget on a child that
cannot finish dying."""

from __future__ import annotations

import os
import pickle
import resource
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import NoReturn


def serve(conn: Connection, memory_mb: int, work: Callable[[], object], *, out_of_memory: object,
          failed: Callable[[BaseException], object]) -> NoReturn:
    """The child's whole life: cap the address space, send what ``work`` returns (or
    ``out_of_memory``, or ``failed(exc)`` for any other failure), leave."""
    ready = prepared(out_of_memory)
    answered = False
    try:
        limit_address_space(memory_mb)
        conn.send(work())
        answered = True
    except BaseException as exc:  # report any failure to the parent
        if ran_out_of_memory(exc):
            conn.send_bytes(ready)
        else:
            conn.send(failed(exc))
        answered = True
    finally:
        end(conn, 0 if answered else 1)


def limit_address_space(memory_mb: int) -> None:
    """Cap this process's address space at ``memory_mb`` (or the hard limit, if lower)."""
    limit = memory_mb * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def prepared(answer: object) -> bytes:
    """``answer`` pickled now, to be sent later with :meth:`Connection.send_bytes` when
    pickling may no longer be possible."""
    return pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)


def ran_out_of_memory(exc: BaseException) -> bool:
    """Whether ``exc`` is a ``MemoryError`` or was raised while handling one (a library that
    catches ``Exception`` around a parser turns the one into the other)."""
    seen: BaseException | None = exc
    for _ in range(16):  # chains are short; a cycle must not loop
        if seen is None:
            return False
        if isinstance(seen, MemoryError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def end(conn: Connection, code: int = 0) -> NoReturn:
    """Close the answer pipe and leave now, skipping the interpreter's shutdown (see the module)."""
    try:
        conn.close()
    finally:
        os._exit(code)
