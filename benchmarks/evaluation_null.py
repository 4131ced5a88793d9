"""Null simulation: matching with replacement, no programme effect. Are the tests honest?

    .venv/bin/python benchmarks/evaluation_null.py [--replicates 500] [--people 2500] [--seed 0]

Each replicate draws synthetic people (``synthetic_frames`` with ``effect=1.0``: starting the
programme changes nothing) and runs ``full_evaluation`` for the starters against those who
declined, matched 1:1 WITH replacement. Starters outnumber decliners about three to one, so
comparators are re-used heavily: the case where counting weights as people went wrong (issue
14: 17% rejection). Prints, over the replicates, how often each test rejects at 5% (target 3.5%
to 6.5%) and how often each 95% interval covers the truth (target 93% to 97%): the difference
in re-offending rates (truth 0) and the programme's Cox hazard ratio (truth 1). For contrast it
also prints the rejection rate of the old pooled z test, which counts the weights as people.
Not run by ``make test``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from desist.evaluation.engine.rates import two_proportion_z_test  # noqa: E402
from desist.evaluation.engine.report import full_evaluation  # noqa: E402
from desist.evaluation.engine.synthetic import synthetic_frames  # noqa: E402

PARAMS = {
    "data_end_date": dt.date(2024, 6, 30),
    "cohorts": ("starters",),
    "comparison": "declined",
    "replacement": True,
    "ratio": 1,
    "charts": False,
    "min_cohort": 1,
}


def one_replicate(seed: int, people: int) -> dict[str, Any] | None:
    frames = synthetic_frames(people, seed=seed, effect=1.0, sessions=False)
    res = full_evaluation(frames, PARAMS)["cohorts"]["starters"]
    rates, surv = res["rates"], res["survival"]
    if not rates or not surv or not surv["cox"] or rates["difference"]["p"] is None:
        return None
    diff = rates["difference"]
    hr = next(c for c in surv["cox"]["coefficients"] if c["covariate"] == "programme")
    pt, pc = rates["programme"], rates["comparison"]
    _, naive_p = two_proportion_z_test(pt["events"], pt["n"], pc["events"], pc["n"])
    return {
        "rate_p": diff["p"],
        "rate_covers": diff["ci_lower"] <= 0 <= diff["ci_upper"],
        "score_p": surv["logrank"]["p"],
        "cox_p": hr["p"],
        "hr_covers": hr["ci_lower"] <= 1 <= hr["ci_upper"],
        "naive_rate_p": naive_p,
        "treated": pt["n"],
        "comparators": res["matching"]["n_comparators_used"],
    }


def _share(rows: list[dict[str, Any]], test: Any) -> tuple[float, float]:
    k = sum(1 for r in rows if test(r))
    p = k / len(rows)
    return p, 1.96 * math.sqrt(p * (1 - p) / len(rows))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=500)
    parser.add_argument("--people", type=int, default=2500)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    started = time.perf_counter()
    rows = []
    for r in range(args.replicates):
        row = one_replicate(args.seed * 100_000 + r, args.people)
        if row is not None:
            rows.append(row)
        if (r + 1) % 50 == 0:
            print(f"  {r + 1} replicates, {time.perf_counter() - started:.0f} s", flush=True)
    if not rows:
        print("No replicate gave a result.")
        return 1
    treated = sum(r["treated"] for r in rows) / len(rows)
    used = sum(r["comparators"] for r in rows) / len(rows)
    print(
        f"{len(rows)} of {args.replicates} replicates analysed; on average {treated:.0f} starters "
        f"with full follow-up, matched to {used:.0f} distinct decliners (with replacement)."
    )
    lines = [
        ("rejection, rate difference (robust z test)", lambda r: r["rate_p"] < 0.05, "3.5-6.5%"),
        ("rejection, robust score test (log-rank)", lambda r: r["score_p"] < 0.05, "3.5-6.5%"),
        ("rejection, Cox robust Wald (programme)", lambda r: r["cox_p"] < 0.05, "3.5-6.5%"),
        ("coverage, 95% CI of the rate difference", lambda r: r["rate_covers"], "93-97%"),
        ("coverage, 95% CI of the hazard ratio", lambda r: r["hr_covers"], "93-97%"),
        ("rejection, OLD pooled z (weights as people)", lambda r: r["naive_rate_p"] < 0.05, "-"),
    ]
    for name, test, target in lines:
        p, half = _share(rows, test)
        print(f"  {name:<46} {100 * p:5.1f}%  (+/- {100 * half:.1f})  target {target}")
    print(f"Elapsed {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
