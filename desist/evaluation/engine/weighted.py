"""Inference with matching weights: weights are weights, never extra people (ADR 0021).

After matching with replacement or 1:k, each comparator carries a weight (the sum over the
treated people it was matched to of 1/k). Counting that weight as if it were so many people
understates the variance. Here every estimate uses the weights in the point estimate and a
cluster-robust (sandwich) variance whose clusters are the *matched sets*: the connected
components of the graph joining each treated person to their comparators. With 1:1 matching
without replacement these are the pairs; with replacement a comparator shared by several treated
people joins their sets into one, so the re-use of a comparator is carried by its weight squared
inside one cluster (Abadie and Imbens 2006; Austin and Cafri 2020).

* ``matched_sets``: the cluster label of every row.
* ``weighted_rates``: weighted proportions (Wilson interval on the effective sample size) and
  their difference (Wald interval and z test with the sandwich standard error).
* ``kaplan_meier_robust``: the weighted Kaplan-Meier estimate with pointwise bands from the
  infinitesimal-jackknife (robust) variance of the Nelson-Aalen cumulative hazard, clustered on
  the matched sets, on the log(-log) scale. This is the approach of R's
  ``survfit(..., weights=, cluster=)`` applied to the hazard rather than to the Kaplan-Meier
  estimate itself; it is checked against Greenwood with unit weights, not against R.
* ``weighted_mean_difference``: a difference in weighted means (offences per person), the
  same influence-function variance as the rates.
* ``robust_score_test``: the weighted log-rank statistic with the robust (Lin and Wei 1989)
  variance of the Cox score at beta = 0, clustered on the matched sets.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse, stats
from scipy.sparse.csgraph import connected_components

from desist.evaluation.engine.rates import proportion

VARIANCE_METHOD = "cluster-robust (sandwich) variance over matched sets"
SCORE_TEST = "robust score test (weighted log-rank, clustered on matched sets)"


def matched_sets(n: int, pairs: pd.DataFrame) -> np.ndarray:
    """Cluster label per row: the connected component of the treated-comparator graph.

    Rows in no pair get a component of their own (they carry no weight anyway).
    """
    a = pairs["treated"].to_numpy(dtype=int)
    b = pairs["control"].to_numpy(dtype=int)
    graph = sparse.coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return np.asarray(labels, dtype=int)


def cluster_summary(clusters: np.ndarray, in_sample: np.ndarray) -> dict[str, int]:
    used = clusters[in_sample]
    if not len(used):
        return {"clusters": 0, "largest_cluster": 0}
    _, counts = np.unique(used, return_counts=True)
    return {"clusters": int(len(counts)), "largest_cluster": int(counts.max())}


def _cluster_sum_sq(values: np.ndarray, clusters: np.ndarray) -> float:
    """sum over clusters of (sum of ``values`` in the cluster) squared."""
    _, inv = np.unique(clusters, return_inverse=True)
    sums = np.bincount(inv, weights=values)
    return float((sums**2).sum())


def _weighted_proportion(
    y: np.ndarray, w: np.ndarray, clusters: np.ndarray, conf: float
) -> tuple[dict[str, Any], float, np.ndarray]:
    """A weighted proportion, its sandwich variance and each row's influence on it."""
    total = float(w.sum())
    if total <= 0:
        return proportion(0, 0, conf) | {"n_effective": 0.0}, math.nan, np.zeros(len(y))
    p = float((w * y).sum()) / total
    influence = w * (y - p) / total
    var = _cluster_sum_sq(influence, clusters)
    kish = total**2 / float((w**2).sum())
    n_eff = p * (1 - p) / var if var > 0 else kish
    out = proportion(p * n_eff, n_eff, conf)
    out.update({"events": _round(float((w * y).sum())), "n": _round(total), "rate": p})
    out["n_effective"] = float(n_eff)
    out["method"] = "Wilson score on the effective sample size"
    return out, var, influence


def weighted_rates(
    y: np.ndarray,
    treated: np.ndarray,
    w: np.ndarray,
    clusters: np.ndarray,
    conf: float = 0.95,
) -> dict[str, Any]:
    """Programme and comparison proportions and their difference, weights as weights."""
    y = np.asarray(y, dtype=float)
    t = np.asarray(treated, dtype=bool)
    w = np.asarray(w, dtype=float)
    pt, var_t, inf_t = _weighted_proportion(y[t], w[t], clusters[t], conf)
    pc, var_c, inf_c = _weighted_proportion(y[~t], w[~t], clusters[~t], conf)
    influence = np.concatenate([inf_t, -inf_c])
    var = _cluster_sum_sq(influence, np.concatenate([clusters[t], clusters[~t]]))
    diff: dict[str, Any] = {
        "difference": None,
        "ci_lower": None,
        "ci_upper": None,
        "interval_method": f"Wald, {VARIANCE_METHOD}",
        "z": None,
        "p": None,
        "test": f"z test, {VARIANCE_METHOD}",
        "p_fisher": None,
        "se": None,
        "variance_method": VARIANCE_METHOD,
    }
    if pt["rate"] is None or pc["rate"] is None:
        return {"programme": pt, "comparison": pc, "difference": diff}
    d = pt["rate"] - pc["rate"]
    se = math.sqrt(var)
    q = float(stats.norm.ppf(0.5 + conf / 2))
    diff.update({"difference": d, "ci_lower": d - q * se, "ci_upper": d + q * se, "se": se})
    if se > 0:
        diff["z"] = d / se
        diff["p"] = float(2 * stats.norm.sf(abs(d / se)))
    else:
        diff["z"], diff["p"] = 0.0, 1.0
    return {"programme": pt, "comparison": pc, "difference": diff}


def weighted_mean_difference(
    y: np.ndarray,
    treated: np.ndarray,
    w: np.ndarray,
    clusters: np.ndarray,
    conf: float = 0.95,
) -> dict[str, Any]:
    """Difference in weighted means (e.g. offences per person), Wald interval and z test with
    the same cluster-robust variance as ``weighted_rates`` (a proportion is a mean of 0/1)."""
    y = np.asarray(y, dtype=float)
    t = np.asarray(treated, dtype=bool)
    w = np.asarray(w, dtype=float)
    out: dict[str, Any] = {"difference": None, "ci_lower": None, "ci_upper": None, "z": None}
    out |= {"p": None, "se": None, "variance_method": VARIANCE_METHOD}
    wt, wc = float(w[t].sum()), float(w[~t].sum())
    if wt <= 0 or wc <= 0:
        return out
    mt = float((w[t] * y[t]).sum()) / wt
    mc = float((w[~t] * y[~t]).sum()) / wc
    influence = np.concatenate([w[t] * (y[t] - mt) / wt, -w[~t] * (y[~t] - mc) / wc])
    se = math.sqrt(_cluster_sum_sq(influence, np.concatenate([clusters[t], clusters[~t]])))
    d = mt - mc
    q = float(stats.norm.ppf(0.5 + conf / 2))
    out.update({"difference": d, "ci_lower": d - q * se, "ci_upper": d + q * se, "se": se})
    out["z"] = d / se if se > 0 else 0.0
    out["p"] = float(2 * stats.norm.sf(abs(d / se))) if se > 0 else 1.0
    return out


def _time_index(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    times = np.unique(t)
    return times, np.searchsorted(times, t)


def _risk_sets(
    idx: np.ndarray, e: np.ndarray, w: np.ndarray, size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted events, censorings and number at risk at each distinct time."""
    d = np.bincount(idx, weights=w * e, minlength=size)
    leaving = np.bincount(idx, weights=w, minlength=size)
    at_risk = leaving[::-1].cumsum()[::-1]
    return d, leaving - d, at_risk


def _hazard_influence_var(
    idx: np.ndarray,
    e: np.ndarray,
    w: np.ndarray,
    clusters: np.ndarray,
    d: np.ndarray,
    at_risk: np.ndarray,
) -> np.ndarray:
    """Robust variance of the Nelson-Aalen cumulative hazard at each distinct time.

    Row i's influence at time j: w_i [e_i 1{T_i <= t_j} / R(T_i) - sum_{k <= min(j, i)} d_k / R_k^2].
    Clusters are summed before squaring; columns go in blocks to bound memory.
    """
    size = len(d)
    safe_r = np.where(at_risk > 0, at_risk, np.inf)
    comp = np.cumsum(d / safe_r**2)
    jump = e / safe_r[idx]
    _, inv = np.unique(clusters, return_inverse=True)
    indicator = sparse.csr_matrix((np.ones(len(idx)), (inv, np.arange(len(idx)))))
    out = np.empty(size)
    for start in range(0, size, 256):
        cols = np.arange(start, min(start + 256, size))
        upto = np.minimum(cols[None, :], idx[:, None])
        infl = w[:, None] * ((idx[:, None] <= cols[None, :]) * jump[:, None] - comp[upto])
        out[cols] = np.asarray((indicator @ infl) ** 2).sum(axis=0)
    return out


def kaplan_meier_robust(
    durations: np.ndarray,
    events: np.ndarray,
    weights: np.ndarray,
    clusters: np.ndarray,
    *,
    conf: float = 0.95,
    label: str = "all",
) -> dict[str, Any]:
    """Weighted Kaplan-Meier with robust bands; the same shape as ``survival.kaplan_meier``."""
    t = np.asarray(durations, dtype=float)
    e = np.asarray(events, dtype=float)
    w = np.asarray(weights, dtype=float)
    if len(t) == 0:
        return {"label": label, "n": 0, "events": 0, "median": None, "points": []}
    times, idx = _time_index(t)
    d, censored, at_risk = _risk_sets(idx, e, w, len(times))
    surv = np.cumprod(np.where(at_risk > 0, 1 - d / np.where(at_risk > 0, at_risk, 1), 1.0))
    var_h = _hazard_influence_var(idx, e, w, np.asarray(clusters), d, at_risk)
    lo, hi = _log_log_band(surv, var_h, conf)
    points = [_point(0.0, 1.0, 1.0, 1.0, float(w.sum()), 0.0, 0.0)] if times[0] > 0 else []
    for j, time in enumerate(times):
        points.append(
            _point(time, surv[j], lo[j], hi[j], at_risk[j], d[j], censored[j]),
        )
    below = np.flatnonzero(surv <= 0.5)
    return {
        "label": label,
        "n": _round(float(w.sum())),
        "n_effective": float(w.sum() ** 2 / (w**2).sum()),
        "events": _round(float((w * e).sum())),
        "median": float(times[below[0]]) if len(below) else None,
        "conf": conf,
        "ci_method": "robust (infinitesimal jackknife) variance clustered on matched sets, "
        "log(-log) transform",
        "points": points,
    }


def _log_log_band(surv: np.ndarray, var_h: np.ndarray, conf: float) -> tuple[np.ndarray, ...]:
    z = float(stats.norm.ppf(0.5 + conf / 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        log_s = np.log(surv)
        se = np.sqrt(var_h) / np.abs(log_s)
        v = np.log(-log_s)
        lo = np.exp(-np.exp(v + z * se))
        hi = np.exp(-np.exp(v - z * se))
    inside = (surv > 0) & (surv < 1)
    lo = np.where(inside, lo, surv)
    hi = np.where(inside, hi, surv)
    return lo, hi


def _point(
    time: float, s: float, lo: float, hi: float, at_risk: float, d: float, c: float
) -> dict[str, Any]:
    return {
        "time": _round(float(time)),
        "survival": float(s),
        "ci_lower": float(lo),
        "ci_upper": float(hi),
        "at_risk": _round(float(at_risk)),
        "events": _round(float(d)),
        "censored": _round(float(c)),
    }


def robust_score_test(
    durations: np.ndarray,
    events: np.ndarray,
    treated: np.ndarray,
    weights: np.ndarray,
    clusters: np.ndarray,
) -> dict[str, Any]:
    """Weighted log-rank (Cox score at beta = 0, Breslow ties) with a cluster-robust variance.

    Score residual of row i: w_i [e_i (z_i - zbar(T_i)) - z_i L(T_i) + B(T_i)], where L is the
    weighted Nelson-Aalen hazard and B the cumulative sum of zbar dL; they sum to the score U.
    """
    t = np.asarray(durations, dtype=float)
    e = np.asarray(events, dtype=float)
    z = np.asarray(treated, dtype=float)
    w = np.asarray(weights, dtype=float)
    times, idx = _time_index(t)
    d, _, at_risk = _risk_sets(idx, e, w, len(times))
    _, _, at_risk_z = _risk_sets(idx, e, w * z, len(times))
    safe = np.where(at_risk > 0, at_risk, 1.0)
    zbar = np.where(at_risk > 0, at_risk_z / safe, 0.0)
    dl = np.where(at_risk > 0, d / safe, 0.0)
    cum_l = np.cumsum(dl)
    cum_b = np.cumsum(zbar * dl)
    resid = w * (e * (z - zbar[idx]) - z * cum_l[idx] + cum_b[idx])
    u = float(resid.sum())
    var = _cluster_sum_sq(resid, np.asarray(clusters))
    stat = u * u / var if var > 0 else 0.0
    return {
        "statistic": stat,
        "df": 1,
        "p": float(stats.chi2.sf(stat, 1)),
        "groups": ["comparison", "programme"],
        "test": SCORE_TEST,
        "weighted": True,
        "variance": VARIANCE_METHOD,
        "observed_minus_expected": u,
    }


def _round(x: float) -> float | int:
    """Weighted counts that are whole numbers up to rounding error become whole numbers."""
    r = round(x)
    return int(r) if math.isclose(x, r, abs_tol=1e-9) else x
