"""Reading exports back for the tests: CSV and XLSX cells compared with the JSON answer's values.

A JSON value and a cell agree when the cell is the value in the export's documented form
(reports/sheets.py): CSV text exactly as the JSON writes the value (a text cell possibly with one
escaping apostrophe); XLSX cells of the value's type (numbers as numbers, money to the cent,
instants as UTC date-time cells to the millisecond, dates as date cells, text as text).
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import openpyxl

INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MONEY = re.compile(r"^-?\d+\.\d{2}$")


@dataclass
class Sheet:
    header: list[str]
    rows: list[dict[str, Any]]


def read_csv(content: bytes) -> Sheet:
    assert content.startswith(b"\xef\xbb\xbf"), "a CSV export starts with a UTF-8 byte-order mark"
    text = content[3:].decode("utf-8")
    assert text.endswith("\r\n"), "CSV rows end with CRLF"
    lines = list(csv.reader(io.StringIO(text, newline="")))
    header, body = lines[0], lines[1:]
    assert all(len(r) == len(header) for r in body), "every row has every column"
    return Sheet(header, [dict(zip(header, r, strict=True)) for r in body])


def read_xlsx(content: bytes, title: str) -> tuple[Sheet, Any]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    ws = book[title]
    cells = list(ws.iter_rows())
    header = [c.value for c in cells[0]]
    rows = [{h: c for h, c in zip(header, r, strict=False)} for r in cells[1:]]
    for r in rows:
        for h in header:
            r.setdefault(h, None)
    return Sheet([str(h) for h in header], rows), book


def unescape(text: str) -> str:
    """The original text of a CSV text cell (one escaping apostrophe dropped)."""
    return text[1:] if text.startswith("'") else text


def csv_agrees(value: Any, cell: str) -> bool:
    if value is None:
        return cell == ""
    if isinstance(value, bool):
        return cell == ("true" if value else "false")
    if isinstance(value, int):
        return re.fullmatch(r"-?\d+", cell) is not None and int(cell) == value
    if isinstance(value, float):
        return not cell.startswith("'") and float(cell) == value and repr(float(cell)) == cell
    assert isinstance(value, str)
    return unescape(cell) == value if not (INSTANT.match(value) or MONEY.match(value)) else cell == value


def xlsx_agrees(value: Any, cell: Any) -> bool:
    got = None if cell is None else cell.value
    if value is None:
        return got is None
    if isinstance(value, bool):
        return got is value
    if isinstance(value, int | float):
        if cell.data_type != "n" or isinstance(got, bool):
            return False
        # XlsxWriter writes 16 significant digits (Excel shows 15): a float needing 17 reads back
        # within one part in 10^15
        return got == value or (isinstance(value, float) and math.isclose(got, value, rel_tol=1e-15))
    assert isinstance(value, str)
    if INSTANT.match(value):
        want = datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC).replace(tzinfo=None)
        return isinstance(got, datetime) and abs(got - want) < timedelta(milliseconds=1)
    if DAY.match(value):
        return isinstance(got, datetime | date) and (got.date() if isinstance(got, datetime) else got) == \
            date.fromisoformat(value)
    if MONEY.match(value):
        return cell.data_type == "n" and Decimal(repr(float(got))).quantize(Decimal("0.01")) == Decimal(value)
    return cell.data_type == "s" and got == value


def mismatches(expected: list[dict[str, Any]], sheet: Sheet, agrees: Any) -> list[str]:
    """Field-by-field differences between the expected rows (from the JSON) and the export's."""
    problems = []
    if len(expected) != len(sheet.rows):
        return [f"{len(sheet.rows)} rows, expected {len(expected)}"]
    for i, (want, got) in enumerate(zip(expected, sheet.rows, strict=True)):
        assert set(want) <= set(sheet.header), set(want) - set(sheet.header)
        for column, value in want.items():
            if not agrees(value, got[column]):
                shown = got[column].value if hasattr(got[column], "value") else got[column]
                problems.append(f"row {i} {column}: export {shown!r}, JSON {value!r}")
    return problems
