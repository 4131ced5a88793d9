"""Fixtures for the orders tests: a force, its police, a subject with a case and a victim."""

from __future__ import annotations

from typing import Any

import pytest

from desist.cases.models import Case
from desist.core.roles import RoleCode
from desist.orders.tests.helpers import make_case, make_subject, make_victim
from desist.people.models import Subject
from desist.safeguarding.models import Victim

R = RoleCode


@pytest.fixture
def force(orgs: dict[str, Any]) -> Any:
    return orgs["police_force"]


@pytest.fixture
def officer(users: dict[RoleCode, Any]) -> Any:
    return users[R.POLICE_OFFICER]


@pytest.fixture
def supervisor(users: dict[RoleCode, Any]) -> Any:
    return users[R.POLICE_SUPERVISOR]


@pytest.fixture
def outsider(make_user: Any, orgs: dict[str, Any]) -> Any:
    """A police officer of another force."""
    return make_user(R.POLICE_OFFICER, organisation=orgs["other_police_force"])


@pytest.fixture
def subject(force: Any) -> Subject:
    return make_subject(force)


@pytest.fixture
def case(subject: Subject) -> Case:
    return make_case(subject)


@pytest.fixture
def victim(case: Case) -> Victim:
    return make_victim(case)
