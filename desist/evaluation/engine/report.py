"""The two entry points: ``evaluate_cohort`` (any cohort file) and ``full_evaluation``.

Both return JSON-ready dicts (plain ``dict``/``list``/``str``/``float``/``int``/``None``); the
shapes are documented in docs/evaluation.md.
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from desist.evaluation.engine import charts as ch
from desist.evaluation.engine import matched
from desist.evaluation.engine.cohorts import (
    comparison_mask,
    describe,
    follow_up,
    prepare_outcomes,
    prepare_people,
    treated_mask,
)
from desist.evaluation.engine.costs import cost_summary
from desist.evaluation.engine.errors import EngineInputError, EngineModelError
from desist.evaluation.engine.funnel import funnel
from desist.evaluation.engine.labels import covariate_list
from desist.evaluation.engine.matched import Matched
from desist.evaluation.engine.matched import build as build_matched
from desist.evaluation.engine.matching import encode_covariates, propensity_match
from desist.evaluation.engine.methods import COHORT_LABELS, cohort_methods_text, methods_text
from desist.evaluation.engine.paired import measures_change, victim_change
from desist.evaluation.engine.params import EvaluationParams
from desist.evaluation.engine.sensitivity import sensitivity
from desist.evaluation.engine.sessions import sessions_vs_outcome
from desist.evaluation.engine.survival import cox, kaplan_meier, logrank

Progress = Callable[[int, int, str], None]
"""``progress(done, total, label)``: called as each step finishes."""


class _Steps:
    def __init__(self, total: int, progress: Progress | None):
        self.total = total
        self.done = 0
        self.progress = progress

    def __call__(self, label: str) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(min(self.done, self.total), self.total, label)


def small_warning(label: str, n: float, minimum: int) -> str:
    return (
        f"The {label} has {n:g} people, fewer than {minimum}: too small to conclude from "
        "(the Justice Data Lab does not report on fewer)."
    )


# -------------------------------------------------------------------------------- cohort files


def evaluate_cohort(
    df: pd.DataFrame,
    time_col: str,
    event_col: str,
    group_col: str | None = None,
    covariates: Sequence[str] = (),
    *,
    progress: Progress | None = None,
    min_cohort: int = 60,
    conf: float = 0.95,
    charts: bool = False,
) -> dict[str, Any]:
    """Kaplan-Meier (per group), log-rank (if groups) and Cox on a clean cohort frame.

    ``df`` must already be valid (see ``cohortfile.read_cohort``): numeric non-negative times,
    0/1 events, no missing covariates. Categorical covariates are one-hot encoded against their
    most common level (columns named ``column[level]``). A group column, if given, enters the
    Cox model too: as it is if it is coded 0/1, otherwise one-hot.
    """
    covariates = list(covariates)
    steps = _Steps(4 if not charts else 5, progress)
    t = df[time_col].astype(float).to_numpy()
    e = df[event_col].astype(int).to_numpy()
    warnings: list[str] = []
    n = int(len(df))
    result: dict[str, Any] = {
        "n": n,
        "events": int(e.sum()),
        "time_column": time_col,
        "event_column": event_col,
        "group_column": group_col,
        "covariates": covariates,
    }
    groups = _cohort_groups(df, group_col, n)
    km: dict[str, list[dict[str, Any]]] = {}
    summary = []
    for label, mask in groups.items():
        k = kaplan_meier(t[mask], e[mask], conf=conf, label=label)
        km[label] = k["points"]
        summary.append({"group": label, "n": k["n"], "events": k["events"], "median": k["median"]})
        if k["n"] < min_cohort:
            what = f"group '{label}'" if group_col else "cohort"
            warnings.append(small_warning(what, k["n"], min_cohort))
    result["groups"] = summary
    result["kaplan_meier"] = km
    steps("Kaplan-Meier")
    result["logrank"] = logrank(t, e, df[group_col]) if group_col else None
    steps("log-rank")
    model = _cohort_cox(df, t, e, covariates, group_col, conf)
    warnings.extend(model.get("warnings", []))
    result["cox"] = model
    steps("Cox regression")
    result["warnings"] = warnings
    result["methods"] = cohort_methods_text(
        time_column=time_col,
        event_column=event_col,
        group_column=group_col,
        covariates=covariates,
        min_cohort=min_cohort,
        warnings=warnings,
    )
    steps("methods")
    if charts:
        curves = {label: {"points": pts} for label, pts in km.items()}
        result["charts"] = {"survival": ch.survival_chart(curves, time_label=time_col)}
        steps("charts")
    return result


def _cohort_groups(df: pd.DataFrame, group_col: str | None, n: int) -> dict[str, np.ndarray]:
    if not group_col:
        return {"all": np.ones(n, dtype=bool)}
    g = df[group_col].astype(str).to_numpy()
    return {level: g == level for level in sorted(set(g))}


def _cohort_cox(
    df: pd.DataFrame,
    t: np.ndarray,
    e: np.ndarray,
    covariates: list[str],
    group_col: str | None,
    conf: float,
) -> dict[str, Any]:
    """Cox on the covariates plus the group (as it is if coded 0/1, otherwise one-hot)."""
    design = encode_covariates(df, covariates) if covariates else pd.DataFrame(index=df.index)
    if group_col and group_col not in covariates:
        gs = df[group_col]
        if pd.api.types.is_numeric_dtype(gs) and set(pd.unique(gs)) <= {0, 1}:
            gd = gs.astype(float).to_frame(group_col)
        else:
            gd = encode_covariates(df[[group_col]].astype(str), [group_col])
        design = pd.concat([design, gd], axis=1)
    cox_df = pd.concat([pd.DataFrame({"_time": t, "_event": e}, index=df.index), design], axis=1)
    try:
        model = cox(cox_df, "_time", "_event", list(design.columns), conf=conf)
    except EngineModelError:
        raise
    except Exception as exc:  # noqa: BLE001 - any other lifelines failure is a failed model too
        raise EngineModelError(f"The Cox model could not be fitted: {exc}") from exc
    # A model asked for (covariates or groups) that came back empty failed too: exit 1, not a
    # warning beside a result (no events at all, or no covariate that varies).
    if len(design.columns) and not model["coefficients"]:
        why = (
            "no row has an event, so there is nothing to compare."
            if not model["events"]
            else " ".join(model["warnings"]) or "no coefficient could be estimated."
        )
        raise EngineModelError(f"The Cox model could not be fitted: {why}")
    return model


# ------------------------------------------------------------------------- programme evaluation


def full_evaluation(
    frames: Mapping[str, pd.DataFrame | None],
    params: EvaluationParams | Mapping[str, Any] | None = None,
    *,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """The whole programme evaluation from the input frames of docs/evaluation.md."""
    p = EvaluationParams.from_value(params)
    started_at = _time.perf_counter()
    if frames.get("people") is None:
        raise EngineInputError("the people frame is required", column="person_id")
    steps = _Steps(2 + 5 * len(p.cohorts) + 4, progress)
    people = prepare_people(frames["people"])  # type: ignore[arg-type]
    outcomes, unknown = prepare_outcomes(frames.get("outcomes"), people)
    fu = follow_up(people, outcomes, p)
    steps("follow-up")
    warnings: list[str] = []
    if unknown:
        warnings.append(
            f"{unknown} outcome row(s) were for people not in the people frame and were ignored."
        )
    missing_cov = [c for c in p.covariates if c not in people.columns]
    if missing_cov:
        raise EngineInputError(
            "the people frame has no covariate column(s) " + ", ".join(missing_cov),
            column=missing_cov[0],
        )
    result: dict[str, Any] = {
        "params": p.as_dict(),
        "population": {
            **describe(people),
            "full_follow_up": int(fu["full_follow_up"].sum()),
            "outcome_rows": int(len(outcomes)),
            "outcome_rows_unknown_person": unknown,
        },
    }
    result["funnel"] = funnel(people)
    steps("funnel")

    cohorts: dict[str, Any] = {}
    for cohort in p.cohorts:
        cohorts[cohort] = _evaluate_programme_cohort(people, fu, p, cohort, steps, warnings)
    result["cohorts"] = cohorts

    optional: dict[str, Any] = {"sessions": _sessions_analysis(frames, people, fu)}
    steps("sessions")
    optional.update(_paired_and_costs(frames, people))
    result.update(optional)
    result["not_available"] = [k for k, v in optional.items() if v is None]
    steps("paired measures and costs")
    if p.charts:
        result["charts"] = _programme_charts(result, cohorts)
    steps("charts")
    result["warnings"] = warnings
    result["methods"] = methods_text(result["params"], result)
    result["elapsed_seconds"] = _time.perf_counter() - started_at
    steps("methods")
    return result


def _sessions_analysis(
    frames: Mapping[str, pd.DataFrame | None], people: pd.DataFrame, fu: pd.DataFrame
) -> dict[str, Any] | None:
    sessions = frames.get("sessions")
    if sessions is None or not len(sessions):
        return None
    st = people["started"].to_numpy(dtype=bool)
    return sessions_vs_outcome(sessions, people[st], fu[st])


def _paired_and_costs(
    frames: Mapping[str, pd.DataFrame | None], people: pd.DataFrame
) -> dict[str, Any]:
    ratings = frames.get("victim_ratings")
    measures = frames.get("measures")
    costs = frames.get("costs")
    counts = describe(people)
    return {
        "victims": victim_change(ratings) if ratings is not None and len(ratings) else None,
        "measures": (measures_change(measures) if measures is not None and len(measures) else None),
        "costs": (
            cost_summary(
                costs,
                put_forward=counts["put_forward"],
                started=counts["started"],
                completed=counts["completed"],
            )
            if costs is not None and len(costs)
            else None
        ),
    }


def _programme_charts(result: dict[str, Any], cohorts: dict[str, Any]) -> dict[str, Any]:
    charts: dict[str, Any] = {"funnel": ch.funnel_chart(result["funnel"])}
    for cohort, res in cohorts.items():
        if res.get("survival"):
            curves = {
                "Programme": res["survival"]["kaplan_meier"]["programme"],
                "Comparison": res["survival"]["kaplan_meier"]["comparison"],
            }
            charts[f"survival_{cohort}"] = ch.survival_chart(curves)
        if res.get("matching"):
            charts[f"balance_{cohort}"] = ch.love_plot(res["matching"]["balance"]["rows"])
    if result["victims"]:
        charts["fear_trend"] = ch.fear_trend_chart(result["victims"])
    return charts


def _evaluate_programme_cohort(
    people: pd.DataFrame,
    fu: pd.DataFrame,
    p: EvaluationParams,
    cohort: str,
    steps: _Steps,
    warnings: list[str],
) -> dict[str, Any]:
    label = COHORT_LABELS[cohort]
    treated = treated_mask(people, cohort)
    pool = comparison_mask(people, cohort, p.comparison)
    out: dict[str, Any] = {
        "label": label,
        "n_treated": int(treated.sum()),
        "n_pool": int(pool.sum()),
        "matching": None,
        "rates": None,
        "frequency": None,
        "survival": None,
        "sensitivity": None,
        "warnings": [],
    }
    if treated.sum() == 0 or pool.sum() == 0:
        _warn(
            out,
            warnings,
            f"No comparison for {label}: {int(treated.sum())} treated, "
            f"{int(pool.sum())} in the pool.",
        )
        return _skipped(out, cohort, steps)
    sel = treated | pool
    sub = people[sel].reset_index(drop=True)
    sub_fu = fu[sel].reset_index(drop=True)
    t = treated[sel]
    try:
        m = propensity_match(
            sub,
            t,
            p.covariates,
            caliper=p.caliper,
            replacement=p.replacement,
            ratio=p.ratio,
            seed=p.seed,
        )
    except EngineInputError as exc:  # e.g. everyone left has a missing covariate
        _warn(out, warnings, f"No matched comparison for {label}: {exc}.")
        return _skipped(out, cohort, steps)
    steps(f"{cohort}: matching")
    _analyse_matched(out, build_matched(sub, sub_fu, t, m, p), p, cohort, steps, warnings)
    return out


def _analyse_matched(
    out: dict[str, Any],
    d: Matched,
    p: EvaluationParams,
    cohort: str,
    steps: _Steps,
    warnings: list[str],
) -> None:
    """Balance, rates, survival and sensitivity of one matched cohort, into ``out``."""
    label = out["label"]
    out["matching"] = _matching_summary(d.m, d.treated)
    out["matching"]["weighting"] = matched.weighting(d)
    out["matching"]["balance_analysed"] = matched.analysed_balance(d)
    for msg in _matching_warnings(d.m, d.treated, label, p):
        _warn(out, warnings, msg)
    out["rates"], out["frequency"], nt = matched.rates_and_frequency(d)
    if nt < p.min_cohort:
        _warn(
            out, warnings, small_warning(f"cohort of {label} with full follow-up", nt, p.min_cohort)
        )
    steps(f"{cohort}: rates")
    window_days = float((d.fu["window_end"] - d.sub["index_date"]).dt.days.max())
    out["survival"], cox_error = matched.survival(
        d, window_days, lambda what: steps(f"{cohort}: {what}")
    )
    if cox_error is not None:
        reason = cox_error.removeprefix("The Cox model could not be fitted: ")
        _warn(out, warnings, f"The Cox model for {label} could not be fitted: {reason}")
    else:
        for msg in _cox_warnings_to_show(out["survival"]["cox"]):
            _warn(out, warnings, f"{msg[:-1]} ({label}).")
    risk = matched.outcome_risk(out["rates"], out["survival"])
    out["sensitivity"] = sensitivity(out["rates"], out["survival"]["cox"], risk)
    steps(f"{cohort}: Cox regression")


def _cox_warnings_to_show(model: dict[str, Any] | None) -> list[str]:
    """Covariates left out of the Cox model, and proportional-hazards doubts."""
    if not model:
        return []
    left_out = [w for w in model["warnings"] if "left out of the Cox model" in w]
    return left_out + list((model.get("ph_test") or {}).get("warnings", []))


def _warn(out: dict[str, Any], warnings: list[str], msg: str) -> None:
    """A cohort's warning goes in its own list and in the evaluation's."""
    out["warnings"].append(msg)
    warnings.append(msg)


def _skipped(out: dict[str, Any], cohort: str, steps: _Steps) -> dict[str, Any]:
    for _ in range(5):
        steps(f"{cohort}: skipped")
    return out


def _matching_summary(m: dict[str, Any], t: np.ndarray) -> dict[str, Any]:
    return {
        "n_treated": int(t.sum()),
        "n_pool": int((~t).sum()),
        "excluded_missing": m["excluded_missing"],
        "n_treated_matched": m["n_treated_matched"],
        "n_treated_unmatched": int(t.sum()) - m["n_treated_matched"],
        "n_comparators_used": m["n_controls_used"],
        "caliper_sd": m["caliper_sd"],
        "caliper_width": m["caliper_width"],
        "replacement": m["replacement"],
        "ratio": m["ratio"],
        "max_distance": float(m["pairs"]["distance"].max()) if len(m["pairs"]) else None,
        "balance": m["balance"],
    }


def _matching_warnings(
    m: dict[str, Any], t: np.ndarray, label: str, p: EvaluationParams
) -> list[str]:
    found = []
    if m["n_treated_matched"] < p.min_cohort:
        found.append(
            small_warning(f"matched cohort of {label}", m["n_treated_matched"], p.min_cohort)
        )
    if m["n_treated_unmatched"] > 0:
        found.append(
            f"{m['n_treated_unmatched']} of {int(t.sum())} in the cohort of {label} had no comparator "
            "within the caliper and are not in the comparison."
        )
    bal = m["balance"]
    if bal["imbalanced_after"]:
        found.append(
            f"After matching ({label}), these covariates still differ (|SMD| >= 0.1): "
            + covariate_list(bal["imbalanced_after"])
            + "."
        )
    return found
