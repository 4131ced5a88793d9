"""The geometry of a subject's risk trend: one small line chart per instrument.

The template draws it as inline SVG with presentation attributes only (the CSP forbids
style attributes), with a data table beside it. Scores from different instruments are never
put on one axis: each instrument gets its own chart, on its own scale.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from desist.risk import engine
from desist.risk.loader import definition_of

WIDTH = 640
HEIGHT = 260
LEFT = 110
RIGHT = 24
TOP = 20
BOTTOM = 56
PLOT_W = WIDTH - LEFT - RIGHT
PLOT_H = HEIGHT - TOP - BOTTOM


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str  # what a screen reader or tooltip says: date, score, level


@dataclass(frozen=True)
class Tick:
    pos: float
    label: str
    anchor: str = "middle"


@dataclass
class Chart:
    key: str
    title: str
    description: str
    measure: str  # "Score" or "Level"
    points: list[Point] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    bands: list[Tick] = field(default_factory=list)  # dashed threshold lines
    rows: list[dict[str, str]] = field(default_factory=list)

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


def _y(v: Decimal, lo: Decimal, hi: Decimal) -> float:
    if hi == lo:
        return TOP + PLOT_H / 2
    return float(TOP + PLOT_H - (v - lo) / (hi - lo) * PLOT_H)


def level_label(d: engine.Definition, code: str) -> str:
    level = d.level(code)
    return level.label if level else code


def build_charts(assessments: Iterable[Any]) -> list[Chart]:
    """Charts for a subject's assessments (any order), one per instrument version."""
    groups: dict[int, list[Any]] = {}
    for a in assessments:
        groups.setdefault(a.instrument_id, []).append(a)
    charts = []
    for instrument_id, rows in groups.items():
        rows.sort(key=lambda a: (a.assessed_on, a.created_at, a.pk))
        instrument = rows[0].instrument
        d = definition_of(instrument)
        chart = _chart(f"trend-{instrument_id}", instrument, d, rows)
        if chart is not None:
            charts.append(chart)
    charts.sort(key=lambda c: c.title)
    return charts


def _chart(key: str, instrument: Any, d: engine.Definition, rows: list[Any]) -> Chart | None:
    first, last = rows[0].assessed_on, rows[-1].assessed_on
    title = f"{instrument.name} (version {instrument.version})"
    rng = d.score_range
    if rng is not None and all(a.score is not None for a in rows):
        lo, hi = rng
        chart = Chart(key=key, title=title, description="", measure="Score")
        for a in rows:
            score = engine.format_score(a.score)
            level = level_label(d, a.risk_level) if a.risk_level else ""
            text = f"{_date(a.assessed_on)}: score {score}" + (f", {level}" if level else "")
            chart.points.append(Point(_x(a.assessed_on, first, last), _y(a.score, lo, hi), text))
            chart.rows.append({"date": _date(a.assessed_on), "score": score, "level": level})
        chart.y_ticks = [
            Tick(_y(lo, lo, hi), engine.format_score(lo)),
            Tick(_y(hi, lo, hi), engine.format_score(hi)),
        ]
        chart.bands = [
            Tick(_y(b.min, lo, hi), f"{level_label(d, b.level)} from {engine.format_score(b.min)}")
            for b in d.bands
            if lo < b.min <= hi
        ]
        latest = rows[-1]
        chart.description = (
            f"Scores from {len(rows)} assessment{'s' if len(rows) != 1 else ''} between "
            f"{_date(first)} and {_date(last)}, on a scale from {engine.format_score(lo)} to "
            f"{engine.format_score(hi)}. The latest score is "
            f"{engine.format_score(latest.score)}"
            + (f" ({level_label(d, latest.risk_level)})." if latest.risk_level else ".")
        )
    elif d.levels and all(d.level(a.risk_level) for a in rows):
        top_rank = Decimal(len(d.levels) - 1)
        chart = Chart(key=key, title=title, description="", measure="Level")
        for a in rows:
            found = d.level(a.risk_level)
            assert found is not None
            y = _y(Decimal(found.rank), Decimal(0), top_rank)
            text = f"{_date(a.assessed_on)}: {found.label}"
            chart.points.append(Point(_x(a.assessed_on, first, last), y, text))
            chart.rows.append({"date": _date(a.assessed_on), "score": "", "level": found.label})
        chart.y_ticks = [
            Tick(_y(Decimal(lv.rank), Decimal(0), top_rank), lv.label) for lv in d.levels
        ]
        latest_level = d.level(rows[-1].risk_level)
        chart.description = (
            f"Risk levels from {len(rows)} assessment{'s' if len(rows) != 1 else ''} between "
            f"{_date(first)} and {_date(last)}. The latest level is "
            f"{latest_level.label if latest_level else 'not recorded'}."
        )
    else:
        return None
    if first == last:
        chart.x_ticks = [Tick(LEFT + PLOT_W / 2, _date(first))]
    else:
        chart.x_ticks = [
            Tick(LEFT, _date(first), "start"),
            Tick(LEFT + PLOT_W, _date(last), "end"),
        ]
    return chart
