"""The geometry of the small line charts drawn over time (a subject's risk trend, a victim's
own ratings): a frame with its margins, points along a date axis, ticks.

Templates draw the chart as inline SVG with presentation attributes only (the CSP forbids
style attributes), with a data table beside it. What is plotted, and how it is described,
stays with the app that owns the data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str  # what a screen reader or tooltip says: date, value


@dataclass(frozen=True)
class Tick:
    pos: float
    label: str
    anchor: str = "middle"


@dataclass(frozen=True)
class Frame:
    """A chart's size and margins; maps dates across and values up."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int

    @property
    def plot_w(self) -> int:
        return self.width - self.left - self.right

    @property
    def plot_h(self) -> int:
        return self.height - self.top - self.bottom

    def x(self, d: dt.date, first: dt.date, last: dt.date) -> float:
        if last == first:
            return self.left + self.plot_w / 2
        return self.left + (d - first).days / (last - first).days * self.plot_w

    def y(self, v: Decimal | int, lo: Decimal | int, hi: Decimal | int) -> float:
        if hi == lo:
            return self.top + self.plot_h / 2
        return float(self.top + self.plot_h - (v - lo) / (hi - lo) * self.plot_h)

    def date_ticks(self, first: dt.date, last: dt.date) -> list[Tick]:
        """One tick under a single date; otherwise the first and last dates at the ends."""
        if first == last:
            return [Tick(self.left + self.plot_w / 2, day_month_year(first))]
        return [
            Tick(self.left, day_month_year(first), "start"),
            Tick(self.left + self.plot_w, day_month_year(last), "end"),
        ]


@dataclass
class Chart:
    key: str
    title: str
    frame: Frame
    description: str = ""
    measure: str = ""  # "Score" or "Level" on a risk trend
    scale_text: str = ""  # what the ends of the scale mean, on a victim's ratings
    points: list[Point] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    bands: list[Tick] = field(default_factory=list)  # dashed threshold lines
    rows: list[dict[str, str]] = field(default_factory=list)

    # What the templates place things by.
    @property
    def width(self) -> int:
        return self.frame.width

    @property
    def height(self) -> int:
        return self.frame.height

    @property
    def left(self) -> int:
        return self.frame.left

    @property
    def right_edge(self) -> int:
        return self.frame.width - self.frame.right

    @property
    def top(self) -> int:
        return self.frame.top

    @property
    def bottom_edge(self) -> int:
        return self.frame.height - self.frame.bottom

    @property
    def x_label_y(self) -> int:
        return self.bottom_edge + 22

    @property
    def axis_title_y(self) -> int:
        return self.frame.height - 8

    @property
    def y_label_x(self) -> int:
        return self.frame.left - 10

    @property
    def mid_x(self) -> float:
        return self.frame.left + self.frame.plot_w / 2

    @property
    def mid_y(self) -> float:
        return self.frame.top + self.frame.plot_h / 2

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


def day_month_year(d: dt.date) -> str:
    return f"{d.day} {d:%b %Y}"
