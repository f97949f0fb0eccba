"""Charts as inline SVG, drawn on the server: the report page loads nothing and runs no script.

Each chart is an `<svg role="img">` titled for a screen reader, and every mark carries its
exact number in `data-value` (with `data-label`, `data-series`...) beside the rounded one a
person reads in a `<text>` or a hover `<title>`, so that a test reads what the chart shows.
Every string is escaped. Sizes are the viewBox's units; the page scales a chart to its column.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from html import escape

Number = Decimal | float | int
WIDTH = 560  # a chart's width in its viewBox; the page scales it (never under 11 px text)
ROW = 19  # a row of a bar or dot chart
# Okabe-Ito: told apart with the common colour blindnesses, and in grey on paper.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
ORGANIC, PAID = PALETTE[0], PALETTE[1]


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[Number]
    color: str = PALETTE[0]


def fmt(value: Number, places: int = 0) -> str:
    return f"{value:,.{places}f}"


def _a(value: object) -> str:
    """An attribute's value, escaped: quotes too."""
    return escape(str(value), quote=True)


def nice_ceiling(value: float) -> float:
    """The least of 1, 2, 2.5, 5 x 10^k at or above value: round numbers for an axis."""
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 2.5, 5, 10) if step * power >= value)


def _axis(high: float) -> tuple[float, float]:
    """An axis' top and its gridlines' step: about four round steps over the highest value."""
    step = nice_ceiling(high / 4)
    return step * max(1, math.ceil(high / step)), step


def _label_width(labels: Sequence[str]) -> float:
    """Room for the longest label at the left (a digit at 12px is about 7.7 units wide)."""
    return min(240.0, max(60.0, 7.7 * max((len(label) for label in labels), default=0) + 10))


def _svg(chart_id: str, title: str, desc: str, size: tuple[float, float], body: list[str]) -> str:
    """The chart in a box that scrolls sideways where the page is too narrow to show its text
    at 11 px or more (the page's CSS gives it a minimum width)."""
    i = _a(chart_id)
    return (
        f'<div class=scroll><svg id="{i}" class="chart" role="img" '
        f'viewBox="0 0 {size[0]:.0f} {size[1]:.0f}" aria-labelledby="{i}-t {i}-d">'
        f'<title id="{i}-t">{escape(title)}</title>'
        f'<desc id="{i}-d">{escape(desc)}</desc>{"".join(body)}</svg></div>'
    )


def _legend(series: Sequence[Series], left: float, width: float) -> tuple[list[str], float]:
    """A swatch and name per series, in rows that fit the width; and the height they take."""
    out, x, y = [], left, 4.0
    for s in series:
        room = 24 + 7 * len(s.name)
        if x + room > width and x > left:
            x, y = left, y + 15
        out.append(
            f'<rect x="{x:.0f}" y="{y}" width="10" height="10" fill="{_a(s.color)}"/>'
            f'<text x="{x + 14:.0f}" y="{y + 9}" class="legend">{escape(s.name)}</text>'
        )
        x += room
    return out, y + 16


def _mark(tag: str, geometry: str, s: Series, value: Number, tip: str, **data: str) -> str:
    """One mark with its number in data-value and a hover title."""
    attrs = "".join(f' data-{k}="{_a(v)}"' for k, v in data.items())
    return (
        f'<{tag} {geometry} fill="{_a(s.color)}" data-series="{_a(s.name)}"{attrs} '
        f'data-value="{_a(value)}"><title>{escape(tip)}</title></{tag}>'
    )


def _axis_title(x: float, y: float, text: str, anchor: str = "middle") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" class="axis" text-anchor="{anchor}">{escape(text)}</text>'
    )


def bars(
    chart_id: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    axes: tuple[str, str],
    places: int = 0,
) -> str:
    """Horizontal bars, one row per label (long ids stay readable at the left, 25 rows fit a
    column); several series stack in a row, their total at its end, a legend above. `axes`:
    what the rows are and what the bars measure, titled over the labels and over the bars."""
    left = _label_width(labels)
    body, top = _legend(series, left, WIDTH) if len(series) > 1 else ([], 2.0)
    body += [
        _axis_title(left - 6, top + 11, axes[0], "end"),
        _axis_title(left, top + 11, axes[1], "start"),
    ]
    top += 16
    totals = [sum((float(s.values[n]) for s in series), 0.0) for n in range(len(labels))]
    scale = nice_ceiling(max(totals, default=0.0))
    span = WIDTH - left - 64  # room at the right for the total's text
    for row, label in enumerate(labels):
        y, x = top + row * ROW, left
        body.append(
            f'<text x="{left - 6:.0f}" y="{y + ROW / 2 + 3.5:.1f}" class="label" '
            f'text-anchor="end">{escape(label)}</text>'
        )
        for s in series:
            value = s.values[row]
            length = max(float(value), 0.0) / scale * span
            tip = f"{label}, {s.name}: {fmt(value, places)}"
            geometry = f'x="{x:.1f}" y="{y + 2:.1f}" width="{length:.1f}" height="{ROW - 5}"'
            body.append(_mark("rect", geometry, s, value, tip, label=label))
            x += length
        body.append(
            f'<text x="{x + 4:.1f}" y="{y + ROW / 2 + 3.5:.1f}" class="value">'
            f"{fmt(totals[row], places)}</text>"
        )
    desc = f"{len(labels)} rows; " + ", ".join(s.name for s in series)
    return _svg(chart_id, title, desc, (WIDTH, top + len(labels) * ROW + 2), body)


def dots(
    chart_id: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    axes: tuple[str, str],
) -> str:
    """A dot per series on each label's row, over one axis: where the series disagree shows as
    the row's spread (attribution models over sellers). `axes`: what the rows are, titled over
    the labels, and what the axis measures, titled under it."""
    left, right = _label_width(labels), WIDTH - 16.0
    body, top = _legend(series, left, WIDTH)
    top += 16  # the axis' numbers
    body.append(_axis_title(left - 6, top - 7, axes[0], "end"))
    high, step = _axis(max((float(v) for s in series for v in s.values), default=0.0))
    bottom = top + len(labels) * ROW

    def x(value: Number) -> float:
        return left + (right - left) * max(float(value), 0.0) / high

    last = round(high / step)
    for k in range(last + 1):
        gx, anchor = x(k * step), "end" if k == last else "middle"  # the last inside the box
        body.append(
            f'<line x1="{gx:.1f}" x2="{gx:.1f}" y1="{top - 4}" y2="{bottom}" class="grid"/>'
            f'<text x="{gx:.1f}" y="{top - 7}" class="tick" text-anchor="{anchor}">'
            f"{fmt(k * step)}</text>"
        )
    for row, label in enumerate(labels):
        y = top + row * ROW + ROW / 2
        spread = [float(s.values[row]) for s in series]
        body.append(
            f'<text x="{left - 6:.0f}" y="{y + 3.5:.1f}" class="label" text-anchor="end">'
            f'{escape(label)}</text><line x1="{x(min(spread)):.1f}" x2="{x(max(spread)):.1f}" '
            f'y1="{y:.1f}" y2="{y:.1f}" class="spread"/>'
        )
        for s in series:
            value = s.values[row]
            geometry = f'cx="{x(value):.1f}" cy="{y:.1f}" r="4"'
            tip = f"{label}, {s.name}: {fmt(value, 2)}"
            body.append(_mark("circle", geometry, s, value, tip, label=label))
    body.append(_axis_title((left + right) / 2, bottom + 16, axes[1]))
    desc = f"{len(labels)} rows; " + ", ".join(s.name for s in series)
    return _svg(chart_id, title, desc, (WIDTH, bottom + 22), body)


def _y_axis(
    left: float, right: float, top: float, bottom: float, axis: tuple[float, float]
) -> list[str]:
    scale, step = axis
    out = []
    for k in range(round(scale / step) + 1):
        y = bottom - (bottom - top) * k * step / scale
        out.append(
            f'<line x1="{left}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{left - 4}" y="{y + 3:.1f}" class="tick" text-anchor="end">'
            f"{fmt(k * step, 0 if step >= 1 else 1)}</text>"
        )
    return out


def lines(
    chart_id: str, title: str, days: Sequence[date], series: Sequence[Series], measure: str
) -> str:
    """A line per series over days, each day a dot placed by its date (a day with nothing is a
    gap between dots, not a squeezed axis); the first series is shaded. `measure`: what the
    vertical axis measures, titled over it; the horizontal one is the UTC day."""
    left, right, bottom = 48.0, WIDTH - 16.0, 200.0
    legend, top = _legend(series, left, WIDTH)
    legend.append(_axis_title(left - 40, top + 11, measure, "start"))
    top += 26
    axis = _axis(max((float(v) for s in series for v in s.values), default=0.0))
    scale = axis[0]
    first = days[0] if days else date.min
    span = max((days[-1] - first).days, 1) if days else 1

    def x(day: date) -> float:
        return left + (right - left) * ((day - first).days / span if len(days) > 1 else 0.5)

    def y(value: Number) -> float:
        return bottom - (bottom - top) * max(float(value), 0.0) / scale

    body = legend + _y_axis(left, right, top, bottom, axis)
    ticks = days[:: max(1, math.ceil(len(days) / 5))]
    if days and (days[-1] - ticks[-1]).days > span / 16:  # the last day, unless crowded
        ticks = [*ticks, days[-1]]
    for day in ticks:
        anchor = "end" if day == days[-1] and len(days) > 1 else "middle"
        body.append(
            f'<text x="{x(day):.1f}" y="{bottom + 14}" class="tick" text-anchor="{anchor}">'
            f"{day:%b %d}</text>"
        )
    for n, s in enumerate(series):
        points = " ".join(f"{x(d):.1f},{y(v):.1f}" for d, v in zip(days, s.values, strict=True))
        if n == 0 and days:
            body.append(
                f'<polygon points="{x(days[0]):.1f},{bottom} {points} {x(days[-1]):.1f},{bottom}"'
                f' fill="{_a(s.color)}" opacity="0.12"/>'
            )
        body.append(f'<polyline points="{points}" fill="none" stroke="{_a(s.color)}"/>')
        body.extend(
            _mark(
                "circle",
                f'cx="{x(d):.1f}" cy="{y(v):.1f}" r="2.4"',
                s,
                v,
                f"{d.isoformat()} {s.name}: {fmt(v, 1)}",
                day=d.isoformat(),
            )
            for d, v in zip(days, s.values, strict=True)
        )
    body.append(_axis_title((left + right) / 2, bottom + 32, "day (UTC)"))
    desc = f"{len(days)} days; " + ", ".join(s.name for s in series)
    return _svg(chart_id, title, desc, (WIDTH, bottom + 38), body)


def histogram(
    chart_id: str,
    title: str,
    edges: Sequence[float],
    counts: Sequence[int],
    axes: tuple[str, str],
    marker: tuple[float, str] | None = None,
) -> str:
    """Counts per bin [edges[i], edges[i+1]); `axes`: what the bins measure (titled under them)
    and what they count (over the counts); `marker`: a value to draw a line at, and its name
    (the hot-lead threshold)."""
    left, right, top, bottom = 44.0, WIDTH - 10.0, 34.0, 186.0
    axis = _axis(max(counts, default=0))
    scale = axis[0]
    low, high = (edges[0], edges[-1]) if len(edges) > 1 else (0.0, 1.0)
    bins = Series("profiles", counts, ORGANIC)

    def x(value: float) -> float:
        return left + (right - left) * (value - low) / ((high - low) or 1.0)

    body = _y_axis(left, right, top, bottom, axis)
    places = 0 if all(float(e).is_integer() for e in edges) else 1
    for n, count in enumerate(counts):
        x0, x1 = x(edges[n]), x(edges[n + 1])
        height = (bottom - top) * count / scale
        geometry = f'x="{x0 + 0.5:.1f}" y="{bottom - height:.1f}" width="{x1 - x0 - 1:.1f}" '
        geometry += f'height="{height:.1f}"'
        tip = f"{fmt(edges[n], places)} to {fmt(edges[n + 1], places)}: {count:,}"
        bounds = {"from": str(edges[n]), "to": str(edges[n + 1])}
        body.append(_mark("rect", geometry, bins, count, tip, **bounds))
        if count:
            body.append(
                f'<text x="{(x0 + x1) / 2:.1f}" y="{bottom - height - 3:.1f}" class="value" '
                f'text-anchor="middle">{count:,}</text>'
            )
    for edge in edges[:: max(1, math.ceil(len(counts) / 10))]:
        body.append(
            f'<text x="{x(edge):.1f}" y="{bottom + 13}" class="tick" text-anchor="middle">'
            f"{fmt(edge, places)}</text>"
        )
    if marker is not None and low <= marker[0] <= high:
        mx = x(marker[0])
        side = (mx - 4, "end") if mx > (left + right) / 2 else (mx + 4, "start")  # inside
        body.append(
            f'<line x1="{mx:.1f}" x2="{mx:.1f}" y1="{top - 8}" y2="{bottom}" class="marker" '
            f'data-value="{_a(marker[0])}"/><text x="{side[0]:.1f}" y="{top - 2}" '
            f'class="legend" text-anchor="{side[1]}">{escape(marker[1])} {fmt(marker[0], 1)}</text>'
        )
    body += [
        _axis_title(4, 12, axes[1], "start"),
        _axis_title((left + right) / 2, bottom + 30, axes[0]),
    ]
    desc = f"{sum(counts):,} in {len(counts)} bins from {fmt(low, places)} to {fmt(high, places)}"
    return _svg(chart_id, title, desc, (WIDTH, bottom + 36), body)
