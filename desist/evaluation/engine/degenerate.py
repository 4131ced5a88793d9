"""Models that cannot be fitted, said plainly: collinearity, separation, non-proportional hazards.

* Collinearity: a covariate that is a linear combination of earlier ones (after centring, since
  the Cox model has no intercept) is named with the covariates it depends on.
* Separation (monotone likelihood): if at every event the person with the event has the largest
  (or smallest) value of a covariate among those at risk, its hazard ratio is infinite (or 0); a
  fit would report a huge hazard ratio with a meaningless p value. Checked per covariate before
  fitting and, for combinations, after it (a coefficient or standard error without bound).
* Proportional hazards: lifelines' ``proportional_hazard_test`` (scaled Schoenfeld residuals
  against the rank of time, Grambsch and Therneau 1994), one row per covariate.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter
from lifelines.statistics import proportional_hazard_test

from desist.evaluation.engine.errors import EngineModelError

PH_ALPHA = 0.05
PH_METHOD = "scaled Schoenfeld residuals (lifelines proportional_hazard_test, rank time)"
# A coefficient of 5 per standard deviation (a hazard ratio of 148 per SD) or a standard error of
# 10 per SD (an interval spanning e^40) is a fit running off to infinity, not an effect.
SEPARATION_SD_COEF = 5.0
SEPARATION_SD_SE = 10.0


def _quoted(names: list[str]) -> str:
    q = [f"'{n}'" for n in names]
    return q[0] if len(q) == 1 else ", ".join(q[:-1]) + " and " + q[-1]


def check_collinear(x: pd.DataFrame) -> None:
    """Raise ``EngineModelError`` naming the first covariate that depends on the others."""
    if x.shape[1] < 2:
        return
    centred = x.to_numpy(dtype=float) - x.to_numpy(dtype=float).mean(axis=0)
    scale = np.abs(centred).max(axis=0)
    centred = centred / np.where(scale > 0, scale, 1.0)
    kept: list[int] = []
    for j in range(centred.shape[1]):
        cand = centred[:, [*kept, j]]
        if np.linalg.matrix_rank(cand) == len(kept) + 1:
            kept.append(j)
            continue
        coef = np.linalg.lstsq(centred[:, kept], centred[:, j], rcond=None)[0]
        partners = [x.columns[k] for k, c in zip(kept, coef, strict=True) if abs(c) > 1e-8]
        names = [*partners, x.columns[j]]
        raise EngineModelError(
            f"The Cox model could not be fitted: covariates {_quoted([str(n) for n in names])} "
            "are collinear (one is fixed by the others); leave one of them out.",
            reason="collinear",
            columns=[str(n) for n in names],
        )


def separated(
    data: pd.DataFrame, duration_col: str, event_col: str, covariates: list[str]
) -> list[str]:
    """Covariates on which every event has the extreme value among those at risk."""
    t = data[duration_col].to_numpy(dtype=float)
    ev = data[event_col].to_numpy(dtype=float) > 0
    if not ev.any():
        return []
    times, idx = np.unique(t, return_inverse=True)
    found = []
    for col in covariates:
        v = data[col].to_numpy(dtype=float)
        hi = pd.Series(v).groupby(idx).max().reindex(range(len(times))).to_numpy()
        lo = pd.Series(v).groupby(idx).min().reindex(range(len(times))).to_numpy()
        # extremes over the risk set {T >= t}: cumulative from the latest time back
        hi_risk = np.fmax.accumulate(hi[::-1])[::-1][idx]
        lo_risk = np.fmin.accumulate(lo[::-1])[::-1][idx]
        top = np.all(v[ev] >= hi_risk[ev]) and np.any(v[ev] > lo_risk[ev])
        bottom = np.all(v[ev] <= lo_risk[ev]) and np.any(v[ev] < hi_risk[ev])
        if top or bottom:
            found.append(col)
    return found


def separation_error(columns: list[str]) -> EngineModelError:
    return EngineModelError(
        f"The Cox model could not be fitted: separation on {_quoted(columns)} (every re-offence "
        "is at the highest or lowest value among those at risk, so the hazard ratio is infinite "
        "or zero and cannot be estimated); leave it out or group its values.",
        reason="separation",
        columns=columns,
    )


def check_diverged(cph: CoxPHFitter, data: pd.DataFrame, covariates: list[str]) -> None:
    """Separation by a combination of covariates shows as a coefficient without bound."""
    params, se = cph.params_, cph.standard_errors_
    big = []
    for c in covariates:
        sd = float(data[c].std(ddof=0) or 0.0)
        if abs(float(params[c])) * sd > SEPARATION_SD_COEF or float(se[c]) * sd > SEPARATION_SD_SE:
            big.append(c)
    if big:
        raise separation_error(big)


def quoted_name(code: str) -> str:
    return f"'{code}'"


def ph_test(
    cph: CoxPHFitter,
    data: pd.DataFrame,
    covariates: list[str],
    label: Callable[[str], str] = quoted_name,
) -> dict[str, Any]:
    """Scaled-Schoenfeld test per covariate, with a plain warning where p < 0.05.

    ``label`` names a covariate in the warning: the column name for a cohort file, the
    plain-language label (``engine.labels``) for the programme's own covariates.
    """
    # lifelines takes exp(x * beta) of the raw values for the residuals: a covariate in the
    # thousands (the index period as a year) underflows to 0/0 and every test comes back NaN.
    # The residuals and the test do not change when a covariate is centred, so centre first.
    centred = data.copy()
    centred[covariates] = centred[covariates] - centred[covariates].mean()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = proportional_hazard_test(cph, centred, time_transform="rank")
    except (np.linalg.LinAlgError, ValueError, ZeroDivisionError) as exc:
        why = str(exc).strip() or type(exc).__name__
        return {
            "method": PH_METHOD,
            "rows": [],
            "warnings": [],
            "reason": f"the test failed: {why}",
        }
    summary = res.summary
    rows: list[dict[str, Any]] = []
    found = []
    for name in covariates:
        if name not in summary.index:
            continue
        stat, p = float(summary.loc[name, "test_statistic"]), float(summary.loc[name, "p"])
        if not (np.isfinite(stat) and np.isfinite(p)):
            rows.append(
                {
                    "covariate": name,
                    "statistic": None,
                    "df": 1,
                    "p": None,
                    "violated": False,
                    "reason": "the residual test gave no finite value",
                }
            )
            continue
        violated = bool(p < PH_ALPHA)
        rows.append({"covariate": name, "statistic": stat, "df": 1, "p": p, "violated": violated})
        if violated:
            found.append(
                f"The hazard ratio for {label(name)} may change over "
                f"follow-up (proportional-hazards test p = {p:.3f}): read it as an average over "
                "time, not a constant effect."
            )
    return {"method": PH_METHOD, "rows": rows, "warnings": found, "reason": None}
