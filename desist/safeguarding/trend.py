"""The geometry of a victim's own ratings over time: one small line chart per measure (fear,
sense of safety, impact on daily life), each on the same 0 to 10 scale.

The geometry is desist/core/charts.py (shared with the risk trend); one data table carries
every value for those who cannot see the charts.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from desist.core.charts import Chart, Frame, Point, Tick, day_month_year

FRAME = Frame(width=640, height=220, left=60, right=24, top=16, bottom=56)
SCALE = 10
_date = day_month_year

MEASURES = [
    ("fear", "Fear", "0 no fear, 10 extremely afraid"),
    ("safety", "Sense of safety", "0 not safe at all, 10 completely safe"),
    ("impact", "Impact on daily life", "0 no impact, 10 completely taken over"),
]


def build_rating_charts(ratings: Iterable[Any]) -> tuple[list[Chart], list[dict[str, str]]]:
    """(charts, table rows) for a case's ratings, oldest first. No charts without ratings."""
    rows = sorted(ratings, key=lambda r: (r.rated_on, r.pk))
    if not rows:
        return [], []
    first, last = rows[0].rated_on, rows[-1].rated_on
    charts = []
    for key, title, scale_text in MEASURES:
        chart = Chart(key=f"rating-{key}", title=title, frame=FRAME, scale_text=scale_text)
        for r in rows:
            value = getattr(r, key)
            chart.points.append(
                Point(
                    FRAME.x(r.rated_on, first, last),
                    FRAME.y(value, 0, SCALE),
                    f"{_date(r.rated_on)}: {value}",
                )
            )
        chart.y_ticks = [Tick(FRAME.y(v, 0, SCALE), str(v)) for v in (0, 5, 10)]
        chart.x_ticks = FRAME.date_ticks(first, last)
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
