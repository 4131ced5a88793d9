"""Propensity-score matching: balance, caliper, replacement, ratio."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from desist.evaluation.engine.matching import (
    encode_covariates,
    logit,
    match,
    propensity_match,
    propensity_scores,
    smd_table,
)


@pytest.fixture(scope="module")
def confounded() -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(7)
    n = 3000
    df = pd.DataFrame(
        {
            "age": rng.normal(35, 10, n),
            "sex": rng.choice(["male", "female"], n, p=[0.8, 0.2]),
            "risk_level": rng.choice(["low", "medium", "high"], n),
            "prior_offences": rng.poisson(2, n),
        }
    )
    lp = -1.5 + 0.05 * (df.age - 35) + 0.3 * df.prior_offences + 0.8 * (df.risk_level == "high")
    treated = rng.random(n) < 1 / (1 + np.exp(-lp))
    return df, treated.to_numpy()


def test_encoding_uses_most_common_level_as_reference() -> None:
    df = pd.DataFrame({"sex": ["m", "m", "f"], "age": [20, 30, 40], "flag": [True, False, True]})
    x = encode_covariates(df, ["sex", "age", "flag"])
    assert list(x.columns) == ["sex[f]", "age", "flag"]
    assert x["sex[f]"].tolist() == [0, 0, 1]


def test_balance_improves_after_matching(confounded: tuple[pd.DataFrame, np.ndarray]) -> None:
    df, t = confounded
    res = propensity_match(df, t, ["age", "sex", "risk_level", "prior_offences"])
    bal = res["balance"]
    assert bal["max_abs_smd_before"] > 0.3  # confounded by design
    assert bal["max_abs_smd_after"] < 0.1
    for row in bal["rows"]:
        assert abs(row["smd_after"]) <= abs(row["smd_before"]) + 0.05
    assert bal["balanced"] is True


def test_caliper_is_respected(confounded: tuple[pd.DataFrame, np.ndarray]) -> None:
    df, t = confounded
    for replacement in (False, True):
        res = propensity_match(
            df, t, ["age", "prior_offences"], caliper=0.01, replacement=replacement
        )
        score = logit(res["propensity"])
        pairs = res["pairs"]
        assert len(pairs) > 0
        width = res["caliper_width"]
        sd = np.sqrt((np.var(score[t], ddof=1) + np.var(score[~t], ddof=1)) / 2)
        assert width == pytest.approx(0.01 * sd)
        gaps = np.abs(score[pairs["treated"]] - score[pairs["control"]])
        assert np.all(gaps <= width + 1e-12)
        assert np.allclose(gaps, pairs["distance"])
        # a tight caliper leaves some treated people unmatched
        assert res["n_treated_unmatched"] > 0


def test_without_replacement_uses_each_comparator_once(
    confounded: tuple[pd.DataFrame, np.ndarray],
) -> None:
    df, t = confounded
    res = propensity_match(
        df, t, ["age", "prior_offences"], replacement=False, ratio=2, caliper=None
    )
    pairs = res["pairs"]
    assert pairs["control"].is_unique
    assert not t[pairs["control"]].any() and t[pairs["treated"]].all()
    assert pairs.groupby("treated").size().max() == 2
    per_treated = pairs.groupby("treated")["control"].transform("size").to_numpy()
    assert np.allclose(res["weights"][pairs["control"]], 1.0 / per_treated)
    assert (per_treated == 2).mean() > 0.5


def test_with_replacement_reuses_comparators_and_weights_them(
    confounded: tuple[pd.DataFrame, np.ndarray],
) -> None:
    df, t = confounded
    res = propensity_match(df, t, ["age", "prior_offences"], replacement=True, caliper=None)
    pairs = res["pairs"]
    assert len(pairs) == t.sum()  # everyone matched without a caliper
    assert not pairs["control"].is_unique
    uses = pairs["control"].value_counts()
    w = res["weights"]
    for c, k in uses.items():
        assert w[c] == k
    # with replacement every treated person gets its single nearest comparator
    score = logit(res["propensity"])
    pool = np.flatnonzero(~t)
    for i, c in zip(pairs["treated"][:50], pairs["control"][:50], strict=True):
        assert abs(score[i] - score[c]) == pytest.approx(np.abs(score[pool] - score[i]).min())


def test_greedy_without_replacement_matches_brute_force() -> None:
    rng = np.random.default_rng(11)
    for _ in range(20):
        n = 60
        s = rng.normal(size=n)
        t = rng.random(n) < 0.3
        res = match(s, t, caliper=0.5, replacement=False, seed=5)
        order = np.flatnonzero(t)[np.random.default_rng(5).permutation(t.sum())]
        free = set(np.flatnonzero(~t))
        width = 0.5 * np.sqrt((np.var(s[t], ddof=1) + np.var(s[~t], ddof=1)) / 2)
        expected = {}
        for i in order:
            if not free:
                break
            c = min(free, key=lambda j, i=i: (abs(s[j] - s[i]), s[j]))
            if abs(s[c] - s[i]) <= width:
                expected[i] = c
                free.remove(c)
        got = dict(zip(res["pairs"]["treated"], res["pairs"]["control"], strict=True))
        assert got == expected


def test_missing_covariates_are_excluded_and_counted() -> None:
    rng = np.random.default_rng(2)
    df = pd.DataFrame({"age": rng.normal(30, 5, 200), "sex": rng.choice(["m", "f"], 200)})
    df.loc[[3, 7], "age"] = np.nan
    df.loc[9, "sex"] = None
    t = np.zeros(200, dtype=bool)
    t[:50] = True
    res = propensity_match(df, t, ["age", "sex"])
    assert res["excluded_missing"] == 3
    assert not np.isin([3, 7, 9], res["pairs"][["treated", "control"]].to_numpy()).any()
    assert np.isnan(res["propensity"][[3, 7, 9]]).all()


def test_propensity_model_recovers_coefficients_direction(
    confounded: tuple[pd.DataFrame, np.ndarray],
) -> None:
    df, t = confounded
    ps = propensity_scores(encode_covariates(df, ["prior_offences"]), t)
    assert np.corrcoef(ps, df["prior_offences"])[0, 1] > 0.99
    rows = smd_table(encode_covariates(df, ["prior_offences"]), t)
    assert rows[0]["smd_before"] > 0
