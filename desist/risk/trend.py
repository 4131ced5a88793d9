"""The geometry of a subject's risk trend: one small line chart per instrument.

The template draws it as inline SVG with presentation attributes only (the CSP forbids
style attributes), with a data table beside it. Scores from different instruments are never
put on one axis: each instrument gets its own chart, on its own scale.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from desist.core.charts import Chart, Frame, Point, Tick, day_month_year
from desist.risk import engine
from desist.risk.loader import definition_of

FRAME = Frame(width=640, height=260, left=110, right=24, top=20, bottom=56)
_date = day_month_year


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
        chart = Chart(key=key, title=title, frame=FRAME, measure="Score")
        for a in rows:
            score = engine.format_score(a.score)
            level = level_label(d, a.risk_level) if a.risk_level else ""
            text = f"{_date(a.assessed_on)}: score {score}" + (f", {level}" if level else "")
            chart.points.append(
                Point(FRAME.x(a.assessed_on, first, last), FRAME.y(a.score, lo, hi), text)
            )
            chart.rows.append({"date": _date(a.assessed_on), "score": score, "level": level})
        chart.y_ticks = [
            Tick(FRAME.y(lo, lo, hi), engine.format_score(lo)),
            Tick(FRAME.y(hi, lo, hi), engine.format_score(hi)),
        ]
        chart.bands = [
            Tick(
                FRAME.y(b.min, lo, hi),
                f"{level_label(d, b.level)} from {engine.format_score(b.min)}",
            )
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
        chart = Chart(key=key, title=title, frame=FRAME, measure="Level")
        for a in rows:
            found = d.level(a.risk_level)
            assert found is not None
            y = FRAME.y(Decimal(found.rank), Decimal(0), top_rank)
            text = f"{_date(a.assessed_on)}: {found.label}"
            chart.points.append(Point(FRAME.x(a.assessed_on, first, last), y, text))
            chart.rows.append({"date": _date(a.assessed_on), "score": "", "level": found.label})
        chart.y_ticks = [
            Tick(FRAME.y(Decimal(lv.rank), Decimal(0), top_rank), lv.label) for lv in d.levels
        ]
        latest_level = d.level(rows[-1].risk_level)
        chart.description = (
            f"Risk levels from {len(rows)} assessment{'s' if len(rows) != 1 else ''} between "
            f"{_date(first)} and {_date(last)}. The latest level is "
            f"{latest_level.label if latest_level else 'not recorded'}."
        )
    else:
        return None
    chart.x_ticks = FRAME.date_ticks(first, last)
    return chart
