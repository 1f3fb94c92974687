"""How deeply a JSON text nests, measured without parsing it.

Why: a body like ``[[[[…]]]]`` a few thousand levels deep makes Python's ``json`` raise
``RecursionError`` (a 500) and costs every parser stack and time; no request of this API nests
more than a handful of levels. :func:`nests_deeper_than` answers in C-speed passes: counting
brackets (most bodies stop there), blanking strings (a ``[`` inside a string does not nest),
then one running sum over the brackets that are left.
"""

from __future__ import annotations

import re
from array import array
from itertools import accumulate

MAX_JSON_DEPTH = 64
"""Deepest nesting accepted in a request body (a status batch nests 3 levels, a contract 3)."""

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_SIGNS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")  # read as signed bytes: +1 opens, -1 closes
_CHUNK = 1 << 16


def _outside_strings(body: bytes) -> bytes:
    """The text with every string literal removed. Without escaped quotes, the pieces between
    quotes alternate outside/inside (a split, much faster than the regular expression)."""
    if b'\\"' not in body:
        return b"".join(body.split(b'"')[0::2])
    return _STRING.sub(b"", body)


def nests_deeper_than(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the JSON text ``body`` has an array or object nested more than ``limit`` levels.
    Exact for valid JSON; for invalid JSON (an unterminated string) it may say either, and the
    parser refuses that body anyway."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    signs = array("b", _outside_strings(body).translate(None, _NOT_BRACKETS).translate(_SIGNS))
    depth = 0
    for start in range(0, len(signs), _CHUNK):
        chunk = signs[start:start + _CHUNK]
        if max(accumulate(chunk, initial=depth)) > limit:
            return True
        depth += sum(chunk)
    return False
