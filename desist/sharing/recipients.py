"""Who receives an alert. Reads without an actor (routing protects people; it shows nothing).

Police recipients for a subject (documented in docs/workflows/alerts-and-disclosures.md):
1. the *officers in charge*: the police officers or supervisors of the subject's force who
   created the subject's most recent order and most recent case (still active, still at that
   force);
2. if there are none, every active police officer of the force;
3. for high and urgent alerts, also every active police supervisor of the force.

Managers (escalation): the recipient's line manager, if set and active; otherwise active users
of the recipient's own organisation holding that organisation's supervising role (police
supervisor, clinical supervisor, advocacy manager).
"""

from __future__ import annotations

from typing import Any

from desist.accounts.models import User
from desist.core.models import OrganisationKind
from desist.core.roles import RoleCode
from desist.sharing import registry

R = RoleCode

POLICE_ROLES = (R.POLICE_OFFICER, R.POLICE_SUPERVISOR)

MANAGER_ROLES: dict[str, tuple[RoleCode, ...]] = {
    OrganisationKind.POLICE_FORCE: (R.POLICE_SUPERVISOR,),
    OrganisationKind.PROVIDER: (R.CLINICAL_SUPERVISOR,),
    OrganisationKind.ADVOCACY: (R.ADVOCACY_MANAGER,),
}


def _users(organisation_id: int, roles: tuple[RoleCode, ...]) -> list[Any]:
    return list(
        User.objects.filter(
            organisation_id=organisation_id,
            organisation__retired_at__isnull=True,
            is_active=True,
            roles__code__in=[r.value for r in roles],
        )
        .select_related("organisation")
        .distinct()
        .order_by("id")
    )


def _reachable(user: Any) -> bool:
    # An alert goes only to someone who can sign in to read it: an active account of an
    # organisation that is not retired (issue 16).
    org = user.organisation
    return bool(user.is_active and (org is None or org.retired_at is None))


def _unique(users: list[Any]) -> list[Any]:
    seen: set[int] = set()
    out = []
    for u in users:
        if u is not None and u.pk not in seen and _reachable(u):
            seen.add(u.pk)
            out.append(u)
    return out


def officers_in_charge(subject: Any) -> list[Any]:
    """Police of the subject's force who created its latest order and latest case (orders
    and cases each register who created their latest record: `registry.officer_sources`)."""
    creators = [pk for source in registry.officer_sources() if (pk := source(subject))]
    if not creators:
        return []
    found = {u.pk: u for u in _users(subject.force_id, POLICE_ROLES) if u.pk in creators}
    return [found[pk] for pk in dict.fromkeys(creators) if pk in found]


def police_supervisors(organisation_id: int) -> list[Any]:
    return _users(organisation_id, (R.POLICE_SUPERVISOR,))


def advocacy_managers(organisation_id: int) -> list[Any]:
    return _users(organisation_id, (R.ADVOCACY_MANAGER,))


def police_for_subject(subject: Any, *, include_supervisors: bool) -> list[Any]:
    officers = officers_in_charge(subject) or _users(subject.force_id, (R.POLICE_OFFICER,))
    if include_supervisors:
        officers = officers + police_supervisors(subject.force_id)
    return _unique(officers)


def advocates(subject: Any, *, engagement_news_only: bool = False) -> list[Any]:
    """Who supports the subject's victims: safeguarding registers the answer, because sharing
    never imports safeguarding (the victim-wall contract in .importlinter)."""
    return _unique(
        [
            user
            for source in registry.advocate_sources()
            for user in source(subject=subject, engagement_news_only=engagement_news_only)
        ]
    )


def practitioners(subject: Any) -> list[Any]:
    """The provider practitioners working with the subject, as the programme registers them."""
    return _unique(
        [user for source in registry.practitioner_sources() for user in source(subject=subject)]
    )


def managers_of(user: Any) -> list[Any]:
    """Who an unacknowledged alert escalates to: the user's line manager while their account
    is active (issue 16), otherwise the supervising role of the user's own organisation; never
    the user themself."""
    manager = user.line_manager
    if (
        manager is not None
        and _reachable(manager)
        and manager.pk != user.pk
        and manager.organisation_id == user.organisation_id  # never another organisation's
    ):
        return [manager]
    org = user.organisation
    roles = MANAGER_ROLES.get(org.kind, ())
    if not roles:
        return []
    return [u for u in _users(org.pk, roles) if u.pk != user.pk]
