"""Shared fixtures: organisations and users of every role, made through the real services."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from desist.core.models import Organisation, OrganisationKind
from desist.core.roles import ROLE_ORGANISATION_KINDS, RoleCode

_seq = itertools.count(1)

# Hypothesis times its own input generation; on a loaded two-core machine (the suite runs two
# workers beside a browser) that says nothing about the code, so only correctness is checked.
settings.register_profile("desist", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("desist")

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
    RoleCode.ORGANISATION_ADMIN: OrganisationKind.POLICE_FORCE,
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


# PostgreSQL as production runs it (scripts/db-roles.sql): with DESIST_MIGRATE_DATABASE_URL
# naming the owner role, the owner creates and migrates each test database (one per xdist
# worker) and grants the runtime role (DATABASE_URL) its rights; the tests then run as the
# runtime role, and the owner drops the database at the end.
_OWNER_URL = os.environ.get("DESIST_MIGRATE_DATABASE_URL", "")


def _use_role(settings_dict: dict[str, Any], role: Mapping[str, Any]) -> None:
    from django.db import connections

    connections["default"].close()
    settings_dict.update({k: role[k] for k in ("USER", "PASSWORD", "HOST", "PORT")})


if _OWNER_URL:

    @pytest.fixture(scope="session")
    def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
        import dj_database_url
        from django.db import connections

        settings_dict = connections["default"].settings_dict
        _runtime_role.update(settings_dict)
        _use_role(settings_dict, dj_database_url.parse(_OWNER_URL))

    _runtime_role: dict[str, Any] = {}

    @pytest.fixture(scope="session")
    def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
        from django.db import connection

        from desist.audit import db_roles

        with django_db_blocker.unblock(), connection.cursor() as cursor:
            db_roles.apply(connection, runtime=_runtime_role["USER"])
            # Test teardown empties tables with TRUNCATE (never audit_event, which is unmanaged).
            cursor.execute(
                "SELECT string_agg(quote_ident(tablename), ', ') FROM pg_tables "
                "WHERE schemaname = 'public' AND tablename <> 'audit_event'"
            )
            tables = cursor.fetchone()[0]
            cursor.execute(
                f"GRANT TRUNCATE ON {tables} TO {db_roles.quote_role(_runtime_role['USER'])}"
            )
        owner = dict(connection.settings_dict)
        _use_role(connection.settings_dict, _runtime_role)
        yield
        _use_role(connection.settings_dict, owner)
