from __future__ import annotations

from typing import Any

import pytest

from desist.core.models import OrganisationKind
from desist.core.roles import RoleCode
from desist.evaluation.tests import helpers


@pytest.fixture
def force(orgs: dict[str, Any]) -> Any:
    return orgs[OrganisationKind.POLICE_FORCE]


@pytest.fixture
def officer(users: dict[RoleCode, Any]) -> Any:
    return users[RoleCode.POLICE_OFFICER]


@pytest.fixture
def overseer(users: dict[RoleCode, Any]) -> Any:
    return users[RoleCode.OVERSEER]


@pytest.fixture
def manager(users: dict[RoleCode, Any]) -> Any:
    return users[RoleCode.PROGRAMME_MANAGER]


@pytest.fixture
def pilot(orgs: dict[str, Any]) -> Any:
    return helpers.partnership_for(orgs)
