"""The floors, checked on the project's own import graph (ADR 0018, docs/architecture.md).

Builds the graph of every non-test, non-migration module of `desist` with grimp (function-local
imports included: grimp reads every import statement), folds it into app -> app edges and
fails on
- any cycle between apps, and
- any import from a lower floor to a higher one (or sideways, between apps of one floor) that is
  not on ALLOWED_UPWARD,
printing the module pairs that make each offending edge. Imports under `if TYPE_CHECKING:` are
left out: they name a type (`actor: User`) and never run. `.importlinter`'s `floors` contract
states the same order for `lint-imports`; a test below keeps the two lists equal.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import grimp
import pytest
from importlinter import configuration
from importlinter.application.use_cases import read_user_options
from importlinter.contracts.layers import LayersContract

ROOT = Path(__file__).resolve().parents[2]
configuration.configure()  # import-linter's settings, as its CLI sets them

# Highest first; apps on one floor must not import each other either.
FLOORS: list[tuple[str, ...]] = [
    ("demo", "cli", "ops", "api"),
    ("jobs",),
    ("evaluation", "navigation", "imports", "events", "reviews", "transfers"),
    ("programme",),
    ("orders",),
    ("safeguarding",),
    ("risk",),
    ("cases",),
    ("people",),
    ("tasks",),
    ("documents",),
    ("sharing",),
    ("home", "retention", "sar"),
    ("accounts",),
    ("audit",),
    ("policy",),
    ("core",),
]

# (importer module, imported module) -> why this upward import is allowed. Empty: every
# upward need is a registration. An entry here must say why and must still exist.
ALLOWED_UPWARD: dict[tuple[str, str], str] = {}

Edges = dict[tuple[str, str], list[tuple[str, str]]]


def _is_floor_code(module: str) -> bool:
    parts = module.split(".")
    return "tests" not in parts and "migrations" not in parts


def app_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def app_edges(root: str) -> Edges:
    """app -> app edges of `root`'s floor code, each with the module pairs behind it."""
    graph = grimp.build_graph(root, cache_dir=None, exclude_type_checking_imports=True)
    edges: Edges = defaultdict(list)
    for module in sorted(graph.modules):
        if module == root or not _is_floor_code(module):
            continue
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported == root or not _is_floor_code(imported):
                continue
            a, b = app_of(module), app_of(imported)
            if a != b:
                edges[(a, b)].append((module, imported))
    return edges


def cycles(edges: Edges) -> list[list[str]]:
    """Groups of apps that import each other, directly or round a loop (Tarjan's SCCs)."""
    succ: dict[str, set[str]] = defaultdict(set)
    for a, b in edges:
        succ[a].add(b)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(succ[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(succ):
        if v not in index:
            visit(v)
    return found


def upward(edges: Edges, floors: list[tuple[str, ...]]) -> list[str]:
    """Each import from an app to one on its own floor or above, not on ALLOWED_UPWARD."""
    height = {app: -i for i, floor in enumerate(floors) for app in floor}
    bad = []
    for (a, b), pairs in sorted(edges.items()):
        if a not in height or b not in height:
            bad += [f"{m} -> {i}  (app not on any floor)" for m, i in pairs]
        elif height[b] >= height[a]:
            bad += [f"{m} -> {i}" for m, i in pairs if (m, i) not in ALLOWED_UPWARD]
    return bad


def _pairs_in(edges: Edges, group: list[str]) -> list[str]:
    """The imports that close the loop: those inside the group that go up a floor (all of the
    group's imports if none does)."""
    inside = {edge: ps for edge, ps in edges.items() if set(edge) <= set(group)}
    up = upward(inside, FLOORS)
    return up or [f"{m} -> {i}" for ps in inside.values() for m, i in ps]


@pytest.fixture(scope="module")
def edges() -> Edges:
    return app_edges("desist")


def test_no_cycle_between_apps(edges: Edges) -> None:
    found = cycles(edges)
    assert not found, "Apps import each other round a loop:\n" + "\n".join(
        f"{' <-> '.join(group)}:\n  " + "\n  ".join(_pairs_in(edges, group)) for group in found
    )


def test_no_import_reaches_up_a_floor(edges: Edges) -> None:
    bad = upward(edges, FLOORS)
    assert not bad, (
        "Imports run downward only. Register with the lower floor in AppConfig.ready() instead "
        "(ADR 0018), or (with a reason) add the pair to ALLOWED_UPWARD:\n" + "\n".join(bad)
    )


def test_the_allow_list_has_no_stale_entries(edges: Edges) -> None:
    present = {pair for pairs in edges.values() for pair in pairs}
    assert set(ALLOWED_UPWARD) <= present
    assert all(len(reason.split()) >= 5 for reason in ALLOWED_UPWARD.values())


def test_every_app_is_on_a_floor(edges: Edges) -> None:
    apps = {app for edge in edges for app in edge}
    assert apps <= {app for floor in FLOORS for app in floor}


def _floors_contract() -> tuple[dict[str, Any], dict[str, Any]]:
    options = read_user_options(str(ROOT / ".importlinter"))
    [contract] = [c for c in options.contracts_options if c["id"] == "floors"]
    return options.session_options, contract


def test_the_importlinter_floors_contract_is_kept() -> None:
    session, contract = _floors_contract()
    check = LayersContract(
        name=contract["name"], session_options=session, contract_options=contract
    ).check(grimp.build_graph("desist", cache_dir=None), verbose=False)
    assert check.kept, check.metadata


def test_the_importlinter_floors_contract_lists_the_same_floors() -> None:
    _, contract = _floors_contract()
    layers: Any = contract["layers"]
    listed = [
        tuple(m.strip().removeprefix("desist.") for m in layer.replace(":", "|").split("|"))
        for layer in layers
    ]
    assert listed == FLOORS


# --- the test can fail: a package built to break the floors ---------------------------------

FIXTURE = {
    "__init__.py": "",
    "core/__init__.py": "",
    "core/models.py": "",
    "sharing/__init__.py": "",
    "sharing/port.py": "from {root}.core import models\n",
    "orders/__init__.py": "",
    "orders/models.py": "from {root}.sharing import port\n",
    "orders/tests/__init__.py": "",
    # Tests may import anything.
    "orders/tests/test_x.py": "",
    "sharing/tests/__init__.py": "",
    "sharing/tests/test_x.py": "from {root}.orders import models\n",
}
FIXTURE_FLOORS = [("orders",), ("sharing",), ("core",)]


def _fixture(tmp_path: Path, monkeypatch: Any, root: str, extra: dict[str, str]) -> Edges:
    for name, text in {**FIXTURE, **extra}.items():
        path = tmp_path / root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.format(root=root))
    monkeypatch.syspath_prepend(str(tmp_path))
    return app_edges(root)


def test_a_clean_fixture_passes(tmp_path: Path, monkeypatch: Any) -> None:
    edges = _fixture(tmp_path, monkeypatch, "floorsclean", {})
    assert cycles(edges) == [] and upward(edges, FIXTURE_FLOORS) == []


def test_a_function_local_upward_import_fails(tmp_path: Path, monkeypatch: Any) -> None:
    root = "floorsup"
    extra = {"sharing/port.py": "def scan():\n    from {root}.orders import models\n"}
    edges = _fixture(tmp_path, monkeypatch, root, extra)
    assert upward(edges, FIXTURE_FLOORS) == [f"{root}.sharing.port -> {root}.orders.models"]
    assert cycles(edges) == [["orders", "sharing"]]


def test_a_type_checking_import_is_not_an_edge(tmp_path: Path, monkeypatch: Any) -> None:
    text = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from {root}.orders import models\n"
    edges = _fixture(tmp_path, monkeypatch, "floorstyped", {"sharing/port.py": text})
    assert upward(edges, FIXTURE_FLOORS) == []
