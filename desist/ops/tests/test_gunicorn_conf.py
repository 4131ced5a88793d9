"""config/gunicorn.conf.py empties an operator's PROMETHEUS_MULTIPROC_DIR of the previous run's
samples only, never anything else kept there."""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

from desist.ops.tests.production_env import ROOT


def test_start_removes_only_old_samples(tmp_path: Path, monkeypatch: Any) -> None:
    shared = tmp_path / "metrics"
    (shared / "keep").mkdir(parents=True)
    (shared / "counter_123.db").write_bytes(b"old samples")
    (shared / "histogram_456.db").write_bytes(b"old samples")
    (shared / "notes.txt").write_text("the operator's")
    (shared / "keep" / "other.db").write_text("not ours to judge")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(shared))
    monkeypatch.setenv("DESIST_ENV", "test")
    config = runpy.run_path(str(ROOT / "config" / "gunicorn.conf.py"))
    config["on_starting"](None)
    left = sorted(str(p.relative_to(shared)) for p in shared.rglob("*"))
    assert left == ["keep", "keep/other.db", "notes.txt"]
