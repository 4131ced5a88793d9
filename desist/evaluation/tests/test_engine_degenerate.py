"""Degenerate models named, PH checked, calendar period matched, balance analysed, E-values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifelines.datasets import load_rossi

from desist.evaluation.engine import survival
from desist.evaluation.engine.errors import EngineInputError, EngineModelError
from desist.evaluation.engine.params import DEFAULT_COVARIATES
from desist.evaluation.engine.report import evaluate_cohort, full_evaluation
from desist.evaluation.engine.sensitivity import e_value, hazard_ratio_e_value
from desist.evaluation.engine.survival import cox
from desist.evaluation.engine.synthetic import synthetic_frames

ROSSI_COVS = ["fin", "age", "race", "wexp", "mar", "paro", "prio"]


def _cohort(n: int = 200, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    return pd.DataFrame(
        {
            "t": rng.exponential(10, n).round(1) + 0.1,
            "e": (rng.random(n) < 0.6).astype(int),
            "x": x,
            "x_twice": 2 * x + 1,
            "g": rng.integers(0, 2, n),
        }
    )


def test_collinear_covariates_are_named_and_fail_the_model() -> None:
    df = _cohort()
    with pytest.raises(EngineModelError) as err:
        evaluate_cohort(df, "t", "e", covariates=["x", "x_twice"])
    assert err.value.reason == "collinear"
    assert err.value.columns == ["x", "x_twice"]
    assert "'x' and 'x_twice' are collinear" in str(err.value)
    assert not isinstance(err.value, EngineInputError)  # exit 1, not the input error's 2


def test_separation_is_reported_not_shown_as_a_huge_hazard_ratio() -> None:
    df = _cohort()
    df["e"] = df["g"]  # every event in group 1: the hazard ratio for g is infinite
    with pytest.raises(EngineModelError) as err:
        cox(df, "t", "e", ["x", "g"])
    assert err.value.reason == "separation" and err.value.columns == ["g"]
    assert "separation on 'g'" in str(err.value)
    with pytest.raises(EngineModelError):
        evaluate_cohort(df, "t", "e", "g", ["x"])


def test_separation_missed_by_the_per_covariate_check_is_caught_after_the_fit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    df = _cohort()
    df["e"] = df["g"]
    monkeypatch.setattr(survival, "separated", lambda *args: [])  # as for a combination
    with pytest.raises(EngineModelError) as err:
        cox(df, "t", "e", ["x", "g"])  # lifelines alone: HR 4.6e8, p 0.99
    assert err.value.reason == "separation" and err.value.columns == ["g"]


def test_proportional_hazards_test_per_covariate_on_rossi() -> None:
    rossi = load_rossi()
    res = evaluate_cohort(rossi, "week", "arrest", covariates=ROSSI_COVS)
    ph = res["cox"]["ph_test"]
    rows = {r["covariate"]: r for r in ph["rows"]}
    assert set(rows) == set(ROSSI_COVS)
    # Fox and Weisberg: age and work experience break proportional hazards
    assert rows["age"]["violated"] and rows["wexp"]["violated"]
    assert not rows["fin"]["violated"]
    assert any("for 'age' may change" in w for w in ph["warnings"])  # the file's own name
    assert all("may change over follow-up" in w for w in ph["warnings"])
    assert set(ph["warnings"]) <= set(res["warnings"])


def test_e_value_matches_vanderweele_and_ding() -> None:
    assert e_value(3.9) == pytest.approx(7.26, abs=0.01)  # their worked example
    assert e_value(1 / 3.9) == pytest.approx(7.26, abs=0.01)
    row = {"covariate": "programme", "hazard_ratio": 0.7, "ci_lower": 0.5, "ci_upper": 1.1}
    res = hazard_ratio_e_value({"coefficients": [row]}, "programme", outcome_risk=0.05)
    assert res is not None and res["e_value_ci"] == 1.0 and res["outcome_common"] is False
    assert res["e_value"] == pytest.approx(e_value(0.7))


END = "2024-06-30"


@pytest.fixture(scope="module")
def result() -> dict:
    return full_evaluation(
        synthetic_frames(900, seed=5),
        {"data_end_date": END, "cohorts": ["starters"], "charts": False},
    )


def test_calendar_period_is_a_default_matching_covariate(result: dict) -> None:
    assert "index_period" in DEFAULT_COVARIATES
    rows = result["cohorts"]["starters"]["matching"]["balance"]["rows"]
    period = [r for r in rows if r["covariate"] == "index_period"]
    assert period and 2019 <= period[0]["mean_treated_before"] <= 2025


def test_balance_reported_for_the_subset_the_rates_use(result: dict) -> None:
    res = result["cohorts"]["starters"]
    analysed = res["matching"]["balance_analysed"]
    assert analysed["subset"] == "full_follow_up"
    assert analysed["n_programme"] == res["rates"]["programme"]["n"]
    assert analysed["n_comparison"] == res["rates"]["comparison"]["n"]
    assert {r["covariate"] for r in analysed["rows"]} == {
        r["covariate"] for r in res["matching"]["balance"]["rows"]
    }
    assert all("smd_after" in r for r in analysed["rows"])


def test_sensitivity_and_ph_check_in_each_cohort(result: dict) -> None:
    res = result["cohorts"]["starters"]
    sens = res["sensitivity"]
    assert sens["method"].startswith("E-value")
    assert sens["hazard_ratio"]["e_value"] > 1 and sens["risk_ratio"]["e_value"] > 1
    assert "explain it away" in sens["text"]
    assert res["survival"]["cox"]["ph_test"]["rows"]
    assert res["survival"]["cox_error"] is None
    assert any("E-values" in p for p in result["methods"])


def test_programme_cox_leaves_out_a_collinear_adjusting_covariate_and_says_so() -> None:
    frames = synthetic_frames(600, seed=3)
    people = frames["people"].copy()
    people["age_months"] = people["age"] * 12  # collinear with age
    frames["people"] = people
    res = full_evaluation(
        frames,
        {
            "data_end_date": END,
            "cohorts": ["itt"],
            "charts": False,
            "covariates": ["age", "age_months", "sex"],
        },
    )["cohorts"]["itt"]
    cox_res = res["survival"]["cox"]
    assert res["survival"]["cox_error"] is None
    assert [c["covariate"] for c in cox_res["coefficients"]][0] == "programme"
    assert "age_months" not in {c["covariate"] for c in cox_res["coefficients"]}
    left_out = [w for w in cox_res["warnings"] if "left out of the Cox model" in w]
    assert left_out and "Age months" in left_out[0] and "collinear" in left_out[0]
    assert any("left out of the Cox model" in w for w in res["warnings"])


def test_ph_check_computed_with_a_calendar_year_covariate() -> None:
    """A covariate in the thousands (the index period as a decimal year, as in the demo) with
    a hazard ratio well below 1: lifelines' Schoenfeld residuals take exp(x * beta) of the raw
    values, which underflows to 0/0, so every covariate's test came back NaN and the report
    said "too few re-offences". The Cox fit is unaffected, so the check must be too."""
    rng = np.random.default_rng(3)
    n = 300
    period = 2023.5 + rng.integers(0, 12, n) / 4
    x = rng.normal(size=n)
    t = rng.exponential(60 * np.exp(0.8 * (period - 2023.5) + 0.3 * x))
    df = pd.DataFrame({"t": np.ceil(t).clip(1, 365), "e": (t < 365).astype(int)})
    df["x"], df["index_period"] = x, period
    res = cox(df, "t", "e", ["x", "index_period"])
    coef = {r["covariate"]: r["coef"] for r in res["coefficients"]}
    assert coef["index_period"] * period.min() < -745  # exp() of it underflows to 0
    ph = res["ph_test"]
    rows = {r["covariate"]: r for r in ph["rows"]}
    assert set(rows) == {"x", "index_period"}
    assert all(np.isfinite(r["statistic"]) and 0 <= r["p"] <= 1 for r in rows.values())
    assert ph.get("reason") is None


def test_left_out_warning_agrees_in_number() -> None:
    from desist.evaluation.engine.matched import _left_out_warning

    two = ["relationship[other]", "relationship[stranger]"]
    many = _left_out_warning(EngineModelError("x", reason="separation", columns=two), two)
    assert "stranger were left out" in many and "their hazard ratios infinite" in many
    one = _left_out_warning(EngineModelError("x", reason="separation", columns=two[:1]), two[:1])
    assert "other was left out" in one and "its hazard ratio infinite" in one
    exc = EngineModelError("x", reason="collinear", columns=["age", "prior_offences", "sex"])
    assert "they are collinear" in _left_out_warning(exc, ["age", "sex"])
