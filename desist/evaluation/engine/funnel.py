"""The programme funnel: considered -> put forward -> consented -> started -> completed."""

from __future__ import annotations

from typing import Any

import pandas as pd

from desist.evaluation.engine.rates import wilson_interval

STAGES = (
    ("considered", "Considered"),
    ("put_forward", "Put forward"),
    ("consented", "Consented"),
    ("started", "Started"),
    ("completed", "Completed"),
)


def funnel(people: pd.DataFrame) -> list[dict[str, Any]]:
    """One row per stage: count, % of the previous stage (with Wilson interval), % of the first."""
    rows: list[dict[str, Any]] = []
    first = None
    previous = None
    for key, label in STAGES:
        n = int(people[key].sum())
        first = n if first is None else first
        row: dict[str, Any] = {"stage": key, "label": label, "count": n}
        if previous is None:
            row.update({"of_previous": None, "ci_lower": None, "ci_upper": None})
        elif previous > 0:
            lo, hi = wilson_interval(n, previous)
            row.update({"of_previous": n / previous, "ci_lower": lo, "ci_upper": hi})
        else:
            row.update({"of_previous": None, "ci_lower": None, "ci_upper": None})
        row["of_first"] = (n / first) if first else None
        rows.append(row)
        previous = n
    return rows
