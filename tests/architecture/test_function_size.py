"""No function in the project's own code (desist/**, not tests, not migrations) is longer than
80 lines, counted from its `def` line to its last line inclusive (docs/architecture.md,
"Functions stay under ~80 lines"). Complexity is ruff's C901 (max 15) in pyproject.toml; this
test covers length, which ruff measures only as statements (PLR0915)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.architecture.local_imports import PACKAGE, module_name

MAX_LINES = 80


def _source_files() -> list[Path]:
    files = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        if "tests" in parts or "migrations" in parts:
            continue
        files.append(path)
    return files


def long_functions(files: list[Path], limit: int = MAX_LINES) -> list[str]:
    """'module:qualified.name (N lines)' for each function longer than `limit` lines."""
    found: list[str] = []
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        found.extend(_long_in(tree, module_name(path), limit))
    return found


def _long_in(tree: ast.AST, module: str, limit: int, scope: tuple[str, ...] = ()) -> list[str]:
    found: list[str] = []
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.ClassDef):
            found.extend(_long_in(node, module, limit, (*scope, node.name)))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            name = (*scope, node.name)
            lines = (node.end_lineno or node.lineno) - node.lineno + 1
            if lines > limit:
                found.append(f"{module}:{'.'.join(name)} ({lines} lines)")
            found.extend(_long_in(node, module, limit, name))
        else:
            found.extend(_long_in(node, module, limit, scope))
    return found


def test_no_app_function_is_longer_than_80_lines() -> None:
    offenders = long_functions(_source_files())
    assert not offenders, (
        f"Functions over {MAX_LINES} lines (def line to last line); split each into "
        "well-named steps (not nested functions):\n" + "\n".join(offenders)
    )


def test_the_measure_counts_def_line_to_last_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The measure must catch a function (or method) one line over the limit and pass one at it.
    from tests.architecture import local_imports

    pkg = tmp_path / "desist" / "app"
    pkg.mkdir(parents=True)
    body_at = "\n".join(["    x = 1"] * (MAX_LINES - 1))
    body_over = "\n".join(["        x = 1"] * MAX_LINES)
    mod = pkg / "mod.py"
    mod.write_text(f"def at_limit():\n{body_at}\n\nclass C:\n    def over(self):\n{body_over}\n")
    monkeypatch.setattr(local_imports, "ROOT", tmp_path)
    assert long_functions([mod]) == [f"desist.app.mod:C.over ({MAX_LINES + 1} lines)"]
