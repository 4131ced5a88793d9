"""Paired change: which scores are paired, and the interval against a hand calculation."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy import stats

from desist.evaluation.engine.paired import measures_change, paired_change, pairs_from_long


def test_latest_of_repeated_end_scores_is_paired() -> None:
    """Rows come in date order; with two "end" scores the later one is the end."""
    rows = []
    for pid in range(300):
        rows += [
            {"person_id": pid, "measure": "m", "timepoint": "end", "score": 20.0},
            {"person_id": pid, "measure": "m", "timepoint": "baseline", "score": 30.0},
            {"person_id": pid, "measure": "m", "timepoint": "end", "score": 10.0},
        ]
    pairs = pairs_from_long(pd.DataFrame(rows), ["person_id"])
    assert len(pairs) == 300
    assert set(pairs["before"]) == {30.0} and set(pairs["after"]) == {10.0}


def test_paired_change_matches_a_hand_t_interval() -> None:
    before = [8.0, 9.0, 7.0, 10.0, 6.0]
    after = [5.0, 4.0, 6.0, 5.0, 6.0]
    d = [a - b for a, b in zip(after, before, strict=True)]
    mean = sum(d) / len(d)
    sd = math.sqrt(sum((x - mean) ** 2 for x in d) / (len(d) - 1))
    half = stats.t.ppf(0.975, len(d) - 1) * sd / math.sqrt(len(d))
    res = paired_change(before, after)
    assert res["n_pairs"] == 5 and res["mean_change"] == pytest.approx(mean)
    assert res["ci_lower"] == pytest.approx(mean - half)
    assert res["ci_upper"] == pytest.approx(mean + half)
    assert res["p"] == pytest.approx(stats.ttest_rel(after, before).pvalue)


def test_measures_change_per_measure() -> None:
    rows = [
        {"person_id": p, "measure": m, "timepoint": tp, "score": s}
        for p in range(4)
        for m, tp, s in (("a", "baseline", 10 + p), ("a", "end", 5 + p), ("b", "baseline", 1))
    ]
    a, b = measures_change(pd.DataFrame(rows))
    assert a["measure"] == "a" and a["n_pairs"] == 4 and a["mean_change"] == pytest.approx(-5)
    assert b["measure"] == "b" and b["n_pairs"] == 0 and b["mean_change"] is None
