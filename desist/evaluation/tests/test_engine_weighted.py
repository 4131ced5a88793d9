"""Weights as weights (ADR 0021): robust variances, weighted Kaplan-Meier, robust score test."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifelines.datasets import load_rossi

from desist.evaluation.engine.report import full_evaluation
from desist.evaluation.engine.survival import kaplan_meier, logrank
from desist.evaluation.engine.synthetic import synthetic_frames
from desist.evaluation.engine.weighted import (
    kaplan_meier_robust,
    matched_sets,
    robust_score_test,
    weighted_mean_difference,
    weighted_rates,
)


def _reused_design() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """40 treated people matched with replacement to 8 comparators, each used 5 times."""
    treated = np.r_[np.ones(40, bool), np.zeros(8, bool)]
    pairs = pd.DataFrame({"treated": np.arange(40), "control": 40 + np.arange(40) % 8})
    w = np.r_[np.ones(40), np.full(8, 5.0)]
    return treated, w, matched_sets(48, pairs)


def _naive_se(y: np.ndarray, t: np.ndarray, w: np.ndarray) -> float:
    """The old way: a comparator of weight 5 counted as five people."""
    pt, pc = y[t].mean(), np.average(y[~t], weights=w[~t])
    return float(np.sqrt(pt * (1 - pt) / t.sum() + pc * (1 - pc) / w[~t].sum()))


def test_robust_variance_of_the_difference_beats_counting_weights_as_people() -> None:
    treated, w, sets = _reused_design()
    rng = np.random.default_rng(20261205)
    diffs, robust, naive = [], [], []
    for _ in range(600):
        y = (rng.random(48) < 0.4).astype(float)
        res = weighted_rates(y, treated, w, sets)["difference"]
        if res["se"] is None:
            continue
        diffs.append(res["difference"])
        robust.append(res["se"])
        naive.append(_naive_se(y, treated, w))
    true_sd = float(np.std(diffs))
    # counting weights as people claims about half the real spread; the sandwich gets it
    assert np.mean(naive) < 0.75 * true_sd
    assert np.mean(robust) == pytest.approx(true_sd, rel=0.15)


def test_difference_per_person_is_clustered_and_blind_to_the_scale_of_weights() -> None:
    treated, w, sets = _reused_design()
    rng = np.random.default_rng(20261206)
    _, set_index = np.unique(sets, return_inverse=True)
    diffs, robust = [], []
    for _ in range(600):
        # people in one matched set resemble each other (that is why they were matched)
        level = np.exp(rng.normal(0.0, 0.8, set_index.max() + 1))[set_index]
        counts = rng.poisson(level).astype(float)
        res = weighted_mean_difference(counts, treated, w, sets)
        diffs.append(res["difference"])
        robust.append(res["se"])
    assert np.mean(robust) == pytest.approx(float(np.std(diffs)), rel=0.15)
    counts = rng.poisson(1.5, 48).astype(float)
    once = weighted_mean_difference(counts, treated, w, sets)
    five = weighted_mean_difference(counts, treated, 5 * w, sets)
    assert five["se"] == pytest.approx(once["se"]) and five["p"] == pytest.approx(once["p"])


def test_matched_sets_join_treated_people_through_shared_comparators() -> None:
    pairs = pd.DataFrame({"treated": [0, 1, 2, 3], "control": [5, 5, 6, 7]})
    sets = matched_sets(8, pairs)
    assert sets[0] == sets[1] == sets[5]
    assert sets[2] == sets[6] and sets[3] == sets[7]
    assert len({sets[0], sets[2], sets[3], sets[4]}) == 4


@pytest.fixture(scope="module")
def rossi() -> pd.DataFrame:
    return load_rossi()


def test_robust_kaplan_meier_is_greenwood_with_unit_weights(rossi: pd.DataFrame) -> None:
    t, e = rossi["week"].to_numpy(), rossi["arrest"].to_numpy()
    own = np.arange(len(t))
    robust = kaplan_meier_robust(t, e, np.ones(len(t)), own)
    ref = kaplan_meier(t, e)
    assert len(robust["points"]) == len(ref["points"])
    for a, b in zip(robust["points"], ref["points"], strict=True):
        assert a["time"] == b["time"] and a["at_risk"] == b["at_risk"]
        assert a["survival"] == pytest.approx(b["survival"], abs=1e-12)
        assert a["ci_lower"] == pytest.approx(b["ci_lower"], abs=2e-3)
        assert a["ci_upper"] == pytest.approx(b["ci_upper"], abs=2e-3)


def test_robust_kaplan_meier_bands_do_not_narrow_when_weights_are_people(
    rossi: pd.DataFrame,
) -> None:
    t, e = rossi["week"].to_numpy(), rossi["arrest"].to_numpy()
    own = np.arange(len(t))
    one = kaplan_meier_robust(t, e, np.ones(len(t)), own)
    five = kaplan_meier_robust(t, e, np.full(len(t), 5.0), own)
    freq = kaplan_meier(t, e, weights=np.full(len(t), 5.0))  # lifelines: weights as people
    mid = len(one["points"]) // 2
    assert five["points"][mid]["ci_lower"] == pytest.approx(one["points"][mid]["ci_lower"])
    assert freq["points"][mid]["ci_lower"] > one["points"][mid]["ci_lower"] + 0.01


def test_robust_score_test_is_the_log_rank_with_unit_weights(rossi: pd.DataFrame) -> None:
    t, e, g = (rossi[c].to_numpy() for c in ("week", "arrest", "fin"))
    res = robust_score_test(t, e, g, np.ones(len(t)), np.arange(len(t)))
    ref = logrank(t, e, g)
    assert ref is not None
    assert res["statistic"] == pytest.approx(ref["statistic"], rel=0.01)
    assert res["df"] == 1 and "robust score test" in res["test"]


END = "2024-06-30"


@pytest.fixture(scope="module")
def with_replacement() -> dict:
    return full_evaluation(
        synthetic_frames(900, seed=11),
        {"data_end_date": END, "cohorts": ["starters"], "replacement": True, "charts": False},
    )


def test_with_replacement_uses_weights_and_says_so(with_replacement: dict) -> None:
    res = with_replacement["cohorts"]["starters"]
    assert res["matching"]["weighting"]["weighted"] is True
    assert res["matching"]["weighting"]["clusters"] > 0
    assert res["rates"]["difference"]["se"] > 0
    assert "sandwich" in res["rates"]["difference"]["variance_method"]
    assert res["rates"]["difference"]["p_fisher"] is None
    assert "sandwich" in res["frequency"]["difference_per_person"]["variance_method"]
    assert "robust score test" in res["survival"]["logrank"]["test"]
    assert res["survival"]["cox"]["clusters"] == res["matching"]["weighting"]["clusters"]
    assert "robust" in res["survival"]["kaplan_meier"]["comparison"]["ci_method"]
    methods = " ".join(with_replacement["methods"])
    assert "weights as weights, never as extra people" in methods
    assert "cluster-robust" in methods


def test_default_matching_is_unweighted_and_unchanged_in_kind() -> None:
    res = full_evaluation(
        synthetic_frames(600, seed=7), {"data_end_date": END, "cohorts": ["itt"], "charts": False}
    )["cohorts"]["itt"]
    assert res["matching"]["weighting"]["weighted"] is False
    assert res["rates"]["difference"]["interval_method"] == "Newcombe hybrid score (method 10)"
    assert res["survival"]["logrank"]["test"] == "log-rank"
    assert res["survival"]["cox"]["robust_se"] is False
