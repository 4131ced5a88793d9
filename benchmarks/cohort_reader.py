"""Time the strict cohort reader against plain ``pandas.read_csv`` on the same file.

    .venv/bin/python benchmarks/cohort_reader.py [--rows N] [--repeat R]

Writes a synthetic cohort (time, event, group, four numeric covariates, one categorical) as
CSV with LF, CRLF and CR line endings, then reports the median of R runs of
``pandas.read_csv(path)`` (type inference, no checks) and of
``cohortfile.read_cohort_file`` (encoding, dialect, field counts, strict numbers, missing
values), and their ratio. Figures, not assertions: the machine is shared.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from desist.evaluation.engine.cohortfile import read_cohort_file

COVARIATES = ["age", "prio", "score", "weeks_employed", "race"]


def _write(path: Path, rows: int, newline: str) -> None:
    rng = np.random.default_rng(14)
    frame = pd.DataFrame(
        {
            "week": rng.integers(1, 53, rows),
            "arrest": rng.integers(0, 2, rows),
            "fin": rng.integers(0, 2, rows),
            "age": rng.integers(17, 60, rows),
            "prio": rng.integers(0, 12, rows),
            "score": rng.normal(size=rows).round(4),
            "weeks_employed": rng.integers(0, 53, rows),
            "race": rng.choice(["white", "black", "asian", "mixed"], rows),
        }
    )
    frame.to_csv(path, index=False, lineterminator=newline)


def _median(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print(f"{args.rows:,} rows, 8 columns, median of {args.repeat} runs")
        print(f"{'line ends':<10} {'pandas.read_csv':>16} {'strict reader':>14} {'ratio':>6}")
        for name, newline in (("LF", "\n"), ("CRLF", "\r\n"), ("CR", "\r")):
            path = Path(tmp) / f"cohort_{name}.csv"
            _write(path, args.rows, newline)
            # pandas cannot read CR-only files without help; give it what it needs to be fair.
            plain = {"lineterminator": "\r"} if name == "CR" else {}
            base = _median(partial(pd.read_csv, path, **plain), args.repeat)
            strict = _median(
                partial(read_cohort_file, path, "week", "arrest", "fin", COVARIATES), args.repeat
            )
            print(f"{name:<10} {base:>15.3f}s {strict:>13.3f}s {strict / base:>6.2f}")


if __name__ == "__main__":
    main()
