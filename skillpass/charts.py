"""Geometry for the few server-rendered SVG charts (forecast bars, compliance trend).

Only numbers here: the templates draw them, each with its data table beside it.
"""
from __future__ import annotations

from dataclasses import dataclass

# Colours with a 3:1 contrast against white, told apart by pattern and label too.
SERIES_STYLES = [
    ("#005eb8", ""), ("#d5281b", "6 3"), ("#007f3b", "2 3"), ("#330072", "8 3 2 3"), ("#ae2573", "1 2"),
    ("#212b32", "10 4"),
]


@dataclass
class Bar:
    x: float
    width: float
    segments: list[tuple[float, float, str, int]]   # (y, height, css class, value)
    label: str
    total: int


@dataclass
class BarChart:
    width: int
    height: int
    plot_top: int
    plot_bottom: int
    bars: list[Bar]
    ticks: list[tuple[float, int]]     # (y, value)


def stacked_bars(groups: list[tuple[str, list[tuple[str, int]]]], *, width: int = 640, height: int = 240
                 ) -> BarChart:
    """One bar per group, stacked from its (css class, value) pairs, on a shared scale from 0."""
    top, bottom, left, right = 16, height - 40, 40, 8
    highest = max([sum(v for _, v in parts) for _, parts in groups] + [1])
    step = _nice_step(highest)
    scale_max = step * -(-highest // step)
    plot_h = bottom - top
    slot = (width - left - right) / max(len(groups), 1)
    bars = []
    for index, (label, parts) in enumerate(groups):
        y = bottom
        segments = []
        for css, value in parts:
            h = plot_h * value / scale_max
            y -= h
            segments.append((round(y, 1), round(h, 1), css, value))
        bars.append(Bar(x=round(left + index * slot + slot * 0.15, 1), width=round(slot * 0.7, 1),
                        segments=segments, label=label, total=sum(v for _, v in parts)))
    ticks = [(round(bottom - plot_h * v / scale_max, 1), v) for v in range(0, scale_max + 1, step)]
    return BarChart(width=width, height=height, plot_top=top, plot_bottom=bottom, bars=bars, ticks=ticks)


def _nice_step(highest: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if highest / step <= 5:
            return step
    return 10 ** len(str(highest))


@dataclass
class Line:
    name: str
    colour: str
    dash: str
    points: list[tuple[float, float, int | None]]   # (x, y, value); y is None-free: gaps are skipped
    path: str


@dataclass
class LineChart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    labels: list[tuple[float, str]]
    ticks: list[tuple[float, int]]
    lines: list[Line]


def percent_lines(labels: list[str], series: list[tuple[str, list[int | None]]], *, width: int = 640,
                  height: int = 260) -> LineChart:
    """Lines of percentages (0-100) over the same labels; None is a month with nothing due (a gap)."""
    left, right, top, bottom = 40, width - 16, 16, height - 40
    span = max(len(labels) - 1, 1)
    xs = [round(left + (right - left) * i / span, 1) for i in range(len(labels))]

    def y(v: int) -> float:
        return round(bottom - (bottom - top) * v / 100, 1)

    lines = []
    for index, (name, values) in enumerate(series):
        colour, dash = SERIES_STYLES[index % len(SERIES_STYLES)]
        points = [(xs[i], y(v), v) for i, v in enumerate(values) if v is not None]
        path, pen_up = "", True
        for i, v in enumerate(values):
            if v is None:
                pen_up = True
                continue
            path += f"{'M' if pen_up else 'L'}{xs[i]},{y(v)} "
            pen_up = False
        lines.append(Line(name=name, colour=colour, dash=dash, points=points, path=path.strip()))
    return LineChart(width=width, height=height, left=left, right=right, top=top, bottom=bottom,
                     labels=list(zip(xs, labels)), ticks=[(y(v), v) for v in (0, 25, 50, 75, 100)], lines=lines)
