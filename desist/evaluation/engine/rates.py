"""Proportions, differences of proportions and event rates, with their intervals.

* Wilson score interval for a proportion (Wilson 1927; Newcombe 1998, method 3).
* Difference of two independent proportions: Newcombe's hybrid score interval (Newcombe 1998,
  "Interval estimation for the difference between independent proportions", method 10), with
  the two-proportion z test (= Pearson chi-square without continuity correction) and, for whole
  counts, Fisher's exact test.
* Frequency per 100 people: exact Poisson (Garwood 1936) interval for the count.
* Difference of mean frequencies: Welch's t interval and test (as the Justice Data Lab does).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import stats

Z95 = float(stats.norm.ppf(0.975))


def _z(conf: float) -> float:
    if not 0 < conf < 1:
        raise ValueError("conf must be between 0 and 1")
    return float(stats.norm.ppf(0.5 + conf / 2))


def wilson_interval(k: float, n: float, conf: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for k successes in n trials (no continuity correction)."""
    if n <= 0:
        return (math.nan, math.nan)
    if k < 0 or k > n:
        raise ValueError("k must be between 0 and n")
    z = _z(conf)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    lower = 0.0 if k == 0 else max(0.0, centre - half)
    upper = 1.0 if k == n else min(1.0, centre + half)
    return (lower, upper)


def proportion(k: float, n: float, conf: float = 0.95) -> dict[str, Any]:
    """A proportion with its Wilson interval, JSON-ready."""
    lo, hi = wilson_interval(k, n, conf)
    return {
        "events": _num(k),
        "n": _num(n),
        "rate": (k / n) if n > 0 else None,
        "ci_lower": _nan_none(lo),
        "ci_upper": _nan_none(hi),
        "method": "Wilson score",
    }


def newcombe_difference(
    k1: float, n1: float, k2: float, n2: float, conf: float = 0.95
) -> tuple[float, float, float]:
    """p1 - p2 with Newcombe's hybrid score interval (method 10). Returns (diff, lower, upper)."""
    if n1 <= 0 or n2 <= 0:
        return (math.nan, math.nan, math.nan)
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson_interval(k1, n1, conf)
    l2, u2 = wilson_interval(k2, n2, conf)
    d = p1 - p2
    lower = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    upper = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return (d, lower, upper)


def two_proportion_z_test(k1: float, n1: float, k2: float, n2: float) -> tuple[float, float]:
    """Pooled two-proportion z test. Returns (z, two-sided p)."""
    if n1 <= 0 or n2 <= 0:
        return (math.nan, math.nan)
    p = (k1 + k2) / (n1 + n2)
    se = math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
    if se == 0:
        return (0.0, 1.0)
    z = (k1 / n1 - k2 / n2) / se
    return (z, float(2 * stats.norm.sf(abs(z))))


def difference(k1: float, n1: float, k2: float, n2: float, conf: float = 0.95) -> dict[str, Any]:
    """Treated minus comparison: difference, Newcombe interval, z test and Fisher's exact test."""
    d, lo, hi = newcombe_difference(k1, n1, k2, n2, conf)
    z, p = two_proportion_z_test(k1, n1, k2, n2)
    out: dict[str, Any] = {
        "difference": _nan_none(d),
        "ci_lower": _nan_none(lo),
        "ci_upper": _nan_none(hi),
        "interval_method": "Newcombe hybrid score (method 10)",
        "z": _nan_none(z),
        "p": _nan_none(p),
        "test": "two-proportion z test (pooled)",
        "p_fisher": None,
    }
    if all(float(x).is_integer() for x in (k1, n1, k2, n2)) and n1 > 0 and n2 > 0:
        table = [[int(k1), int(n1 - k1)], [int(k2), int(n2 - k2)]]
        out["p_fisher"] = float(stats.fisher_exact(table).pvalue)
    return out


def poisson_interval(count: float, conf: float = 0.95) -> tuple[float, float]:
    """Exact (Garwood) interval for a Poisson count."""
    alpha = 1 - conf
    lower = 0.0 if count <= 0 else float(stats.chi2.ppf(alpha / 2, 2 * count) / 2)
    upper = float(stats.chi2.ppf(1 - alpha / 2, 2 * (count + 1)) / 2)
    return (lower, upper)


def per_100(count: float, n: float, conf: float = 0.95) -> dict[str, Any]:
    """Events per 100 people with an exact Poisson interval."""
    if n <= 0:
        return {
            "count": _num(count),
            "n": _num(n),
            "per_100": None,
            "ci_lower": None,
            "ci_upper": None,
        }
    lo, hi = poisson_interval(count, conf)
    return {
        "count": _num(count),
        "n": _num(n),
        "per_100": 100 * count / n,
        "ci_lower": 100 * lo / n,
        "ci_upper": 100 * hi / n,
        "method": "exact Poisson",
    }


def mean_difference(
    a: np.ndarray,
    b: np.ndarray,
    conf: float = 0.95,
    weights_b: np.ndarray | None = None,
) -> dict[str, Any]:
    """Welch's t interval and test for mean(a) - mean(b); b may carry matching weights."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    wb = np.ones_like(b) if weights_b is None else np.asarray(weights_b, dtype=float)
    if len(a) < 2 or len(b) < 2 or wb.sum() <= 0:
        return {"difference": None, "ci_lower": None, "ci_upper": None, "p": None}
    ma = a.mean()
    mb = float(np.average(b, weights=wb))
    va = a.var(ddof=1) / len(a)
    # Effective sample size (Kish) for the weighted comparison group.
    n_eff = wb.sum() ** 2 / (wb**2).sum()
    vb_pop = float(np.average((b - mb) ** 2, weights=wb)) * n_eff / max(n_eff - 1, 1)
    vb = vb_pop / n_eff
    se = math.sqrt(va + vb)
    d = ma - mb
    if se == 0:
        return {"difference": d, "ci_lower": d, "ci_upper": d, "p": 1.0 if d == 0 else 0.0}
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / max(n_eff - 1, 1))
    t = d / se
    q = float(stats.t.ppf(0.5 + conf / 2, df))
    return {
        "difference": d,
        "ci_lower": d - q * se,
        "ci_upper": d + q * se,
        "t": t,
        "df": df,
        "p": float(2 * stats.t.sf(abs(t), df)),
        "test": "Welch t test",
    }


def _num(x: float) -> float | int:
    return int(x) if float(x).is_integer() else float(x)


def _nan_none(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)
