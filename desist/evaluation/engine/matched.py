"""One matched cohort's outcomes: rates, frequency, balance for the analysed subset, survival.

1:1 matching without replacement is analysed exactly as before (every matched person counts
once: Wilson/Newcombe rates, lifelines' Kaplan-Meier, log-rank and Cox). With replacement or
1:k matching the comparators carry weights, and every estimate treats them as weights with a
variance clustered on the matched sets (``engine.weighted``; ADR 0021).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from desist.evaluation.engine.errors import EngineModelError
from desist.evaluation.engine.labels import covariate_label, covariate_list
from desist.evaluation.engine.matching import balance_summary, smd_table
from desist.evaluation.engine.params import EvaluationParams
from desist.evaluation.engine.rates import difference, mean_difference, per_100, proportion
from desist.evaluation.engine.survival import cox, kaplan_meier, logrank, survival_at
from desist.evaluation.engine.weighted import (
    cluster_summary,
    kaplan_meier_robust,
    matched_sets,
    robust_score_test,
    weighted_mean_difference,
    weighted_rates,
)


@dataclass(frozen=True)
class Matched:
    """A matched cohort: people, follow-up, treatment, matching result, weights, matched sets."""

    sub: pd.DataFrame
    fu: pd.DataFrame
    treated: np.ndarray
    m: dict[str, Any]
    clusters: np.ndarray
    weighted: bool

    @property
    def weights(self) -> np.ndarray:
        return np.asarray(self.m["weights"], dtype=float)

    @property
    def full(self) -> np.ndarray:
        return self.fu["full_follow_up"].to_numpy(dtype=bool)


def build(
    sub: pd.DataFrame, fu: pd.DataFrame, t: np.ndarray, m: dict[str, Any], p: EvaluationParams
) -> Matched:
    clusters = matched_sets(len(sub), m["pairs"])
    return Matched(sub, fu, t, m, clusters, bool(p.replacement or p.ratio > 1))


def weighting(d: Matched) -> dict[str, Any]:
    sets = cluster_summary(d.clusters, d.weights > 0)
    if d.weighted:
        text = (
            "Comparators matched to more than one person, or one of several matched to a person, "
            "count with a weight (the share of each match), never as extra people. Standard "
            f"errors are cluster-robust over the {sets['clusters']} matched sets (treated people "
            "joined through shared comparators)."
        )
    else:
        text = "Each matched person counts once (1:1 matching without replacement)."
    return {"weighted": d.weighted, **sets, "description": text}


def analysed_balance(d: Matched) -> dict[str, Any] | None:
    """Balance before and after matching among those with full follow-up (the rates' subset)."""
    included = np.asarray(d.m["included"], dtype=bool)
    keep = included & d.full
    t = d.treated[keep]
    w = d.weights[keep]
    if not (t & (w > 0)).any() or not (~t & (w > 0)).any():
        return None
    rows = smd_table(d.m["design"].loc[keep], t, w)
    return {
        "subset": "full_follow_up",
        "n_programme": int((t & (w > 0)).sum()),
        "n_comparison": _round(float(w[~t].sum())),
        "rows": rows,
        **balance_summary(rows),
    }


def rates_and_frequency(d: Matched) -> tuple[dict[str, Any], dict[str, Any], float]:
    """Rates and frequency over matched people with full follow-up; and the programme n."""
    w = d.weights
    in_sample = (w > 0) & d.full
    t = d.treated
    y = d.fu["reoffended"].to_numpy(dtype=float)
    cnt = d.fu["reoffences"].to_numpy(dtype=float)
    rt, rc = in_sample & t, in_sample & ~t
    nt = float(rt.sum())
    if d.weighted:
        rates = weighted_rates(y[in_sample], t[in_sample], w[in_sample], d.clusters[in_sample])
        n_eff = rates["comparison"]["n_effective"]
    else:
        kt, kc, nc = float(y[rt].sum()), float(y[rc].sum()), float(rc.sum())
        rates = {
            "programme": proportion(kt, nt) | {"n_effective": nt},
            "comparison": proportion(kc, nc) | {"n_effective": nc},
            "difference": difference(kt, nt, kc, nc)
            | {"se": None, "variance_method": "binomial (each person once)"},
        }
        n_eff = nc
    rates["comparison_weighted"] = d.weighted
    nc_w = float(w[rc].sum())
    frequency = {
        "programme": per_100(float(cnt[rt].sum()), nt),
        "comparison": _weighted_per_100(_round(float((w[rc] * cnt[rc]).sum())), nc_w, n_eff),
        "difference_per_person": (
            weighted_mean_difference(
                cnt[in_sample], t[in_sample], w[in_sample], d.clusters[in_sample]
            )
            if d.weighted
            else mean_difference(cnt[rt], cnt[rc])
        ),
    }
    return rates, frequency, nt


def _weighted_per_100(count: float, n: float, n_eff: float) -> dict[str, Any]:
    """Per 100 with the exact Poisson interval on the effective count (= count if unweighted)."""
    out = per_100(count, n)
    if n <= 0 or math.isclose(n, n_eff) or n_eff <= 0:
        return out
    scaled = per_100(count * n_eff / n, n_eff)
    out.update({"ci_lower": scaled["ci_lower"], "ci_upper": scaled["ci_upper"]})
    out["method"] = "exact Poisson on the effective sample size"
    return out


def survival(
    d: Matched, window_days: float, step: Callable[[str], None]
) -> tuple[dict[str, Any], str | None]:
    """Survival over matched people with some follow-up; the Cox error message, if any."""
    w = d.weights
    ok = (w > 0) & d.fu["survival_eligible"].to_numpy(dtype=bool)
    t = d.treated
    tt = d.fu["time"].to_numpy(dtype=float)
    ee = d.fu["event"].to_numpy(dtype=int)
    km_t = kaplan_meier(tt[ok & t], ee[ok & t], label="Programme")
    c = ok & ~t
    if d.weighted:
        km_c = kaplan_meier_robust(tt[c], ee[c], w[c], d.clusters[c], label="Comparison")
    else:
        km_c = kaplan_meier(tt[c], ee[c], label="Comparison")
    out: dict[str, Any] = {
        "time_unit": "days",
        "kaplan_meier": {"programme": km_t, "comparison": km_c},
        "not_reoffended_at_window_end": {
            "programme": survival_at(km_t, window_days),
            "comparison": survival_at(km_c, window_days),
        },
        "median_days_to_first": {"programme": km_t["median"], "comparison": km_c["median"]},
    }
    step("Kaplan-Meier")
    if d.weighted:
        out["logrank"] = robust_score_test(tt[ok], ee[ok], t[ok], w[ok], d.clusters[ok])
    else:
        groups = np.where(t[ok], "programme", "comparison")
        out["logrank"] = logrank(tt[ok], ee[ok], groups)
        if out["logrank"] is not None:
            out["logrank"].update({"weighted": False, "variance": "log-rank (each person once)"})
    step("log-rank")
    out["cox"], out["cox_error"] = _matched_cox(d, ok, tt, ee)
    return out, out["cox_error"]


def _matched_cox(
    d: Matched, ok: np.ndarray, tt: np.ndarray, ee: np.ndarray
) -> tuple[dict[str, Any] | None, str | None]:
    design = d.m["design"].loc[ok].reset_index(drop=True)
    frame = pd.DataFrame(
        {
            "_time": tt[ok],
            "_event": ee[ok],
            "programme": d.treated[ok].astype(float),
            "_w": d.weights[ok],
            "_set": d.clusters[ok],
        }
    )
    cox_df = pd.concat([frame, design], axis=1)
    covariates = ["programme", *design.columns]
    left_out: list[str] = []
    for _ in range(len(covariates)):
        try:
            res = cox(
                cox_df,
                "_time",
                "_event",
                covariates,
                weights_col="_w" if d.weighted else None,
                cluster_col="_set" if d.weighted else None,
                label=lambda code: covariate_label(code, unit=False),
            )
        except EngineModelError as exc:
            drop = _droppable(exc)
            if not drop:
                return None, str(exc)
            left_out.append(_left_out_warning(exc, drop))
            covariates = [c for c in covariates if c not in drop]
            continue
        except Exception as exc:  # noqa: BLE001 - other lifelines failures on degenerate data
            return None, str(exc).splitlines()[0]
        res["warnings"] = left_out + list(res["warnings"])
        # what each categorical covariate's hazard ratios compare with, for the report's table
        res["reference_levels"] = dict(d.m.get("reference_levels") or {})
        return res, None
    return None, "The Cox model could not be fitted."


def _droppable(exc: EngineModelError) -> list[str]:
    """Adjusting covariates that can be left out so the programme's hazard ratio is estimable:
    the last of a collinear group, or those separated. Never the programme itself."""
    if exc.reason == "collinear" and exc.columns and exc.columns[-1] != "programme":
        return [exc.columns[-1]]
    if exc.reason == "separation" and exc.columns and "programme" not in exc.columns:
        return list(exc.columns)
    return []


def _left_out_warning(exc: EngineModelError, drop: list[str]) -> str:
    names = covariate_list(drop)
    one = len(drop) == 1
    was, it_is, its = ("was", "it is", "its") if one else ("were", "they are", "their")
    if exc.reason == "collinear":
        return (
            f"{names} {was} left out of the Cox model: {it_is} collinear with "
            f"{covariate_list(exc.columns[:-1])} among the matched people."
        )
    return (
        f"{names} {was} left out of the Cox model: separation (every re-offence at {its} highest "
        f"or lowest value among those at risk) would make {its} hazard "
        f"ratio{'' if one else 's'} infinite."
    )


def outcome_risk(rates: dict[str, Any] | None, surv: dict[str, Any] | None) -> float | None:
    """The comparison group's risk of re-offending by the end of the window."""
    if rates and rates["comparison"].get("rate") is not None:
        return float(rates["comparison"]["rate"])
    s = (surv or {}).get("not_reoffended_at_window_end", {}).get("comparison")
    return None if s is None else 1 - float(s)


def _round(x: float) -> float:
    """Weighted counts that are whole numbers up to rounding error become whole numbers."""
    r = round(x)
    return float(r) if math.isclose(x, r, abs_tol=1e-9) else x
