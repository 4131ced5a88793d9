"""No definition is repeated between orders and programme (issue 13): what both need (the
workflow engine, form helpers, dates) lives once in core. A module-level function or class
defined under both desist/orders and desist/programme is a copy."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

DESIST = Path(__file__).resolve().parents[2] / "desist"
APPS = ("orders", "programme")
# Names the framework asks every app to define.
FRAMEWORK = {"Meta", "Migration", "Command", "Config", "urlpatterns", "app_name"}
# Known repeats, each with its reason (none today; a stale entry fails below).
KNOWN: set[str] = set()


def definitions(app_dir: Path) -> dict[str, list[str]]:
    """Module-level function and class names -> the files that define them (tests and
    migrations aside)."""
    found: dict[str, list[str]] = defaultdict(list)
    for path in sorted(app_dir.rglob("*.py")):
        parts = path.relative_to(app_dir).parts
        if "tests" in parts or "migrations" in parts:
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            named = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            if named and node.name not in FRAMEWORK and not node.name.endswith("Config"):
                found[node.name].append(str(path.relative_to(app_dir.parent.parent)))
    return found


def repeated(root: Path = DESIST) -> list[str]:
    first, second = (definitions(root / app) for app in APPS)
    return [
        f"{name}: {', '.join(first[name] + second[name])}"
        for name in sorted(set(first) & set(second))
    ]


def test_no_definition_is_repeated_between_orders_and_programme() -> None:
    found = [line for line in repeated() if line.split(":")[0] not in KNOWN]
    assert not found, (
        "Defined in both orders and programme (move the shared one to desist/core, or name "
        "the two for what differs):\n" + "\n".join(found)
    )


def test_the_known_list_has_no_stale_entries() -> None:
    stale = KNOWN - {line.split(":")[0] for line in repeated()}
    assert not stale, f"No longer repeated, remove from KNOWN: {sorted(stale)}"


def test_the_finder_sees_a_repeated_function_but_not_tests(tmp_path: Path) -> None:
    root = tmp_path / "desist"
    for app in APPS:
        (root / app / "tests").mkdir(parents=True)
        (root / app / "helpers.py").write_text(
            f"def _today():\n    pass\n\nclass {app}X:\n    pass\n"
        )
        (root / app / "tests" / "test_x.py").write_text("def test_same():\n    pass\n")
        (root / app / "apps.py").write_text(f"class {app.title()}Config:\n    pass\n")
    assert repeated(root) == ["_today: desist/orders/helpers.py, desist/programme/helpers.py"]
