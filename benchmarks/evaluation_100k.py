"""Time the full programme evaluation for 100,000 synthetic people.

    .venv/bin/python benchmarks/evaluation_100k.py [--people 100000] [--seed 0] [--no-charts]

The data come from ``desist.evaluation.engine.synthetic.synthetic_frames``: covariates drive
who is put forward (so matching has work to do) and starters re-offend at 0.7 times the hazard
they would otherwise have (the "synthetic effect"; put-forward non-starters get none). The script
times the whole of ``full_evaluation`` (follow-up, funnel, for each of the three cohorts
propensity matching + rates + Kaplan-Meier + log-rank + Cox, sessions, victims' ratings,
measures, costs, charts, methods text) and prints the time of each step and the starters' hazard
ratio so the run can be checked against the built-in effect. No Django is needed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from desist.evaluation.engine.report import full_evaluation  # noqa: E402
from desist.evaluation.engine.synthetic import synthetic_frames  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-charts", action="store_true")
    args = parser.parse_args()

    t0 = time.perf_counter()
    frames = synthetic_frames(args.people, seed=args.seed)
    generated = time.perf_counter() - t0
    sizes = ", ".join(f"{name} {len(df):,}" for name, df in frames.items())
    print(f"Generated {sizes} rows in {generated:.1f} s")

    last = [time.perf_counter()]
    steps: list[tuple[str, float]] = []

    def progress(done: int, total: int, label: str) -> None:
        now = time.perf_counter()
        steps.append((label, now - last[0]))
        last[0] = now

    t1 = time.perf_counter()
    last[0] = t1
    result = full_evaluation(
        frames,
        {"data_end_date": dt.date(2026, 1, 1), "charts": not args.no_charts},
        progress=progress,
    )
    elapsed = time.perf_counter() - t1
    for label, seconds in steps:
        print(f"  {label:<32} {seconds:6.2f} s")
    st = result["cohorts"]["starters"]
    hr = next(c for c in st["survival"]["cox"]["coefficients"] if c["covariate"] == "programme")
    print(
        f"Starters: {st['matching']['n_treated_matched']:,} matched; hazard ratio "
        f"{hr['hazard_ratio']:.3f} (95% CI {hr['ci_lower']:.3f} to {hr['ci_upper']:.3f}); "
        "built-in effect 0.7"
    )
    print(f"Full evaluation of {args.people:,} people: {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
