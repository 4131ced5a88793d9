"""The geometry of a victim's own ratings over time: one small line chart per measure (fear,
sense of safety, impact on daily life), each on the same 0 to 10 scale.

Mirrors desist/risk/trend.py: the template draws inline SVG with presentation attributes only
(the CSP forbids style attributes), and one data table carries every value for those who
cannot see the charts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

WIDTH = 640
HEIGHT = 220
LEFT = 60
RIGHT = 24
TOP = 16
BOTTOM = 56
PLOT_W = WIDTH - LEFT - RIGHT
PLOT_H = HEIGHT - TOP - BOTTOM
SCALE = 10

MEASURES = [
    ("fear", "Fear", "0 no fear, 10 extremely afraid"),
    ("safety", "Sense of safety", "0 not safe at all, 10 completely safe"),
    ("impact", "Impact on daily life", "0 no impact, 10 completely taken over"),
]


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str


@dataclass(frozen=True)
class Tick:
    pos: float
    label: str
    anchor: str = "middle"


@dataclass
class Chart:
    key: str
    title: str
    scale_text: str
    description: str = ""
    points: list[Point] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    top: int = TOP
    bottom_edge: int = HEIGHT - BOTTOM
    x_label_y: int = HEIGHT - BOTTOM + 22
    axis_title_y: int = HEIGHT - 8
    y_label_x: int = LEFT - 10
    mid_x: float = LEFT + PLOT_W / 2
    mid_y: float = TOP + PLOT_H / 2

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


def _date(d: dt.date) -> str:
    return f"{d.day} {d:%b %Y}"


def _x(d: dt.date, first: dt.date, last: dt.date) -> float:
    if last == first:
        return LEFT + PLOT_W / 2
    return LEFT + (d - first).days / (last - first).days * PLOT_W


def _y(v: int) -> float:
    return TOP + PLOT_H - v / SCALE * PLOT_H


def build_rating_charts(ratings: Iterable[Any]) -> tuple[list[Chart], list[dict[str, str]]]:
    """(charts, table rows) for a case's ratings, oldest first. No charts without ratings."""
    rows = sorted(ratings, key=lambda r: (r.rated_on, r.pk))
    if not rows:
        return [], []
    first, last = rows[0].rated_on, rows[-1].rated_on
    charts = []
    for key, title, scale_text in MEASURES:
        chart = Chart(key=f"rating-{key}", title=title, scale_text=scale_text)
        for r in rows:
            value = getattr(r, key)
            chart.points.append(
                Point(_x(r.rated_on, first, last), _y(value), f"{_date(r.rated_on)}: {value}")
            )
        chart.y_ticks = [Tick(_y(v), str(v)) for v in (0, 5, 10)]
        if first == last:
            chart.x_ticks = [Tick(LEFT + PLOT_W / 2, _date(first))]
        else:
            chart.x_ticks = [
                Tick(LEFT, _date(first), "start"),
                Tick(LEFT + PLOT_W, _date(last), "end"),
            ]
        n = len(rows)
        chart.description = (
            f"{title} rated by the victim {n} time{'s' if n != 1 else ''} between "
            f"{_date(first)} and {_date(last)}, on a scale from 0 to 10 ({scale_text}). "
            f"First rating {getattr(rows[0], key)}, latest rating {getattr(rows[-1], key)}."
        )
        charts.append(chart)
    table = [
        {
            "date": _date(r.rated_on),
            "fear": str(r.fear),
            "safety": str(r.safety),
            "impact": str(r.impact),
        }
        for r in rows
    ]
    return charts, table
