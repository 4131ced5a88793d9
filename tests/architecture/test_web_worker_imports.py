"""A web worker does not load the evaluation engine's scientific stack (issue 21).

pandas, scipy, scikit-learn, matplotlib and lifelines cost a gunicorn worker about 230 MB of
memory, and only the evaluation run (a background task), the dashboards' alert timeliness and
the report pages use them. A fresh interpreter that does what a worker does at start (import
config.wsgi, load the root URLconf and every view it names) must not import them; the modules
that run the engine import it inside the function that runs it (listed in
tests/architecture/local_imports_allowlist.py). Figures: docs/performance.md.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("pandas", "scipy", "sklearn", "matplotlib", "lifelines")

WORKER_START = """
import json, resource, sys
import config.wsgi
from django.urls import get_resolver, resolve
resolver = get_resolver()
resolver.url_patterns
resolver.reverse_dict  # walks every include, as the first request does
resolve("/")
print(json.dumps({
    "loaded": sorted(m for m in sys.argv[1:] if m in sys.modules),
    "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
}))
"""


def worker_start() -> dict[str, object]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.setdefault("DESIST_ENV", "test")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, "-c", WORKER_START, *HEAVY],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_a_fresh_web_worker_does_not_import_the_scientific_stack() -> None:
    result = worker_start()
    assert result["loaded"] == [], (
        f"a web worker imported {result['loaded']} at start; import the evaluation engine "
        "inside the function that runs it"
    )
