"""Propensity-score matching and covariate balance.

* Propensity score: unpenalised logistic regression of treatment on the covariates (numeric
  covariates as they are, categorical ones one-hot encoded against their most common level).
* Matching on the logit of the propensity score, nearest neighbour, greedy, in a random (seeded)
  order of treated subjects, 1:k, with a caliper in standard deviations of the logit (Austin
  2011 recommends 0.2 of the pooled SD), with or without replacement.
* Balance: standardised mean differences before and after matching. Both use the same
  denominator, the pooled SD before matching, sqrt((s_t^2 + s_c^2) / 2), so a change in SMD is a
  change in the means only (Stuart 2010). |SMD| < 0.1 is conventionally taken as balanced.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import NearestNeighbors

from desist.evaluation.engine.errors import EngineInputError

BALANCED_SMD = 0.1


def encode_covariates(df: pd.DataFrame, covariates: Sequence[str]) -> pd.DataFrame:
    """A numeric design matrix: numeric columns as they are, others one-hot (reference dropped).

    The reference level of a categorical covariate is its most common level (ties: first in
    sorted order). Dummy columns are named ``column[level]``. Booleans become 0/1.
    """
    parts: list[pd.DataFrame] = []
    for col in covariates:
        if col not in df.columns:
            raise EngineInputError("covariate column is missing", column=col)
        s = df[col]
        if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
            parts.append(s.astype(float).to_frame(col))
        else:
            s = s.astype("string")
            counts = s.value_counts(dropna=True)
            if counts.empty:
                continue
            reference = _reference(counts)
            for level in sorted(lvl for lvl in counts.index if lvl != reference):
                d = (s == level).astype(float)
                d[s.isna()] = np.nan
                parts.append(d.rename(f"{col}[{level}]").to_frame())
    if not parts:
        return pd.DataFrame(index=df.index)
    return pd.concat(parts, axis=1)


def _reference(counts: pd.Series) -> str:
    return str(sorted(counts.index, key=lambda lvl: (-counts[lvl], str(lvl)))[0])


def reference_levels(df: pd.DataFrame, covariates: Sequence[str]) -> dict[str, str]:
    """The level each categorical covariate's dummies are compared with (``encode_covariates``)."""
    refs = {}
    for col in covariates:
        s = df[col]
        if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
            continue
        counts = s.astype("string").value_counts(dropna=True)
        if not counts.empty:
            refs[col] = _reference(counts)
    return refs


def propensity_scores(x: pd.DataFrame, treated: np.ndarray) -> np.ndarray:
    """Fitted P(treated | covariates) from an (effectively) unpenalised logistic regression."""
    t = np.asarray(treated, dtype=bool)
    if t.all() or not t.any():
        raise EngineInputError("propensity scores need both treated and comparison subjects")
    xv = x.to_numpy(dtype=float)
    if xv.shape[1] == 0:
        return np.full(len(t), t.mean())
    mu = xv.mean(axis=0)
    sd = xv.std(axis=0)
    sd[sd == 0] = 1.0
    z = (xv - mu) / sd
    model = LogisticRegression(C=np.inf, max_iter=1000, tol=1e-8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence under (quasi-)separation: scores still usable
        model.fit(z, t)
    ps = model.predict_proba(z)[:, 1]
    return np.clip(ps, 1e-10, 1 - 1e-10)


def logit(p: np.ndarray) -> np.ndarray:
    return np.log(p / (1 - p))


def match(
    score: np.ndarray,
    treated: np.ndarray,
    *,
    caliper: float | None = 0.2,
    replacement: bool = False,
    ratio: int = 1,
    seed: int = 0,
) -> dict[str, Any]:
    """Nearest-neighbour matching on ``score`` (the logit of the propensity score).

    Returns ``pairs`` (a DataFrame of positional ``treated``/``control`` indices into ``score``
    and their ``distance``), ``weights`` (an array: 1 for each matched treated subject; for each
    comparator the sum over its matches of 1/(number of comparators of that treated subject);
    0 for the unmatched), ``caliper_width`` (in score units) and counts.
    """
    s = np.asarray(score, dtype=float)
    t = np.asarray(treated, dtype=bool)
    t_idx = np.flatnonzero(t)
    c_idx = np.flatnonzero(~t)
    width = math.inf
    if caliper is not None:
        sd = math.sqrt((np.var(s[t_idx], ddof=1) + np.var(s[c_idx], ddof=1)) / 2)
        width = caliper * sd if sd > 0 else math.inf
    rng = np.random.default_rng(seed)
    order = t_idx[rng.permutation(len(t_idx))]
    if replacement:
        pairs = _match_with_replacement(s, order, c_idx, width, ratio)
    else:
        pairs = _match_without_replacement(s, order, c_idx, width, ratio)
    weights = np.zeros(len(s))
    if len(pairs):
        per_treated = pairs.groupby("treated")["control"].transform("size").to_numpy()
        np.add.at(weights, pairs["control"].to_numpy(), 1.0 / per_treated)
        weights[np.unique(pairs["treated"].to_numpy())] = 1.0
    matched_treated = int(len(np.unique(pairs["treated"]))) if len(pairs) else 0
    return {
        "pairs": pairs,
        "weights": weights,
        "caliper_sd": caliper,
        "caliper_width": None if math.isinf(width) else width,
        "replacement": replacement,
        "ratio": ratio,
        "n_treated": int(len(t_idx)),
        "n_pool": int(len(c_idx)),
        "n_treated_matched": matched_treated,
        "n_treated_unmatched": int(len(t_idx)) - matched_treated,
        "n_controls_used": int((weights[c_idx] > 0).sum()),
    }


def _match_with_replacement(
    s: np.ndarray, order: np.ndarray, c_idx: np.ndarray, width: float, ratio: int
) -> pd.DataFrame:
    if len(c_idx) == 0 or len(order) == 0:
        return _empty_pairs()
    k = min(ratio, len(c_idx))
    nn = NearestNeighbors(n_neighbors=k).fit(s[c_idx].reshape(-1, 1))
    dist, pos = nn.kneighbors(s[order].reshape(-1, 1))
    tr = np.repeat(order, k)
    ctrl = c_idx[pos.ravel()]
    d = dist.ravel()
    keep = d <= width
    return pd.DataFrame({"treated": tr[keep], "control": ctrl[keep], "distance": d[keep]})


def _match_without_replacement(
    s: np.ndarray, order: np.ndarray, c_idx: np.ndarray, width: float, ratio: int
) -> pd.DataFrame:
    """Greedy matching: each treated subject in turn takes the nearest comparator still free.

    Comparators are kept sorted by score; two union-find "next free" pointer arrays (leftwards
    and rightwards) find the nearest free one on each side in near-constant time, so k passes
    over n treated subjects cost O(k n log n) rather than O(k n m).
    """
    if len(c_idx) == 0 or len(order) == 0:
        return _empty_pairs()
    sort = np.argsort(s[c_idx], kind="stable")
    cs = s[c_idx][sort]
    c_sorted = c_idx[sort]
    m = len(cs)
    right = np.arange(m + 1)  # right[i]: smallest free j >= i (m = none)
    left = np.arange(-1, m)  # left[i + 1]: largest free j <= i (-1 = none), offset by one

    def find_right(i: int) -> int:
        root = i
        while right[root] != root:
            root = right[root]
        while right[i] != root:
            right[i], i = root, right[i]
        return root

    def find_left(i: int) -> int:  # i in [-1, m-1]
        root = i
        while left[root + 1] != root:
            root = left[root + 1]
        while left[i + 1] != root:
            left[i + 1], i = root, left[i + 1]
        return root

    positions = np.searchsorted(cs, s[order])
    out_t: list[int] = []
    out_c: list[int] = []
    out_d: list[float] = []
    scores = s[order].tolist()
    pos_list = positions.tolist()
    treated_list = order.tolist()
    active = list(range(len(order)))
    for _ in range(ratio):
        still = []
        for i in active:
            x = scores[i]
            p = pos_list[i]
            r = find_right(p) if p < m else m
            lft = find_left(p - 1) if p - 1 >= 0 else -1
            best = -1
            best_d = math.inf
            if r < m:
                best, best_d = r, cs[r] - x
            if lft >= 0 and x - cs[lft] <= best_d:
                # ties go to the lower score: deterministic
                best, best_d = lft, x - cs[lft]
            if best < 0 or best_d > width:
                continue
            out_t.append(treated_list[i])
            out_c.append(int(c_sorted[best]))
            out_d.append(float(best_d))
            right[best] = best + 1
            left[best + 1] = best - 1
            still.append(i)
        active = still
        if not active:
            break
    return pd.DataFrame(
        {
            "treated": np.asarray(out_t, dtype=int),
            "control": np.asarray(out_c, dtype=int),
            "distance": np.asarray(out_d, dtype=float),
        }
    )


def _empty_pairs() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "treated": np.array([], dtype=int),
            "control": np.array([], dtype=int),
            "distance": np.array([], dtype=float),
        }
    )


def smd_table(
    x: pd.DataFrame, treated: np.ndarray, weights: np.ndarray | None = None
) -> list[dict[str, Any]]:
    """Standardised mean differences before and (if ``weights``) after matching, per column."""
    t = np.asarray(treated, dtype=bool)
    rows = []
    for col in x.columns:
        v = x[col].to_numpy(dtype=float)
        vt, vc = v[t], v[~t]
        mt, mc = (
            float(np.nanmean(vt)) if len(vt) else math.nan,
            (float(np.nanmean(vc)) if len(vc) else math.nan),
        )
        var_t = float(np.nanvar(vt, ddof=1)) if len(vt) > 1 else 0.0
        var_c = float(np.nanvar(vc, ddof=1)) if len(vc) > 1 else 0.0
        pooled = math.sqrt((var_t + var_c) / 2)
        row: dict[str, Any] = {
            "covariate": col,
            "mean_treated_before": _f(mt),
            "mean_comparison_before": _f(mc),
            "smd_before": _f((mt - mc) / pooled) if pooled > 0 else 0.0,
        }
        if weights is not None:
            w = np.asarray(weights, dtype=float)
            wt, wc = w[t], w[~t]
            ok_t = (wt > 0) & ~np.isnan(vt)
            ok_c = (wc > 0) & ~np.isnan(vc)
            amt = float(np.average(vt[ok_t], weights=wt[ok_t])) if ok_t.any() else math.nan
            amc = float(np.average(vc[ok_c], weights=wc[ok_c])) if ok_c.any() else math.nan
            row["mean_treated_after"] = _f(amt)
            row["mean_comparison_after"] = _f(amc)
            row["smd_after"] = _f((amt - amc) / pooled) if pooled > 0 else 0.0
            avt = _wvar(vt[ok_t], wt[ok_t])
            avc = _wvar(vc[ok_c], wc[ok_c])
            row["variance_ratio_after"] = _f(avt / avc) if avt is not None and avc else None
        rows.append(row)
    return rows


def balance_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    def worst(key: str) -> float | None:
        vals = [abs(r[key]) for r in rows if r.get(key) is not None]
        return max(vals) if vals else None

    after = worst("smd_after")
    return {
        "max_abs_smd_before": worst("smd_before"),
        "max_abs_smd_after": after,
        "threshold": BALANCED_SMD,
        "balanced": None if after is None else after < BALANCED_SMD,
        "imbalanced_after": [
            r["covariate"]
            for r in rows
            if r.get("smd_after") is not None and abs(r["smd_after"]) >= BALANCED_SMD
        ],
    }


def _wvar(v: np.ndarray, w: np.ndarray) -> float | None:
    if len(v) < 2 or w.sum() <= 0:
        return None
    m = np.average(v, weights=w)
    return float(np.average((v - m) ** 2, weights=w))


def _f(x: float) -> float | None:
    return None if x is None or math.isnan(x) else float(x)


def propensity_match(
    df: pd.DataFrame,
    treated: np.ndarray,
    covariates: Sequence[str],
    *,
    caliper: float | None = 0.2,
    replacement: bool = False,
    ratio: int = 1,
    seed: int = 0,
) -> dict[str, Any]:
    """Encode, score, match and measure balance. Rows with a missing covariate are left out.

    Returns the ``match`` result plus ``propensity`` (array, NaN for excluded rows),
    ``included`` (boolean mask), ``excluded_missing`` (count), ``design`` (the encoded
    covariates) and ``balance`` (rows and summary).
    """
    t = np.asarray(treated, dtype=bool)
    x = encode_covariates(df, covariates)
    included = ~x.isna().any(axis=1).to_numpy()
    xi = x[included]
    ti = t[included]
    ps_i = propensity_scores(xi, ti)
    res = match(logit(ps_i), ti, caliper=caliper, replacement=replacement, ratio=ratio, seed=seed)
    weights = np.zeros(len(df))
    weights[np.flatnonzero(included)] = res["weights"]
    ps = np.full(len(df), np.nan)
    ps[included] = ps_i
    rows = smd_table(xi, ti, res["weights"])
    inc_pos = np.flatnonzero(included)
    pairs = res["pairs"].copy()
    pairs["treated"] = inc_pos[pairs["treated"].to_numpy()]
    pairs["control"] = inc_pos[pairs["control"].to_numpy()]
    res.update(
        {
            "pairs": pairs,
            "weights": weights,
            "propensity": ps,
            "included": included,
            "excluded_missing": int((~included).sum()),
            "design": x,
            "reference_levels": reference_levels(df, covariates),
            "balance": {"rows": rows, **balance_summary(rows)},
        }
    )
    return res
