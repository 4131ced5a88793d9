from __future__ import annotations

from typing import Any

import pytest

from desist.core.models import Organisation, Partnership
from desist.core.roles import RoleCode
from desist.people.tests.factories import case, make_victim, officer, outsider, subject  # noqa: F401

R = RoleCode


@pytest.fixture
def advocacy_org(orgs: dict[str, Organisation]) -> Organisation:
    return orgs["advocacy"]


@pytest.fixture
def partnership(orgs: dict[str, Organisation]) -> Partnership:
    p = Partnership.objects.create(code="test-pilot", name="Test pilot")
    p.organisations.add(orgs["police_force"], orgs["advocacy"], orgs["provider"])
    return p


@pytest.fixture
def advocate(users: dict[RoleCode, Any]) -> Any:
    return users[R.VICTIM_ADVOCATE]


@pytest.fixture
def manager(users: dict[RoleCode, Any]) -> Any:
    return users[R.ADVOCACY_MANAGER]


@pytest.fixture
def other_advocate(make_user: Any, make_org: Any) -> Any:
    """An advocate of another advocacy service."""
    return make_user(R.VICTIM_ADVOCATE, organisation=make_org("advocacy"))


@pytest.fixture
def victim(officer: Any, case: Any) -> Any:  # noqa: F811
    return make_victim(officer, case)


@pytest.fixture
def referral(officer: Any, victim: Any, advocacy_org: Organisation, partnership: Any) -> Any:  # noqa: F811, E501
    from desist.safeguarding import services

    return services.advocacy_refer(
        actor=officer, victim=victim, service=advocacy_org, notes="Repeated unwanted contact."
    )


@pytest.fixture
def allocated(referral: Any, manager: Any, advocate: Any) -> Any:
    from desist.safeguarding import services

    return services.advocacy_allocate(
        actor=manager, case=referral, version=referral.version, advocate=advocate
    )
