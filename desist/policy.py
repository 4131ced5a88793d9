"""The access policy: the one place that says who may do what to which record.

Three layers, all here:
1. ROLE_PERMISSIONS: what each role may do at all (declared in code, tested as a matrix).
2. Object rules (`can`): whether an actor may do it to *this* record (scope: own organisation,
   linked partnership, ...).
3. Scopes (`scope_*`): the queryset filters selectors use so lists show only what `can` allows.

Views never decide access themselves; they call selectors, which call this module.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from desist.accounts.roles import RoleCode

if TYPE_CHECKING:
    from desist.accounts.models import User


class Perm(StrEnum):
    HOME_VIEW = "home.view"
    AUDIT_VIEW_OWN_ORG = "audit.view_own_org"
    AUDIT_VIEW_ALL = "audit.view_all"
    AUDIT_EXPORT = "audit.export"
    ACCOUNTS_MANAGE = "accounts.manage"


R = RoleCode
P = Perm

ROLE_PERMISSIONS: dict[RoleCode, frozenset[Perm]] = {
    R.POLICE_OFFICER: frozenset({P.HOME_VIEW}),
    R.POLICE_SUPERVISOR: frozenset({P.HOME_VIEW, P.AUDIT_VIEW_OWN_ORG, P.AUDIT_EXPORT}),
    R.PRACTITIONER: frozenset({P.HOME_VIEW}),
    R.CLINICAL_SUPERVISOR: frozenset({P.HOME_VIEW, P.AUDIT_VIEW_OWN_ORG, P.AUDIT_EXPORT}),
    R.VICTIM_ADVOCATE: frozenset({P.HOME_VIEW}),
    R.ADVOCACY_MANAGER: frozenset({P.HOME_VIEW, P.AUDIT_VIEW_OWN_ORG, P.AUDIT_EXPORT}),
    R.OVERSEER: frozenset({P.HOME_VIEW, P.AUDIT_VIEW_ALL, P.AUDIT_EXPORT}),
    # The design table: programme managers never see the audit log.
    R.PROGRAMME_MANAGER: frozenset({P.HOME_VIEW}),
    R.SYSTEM_ADMIN: frozenset(
        {P.HOME_VIEW, P.AUDIT_VIEW_OWN_ORG, P.AUDIT_EXPORT, P.ACCOUNTS_MANAGE}
    ),
}

# Models that only selectors may query. A test fails the build if a view, template tag or
# API module touches `<Model>.objects` for any of these.
SENSITIVE_MODELS: frozenset[str] = frozenset({"AuditEvent", "User", "UserSession"})


def _active(actor: Any) -> bool:
    return bool(actor is not None and actor.is_authenticated and actor.is_active)


def permissions_for(actor: User | Any) -> frozenset[Perm]:
    """All permissions the actor holds through their roles. No superuser bypass."""
    if not _active(actor) or actor.organisation_id is None:
        return frozenset()
    perms: set[Perm] = set()
    for code in actor.role_codes:
        perms |= ROLE_PERMISSIONS.get(RoleCode(code), frozenset())
    return frozenset(perms)


def has_perm(actor: User | Any, perm: Perm) -> bool:
    return perm in permissions_for(actor)


def require_perm(actor: User | Any, perm: Perm) -> None:
    if not has_perm(actor, perm):
        raise PermissionDenied(perm.value)


# --- object rules ------------------------------------------------------------------------

ObjectRule = Callable[[Any, Any], bool]
_OBJECT_RULES: dict[tuple[Perm, str], ObjectRule] = {}


def object_rule(perm: Perm, model_label: str) -> Callable[[ObjectRule], ObjectRule]:
    def register(fn: ObjectRule) -> ObjectRule:
        _OBJECT_RULES[(perm, model_label)] = fn
        return fn

    return register


def can(actor: User | Any, perm: Perm, obj: Any = None) -> bool:
    """May `actor` exercise `perm` on `obj`? Without a registered rule, object access is denied."""
    if not has_perm(actor, perm):
        return False
    if obj is None:
        return True
    rule = _OBJECT_RULES.get((perm, obj._meta.label))
    return bool(rule and rule(actor, obj))


def require(actor: User | Any, perm: Perm, obj: Any = None) -> None:
    if not can(actor, perm, obj):
        raise PermissionDenied(perm.value)


@object_rule(P.ACCOUNTS_MANAGE, "accounts.User")
def _manage_user(actor: Any, target: Any) -> bool:
    # Administrators manage their own organisation's accounts, never their own (no self-lockout).
    return bool(target.organisation_id == actor.organisation_id and target.pk != actor.pk)


# --- scopes (queryset filters for selectors) -------------------------------------------


def scope_audit_events(actor: User | Any, qs: QuerySet[Any]) -> QuerySet[Any]:
    if has_perm(actor, P.AUDIT_VIEW_ALL):
        return qs
    if has_perm(actor, P.AUDIT_VIEW_OWN_ORG):
        return qs.filter(organisation_id=actor.organisation_id)
    return qs.none()


def scope_users_manageable(actor: User | Any, qs: QuerySet[Any]) -> QuerySet[Any]:
    if not has_perm(actor, P.ACCOUNTS_MANAGE):
        return qs.none()
    return qs.filter(organisation_id=actor.organisation_id).exclude(pk=actor.pk)
