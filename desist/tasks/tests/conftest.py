"""Fixtures for the tasks tests: a force with a subject and a case, its officers in two teams,
and an officer of another force."""

from __future__ import annotations

from typing import Any

import pytest

from desist.core.roles import RoleCode
from desist.orders.tests.helpers import make_case, make_subject

R = RoleCode


def teamed(make_user: Any, force: Any, team: str, role: RoleCode = R.POLICE_OFFICER) -> Any:
    user = make_user(role, organisation=force)
    user.team = team
    user.save(update_fields=["team"])
    return user


@pytest.fixture
def force(orgs: dict[str, Any]) -> Any:
    return orgs["police_force"]


@pytest.fixture
def supervisor(make_user: Any, force: Any) -> Any:
    return teamed(make_user, force, "East", R.POLICE_SUPERVISOR)


@pytest.fixture
def east(make_user: Any, force: Any) -> Any:
    return teamed(make_user, force, "East")


@pytest.fixture
def mate(make_user: Any, force: Any) -> Any:
    return teamed(make_user, force, "East")


@pytest.fixture
def west(make_user: Any, force: Any) -> Any:
    return teamed(make_user, force, "West")


@pytest.fixture
def outsider(make_user: Any, orgs: dict[str, Any]) -> Any:
    """A police officer of another force (Surrey, to a Sussex task)."""
    return make_user(R.POLICE_OFFICER, organisation=orgs["other_police_force"])


@pytest.fixture
def case(force: Any) -> Any:
    return make_case(make_subject(force))
