"""The import-graph contracts in .importlinter, checked by import-linter on the real graph (with
function-local imports, which grimp reads too), and shown to fail on a fixture package built to
break the victim wall.

- victim-wall: nothing the provider side runs (desist.programme and everything it imports,
  transitively) imports desist.safeguarding.models or desist.safeguarding.selectors. No
  ignores.
- floor-core-policy, floor-audit-accounts: the lower floors import no domain app.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import grimp
import pytest
from importlinter import configuration
from importlinter.application.use_cases import read_user_options
from importlinter.contracts.forbidden import ForbiddenContract
from importlinter.domain.fields import ModuleExpressionField
from importlinter.domain.helpers import module_expressions_to_modules

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / ".importlinter"
configuration.configure()  # import-linter's settings (file system, timer), as its CLI does
CONTRACT_IDS = ["victim-wall", "floor-core-policy", "floor-audit-accounts"]


def _options() -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    options = read_user_options(str(CONFIG))
    return options.session_options, {c["id"]: c for c in options.contracts_options}


def _graph() -> grimp.ImportGraph:
    # Fresh each time: a contract's check removes its ignored imports from the graph it gets.
    return grimp.build_graph("desist", cache_dir=None)


def _contract(contract_id: str, rename: tuple[str, str] | None = None) -> ForbiddenContract:
    session, contracts = _options()
    options = dict(contracts[contract_id])
    if rename:  # the same contract, pointed at a fixture package
        old, new = rename
        for key in ("source_modules", "forbidden_modules", "ignore_imports"):
            options[key] = [m.replace(old, new) for m in options.get(key, [])]
        session = {**session, "root_packages": [new]}
    assert options["type"] == "forbidden"
    return ForbiddenContract(
        name=options["name"], session_options=session, contract_options=options
    )


def _broken_chains(contract: ForbiddenContract, graph: grimp.ImportGraph) -> list[str]:
    check = contract.check(graph, verbose=False)
    chains = [
        " -> ".join([chain[0]["importer"], *(link["imported"] for link in chain)])
        for found in check.metadata["invalid_chains"]
        for chain in found["chains"]
    ]
    assert check.kept == (not chains)
    return chains


def test_the_configuration_holds_exactly_these_contracts() -> None:
    _, contracts = _options()
    # "floors" (a layers contract) is checked in test_import_graph.py.
    assert sorted(contracts) == sorted([*CONTRACT_IDS, "floors"])
    # The wall holds by construction or not at all: no ignored imports, indirect ones count.
    wall = contracts["victim-wall"]
    assert not wall.get("ignore_imports")
    assert str(wall.get("allow_indirect_imports", "False")).lower() == "false"


@pytest.mark.parametrize("contract_id", CONTRACT_IDS)
def test_contract_is_kept(contract_id: str) -> None:
    chains = _broken_chains(_contract(contract_id), _graph())
    assert not chains, "\n".join(chains)


@pytest.mark.parametrize(
    ("contract_id", "packages"),
    [
        ("victim-wall", ["desist.programme"]),
        ("floor-core-policy", ["desist.core", "desist.policy"]),
        ("floor-audit-accounts", ["desist.audit", "desist.accounts"]),
    ],
)
def test_source_wildcards_cover_every_module_but_tests(
    contract_id: str, packages: list[str]
) -> None:
    # The contracts list their sources with wildcards that stop short of `tests` packages; a
    # new subpackage (say desist.programme.api) must be added, or it would escape the check.
    graph = _graph()
    _, contracts = _options()
    sources = [ModuleExpressionField().parse(e) for e in contracts[contract_id]["source_modules"]]
    covered = {m.name for m in module_expressions_to_modules(graph, sources)}
    wanted = {
        m
        for m in graph.modules
        if any(m == p or m.startswith(p + ".") for p in packages) and ".tests" not in m
    }
    assert wanted - covered == set()


# --- the contract can fail: a package built to break it ------------------------------------

FIXTURE = {
    "__init__.py": "",
    "core/__init__.py": "",
    "core/models.py": "",
    # The debt the floor contracts ignore (issue 13), so that their ignores match.
    "policy.py": "def grants():\n    from {root}.sharing import clock, models\n",
    "safeguarding/__init__.py": "",
    "safeguarding/models.py": "from {root}.core import models\n",
    "safeguarding/selectors.py": "from {root}.safeguarding import models\n",
    "safeguarding/bridge.py": "from {root}.safeguarding import models\n",
    "sharing/__init__.py": "",
    "sharing/redaction.py": "",
    "sharing/clock.py": "",
    "sharing/models.py": "",
    "programme/__init__.py": "",
    "programme/management/__init__.py": "",
    "programme/management/commands/__init__.py": "",
    "programme/migrations/__init__.py": "",
    "programme/templatetags/__init__.py": "",
    "programme/services.py": "from {root}.sharing import redaction\n",
    "programme/views.py": "from {root}.programme import services\n",
    # Tests may import anything: they are not provider code.
    "programme/tests/__init__.py": "",
    "programme/tests/test_x.py": "from {root}.safeguarding import models\n",
}


# Every app a floor contract forbids must exist in the fixture too.
FIXTURE |= {f"{app}/__init__.py": "" for app in ("people", "cases", "orders", "risk")}
FIXTURE |= {f"{app}/__init__.py": "" for app in ("evaluation", "home", "retention", "sar", "demo")}
FIXTURE |= {"documents/__init__.py": "", "tasks/__init__.py": "", "reviews/__init__.py": ""}
FIXTURE |= {"navigation.py": "", "cli.py": "", "audit/__init__.py": "", "accounts/__init__.py": ""}


def _build_fixture(tmp_path: Path, root: str, extra: dict[str, str]) -> grimp.ImportGraph:
    for name, text in {**FIXTURE, **extra}.items():
        path = tmp_path / root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.format(root=root))
    return grimp.build_graph(root, cache_dir=None)


def test_the_wall_contract_passes_on_a_clean_fixture(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = _build_fixture(tmp_path, "wallfixture_clean", {})
    contract = _contract("victim-wall", rename=("desist", "wallfixture_clean"))
    assert _broken_chains(contract, graph) == []


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (  # the bridge reaching into safeguarding: programme -> sharing -> safeguarding
            {"sharing/redaction.py": "from {root}.safeguarding import selectors\n"},
            "{root}.programme.services -> {root}.sharing.redaction -> "
            "{root}.safeguarding.selectors",
        ),
        (  # a function-local import counts as much as one at the top
            {
                "sharing/redaction.py": (
                    "def words(subject):\n"
                    "    from {root}.safeguarding.models import Victim\n"
                    "    return Victim\n"
                )
            },
            "{root}.programme.services -> {root}.sharing.redaction -> {root}.safeguarding.models",
        ),
        (  # a template tag module of the provider side
            {"programme/templatetags/tags.py": "import {root}.safeguarding.models\n"},
            "{root}.programme.templatetags.tags -> {root}.safeguarding.models",
        ),
    ],
)
def test_the_wall_contract_fails_on_a_deliberately_broken_fixture(
    tmp_path: Path, monkeypatch: Any, extra: dict[str, str], expected: str
) -> None:
    root = f"wallfixture_{abs(hash(expected)) % 10**8}"
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = _build_fixture(tmp_path, root, extra)
    contract = _contract("victim-wall", rename=("desist", root))
    assert expected.format(root=root) in _broken_chains(contract, graph)


@pytest.mark.parametrize(
    ("contract_id", "extra", "expected"),
    [
        (
            "floor-core-policy",
            {"core/models.py": "from {root}.sharing import redaction\n"},
            "{root}.core.models -> {root}.sharing.redaction",
        ),
        (
            "floor-core-policy",
            {"policy.py": FIXTURE["policy.py"] + "from {root}.programme import views\n"},
            "{root}.policy -> {root}.programme.views",
        ),
    ],
)
def test_the_floor_contracts_fail_on_a_deliberately_broken_fixture(
    tmp_path: Path, monkeypatch: Any, contract_id: str, extra: dict[str, str], expected: str
) -> None:
    root = f"floorfixture_{abs(hash(expected)) % 10**8}"
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = _build_fixture(tmp_path, root, extra)
    contract = _contract(contract_id, rename=("desist", root))
    assert expected.format(root=root) in _broken_chains(contract, graph)
