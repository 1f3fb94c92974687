"""CSV attachments (formula escaping, completeness) and the SVG charts (no rendering)."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from reports import charts
from reports.csvfiles import csv_bytes, csv_files, escape_cell
from tests.reports import samples
from tests.reports.conftest import FORMULA_SUMMARY, review_data


@pytest.mark.parametrize(("value", "expected"), [
    ("=1+2", "'=1+2"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("plain", "plain"), ("a=b", "a=b"), (None, ""), (True, "true"), (Decimal("1.50"), "1.50"), (3, "3"),
])
def test_cells_that_could_run_as_formulas_get_an_apostrophe(value: object, expected: str) -> None:
    assert escape_cell(value) == expected  # type: ignore[arg-type]


def test_csv_is_utf8_bom_crlf_with_header() -> None:
    content, rows = csv_bytes(["a", "b"], [["x, y", "é"], ["=cmd", 1]])
    assert rows == 2
    assert content.startswith("\ufeff".encode())
    text = content.decode("utf-8-sig")
    assert text.split("\r\n")[:3] == ["a,b", '"x, y",é', "'=cmd,1"]


def test_contract_review_csvs_carry_the_complete_record_escaped() -> None:
    data = review_data()
    files = {f.name: f for f in csv_files(data)}
    assert list(files) == ["compliance.csv", "breaches.csv", "units.csv", "availability-by-month.csv",
                           "tickets.csv", "ticket-events.csv"]
    tickets = list(csv.DictReader(io.StringIO(files["tickets.csv"].content.decode("utf-8-sig"))))
    assert len(tickets) == len(data.tickets) == files["tickets.csv"].rows
    assert tickets[1]["summary"] == "'" + FORMULA_SUMMARY
    events = list(csv.reader(io.StringIO(files["ticket-events.csv"].content.decode("utf-8-sig"))))
    assert len(events) - 1 == len(data.events)
    assert files["breaches.csv"].rows == len(data.breaches)


def test_every_kind_has_csvs() -> None:
    assert [f.name for f in csv_files(samples.track_record())] == ["contracts.csv", "tickets.csv", "ticket-events.csv"]
    assert [f.name for f in csv_files(samples.unit_history())] == ["tickets.csv", "ticket-events.csv", "work-logs.csv",
                                                                   "downtime.csv"]


def _svg(text: str) -> ET.Element:
    return ET.fromstring(text)


def test_column_chart_hatches_failures_and_says_where_the_axis_starts() -> None:
    svg = charts.column_chart([
        charts.Bar("Jan", Decimal("99.2"), True), charts.Bar("Feb", Decimal("97.1"), False),
        charts.Bar("Mar", None, None), charts.Bar("<b>Apr</b>", Decimal("98.6"), True),
    ], title="t & <t>", target=Decimal("98.5"), places=2)
    root = _svg(svg)  # well-formed, escaped
    ns = "{http://www.w3.org/2000/svg}"
    texts = [t.text or "" for t in root.iter(f"{ns}text")]
    assert "97.10% ✗" in texts and "99.20% ✓" in texts and "no data" in texts and "<b>Apr</b>" in texts
    assert any(t.startswith("Value axis starts at") for t in texts)
    fills = [r.get("fill") for r in root.iter(f"{ns}rect")]
    assert "url(#hatch)" in fills
    assert "script" not in svg and "href" not in svg and "http://" not in svg.replace("http://www.w3.org", "")


def test_axis_floor_stays_below_values_and_at_or_above_zero() -> None:
    low, step = charts.axis_floor([Decimal("97.3"), Decimal("99.9")])
    assert 0 <= low < 97.3 and step > 0 and (100 - low) / step <= 6
    assert charts.axis_floor([Decimal(2)])[0] == 0
    assert charts.fmt_pct(Decimal("98.999")) == "98.9"  # rounds down, never up to a target


def test_compliance_chart_marks_each_aql() -> None:
    svg = charts.compliance_chart([
        charts.Row("P1 Response", Decimal("80"), Decimal("90"), False, "4/5 met"),
        charts.Row("P2 Resolve", None, Decimal("90"), None, "0/0 met"),
    ], title="c")
    root = _svg(svg)
    assert "no decided tickets" in svg and "80.0% ✗  4/5 met" in svg
    assert root.get("height") == str(30 + 26 + 22 * 2)
    assert float(root.get("width") or 0) == 680
