"""Measure what a fresh web worker costs at start: peak memory (max RSS) and start time.

    .venv/bin/python benchmarks/worker_memory.py            # 5 fresh interpreters, median
    .venv/bin/python benchmarks/worker_memory.py --runs 9

Each run is a new Python process that does what a gunicorn worker does before its first
request: import config.wsgi (django.setup and the middleware), load the root URLconf and every
view it names. It prints the process's max RSS, the start time and which of the evaluation
engine's libraries (pandas, scipy, scikit-learn, matplotlib, lifelines, numpy) it loaded.
Figures in docs/performance.md ("A web worker's memory").
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIBRARIES = ("pandas", "scipy", "sklearn", "matplotlib", "lifelines", "numpy")

START = """
import json, resource, sys, time
t0 = time.perf_counter()
import config.wsgi
from django.urls import get_resolver
get_resolver().reverse_dict
print(json.dumps({
    "seconds": time.perf_counter() - t0,
    "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    "loaded": sorted(m for m in sys.argv[1:] if m in sys.modules),
}))
"""


def one_start() -> dict[str, object]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONPATH": str(ROOT)}
    env.setdefault("DESIST_ENV", "test")
    out = subprocess.run(  # noqa: S603 (this checkout's own interpreter and code)
        [sys.executable, "-c", START, *LIBRARIES],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    result: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    runs = [one_start() for _ in range(args.runs)]
    rss = statistics.median(float(str(r["maxrss_kb"])) for r in runs) / 1024
    seconds = statistics.median(float(str(r["seconds"])) for r in runs)
    print(f"fresh worker, {args.runs} runs: max RSS median {rss:.0f} MB, start {seconds:.2f} s")
    print(f"engine libraries loaded: {', '.join(runs[0]['loaded']) or 'none'}")  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
