"""The policy's object rules are one table, written once; break-glass grants come from a source
that sharing registers, and without one nobody holds a grant (issue 13)."""

from __future__ import annotations

import ast
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from desist import policy
from desist.core.roles import RoleCode
from desist.policy import Perm

DESIST = Path(policy.__file__).parent
POLICY_SOURCE = Path(policy.__file__)


def _rules_literal() -> ast.Dict:
    """The dict literal `_OBJECT_RULES` is built from (the only assignment to it)."""
    tree = ast.parse(POLICY_SOURCE.read_text())
    found = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.AnnAssign | ast.Assign)
        and any(
            isinstance(t, ast.Name) and t.id == "_OBJECT_RULES"
            for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
        )
    ]
    assert len(found) == 1, "_OBJECT_RULES is assigned once"
    value = found[0].value
    assert isinstance(value, ast.Call) and ast.unparse(value.func) == "MappingProxyType"
    (literal,) = value.args
    assert isinstance(literal, ast.Dict)
    return literal


def test_every_perm_and_model_has_one_rule_in_one_literal_table() -> None:
    keys = [ast.unparse(k) for k in _rules_literal().keys if k is not None]
    repeated = {k for k in keys if keys.count(k) > 1}
    assert not repeated, f"written twice (the second silently wins): {sorted(repeated)}"
    assert len(keys) == len(policy._OBJECT_RULES)


def test_the_table_is_read_only() -> None:
    assert isinstance(policy._OBJECT_RULES, MappingProxyType)
    with pytest.raises(TypeError):
        policy._OBJECT_RULES[(Perm.VICTIM_IDENTITY_VIEW, "safeguarding.Victim")] = (  # type: ignore[index]
            lambda actor, obj: True
        )


MUTATORS = {"update", "setdefault", "pop", "popitem", "clear", "__setitem__", "__delitem__"}


def _is_rules(expr: ast.expr) -> bool:
    return ast.unparse(expr).endswith("_OBJECT_RULES")


def _writes_to_rules(tree: ast.AST) -> list[int]:
    """Lines that assign, augment or delete the table (or an item of it), call a mutating
    method on it, or setattr it. Its one annotated definition in policy.py is not counted."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.Delete):
            targets = node.targets
        elif isinstance(node, ast.AugAssign):
            targets = [node.target]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            targets = [node.func.value] if node.func.attr in MUTATORS else []
        elif isinstance(node, ast.Call) and ast.unparse(node.func) == "setattr":
            targets = node.args[1:2] if "_OBJECT_RULES" in ast.unparse(node) else []
        else:
            continue
        for target in targets:
            base = target.value if isinstance(target, ast.Subscript) else target
            if _is_rules(base) or isinstance(base, ast.Constant):
                lines.append(node.lineno)
    return lines


def test_no_code_path_writes_to_the_table_after_import() -> None:
    """Nothing in the project assigns to, deletes from, or calls a method on the table (no
    registering a rule from elsewhere, no wrapping one after the fact)."""
    offenders = {}
    for path in DESIST.rglob("*.py"):
        if "tests" in path.parts:
            continue
        lines = _writes_to_rules(ast.parse(path.read_text()))
        if lines:
            offenders[str(path.relative_to(DESIST))] = lines
    assert offenders == {}


def test_every_rule_belongs_to_a_permission_some_role_holds() -> None:
    granted = set().union(*policy.ROLE_PERMISSIONS.values())
    dead = {key for key in policy._OBJECT_RULES if key[0] not in granted}
    assert dead == set()


# --- the break-glass grant source -----------------------------------------------------------


@pytest.fixture
def granted_victim(users: dict[RoleCode, Any], make_user: Any, make_org: Any) -> Any:
    """A victim of the users' force and an advocate of another service holding a live grant."""
    from desist.core.models import Partnership
    from desist.people.tests.factories import make_case, make_subject, make_victim
    from desist.sharing.break_glass import break_glass_request

    officer = users[RoleCode.POLICE_OFFICER]
    victim = make_victim(officer, make_case(officer, make_subject(officer)))
    service = make_org("advocacy")
    partnership = Partnership.objects.create(name="Pilot")
    partnership.organisations.add(officer.organisation, service)
    advocate = make_user(RoleCode.VICTIM_ADVOCATE, organisation=service)
    grant = break_glass_request(
        actor=advocate,
        record=victim,
        justification="Victim called our helpline in crisis; need the safety details now.",
    )
    assert grant.status == "granted"
    return advocate, victim


def test_sharing_registers_the_grant_source(granted_victim: Any) -> None:
    from desist.safeguarding.models import Victim
    from desist.sharing import grants

    advocate, victim = granted_victim
    assert policy._grant_source() is grants.SOURCE
    assert policy.can(advocate, Perm.VICTIM_IDENTITY_VIEW, victim)
    assert list(policy.scope_victims(advocate, Victim.objects.all())) == [victim]


def test_without_a_grant_source_nobody_holds_a_grant(granted_victim: Any, monkeypatch: Any) -> None:
    """Fail closed: with no source registered, the live grant above admits nothing."""
    from desist.safeguarding.models import Victim

    advocate, victim = granted_victim
    monkeypatch.setattr(policy, "_grant_sources", [])
    assert not policy.break_glass_admits(advocate, victim)
    assert not policy.can(advocate, Perm.VICTIM_IDENTITY_VIEW, victim)
    assert not policy.scope_victims(advocate, Victim.objects.all()).exists()


def test_a_second_grant_source_is_refused() -> None:
    class Other:
        def live_record_ids(self, actor: Any, label: str) -> Any:
            raise AssertionError

        def grants_on_records_of(self, org_id: int) -> Any:
            raise AssertionError

    with pytest.raises(RuntimeError):
        policy.register_grant_source(Other())
