"""Shared fixtures: organisations and users of every role, made through the real services."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest

from desist.accounts.roles import ROLE_ORGANISATION_KINDS, RoleCode
from desist.core.models import Organisation, OrganisationKind

_seq = itertools.count(1)

# The organisation kind each role is tested in.
HOME_KIND: dict[RoleCode, str] = {
    RoleCode.POLICE_OFFICER: OrganisationKind.POLICE_FORCE,
    RoleCode.POLICE_SUPERVISOR: OrganisationKind.POLICE_FORCE,
    RoleCode.PRACTITIONER: OrganisationKind.PROVIDER,
    RoleCode.CLINICAL_SUPERVISOR: OrganisationKind.PROVIDER,
    RoleCode.VICTIM_ADVOCATE: OrganisationKind.ADVOCACY,
    RoleCode.ADVOCACY_MANAGER: OrganisationKind.ADVOCACY,
    RoleCode.OVERSEER: OrganisationKind.OVERSIGHT,
    RoleCode.PROGRAMME_MANAGER: OrganisationKind.COMMISSIONER,
    RoleCode.SYSTEM_ADMIN: OrganisationKind.POLICE_FORCE,
}
assert all(HOME_KIND[r] in ROLE_ORGANISATION_KINDS[r] for r in RoleCode)


@pytest.fixture
def make_org(db: Any) -> Callable[..., Organisation]:
    def make(kind: str = OrganisationKind.POLICE_FORCE, name: str | None = None) -> Organisation:
        n = next(_seq)
        return Organisation.objects.create(
            code=f"org-{n}", name=name or f"Test organisation {n}", kind=kind
        )

    return make


@pytest.fixture
def orgs(make_org: Callable[..., Organisation]) -> dict[str, Organisation]:
    """One organisation of each kind, plus a second police force."""
    made = {kind: make_org(kind) for kind in OrganisationKind.values}
    made["other_police_force"] = make_org(OrganisationKind.POLICE_FORCE, "Other force")
    return made


@pytest.fixture
def make_user(db: Any, orgs: dict[str, Organisation]) -> Callable[..., Any]:
    from desist.accounts.services import user_create

    def make(
        role: RoleCode, organisation: Organisation | None = None, username: str | None = None
    ) -> Any:
        org = organisation or orgs[HOME_KIND[role]]
        return user_create(
            actor=None,
            username=username or f"{role.value}-{next(_seq)}",
            organisation=org,
            roles=[role],
            password="correct-horse-battery-staple",
        )

    return make


@pytest.fixture
def users(make_user: Callable[..., Any]) -> dict[RoleCode, Any]:
    return {role: make_user(role) for role in RoleCode}


@pytest.fixture
def login(client: Any) -> Callable[[Any], Any]:
    def do(user: Any) -> Any:
        client.force_login(user)
        return client

    return do
