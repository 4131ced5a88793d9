"""Who is in charge of a case or an order (issue 19): an officer of the record's own force,
and a team, one of the teams the force's police staff belong to (the `team` on their account,
kept by the mover flow). A supervisor sets both; the audit row keeps who was in charge before.

Orders use the same rules through `check_assignment` (orders sit above cases).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from desist import policy
from desist.accounts.models import User
from desist.audit.models import Category
from desist.audit.services import audit_record
from desist.cases.models import Case
from desist.core.concurrency import StaleRecordError, save_versioned
from desist.core.roles import RoleCode
from desist.policy import Perm

POLICE_ROLES = (RoleCode.POLICE_OFFICER, RoleCode.POLICE_SUPERVISOR)
OFFICER_REQUIRED = "Select the officer in charge"
OFFICER_ELSEWHERE = "Select an officer of this force"
TEAM_UNKNOWN = "Select a team from the list"


def assignable_officers(force_id: int) -> QuerySet[User]:
    """Active police staff of the force: the only people a record of it can be given to."""
    return (
        User.objects.filter(
            organisation_id=force_id,
            is_active=True,
            disabled_at__isnull=True,
            roles__code__in=POLICE_ROLES,
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def force_teams(force_id: int) -> list[str]:
    teams = assignable_officers(force_id).exclude(team="").values_list("team", flat=True)
    return sorted(set(teams))


@dataclass(frozen=True)
class Assignment:
    officer: User
    team: str


def check_assignment(*, force_id: int, officer_id: int | None, team: str) -> Assignment:
    """Validate a choice of officer and team for a record of `force_id`. An empty team means
    the officer's own team. An officer of another force is refused, whatever the form sent."""
    errors: dict[str, list[str]] = {}
    officer = None
    if officer_id is None:
        errors["officer"] = [OFFICER_REQUIRED]
    else:
        officer = assignable_officers(force_id).filter(pk=officer_id).first()
        if officer is None:
            errors["officer"] = [OFFICER_ELSEWHERE]
    team = (team or "").strip()
    if team and team not in force_teams(force_id):
        errors["team"] = [TEAM_UNKNOWN]
    if errors:
        raise ValidationError(errors)
    assert officer is not None
    return Assignment(officer=officer, team=team or officer.team)


def audit_values(record: Any) -> dict[str, Any]:
    return {"officer_in_charge_id": record.officer_in_charge_id, "team": record.team}


def case_assign(
    *, actor: User, case: Case, version: int, officer_id: int | None, team: str = ""
) -> Case:
    """Put an officer (and team) in charge of the case, or move it to another."""
    policy.require(actor, Perm.CASEWORK_ASSIGN, case)
    choice = check_assignment(force_id=case.force_id, officer_id=officer_id, team=team)
    old = audit_values(case)
    case.officer_in_charge = choice.officer
    case.team = choice.team
    with transaction.atomic():
        try:
            save_versioned(case, expected_version=version, fields=["officer_in_charge", "team"])
        except StaleRecordError:
            raise ValidationError(StaleRecordError.message) from None
        audit_record(
            actor=actor,
            category=Category.ALTERATION,
            verb="case.assign",
            obj=case,
            old=old,
            new=audit_values(case),
        )
    return case


def choices_for(force_id: int) -> dict[str, Any]:
    """The assignment form's choices: each officer named with their team."""
    officers = [
        (u.pk, f"{u.display_name()} ({u.team})" if u.team else u.display_name())
        for u in assignable_officers(force_id)
    ]
    return {"officers": officers, "teams": force_teams(force_id)}
