"""Charts drawn on the server as SVG geometry: the templates turn these shapes into inline <svg>, so the charts
work offline, without JavaScript, print sharply and need no vendored library. Every chart sits beside a table
with the same numbers (for screen readers and for copying)."""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass

from inventory.templatetags.numbers import persons as persons_label

# Colours per trede: dark for paid work, lighter for the rungs further from it; trede 6 grey (not in the total).
TREDE_COLOURS = {5: "#00465a", 4: "#2f8ca3", 3: "#8cc8d6", 6: "#9a9a9a"}


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    label: str
    value: str
    label_y: float
    value_x: float


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    label_width: int
    bars: list[Bar]


def ladder_chart(rungs: list[tuple[str, int | None, int]], *, width: int = 640) -> BarChart:
    """Horizontal bars, one per rung (label, persons, trede), top to bottom in the order given."""
    label_width, bar_height, gap, value_room = 80, 34, 12, 90
    scale_width = width - label_width - value_room
    largest = max((persons or 0 for _l, persons, _t in rungs), default=0) or 1
    bars = []
    for i, (label, persons, trede) in enumerate(rungs):
        y = gap + i * (bar_height + gap)
        length = scale_width * (persons or 0) / largest
        bars.append(
            Bar(
                x=label_width,
                y=y,
                width=round(length, 1),
                height=bar_height,
                colour=TREDE_COLOURS.get(trede, "#555"),
                label=label,
                value=persons_label(persons),
                label_y=y + bar_height / 2 + 5,
                value_x=round(label_width + length + 6, 1),
            )
        )
    return BarChart(width=width, height=gap + len(rungs) * (bar_height + gap), label_width=label_width, bars=bars)


@dataclass(frozen=True)
class Segment:
    y: float
    height: float
    colour: str
    title: str


@dataclass(frozen=True)
class Column:
    x: float
    width: float
    label: str
    label_x: float
    total: str
    total_y: float
    segments: list[Segment]
    top: float = 0.0  # the stack's top and height, for the hatching of a marked column
    height: float = 0.0
    marked: bool = False  # drawn lighter and hatched: its figures are not final (the caller labels it)


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class LegendItem:
    x: float
    colour: str
    label: str


@dataclass(frozen=True)
class ColumnChart:
    width: int
    height: int
    plot_left: int
    plot_right: int
    baseline: float
    columns: list[Column]
    ticks: list[Tick]
    legend: list[LegendItem]

    @property
    def marked(self) -> bool:
        return any(column.marked for column in self.columns)


def nice_step(largest: float, steps: int = 4) -> int:
    """A round step (1, 2 or 5 times a power of ten) that splits 0..largest into about `steps` parts."""
    if largest <= 0:
        return 1
    raw = largest / steps
    power = 10 ** math.floor(math.log10(raw))
    return int(next(m * power for m in (1, 2, 5, 10) if m * power >= raw)) or 1


def stacked_columns(
    categories: list[str],
    series: list[tuple[str, int, list[int | None]]],
    *,
    marked: Collection[int] = (),
    labels: list[int | None] | None = None,
    width: int = 640,
    height: int = 280,
) -> ColumnChart:
    """One column per category with the series stacked bottom-up: series = (label, trede, values). The columns
    at the indexes `marked` are drawn lighter and hatched; their labels should say why (colour alone does not).
    `labels`: the figure written above each column (default: the sum of its values); a missing one is "–", as
    is a missing value in its tooltip, so that a hidden count never reads as 0 nor as a total of the others."""
    plot_left, plot_right, top, bottom = 70, width - 10, 24, height - 58
    totals = [sum(values[i] or 0 for _l, _t, values in series) for i in range(len(categories))]
    step = nice_step(max(totals, default=0))
    ceiling = step * max(1, math.ceil(max(totals, default=0) / step))
    scale = (bottom - top) / ceiling
    slot = (plot_right - plot_left) / max(1, len(categories))
    bar_width = min(56.0, slot * 0.6)
    columns = []
    for i, category in enumerate(categories):
        x = plot_left + i * slot + (slot - bar_width) / 2
        y = float(bottom)
        segments = []
        for label, trede, values in series:
            value = values[i] or 0
            h = value * scale
            y -= h
            segments.append(
                Segment(
                    y=round(y, 1),
                    height=round(h, 1),
                    colour=TREDE_COLOURS.get(trede, "#555"),
                    title=f"{category}, {label}: {persons_label(values[i])}",
                )
            )
        columns.append(
            Column(
                x=round(x, 1),
                width=round(bar_width, 1),
                label=category,
                label_x=round(x + bar_width / 2, 1),
                total=persons_label(totals[i] if labels is None else labels[i]),
                total_y=round(y - 5, 1),
                segments=segments,
                top=round(y, 1),
                height=round(bottom - y, 1),
                marked=i in marked,
            )
        )
    ticks = [Tick(y=round(bottom - v * scale, 1), label=persons_label(v)) for v in range(0, ceiling + 1, step)]
    legend_slot = min(110.0, (plot_right - plot_left) / max(1, len(series)))
    legend = [
        LegendItem(x=round(plot_left + i * legend_slot, 1), colour=TREDE_COLOURS.get(trede, "#555"), label=label)
        for i, (label, trede, _v) in enumerate(series)
    ]
    return ColumnChart(
        width=width,
        height=height,
        plot_left=plot_left,
        plot_right=plot_right,
        baseline=float(bottom),
        columns=columns,
        ticks=ticks,
        legend=legend,
    )
