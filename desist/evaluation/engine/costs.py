"""Programme costs: total, by category, per participant (starter) and per completion."""

from __future__ import annotations

from typing import Any

import pandas as pd

from desist.evaluation.engine.errors import EngineInputError


def cost_summary(
    costs: pd.DataFrame, *, put_forward: int, started: int, completed: int
) -> dict[str, Any]:
    for c in ("amount", "category"):
        if c not in costs.columns:
            raise EngineInputError("the costs frame has no column " + c, column=c)
    amount = pd.to_numeric(costs["amount"], errors="coerce")
    bad = amount.isna() | (amount < 0)
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise EngineInputError(
            f"{costs['amount'].iloc[i]!r} is not an amount of at least 0",
            row=i + 1,
            column="amount",
        )
    total = float(amount.sum())
    by_cat = amount.groupby(costs["category"].astype(str)).sum().sort_values(ascending=False)

    def per(n: int) -> float | None:
        return total / n if n > 0 else None

    return {
        "total": total,
        "by_category": [{"category": k, "amount": float(v)} for k, v in by_cat.items()],
        "per_put_forward": per(put_forward),
        "per_participant": per(started),
        "per_completion": per(completed),
        "participants": started,
        "completions": completed,
        "currency": "GBP",
    }
