"""The evaluation engine is plain Python over data frames: no Django anywhere inside it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[1] / "engine"


def test_no_module_in_the_engine_imports_django_or_the_app() -> None:
    files = sorted(ENGINE.rglob("*.py"))
    assert len(files) >= 10
    offenders = []
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                inside = name.startswith("desist.evaluation.engine")
                if name.split(".")[0] == "django" or (name.startswith("desist") and not inside):
                    offenders.append(f"{path.name}:{node.lineno} imports {name}")
    assert offenders == []


def test_engine_imports_without_django_configured() -> None:
    code = (
        "import sys; import desist.evaluation.engine.report, desist.evaluation.engine.cohortfile; "
        "assert 'django' not in sys.modules, sorted(m for m in sys.modules if m.startswith('django'))"
    )
    env = {"PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg"}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
