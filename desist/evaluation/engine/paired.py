"""Paired change: victims' fear and safety ratings, and subjects' measures, before and after.

For each pair unit (e.g. person and victim and measure) the ``end`` score, or failing that the
latest non-baseline score, minus the ``baseline`` score. Mean change with a t interval, the
paired t test, the Wilcoxon signed-rank test and the standardised effect size d_z (mean change
divided by the SD of the changes).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from desist.evaluation.engine.errors import EngineInputError

TIMEPOINTS = ("baseline", "mid", "end", "follow_up")


def paired_change(
    before: Sequence[float] | np.ndarray, after: Sequence[float] | np.ndarray, conf: float = 0.95
) -> dict[str, Any]:
    b = np.asarray(before, dtype=float)
    a = np.asarray(after, dtype=float)
    d = a - b
    n = int(len(d))
    out: dict[str, Any] = {
        "n_pairs": n,
        "mean_before": float(b.mean()) if n else None,
        "mean_after": float(a.mean()) if n else None,
        "mean_change": float(d.mean()) if n else None,
        "ci_lower": None,
        "ci_upper": None,
        "t": None,
        "p": None,
        "p_wilcoxon": None,
        "effect_size_dz": None,
        "test": "paired t test",
    }
    if n < 2:
        return out
    sd = float(d.std(ddof=1))
    se = sd / math.sqrt(n)
    q = float(stats.t.ppf(0.5 + conf / 2, n - 1))
    out["ci_lower"] = out["mean_change"] - q * se
    out["ci_upper"] = out["mean_change"] + q * se
    if se > 0:
        t = out["mean_change"] / se
        out["t"] = float(t)
        out["p"] = float(2 * stats.t.sf(abs(t), n - 1))
        out["effect_size_dz"] = out["mean_change"] / sd
    else:
        out["p"] = 1.0 if out["mean_change"] == 0 else 0.0
    if np.any(d != 0):
        out["p_wilcoxon"] = float(stats.wilcoxon(d, zero_method="wilcox").pvalue)
    return out


def pairs_from_long(
    df: pd.DataFrame, keys: Sequence[str], value: str = "score", order_col: str | None = None
) -> pd.DataFrame:
    """Baseline and follow-up score per ``keys`` from long data with a ``timepoint`` column."""
    keys = list(keys)
    d = df.copy()
    d["_tp"] = d["timepoint"].astype(str).str.strip().str.lower()
    rank = {tp: i for i, tp in enumerate(TIMEPOINTS)}
    d["_rank"] = d["_tp"].map(rank)
    sort_cols = ["_rank"] + ([order_col] if order_col else [])
    # Stable: rows at the same timepoint keep their given (date) order, so "last" is latest.
    d = d.sort_values(sort_cols, kind="stable")
    base = d[d["_tp"] == "baseline"].groupby(keys, dropna=False)[value].first()
    later = d[d["_tp"].isin(["mid", "end", "follow_up"])]
    end = later[later["_tp"] == "end"].groupby(keys, dropna=False)[value].last()
    last = later.groupby(keys, dropna=False)[value].last()
    after = end.combine_first(last)
    out = pd.concat([base.rename("before"), after.rename("after")], axis=1).dropna()
    return out.reset_index()


def victim_change(ratings: pd.DataFrame) -> dict[str, Any]:
    """Fear and safety change, each paired per (person, victim)."""
    _require(
        ratings, ("person_id", "victim_ref", "measure", "score", "timepoint"), "victim_ratings"
    )
    r = ratings.copy()
    r["measure"] = r["measure"].astype(str).str.strip().str.lower()
    r["score"] = pd.to_numeric(r["score"], errors="coerce")
    order = "rating_date" if "rating_date" in r.columns else None
    if order:
        r[order] = pd.to_datetime(r[order], errors="coerce")
    out: dict[str, Any] = {}
    for m in ("fear", "safety"):
        sub = r[r["measure"] == m]
        pairs = pairs_from_long(sub, ["person_id", "victim_ref"], order_col=order)
        res = paired_change(pairs["before"], pairs["after"])
        res["trend"] = _trend(sub)
        out[m] = res
    return out


def measures_change(measures: pd.DataFrame) -> list[dict[str, Any]]:
    """Change per measure, paired per person."""
    _require(measures, ("person_id", "measure", "timepoint", "score"), "measures")
    m = measures.copy()
    m["score"] = pd.to_numeric(m["score"], errors="coerce")
    rows = []
    for name, sub in m.groupby("measure", sort=True):
        pairs = pairs_from_long(sub, ["person_id"])
        res = paired_change(pairs["before"], pairs["after"])
        hib = bool(sub["higher_is_better"].iloc[0]) if "higher_is_better" in sub.columns else False
        rows.append({"measure": str(name), "higher_is_better": hib, **res})
    return rows


def _trend(sub: pd.DataFrame) -> list[dict[str, Any]]:
    rows = []
    tp = sub["timepoint"].astype(str).str.strip().str.lower()
    for t in TIMEPOINTS:
        s = sub.loc[tp == t, "score"].dropna()
        if len(s):
            sem = float(s.std(ddof=1) / math.sqrt(len(s))) if len(s) > 1 else None
            rows.append({"timepoint": t, "n": int(len(s)), "mean": float(s.mean()), "sem": sem})
    return rows


def _require(df: pd.DataFrame, cols: Sequence[str], name: str) -> None:

    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise EngineInputError(
            f"the {name} frame has no column(s) " + ", ".join(missing), column=missing[0]
        )
