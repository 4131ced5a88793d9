"""Time to first re-offence: Kaplan-Meier, log-rank and Cox proportional hazards.

Thin wrappers over lifelines that return JSON-ready structures (the shapes documented in
docs/evaluation.md). Kaplan-Meier bands are pointwise 95% intervals from Greenwood's variance on
the log(-log) scale (lifelines' default; R's ``conf.type = "log-log"``). The Cox model uses
Efron's method for ties (lifelines' only method, R's default).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.exceptions import ConvergenceError
from lifelines.statistics import logrank_test, multivariate_logrank_test

from desist.evaluation.engine.degenerate import (
    check_collinear,
    check_diverged,
    ph_test,
    quoted_name,
    separated,
    separation_error,
)
from desist.evaluation.engine.errors import EngineModelError


def kaplan_meier(
    durations: Sequence[float] | np.ndarray | pd.Series,
    events: Sequence[float] | np.ndarray | pd.Series,
    *,
    weights: Sequence[float] | np.ndarray | pd.Series | None = None,
    conf: float = 0.95,
    label: str = "all",
) -> dict[str, Any]:
    """The Kaplan-Meier estimate as a list of points, one per distinct time (and time 0).

    Each point: ``time``, ``survival``, ``ci_lower``, ``ci_upper``, ``at_risk`` (number at risk
    just before ``time``), ``events`` and ``censored`` at ``time``.
    """
    t = np.asarray(durations, dtype=float)
    e = np.asarray(events, dtype=float).astype(bool)
    w = None if weights is None else np.asarray(weights, dtype=float)
    if len(t) == 0:
        return {"label": label, "n": 0, "events": 0, "median": None, "points": []}
    kmf = KaplanMeierFitter(alpha=1 - conf)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lifelines warns about non-integer weights
        kmf.fit(t, e, weights=w, label=label)
    sf = kmf.survival_function_.iloc[:, 0]
    ci = kmf.confidence_interval_survival_function_
    table = kmf.event_table
    points = []
    for time in sf.index:
        row = table.loc[time]
        lo, hi = ci.loc[time].iloc[0], ci.loc[time].iloc[1]
        points.append(
            {
                "time": _clean(float(time)),
                "survival": float(sf.loc[time]),
                "ci_lower": float(lo),
                "ci_upper": float(hi),
                "at_risk": _clean(float(row["at_risk"])),
                "events": _clean(float(row["observed"])),
                "censored": _clean(float(row["censored"])),
            }
        )
    median = kmf.median_survival_time_
    return {
        "label": label,
        "n": _clean(float(w.sum())) if w is not None else int(len(t)),
        "events": _clean(float((w * e).sum())) if w is not None else int(e.sum()),
        "median": None if not np.isfinite(median) else float(median),
        "conf": conf,
        "ci_method": "Greenwood, log(-log) transform",
        "points": points,
    }


def median_survival(
    durations: Sequence[float] | np.ndarray, events: Sequence[bool] | np.ndarray
) -> float | None:
    """The Kaplan-Meier median: the first time at which the estimate falls to 0.5 or below
    (lifelines' definition), or None when it never does (not reached). Censored durations
    count as at risk up to their time."""
    if len(durations) == 0:
        return None
    kmf = KaplanMeierFitter()
    kmf.fit(np.asarray(durations, dtype=float), np.asarray(events, dtype=bool))
    median = kmf.median_survival_time_
    return float(median) if np.isfinite(median) else None


def survival_at(km: dict[str, Any], time: float) -> float | None:
    """S(time) read off a ``kaplan_meier`` result (right-continuous step function)."""
    s = None
    for p in km["points"]:
        if p["time"] <= time:
            s = p["survival"]
        else:
            break
    return s


def logrank(
    durations: np.ndarray | pd.Series,
    events: np.ndarray | pd.Series,
    groups: np.ndarray | pd.Series,
    weights: np.ndarray | pd.Series | None = None,
) -> dict[str, Any] | None:
    """Log-rank test across the groups (None if fewer than two groups)."""
    g = pd.Series(np.asarray(groups)).astype(str)
    levels = sorted(g.unique())
    if len(levels) < 2:
        return None
    t = np.asarray(durations, dtype=float)
    e = np.asarray(events, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if len(levels) == 2:
            a = (g == levels[0]).to_numpy()
            b = ~a
            kwargs: dict[str, Any] = {}
            if weights is not None:
                w = np.asarray(weights, dtype=float)
                kwargs = {"weights_A": w[a], "weights_B": w[b]}
            res = logrank_test(t[a], t[b], e[a], e[b], **kwargs)
        else:
            res = multivariate_logrank_test(
                t, g.to_numpy(), e, weights=None if weights is None else np.asarray(weights)
            )
    return {
        "statistic": float(res.test_statistic),
        "df": int(res.degrees_of_freedom),
        "p": float(res.p_value),
        "groups": levels,
        "test": "log-rank",
    }


def cox(
    df: pd.DataFrame,
    duration_col: str,
    event_col: str,
    covariates: Sequence[str],
    *,
    weights_col: str | None = None,
    cluster_col: str | None = None,
    conf: float = 0.95,
    label: Callable[[str], str] = quoted_name,
) -> dict[str, Any]:
    """Cox proportional hazards (Efron ties). JSON-ready.

    ``coefficients``: one object per covariate with ``covariate``, ``coef``, ``se``,
    ``hazard_ratio``, ``ci_lower``, ``ci_upper`` (of the hazard ratio), ``z`` and ``p`` (Wald).
    Also the partial ``log_likelihood`` (and of the null model), the likelihood-ratio test and
    Harrell's ``concordance``. With weights or clusters the standard errors are robust
    (sandwich), as R's ``coxph(..., robust = TRUE)``.
    """
    covariates = list(covariates)
    cols = [duration_col, event_col, *covariates]
    extra = [c for c in (weights_col, cluster_col) if c]
    data = df[cols + extra].copy()
    n = int(len(data))
    events = int(data[event_col].astype(bool).sum())
    out: dict[str, Any] = {
        "n": n,
        "events": events,
        "ties": "efron",
        "coefficients": [],
        "log_likelihood": None,
        "log_likelihood_null": None,
        "likelihood_ratio_test": None,
        "concordance": None,
        "robust_se": bool(weights_col or cluster_col),
        "clusters": None,
        "ph_test": None,
        "warnings": [],
    }
    if not covariates:
        out["warnings"].append("No covariates: the Cox model was not fitted.")
        return out
    if events == 0:
        out["warnings"].append("No events: the Cox model cannot be fitted.")
        return out
    constant = [c for c in covariates if data[c].nunique(dropna=False) < 2]
    if constant:
        out["warnings"].append(
            "Dropped covariate(s) with no variation: "
            + ", ".join(quoted_name(c) for c in constant)
            + "."
        )
        covariates = [c for c in covariates if c not in constant]
        data = data.drop(columns=constant)
        if not covariates:
            return out
    cph, caught = _fit_checked(
        data, duration_col, event_col, covariates, (weights_col, cluster_col), conf
    )
    out["warnings"].extend(_fit_warnings(caught))
    out["coefficients"] = _cox_coefficients(cph.summary, covariates)
    out["clusters"] = int(data[cluster_col].nunique()) if cluster_col else None
    out["ph_test"] = ph_test(cph, data, covariates, label)
    if out["ph_test"]:
        out["warnings"].extend(out["ph_test"]["warnings"])
    lr = cph.log_likelihood_ratio_test()
    out["log_likelihood"] = float(cph.log_likelihood_)
    out["log_likelihood_null"] = float(cph._ll_null_)
    out["likelihood_ratio_test"] = {
        "statistic": float(lr.test_statistic),
        "df": int(lr.degrees_freedom),
        "p": float(lr.p_value),
    }
    # Harrell's C of the fitted risk score (unweighted, as lifelines computes it).
    out["concordance"] = float(cph.concordance_index_)
    return out


def _fit_checked(
    data: pd.DataFrame,
    duration_col: str,
    event_col: str,
    covariates: list[str],
    extra: tuple[str | None, str | None],
    conf: float,
) -> tuple[CoxPHFitter, list[warnings.WarningMessage]]:
    """Fit, or raise ``EngineModelError`` naming collinear or separated covariates."""
    weights_col, cluster_col = extra
    check_collinear(data[covariates])
    fit_rows = data if not weights_col else data[data[weights_col] > 0]
    apart = separated(fit_rows, duration_col, event_col, covariates)
    if apart:
        raise separation_error(apart)
    cph = CoxPHFitter(alpha=1 - conf)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            cph.fit(
                data,
                duration_col=duration_col,
                event_col=event_col,
                weights_col=weights_col,
                cluster_col=cluster_col,
                robust=bool(weights_col or cluster_col),
            )
    except (ConvergenceError, np.linalg.LinAlgError, ValueError, ZeroDivisionError) as exc:
        raise EngineModelError(
            f"The Cox model could not be fitted: {str(exc).strip() or type(exc).__name__}",
            columns=covariates,
        ) from exc
    check_diverged(cph, fit_rows, covariates)
    return cph, list(caught)


def _fit_warnings(caught: Sequence[warnings.WarningMessage]) -> list[str]:
    """The first line of each warning from the fit, less lifelines' note on weights."""
    found = []
    for w in caught:
        msg = str(w.message).strip().splitlines()[0] if str(w.message).strip() else ""
        if msg and "weights" not in msg.lower():
            found.append(msg)
    return found


def _cox_coefficients(s: pd.DataFrame, covariates: Sequence[str]) -> list[dict[str, Any]]:
    lo_col = [c for c in s.columns if c.startswith("exp(coef) lower")][0]
    hi_col = [c for c in s.columns if c.startswith("exp(coef) upper")][0]
    rows = []
    for name in covariates:
        r = s.loc[name]
        rows.append(
            {
                "covariate": name,
                "coef": float(r["coef"]),
                "se": float(r["se(coef)"]),
                "hazard_ratio": float(r["exp(coef)"]),
                "ci_lower": float(r[lo_col]),
                "ci_upper": float(r[hi_col]),
                "z": float(r["z"]),
                "p": float(r["p"]),
            }
        )
    return rows


def _clean(x: float) -> float | int:
    if math.isfinite(x) and float(x).is_integer():
        return int(x)
    return x
