"""Roles are declared here, in code, and synced to the Role table after every migrate.

They sit on the lowest floor (core) so that the policy, which grants permissions per role,
imports nothing above core (issue 13). What each role may do lives in `desist.policy`; which
organisation kinds may hold a role lives here, because it is part of what the role *is*.
"""

from __future__ import annotations

from django.db import models

from desist.core.models import OrganisationKind


class RoleCode(models.TextChoices):
    POLICE_OFFICER = "police_officer", "Police officer"
    POLICE_SUPERVISOR = "police_supervisor", "Police supervisor"
    PRACTITIONER = "practitioner", "Practitioner"
    CLINICAL_SUPERVISOR = "clinical_supervisor", "Clinical supervisor"
    VICTIM_ADVOCATE = "victim_advocate", "Victim advocate"
    ADVOCACY_MANAGER = "advocacy_manager", "Advocacy manager"
    OVERSEER = "overseer", "Overseer or evaluator"
    PROGRAMME_MANAGER = "programme_manager", "Programme manager"
    SYSTEM_ADMIN = "system_admin", "System administrator"
    # Manages the accounts of their own organisation only (issue 16).
    ORGANISATION_ADMIN = "organisation_admin", "Organisation administrator"


# Which kinds of organisation may hold each role. A system administrator may sit in any.
ROLE_ORGANISATION_KINDS: dict[RoleCode, frozenset[str]] = {
    RoleCode.POLICE_OFFICER: frozenset({OrganisationKind.POLICE_FORCE}),
    RoleCode.POLICE_SUPERVISOR: frozenset({OrganisationKind.POLICE_FORCE}),
    RoleCode.PRACTITIONER: frozenset({OrganisationKind.PROVIDER}),
    RoleCode.CLINICAL_SUPERVISOR: frozenset({OrganisationKind.PROVIDER}),
    RoleCode.VICTIM_ADVOCATE: frozenset({OrganisationKind.ADVOCACY}),
    RoleCode.ADVOCACY_MANAGER: frozenset({OrganisationKind.ADVOCACY}),
    RoleCode.OVERSEER: frozenset({OrganisationKind.OVERSIGHT}),
    RoleCode.PROGRAMME_MANAGER: frozenset(
        {OrganisationKind.COMMISSIONER, OrganisationKind.PROVIDER}
    ),
    RoleCode.SYSTEM_ADMIN: frozenset(OrganisationKind.values),
    RoleCode.ORGANISATION_ADMIN: frozenset(OrganisationKind.values),
}

# When a user holds several roles, the home page is that of the first in this order.
HOME_ORDER: list[RoleCode] = [
    RoleCode.POLICE_SUPERVISOR,
    RoleCode.POLICE_OFFICER,
    RoleCode.CLINICAL_SUPERVISOR,
    RoleCode.PRACTITIONER,
    RoleCode.ADVOCACY_MANAGER,
    RoleCode.VICTIM_ADVOCATE,
    RoleCode.OVERSEER,
    RoleCode.PROGRAMME_MANAGER,
    RoleCode.SYSTEM_ADMIN,
    RoleCode.ORGANISATION_ADMIN,
]


def _a(noun: str) -> str:
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def role_misfit_message(role: RoleCode, kind_label: str) -> str:
    """'A police officer cannot belong to an intervention provider' (the article fits)."""
    return f"{_a(role.label.lower()).capitalize()} cannot belong to {_a(kind_label.lower())}"
