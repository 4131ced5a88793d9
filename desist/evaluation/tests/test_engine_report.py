"""full_evaluation on synthetic data with a known effect, follow-up rules and input checks."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from desist.evaluation.engine.cohorts import follow_up, prepare_outcomes, prepare_people
from desist.evaluation.engine.errors import EngineInputError
from desist.evaluation.engine.jsonsafe import jsonable
from desist.evaluation.engine.params import EvaluationParams
from desist.evaluation.engine.report import evaluate_cohort, full_evaluation
from desist.evaluation.engine.synthetic import synthetic_frames

END = dt.date(2026, 1, 1)


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    return synthetic_frames(2500, seed=4)


@pytest.fixture(scope="module")
def result(frames: dict[str, pd.DataFrame]) -> dict:
    calls: list[tuple[int, int, str]] = []
    res = full_evaluation(
        frames, {"data_end_date": END}, progress=lambda d, t, label: calls.append((d, t, label))
    )
    res["_calls"] = calls
    return res


def test_full_evaluation_structure_and_json(result: dict) -> None:
    for key in (
        "params",
        "population",
        "funnel",
        "cohorts",
        "sessions",
        "victims",
        "measures",
        "costs",
        "charts",
        "methods",
        "warnings",
    ):
        assert key in result
    assert set(result["cohorts"]) == {"itt", "starters", "completers"}
    json.dumps(jsonable({k: v for k, v in result.items() if k != "_calls"}), allow_nan=False)
    assert result["not_available"] == []


def test_progress_reaches_total(result: dict) -> None:
    calls = result["_calls"]
    assert calls[-1][0] == calls[-1][1]
    assert [c[0] for c in calls] == sorted(c[0] for c in calls)


def test_recovers_synthetic_effect_for_starters(result: dict) -> None:
    """Starters have 0.7 times the hazard by construction; the matched Cox HR covers it."""
    starters = result["cohorts"]["starters"]
    hr = next(
        c for c in starters["survival"]["cox"]["coefficients"] if c["covariate"] == "programme"
    )
    assert hr["ci_lower"] < 0.7 < hr["ci_upper"]
    assert hr["hazard_ratio"] < 1
    assert (
        starters["matching"]["balance"]["max_abs_smd_after"]
        < starters["matching"]["balance"]["max_abs_smd_before"]
    )
    rates = starters["rates"]
    assert rates["programme"]["rate"] < rates["comparison"]["rate"]
    assert (
        rates["difference"]["ci_lower"]
        < rates["difference"]["difference"]
        < rates["difference"]["ci_upper"]
    )


def test_funnel_and_costs(result: dict, frames: dict[str, pd.DataFrame]) -> None:
    people = frames["people"]
    counts = [row["count"] for row in result["funnel"]]
    assert counts == [
        int(people[c].sum())
        for c in ("considered", "put_forward", "consented", "started", "completed")
    ]
    assert counts == sorted(counts, reverse=True)
    costs = result["costs"]
    assert costs["per_participant"] == pytest.approx(costs["total"] / people["started"].sum())
    assert costs["per_completion"] == pytest.approx(costs["total"] / people["completed"].sum())


def test_victim_fear_falls_with_interval(result: dict) -> None:
    fear = result["victims"]["fear"]
    assert fear["ci_lower"] < fear["mean_change"] < fear["ci_upper"] < 0  # built in: -2
    assert fear["mean_change"] == pytest.approx(-2, abs=0.5)
    assert result["victims"]["safety"]["mean_change"] > 0


def test_charts_are_svg_with_tables(result: dict) -> None:
    charts = result["charts"]
    for name in ("funnel", "survival_itt", "balance_itt", "fear_trend"):
        c = charts[name]
        assert c["svg"].startswith("<svg") and "</svg>" in c["svg"]
        assert 'role="img"' in c["svg"]
        assert c["table"]["columns"] and c["table"]["rows"]


def test_methods_text_uses_parameters(frames: dict[str, pd.DataFrame]) -> None:
    res = full_evaluation(
        frames,
        {
            "data_end_date": END,
            "follow_up_months": 24,
            "waiting_months": 3,
            "caliper": 0.1,
            "replacement": True,
            "cohorts": ["completers"],
            "charts": False,
        },
    )
    text = " ".join(res["methods"])
    assert "24 months" in text and "further 3 months" in text
    assert "0.1 standard deviations" in text and "with replacement" in text
    assert "completed the programme" in text and "intention to treat" not in text
    assert res["cohorts"]["completers"]["rates"]["comparison_weighted"] is True


def test_too_small_warning() -> None:
    small = synthetic_frames(300, seed=9, sessions=False)
    res = full_evaluation(small, {"data_end_date": END, "cohorts": ["completers"], "charts": False})
    warnings = res["cohorts"]["completers"]["warnings"]
    assert any("fewer than 60" in w and "too small" in w for w in warnings)
    assert any("too small" in p for p in res["methods"])
    assert set(res["not_available"]) == {"sessions", "victims", "measures", "costs"}


def _person(pid: str, index: str, **kw: object) -> dict:
    row = {
        "person_id": pid,
        "index_date": index,
        "considered": True,
        "put_forward": True,
        "consented": True,
        "started": True,
        "completed": False,
    }
    row.update(kw)
    return row


def test_follow_up_window_and_waiting_period() -> None:
    people = prepare_people(
        pd.DataFrame(
            [
                _person("a", "2024-01-01"),  # offence in window, proven within the wait: counts
                _person("b", "2024-01-01"),  # offence in window, proven after the wait: no
                _person("c", "2024-01-01"),  # offence after the window: no
                _person("d", "2024-01-01"),  # offence on the index date: no (strictly after)
                _person("e", "2025-01-01"),  # not enough follow-up by the data end date
                _person("f", "2024-01-01", exit_date="2024-06-01"),  # left: censored
            ]
        )
    )
    outcomes, unknown = prepare_outcomes(
        pd.DataFrame(
            {
                "person_id": ["a", "a", "b", "c", "d", "e", "zz"],
                "offence_date": [
                    "2024-03-01",
                    "2024-12-31",
                    "2024-06-01",
                    "2025-01-02",
                    "2024-01-01",
                    "2025-02-01",
                    "2024-01-05",
                ],
                "proven_date": [
                    "2025-06-30",
                    "2025-01-15",
                    "2025-07-02",
                    "2025-02-01",
                    "2024-02-01",
                    None,
                    "2024-02-01",
                ],
            }
        ),
        people,
    )
    assert unknown == 1
    fu = follow_up(people, outcomes, EvaluationParams(data_end_date=dt.date(2025, 9, 1)))
    fu.index = people["person_id"]
    assert fu.loc["a", "reoffended"] and fu.loc["a", "reoffences"] == 2
    assert fu.loc["a", "event"] == 1 and fu.loc["a", "time"] == 60  # 1 Jan -> 1 Mar 2024
    assert (
        not fu.loc["b", "reoffended"]
        and not fu.loc["c", "reoffended"]
        and not fu.loc["d", "reoffended"]
    )
    assert fu.loc[["a", "b", "c", "d"], "full_follow_up"].all()
    assert fu.loc["b", "event"] == 0 and fu.loc["b", "time"] == 366  # censored at the window end
    assert not fu.loc["e", "full_follow_up"]
    # e: follow-up to 1 Mar 2025 (data end minus the 6-month wait): 59 days
    assert fu.loc["e", "time"] == 59 and fu.loc["e", "event"] == 0
    assert not fu.loc["f", "full_follow_up"] and fu.loc["f", "time"] == 152


def test_input_errors_name_row_and_column() -> None:
    good = [_person("p1", "2024-01-01"), _person("p2", "2024-02-01")]
    with pytest.raises(EngineInputError) as e:
        prepare_people(
            pd.DataFrame([*good, _person("p3", "2024-01-01", started=False, completed=True)])
        )
    assert e.value.row == "p3" and e.value.column == "started"
    with pytest.raises(EngineInputError) as e:
        prepare_people(pd.DataFrame([*good, _person("p3", "not a date")]))
    assert e.value.row == "p3" and e.value.column == "index_date"
    assert "'not a date' is not a date" in str(e.value)
    with pytest.raises(EngineInputError) as e:
        prepare_people(pd.DataFrame([*good, _person("p1", "2024-01-01")]))
    assert e.value.column == "person_id"
    with pytest.raises(EngineInputError) as e:
        prepare_people(pd.DataFrame(good).drop(columns=["consented"]))
    assert e.value.column == "consented"
    with pytest.raises(EngineInputError):
        full_evaluation({"people": None})


def test_comparison_pool_never_contains_treated() -> None:
    from desist.evaluation.engine.cohorts import comparison_mask, treated_mask

    people = prepare_people(synthetic_frames(500, seed=1, sessions=False)["people"])
    for cohort in ("itt", "starters", "completers"):
        for comparison in ("not_put_forward", "declined", "both"):
            assert not (
                treated_mask(people, cohort) & comparison_mask(people, cohort, comparison)
            ).any()
    # decliners are comparators for starters but never for intention to treat
    assert comparison_mask(people, "starters", "declined").sum() == people["declined"].sum()
    assert comparison_mask(people, "itt", "declined").sum() == 0


def test_evaluate_cohort_small_group_warning() -> None:
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {"t": rng.exponential(10, 100), "e": rng.integers(0, 2, 100), "g": ["a"] * 50 + ["b"] * 50}
    )
    res = evaluate_cohort(df, "t", "e", "g")
    assert len(res["warnings"]) >= 2 and all("fewer than 60" in w for w in res["warnings"][:2])
    assert [c["covariate"] for c in res["cox"]["coefficients"]] == ["g[b]"]
    assert set(res["kaplan_meier"]) == {"a", "b"}
