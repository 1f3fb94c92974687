"""Rules for text that people type: free text (summaries, notes, reasons) and identifiers (unit
serials, contract numbers, agency codes, part numbers, usernames).

Pure functions, used by the input schemas, the web forms, the CSV import, the models (each
identifier column has a ``*_key`` column holding :func:`identifier_key`, unique) and the migration
that added those keys.
"""

from __future__ import annotations

import unicodedata
from typing import Any

NUL_MESSAGE = "text may not contain NUL characters (\\u0000)"
"""Why: PostgreSQL cannot store NUL in text, and no field of this API has a use for it; refused
at the edge, the same on SQLite and PostgreSQL, naming the field, instead of failing on write."""


BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
"""Characters that reorder how text is shown (U+202E makes ``exe.pdf`` read as ``fdp.exe``)."""
_FREE_TEXT_CONTROLS = frozenset(chr(c) for c in range(0x20) if chr(c) not in "\t\n\r") | {"\x7f"}
_INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u17b4\u17b5")
"""Letters (category Lo) that draw nothing, such as the Hangul fillers: refused in identifiers."""


def _char_name(ch: str) -> str:
    return f"U+{ord(ch):04X} {unicodedata.name(ch, '')}".rstrip()


def text_problem(value: Any) -> str | None:
    """Why a free-text value (a summary, notes, a reason) cannot be stored, or None. Newlines and
    tabs are kept; other control characters and bidirectional overrides are refused, since they
    hide or reorder what a reader sees in pages, PDFs and CSV exports."""
    if isinstance(value, str):
        for ch in value:
            if ch in _FREE_TEXT_CONTROLS or ch in BIDI_CONTROLS:
                return f"text may not contain the control character {_char_name(ch)}"
        return None
    if isinstance(value, list | tuple):
        return next((p for p in map(text_problem, value) if p), None)
    if isinstance(value, dict):
        return next((p for p in map(text_problem, [*value.keys(), *value.values()]) if p), None)
    return None


def normalize_identifier(value: str) -> str:
    """An identifier as stored: Unicode NFKC (full-width ``ＲＢＴ－７７８１`` is ``RBT-7781``),
    trimmed. Raises ValueError for control, format (zero-width space, bidi overrides), private-use,
    unassigned and other invisible characters, and for any whitespace but a plain space."""
    if "\x00" in value:
        raise ValueError(NUL_MESSAGE)
    text = unicodedata.normalize("NFKC", value).strip()
    for ch in text:
        category = unicodedata.category(ch)
        if (category in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp") or (category == "Zs" and ch != " ")
                or ch in _INVISIBLE_LETTERS):
            raise ValueError(f"may not contain the invisible or control character {_char_name(ch)}")
    return text


def identifier_key(value: str) -> str:
    """The value uniqueness is judged on: normalized, then case-folded (``RBT-7781`` = ``rbt-7781``)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", value).strip().casefold())
