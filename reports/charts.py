"""Charts as small, deterministic SVG documents.

Hand-made rather than pygal: pygal writes a random ``uuid4`` chart id and today's date into
every SVG (so the same data would not give the same bytes), starts bar axes at zero (every
month at 97–100 % looks the same) and cannot hatch one bar out of a series. These charts:

- read in greyscale: a bar that misses its target is *hatched* and labelled with ✗, a bar that
  meets it is solid and labelled with ✓; the target is a dashed line with its value written;
- say when the value axis does not start at zero;
- use only the bundled font family (``Slatrack Sans``), no scripts, no external references.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from xml.sax.saxutils import escape, quoteattr

FONT = "Slatrack Sans"
INK = "#1a1a1a"
MUTED = "#5f6368"
GRID = "#d0d4d9"
PASS_FILL = "#1f4e79"
NEUTRAL_FILL = "#6b8fb5"
FAIL_STROKE = "#a4281b"
FAIL_BG = "#f6dcd8"
TICK = "\u2713"
CROSS = "\u2717"


@dataclass(frozen=True)
class Bar:
    """One bar: ``value`` ``None`` means no data; ``passed`` ``None`` means no verdict."""

    label: str
    value: Decimal | None
    passed: bool | None = None
    note: str = ""


def fmt_pct(value: Decimal | None, places: int = 1) -> str:
    """Percent for display, rounded *down* so a value never reads as reaching a target it missed."""
    if value is None:
        return "n/a"
    q = Decimal(1).scaleb(-places)
    return str(value.quantize(q, rounding=ROUND_DOWN))


def _num(x: float) -> str:
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _text(x: float, y: float, content: str, *, size: float = 10, anchor: str = "start", fill: str = INK,
          weight: str = "normal") -> str:
    return (
        f'<text x="{_num(x)}" y="{_num(y)}" font-size="{_num(size)}" text-anchor="{anchor}" '
        f'fill="{fill}" font-weight="{weight}">{escape(content)}</text>'
    )


def _defs() -> str:
    return (
        "<defs>"
        '<pattern id="hatch" patternUnits="userSpaceOnUse" width="6" height="6" '
        'patternTransform="rotate(45)">'
        f'<rect x="0" y="0" width="6" height="6" fill="{FAIL_BG}"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{FAIL_STROKE}" stroke-width="3"/>'
        "</pattern>"
        "</defs>"
    )


# Average advance of DejaVu Sans digits and symbols, in em (a little generous).
_EM = 0.66


def text_width(text: str, size: float) -> float:
    """Estimated width of ``text`` at ``size`` in the bundled font (for fitting labels)."""
    return len(text) * size * _EM


def _fit(texts: Sequence[str], width: float, size: float, smallest: float) -> float:
    """The largest font size ≤ ``size`` (not below ``smallest``) at which every text fits ``width``."""
    longest = max((len(t) for t in texts), default=0)
    if longest == 0:
        return size
    return max(smallest, min(size, width / (longest * _EM)))


def _bar_style(bar: Bar) -> tuple[str, str]:
    """(fill, stroke) for a bar: solid when passed or no verdict, hatched when failed."""
    if bar.passed is False:
        return "url(#hatch)", FAIL_STROKE
    if bar.passed is True:
        return PASS_FILL, PASS_FILL
    return NEUTRAL_FILL, NEUTRAL_FILL


def _verdict(bar: Bar) -> str:
    if bar.passed is True:
        return f" {TICK}"
    if bar.passed is False:
        return f" {CROSS}"
    return ""


def _svg(width: int, height: int, body: list[str], title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family={quoteattr(FONT)} role="img">'
        f"<title>{escape(title)}</title>" + _defs() + "".join(body) + "</svg>"
    )


def axis_floor(values: Sequence[Decimal], *, top: Decimal = Decimal(100), max_ticks: int = 6) -> tuple[float, float]:
    """A lower axis bound below every value (and ≥ 0) and a tick step, for a 0–100 scale."""
    low = float(min(values)) if values else 0.0
    span = float(top) - low
    raw_min = low - max(span * 0.3, 0.5)
    step = 10.0
    axis_min = 0.0
    for step in (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 25):
        axis_min = math.floor(raw_min / step) * step
        if (float(top) - axis_min) / step <= max_ticks:
            break
    return max(0.0, round(axis_min, 6)), step


def column_chart(bars: Sequence[Bar], *, title: str, target: Decimal | None = None, target_label: str = "target",
                 places: int = 1, legend: bool = True, width: int = 680, height: int = 240) -> str:
    """Vertical bars on a percent scale (e.g. availability per month) with an optional target line."""
    left, right, top, bottom = 46, 12, 44, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [b.value for b in bars if b.value is not None]
    if target is not None:
        values.append(target)
    axis_min, step = axis_floor(values)
    axis_max = 100.0

    def y_of(v: float) -> float:
        return top + plot_h * (1 - (v - axis_min) / (axis_max - axis_min))

    body: list[str] = []
    # grid and value axis
    tick = axis_min
    while tick <= axis_max + 1e-9:
        y = y_of(tick)
        body.append(f'<line x1="{left}" y1="{_num(y)}" x2="{left + plot_w}" y2="{_num(y)}" stroke="{GRID}" '
                    'stroke-width="0.6"/>')
        body.append(_text(left - 5, y + 3.5, f"{_num(tick)}%", size=9, anchor="end", fill=MUTED))
        tick = round(tick + step, 6)
    if axis_min > 0:
        body.append(_text(left - 40, top - 18, f"Value axis starts at {_num(axis_min)}%, not 0", size=8.5,
                          fill=MUTED))
    n = max(len(bars), 1)
    slot = plot_w / n
    bar_w = min(slot * 0.62, 60)
    labels = [fmt_pct(b.value, places) + "%" + _verdict(b) for b in bars if b.value is not None]
    label_size = _fit(labels, slot * 0.96, 8.5, 6.0)
    for i, bar in enumerate(bars):
        cx = left + slot * (i + 0.5)
        label_y = top + plot_h + 14
        body.append(_text(cx, label_y, bar.label, size=min(9.0, _fit([bar.label], slot * 0.98, 9, 6.5)),
                          anchor="middle"))
        if bar.note:
            body.append(_text(cx, label_y + 11, bar.note, size=8, anchor="middle", fill=MUTED))
        if bar.value is None:
            body.append(_text(cx, top + plot_h - 6, "no data", size=8, anchor="middle", fill=MUTED))
            continue
        y = y_of(float(bar.value))
        fill, stroke = _bar_style(bar)
        body.append(
            f'<rect x="{_num(cx - bar_w / 2)}" y="{_num(y)}" width="{_num(bar_w)}" '
            f'height="{_num(top + plot_h - y)}" fill="{fill}" stroke="{stroke}" stroke-width="1"/>'
        )
        body.append(_text(cx, y - 4, fmt_pct(bar.value, places) + "%" + _verdict(bar), size=label_size,
                          anchor="middle", weight="bold" if bar.passed is False else "normal"))
    body.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
                f'stroke="{INK}" stroke-width="0.8"/>')
    if target is not None:
        y = y_of(float(target))
        body.append(f'<line x1="{left}" y1="{_num(y)}" x2="{left + plot_w}" y2="{_num(y)}" stroke="{INK}" '
                    'stroke-width="1.2" stroke-dasharray="5 3"/>')
    if legend:
        body.append(_legend(width, target, target_label, places))
    return _svg(width, height, body, title)


def _legend(width: int, target: Decimal | None, target_label: str, places: int) -> str:
    parts: list[str] = []
    x: float = width - 12
    items: list[tuple[str, str]] = [("fail", f"{CROSS} below target"), ("pass", f"{TICK} meets target")]
    if target is not None:
        items.insert(0, ("target", f"{target_label} {fmt_pct(target, places)}%"))
    y = 12
    for kind, label in items:
        text_w = len(label) * 5.4
        x -= text_w
        parts.append(_text(x, y + 3.5, label, size=9))
        x -= 16
        if kind == "target":
            parts.append(f'<line x1="{_num(x)}" y1="{y}" x2="{_num(x + 13)}" y2="{y}" stroke="{INK}" '
                         'stroke-width="1.2" stroke-dasharray="4 2"/>')
        else:
            fill, stroke = (PASS_FILL, PASS_FILL) if kind == "pass" else ("url(#hatch)", FAIL_STROKE)
            parts.append(f'<rect x="{_num(x)}" y="{y - 5}" width="12" height="10" fill="{fill}" '
                         f'stroke="{stroke}" stroke-width="1"/>')
        x -= 14
    return "".join(parts)


@dataclass(frozen=True)
class Row:
    """One horizontal bar: a (priority, metric) compliance row."""

    label: str
    value: Decimal | None
    threshold: Decimal
    passed: bool | None
    detail: str


def compliance_chart(rows: Sequence[Row], *, title: str, row_height: int = 22, width: int = 680) -> str:
    """Horizontal 0–100 % bars, one per row, each with its AQL marked and written."""
    details = [f"{fmt_pct(r.value)}%{_verdict(Bar(r.label, r.value, r.passed))}  {r.detail}" if r.value is not None
               else r.detail for r in rows]
    left, top, bottom = 118, 30, 26
    right = int(min(max((text_width(t, 9) for t in details), default=0) + 16, width * 0.42))
    plot_w = width - left - right
    detail_size = _fit(details, right - 12, 9, 6.5)
    height = top + bottom + row_height * max(len(rows), 1)

    def x_of(v: float) -> float:
        return left + plot_w * v / 100.0

    body: list[str] = []
    for tick in (0, 25, 50, 75, 100):
        x = x_of(tick)
        body.append(f'<line x1="{_num(x)}" y1="{top - 4}" x2="{_num(x)}" y2="{height - bottom}" '
                    f'stroke="{GRID}" stroke-width="0.6"/>')
        body.append(_text(x, height - bottom + 12, f"{tick}%", size=9, anchor="middle", fill=MUTED))
    for i, row in enumerate(rows):
        y0 = top + i * row_height
        mid = y0 + row_height / 2
        body.append(_text(left - 8, mid + 3.5, row.label, size=9.5, anchor="end"))
        bar_h = row_height * 0.56
        if row.value is None:
            body.append(_text(left + 4, mid + 3.5, "no decided tickets", size=8.5, fill=MUTED))
        else:
            fill, stroke = _bar_style(Bar(row.label, row.value, row.passed))
            w = max(x_of(float(row.value)) - left, 0.8)
            body.append(f'<rect x="{left}" y="{_num(mid - bar_h / 2)}" width="{_num(w)}" height="{_num(bar_h)}" '
                        f'fill="{fill}" stroke="{stroke}" stroke-width="1"/>')
        ax = x_of(float(row.threshold))
        body.append(f'<line x1="{_num(ax)}" y1="{_num(mid - row_height / 2 + 1)}" x2="{_num(ax)}" '
                    f'y2="{_num(mid + row_height / 2 - 1)}" stroke="{INK}" stroke-width="2"/>')
        body.append(_text(left + plot_w + 8, mid + 3.5, details[i], size=detail_size,
                          weight="bold" if row.passed is False else "normal"))
    body.append(f'<line x1="{left}" y1="{top - 4}" x2="{left}" y2="{height - bottom}" stroke="{INK}" '
                'stroke-width="0.8"/>')
    # legend
    lx = left
    body.append(f'<rect x="{lx}" y="8" width="12" height="10" fill="{PASS_FILL}" stroke="{PASS_FILL}"/>')
    body.append(_text(lx + 16, 16.5, f"{TICK} meets AQL", size=9))
    lx += 100
    body.append(f'<rect x="{lx}" y="8" width="12" height="10" fill="url(#hatch)" stroke="{FAIL_STROKE}"/>')
    body.append(_text(lx + 16, 16.5, f"{CROSS} below AQL", size=9))
    lx += 100
    body.append(f'<line x1="{lx + 6}" y1="6" x2="{lx + 6}" y2="20" stroke="{INK}" stroke-width="2"/>')
    body.append(_text(lx + 14, 16.5, "AQL (acceptable quality level)", size=9))
    return _svg(width, height, body, title)
