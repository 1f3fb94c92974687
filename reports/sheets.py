"""One table as CSV or XLSX bytes: the writers behind the spreadsheet exports (:mod:`reports.exports`).

Cells carry the JSON answer's own values and types: ``int`` and ``float`` numbers, exact
``Decimal`` money, ``bool``, ``date``, timezone-aware ``datetime`` (UTC), text, ``None``.

CSV: UTF-8 with a byte-order mark (Excel then reads accents), RFC 4180 quoting, CRLF line ends,
a header row. Numbers are written as the JSON writes them (a float as its shortest round-trip
decimal, ``percent_met`` ``66.66666666666667``; money as its exact decimal, ``150.00``), booleans
``true``/``false``, instants ISO 8601 UTC with ``Z``, dates ``YYYY-MM-DD``, ``None`` as an empty
cell. **Formula injection** (OWASP "CSV Injection"): a *text* cell that a spreadsheet would run
as a formula (first character ``=``, ``+``, ``-``, ``@``, tab, carriage return or line feed, or
their full-width forms) is written with a leading apostrophe, which spreadsheets show as text;
a text cell that itself begins with an apostrophe gets one too, so dropping one leading
apostrophe from a text cell always gives the original. Numbers are never escaped: ``-5`` stays a
number.

XLSX (XlsxWriter): a header row in bold, frozen, with an autofilter; column widths from the
content; numbers as number cells (money with two decimals), booleans as boolean cells, instants
as date-time cells in UTC (``yyyy-mm-dd hh:mm:ss``; Excel keeps milliseconds), dates as date
cells, text always as text cells (written with ``write_string``: a summary ``=HYPERLINK(...)``
is the text it is, never a formula or a link). An "About" sheet says what the table is.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import xlsxwriter

from fleet.canonical import iso_utc

Cell = str | int | float | Decimal | bool | date | datetime | None
FORMULA_FIRST = frozenset("=+-@\t\r\n'\uff1d\uff0b\uff0d\uff20")
"""First characters that make a text cell a formula in some spreadsheet (and the apostrophe,
so the escape can be undone)."""
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_MIN_WIDTH, _MAX_WIDTH = 8, 60
_WIDTH_SAMPLE = 500
"""Column widths are measured on the first rows only (measuring every cell of a year's ticket
list cost a fifth of the writing)."""


@dataclass(frozen=True)
class Table:
    """A sheet: a title (the XLSX sheet name), the column names and the rows."""

    title: str
    header: tuple[str, ...]
    rows: list[list[Cell]]
    about: list[tuple[str, Cell]] = field(default_factory=list)
    """What the table is (contract, period, instants): the XLSX "About" sheet."""


def escape_text(text: str) -> str:
    """A text cell made safe to open in a spreadsheet (see the module docstring)."""
    return "'" + text if text[:1] in FORMULA_FIRST else text


def csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return escape_text(value)
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return repr(value)  # int, float: the shortest text that reads back as the same number


def to_csv(table: Table) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([escape_text(h) for h in table.header])
    for row in table.rows:
        writer.writerow([csv_cell(c) for c in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _naive_utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None)


def _width(value: Cell) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 19
    if isinstance(value, date):
        return 10
    return len(csv_cell(value)) if not isinstance(value, str) else max(len(p) for p in value.split("\n"))


class _Writer:
    """Cell writers by type, with the workbook's formats."""

    def __init__(self, book: Any) -> None:
        self.header = book.add_format({"bold": True, "bg_color": "#E8EEF4", "bottom": 1})
        self.instant = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        self.day = book.add_format({"num_format": "yyyy-mm-dd"})
        self.money = book.add_format({"num_format": "#,##0.00"})

    def write(self, sheet: Any, row: int, col: int, value: Cell) -> None:
        if value is None:
            return
        if isinstance(value, bool):
            sheet.write_boolean(row, col, value)
        elif isinstance(value, str):
            sheet.write_string(row, col, value)
        elif isinstance(value, datetime):
            sheet.write_datetime(row, col, _naive_utc(value), self.instant)
        elif isinstance(value, date):
            sheet.write_datetime(row, col, value, self.day)
        elif isinstance(value, Decimal):
            sheet.write_number(row, col, float(value), self.money)
        else:
            sheet.write_number(row, col, value)


def _sheet(book: Any, w: _Writer, title: str, header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> None:
    sheet = book.add_worksheet(title[:31])
    widths = [len(h) for h in header]
    for col, name in enumerate(header):
        sheet.write_string(0, col, name, w.header)
    for row in rows[:_WIDTH_SAMPLE]:
        for col, value in enumerate(row):
            widths[col] = max(widths[col], _width(value))
    write = w.write
    for r, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            if value is not None:
                write(sheet, r, col, value)
    for col, width in enumerate(widths):
        sheet.set_column(col, col, min(max(width + 2, _MIN_WIDTH), _MAX_WIDTH))
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(rows), 1), len(header) - 1)


def to_xlsx(table: Table, *, created: datetime | None = None) -> bytes:
    """The table as a workbook (``created``: the document's creation time, e.g. the export's
    ``as_of``, so the same export gives the same properties)."""
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                     "strings_to_numbers": False})
    book.set_properties({"title": table.title, "author": "slatrack",
                         **({"created": _naive_utc(created)} if created else {})})
    w = _Writer(book)
    _sheet(book, w, table.title, table.header, table.rows)
    if table.about:
        _sheet(book, w, "About", ("field", "value"), [[k, v] for k, v in table.about])
    book.close()
    return buf.getvalue()
