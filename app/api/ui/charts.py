"""Charts as SVG written on the server: they show without a script, print, and weigh little.

One chart is a few series of marks over time (or over the measurement's position when times are
missing), horizontal rules for thresholds, and axes with round ticks. Every mark is one element
of class `pt` (a circle, or a cross for a mark with no value, drawn on the x axis), so a
measurement is exactly one mark. The numbers are also in a table beside every chart (the chart
is an image to assistive technology, `role="img"`, pointing at that table). Styling is by class
only (`app/api/ui/static/ui.css`): the pages' Content-Security-Policy allows no inline style.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from markupsafe import Markup, escape

__all__ = ["Mark", "Rule", "Track", "chart", "nice_ticks"]

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 60, 16, 14, 30


@dataclass(frozen=True, slots=True)
class Mark:
    """One point: x (epoch seconds, or a position), y (None: no value), its marker's class
    (`ok`, `fail`, `inc`, `err` for a measurement's phase; a series' name), and the spread of
    the numbers it stands for, when there were several."""

    x: float
    y: float | None
    css: str
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class Track:
    """A series: its marks in order, joined by a line where consecutive marks have values."""

    css: str
    marks: Sequence[Mark] = field(default_factory=list)


@dataclass(frozen=True)
class Rule:
    value: float
    label: str
    css: str


def _nice(step: float) -> float:
    exponent = math.floor(math.log10(step))
    fraction = step / 10**exponent
    nice = 1 if fraction <= 1 else 2 if fraction <= 2 else 5 if fraction <= 5 else 10
    return float(nice * 10**exponent)


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high]: 1, 2 or 5 times a power of ten apart."""
    if not high > low:
        spread = abs(low) * 0.05 or 1.0
        low, high = low - spread, high + spread
    step = _nice((high - low) / max(count - 1, 1))
    first, last = math.floor(low / step), math.ceil(high / step)
    return [round(i * step, 12) for i in range(first, last + 1)]


def _x_labels(xs: list[float], times: bool) -> Callable[[float], str]:
    if not times:
        return lambda x: f"#{x:g}"
    span = max(xs) - min(xs) if xs else 0
    shape = "%H:%M:%S" if span < 300 else "%H:%M" if span < 86400 else "%m-%d %H:%M"
    return lambda x: datetime.fromtimestamp(x, UTC).strftime(shape)


def _f(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def chart(
    tracks: Sequence[Track],
    *,
    rules: Sequence[Rule] = (),
    times: bool,
    title: str,
    described_by: str,
    ident: str,
) -> Markup:
    """The SVG of `tracks` with `rules`; `times`: x values are epoch seconds."""
    marks = [m for t in tracks for m in t.marks]
    ys = [y for m in marks for y in (m.y, m.low, m.high) if y is not None and math.isfinite(y)]
    ys += [r.value for r in rules]
    ticks = nice_ticks(min(ys), max(ys)) if ys else [0.0, 1.0]
    y_low, y_high = ticks[0], ticks[-1]
    xs = [m.x for m in marks]
    x_low, x_high = (min(xs), max(xs)) if xs else (0.0, 1.0)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    bottom = TOP + plot_h

    def sx(x: float) -> float:
        if x_high == x_low:
            return LEFT + plot_w / 2
        return LEFT + (x - x_low) / (x_high - x_low) * plot_w

    def sy(y: float) -> float:
        return TOP + (y_high - y) / (y_high - y_low) * plot_h

    out = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{ident}-t" aria-describedby="{described_by}">'
        f'<title id="{ident}-t">{escape(title)}</title><g class="axis">'
    ]
    for tick in ticks:
        y = _f(sy(tick))
        out.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y}" y2="{y}"/>'
            f'<text x="{LEFT - 6}" y="{y}" class="yl">{tick:g}</text>'
        )
    label = _x_labels(xs, times)
    count = 1 if x_high == x_low else 5
    for index in range(count):
        x = x_low + (x_high - x_low) * index / max(count - 1, 1)
        edge = " first" if index == 0 else " last" if index == count - 1 else ""
        edge = "" if count == 1 else edge
        out.append(
            f'<text x="{_f(sx(x))}" y="{HEIGHT - 8}" class="xl{edge}">{escape(label(x))}</text>'
        )
    out.append("</g>")
    for rule in rules:
        y = _f(sy(rule.value))
        out.append(
            f'<line class="rule {rule.css}" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y}" y2="{y}"/>'
            f'<text class="rl {rule.css}" x="{WIDTH - RIGHT - 4}" y="{y}">'
            f"{escape(rule.label)}</text>"
        )
    for track in tracks:
        out.append(f'<g class="track {track.css}">')
        run: list[str] = []
        for mark in [*track.marks, None]:
            if mark is not None and mark.y is not None and math.isfinite(mark.y):
                run.append(f"{_f(sx(mark.x))},{_f(sy(mark.y))}")
            elif run:
                if len(run) > 1:
                    out.append(f'<polyline points="{" ".join(run)}"/>')
                run = []
        spreads = [
            f"M{_f(sx(m.x))} {_f(sy(m.low))}V{_f(sy(m.high))}"
            for m in track.marks
            if m.low is not None and m.high is not None and m.high > m.low
        ]
        if spreads:  # one path for all: a page of 1,000 measurements stays light
            out.append(f'<path class="spread" d="{"".join(spreads)}"/>')
        for mark in track.marks:
            at = _f(sx(mark.x))
            if mark.y is None or not math.isfinite(mark.y):
                out.append(f'<path class="pt {mark.css}" d="M{at} {bottom}m-4-4l8 8m0-8l-8 8"/>')
            else:
                y = _f(sy(mark.y))
                out.append(f'<circle class="pt {mark.css}" cx="{at}" cy="{y}" r="3"/>')
        out.append("</g>")
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704 - every text in it went through escape()
