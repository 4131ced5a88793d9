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
    # Police casework (issue 3). Scope: the actor's own force.
    SUBJECT_VIEW = "subject.view"
    SUBJECT_EDIT = "subject.edit"
    CASE_VIEW = "case.view"
    CASE_EDIT = "case.edit"
    VICTIM_IDENTITY_VIEW = "victim.identity_view"
    VICTIM_EDIT = "victim.edit"
    ORDER_VIEW = "order.view"
    ORDER_EDIT = "order.edit"
    ORDER_EXPORT = "order.export"
    RISK_VIEW = "risk.view"
    RISK_ASSESS = "risk.assess"
    INSTRUMENT_MANAGE = "instrument.manage"
    INTERVENTION_DECIDE = "intervention.decide"
    # The intervention programme (issue 4). Provider scope: the actor's own provider.
    PROGRAMME_SETTINGS = "programme.settings"
    REFERRAL_PUT_FORWARD = "referral.put_forward"
    REFERRAL_VIEW = "referral.view"
    REFERRAL_MANAGE = "referral.manage"
    REFERRAL_ASSESS = "referral.assess"
    SESSION_MANAGE = "session.manage"
    CLINICAL_NOTES = "clinical.notes"
    SESSION_REVIEW = "session.review"
    MEASURE_RECORD = "measure.record"
    END_REPORT_WRITE = "end_report.write"
    END_REPORT_SUMMARY_VIEW = "end_report.summary_view"
    ENGAGEMENT_VIEW = "engagement.view"
    # Victim safeguarding and sharing (issue 5).
    ADVOCACY_VIEW = "advocacy.view"
    ADVOCACY_EDIT = "advocacy.edit"
    ADVOCACY_ALLOCATE = "advocacy.allocate"
    ALERT_RECEIVE = "alert.receive"
    DISCLOSURE_VIEW_OWN_ORG = "disclosure.view_own_org"
    DISCLOSURE_VIEW_ALL = "disclosure.view_all"
    BREAK_GLASS_REQUEST = "break_glass.request"
    BREAK_GLASS_REVIEW = "break_glass.review"
    # Evaluation and oversight (issue 6).
    OUTCOME_RECORD = "outcome.record"
    EVALUATION_VIEW = "evaluation.view"
    EXTRACT_DOWNLOAD = "evaluation.extract"
    OVERSIGHT_DASHBOARD = "oversight.dashboard"
    PROGRAMME_DASHBOARD = "programme.dashboard"


R = RoleCode
P = Perm

_POLICE_CASEWORK = frozenset(
    {
        P.SUBJECT_VIEW,
        P.SUBJECT_EDIT,
        P.CASE_VIEW,
        P.CASE_EDIT,
        P.VICTIM_IDENTITY_VIEW,
        P.VICTIM_EDIT,
        P.ORDER_VIEW,
        P.ORDER_EDIT,
        P.ORDER_EXPORT,
        P.RISK_VIEW,
        P.RISK_ASSESS,
        P.INTERVENTION_DECIDE,
    }
)

_POLICE_PROGRAMME = frozenset(
    {
        P.REFERRAL_PUT_FORWARD,
        P.REFERRAL_VIEW,
        P.ENGAGEMENT_VIEW,
        P.END_REPORT_SUMMARY_VIEW,
        P.ALERT_RECEIVE,
        P.BREAK_GLASS_REQUEST,
        P.OUTCOME_RECORD,
    }
)

# Provider staff: everything clinical, never a victim (no VICTIM_* or ADVOCACY_* here, ever;
# a test pins that), and no break-glass: nothing may open a victim record to them.
_PROVIDER = frozenset(
    {
        P.REFERRAL_VIEW,
        P.REFERRAL_ASSESS,
        P.SESSION_MANAGE,
        P.CLINICAL_NOTES,
        P.MEASURE_RECORD,
        P.END_REPORT_WRITE,
        P.ENGAGEMENT_VIEW,
        P.ALERT_RECEIVE,
    }
)

_ADVOCACY = frozenset(
    {
        P.ADVOCACY_VIEW,
        P.ADVOCACY_EDIT,
        P.VICTIM_IDENTITY_VIEW,
        P.VICTIM_EDIT,
        P.ALERT_RECEIVE,
        P.BREAK_GLASS_REQUEST,
    }
)

_AUDITOR = frozenset({P.AUDIT_VIEW_OWN_ORG, P.AUDIT_EXPORT, P.DISCLOSURE_VIEW_OWN_ORG})

ROLE_PERMISSIONS: dict[RoleCode, frozenset[Perm]] = {
    R.POLICE_OFFICER: frozenset({P.HOME_VIEW}) | _POLICE_CASEWORK | _POLICE_PROGRAMME,
    R.POLICE_SUPERVISOR: frozenset({P.HOME_VIEW}) | _AUDITOR | _POLICE_CASEWORK | _POLICE_PROGRAMME,
    R.PRACTITIONER: frozenset({P.HOME_VIEW}) | _PROVIDER,
    R.CLINICAL_SUPERVISOR: frozenset({P.HOME_VIEW, P.REFERRAL_MANAGE, P.SESSION_REVIEW})
    | _AUDITOR
    | _PROVIDER,
    R.VICTIM_ADVOCATE: frozenset({P.HOME_VIEW}) | _ADVOCACY,
    R.ADVOCACY_MANAGER: frozenset({P.HOME_VIEW, P.ADVOCACY_ALLOCATE}) | _AUDITOR | _ADVOCACY,
    R.OVERSEER: frozenset(
        {
            P.HOME_VIEW,
            P.AUDIT_VIEW_ALL,
            P.AUDIT_EXPORT,
            P.DISCLOSURE_VIEW_ALL,
            P.BREAK_GLASS_REVIEW,
            P.EVALUATION_VIEW,
            P.EXTRACT_DOWNLOAD,
            P.OVERSIGHT_DASHBOARD,
        }
    ),
    # The design table: programme managers never see the audit log; aggregates only.
    R.PROGRAMME_MANAGER: frozenset(
        {P.HOME_VIEW, P.PROGRAMME_SETTINGS, P.PROGRAMME_DASHBOARD, P.EVALUATION_VIEW}
    ),
    R.SYSTEM_ADMIN: frozenset(
        {P.HOME_VIEW, P.AUDIT_VIEW_OWN_ORG, P.AUDIT_EXPORT, P.ACCOUNTS_MANAGE, P.INSTRUMENT_MANAGE}
    ),
}

# Models that only selectors may query. A test fails the build if a view, template tag or
# API module touches `<Model>.objects` for any of these.
SENSITIVE_MODELS: frozenset[str] = frozenset(
    {
        "AuditEvent",
        "User",
        "UserSession",
        "Subject",
        "SubjectAlias",
        "SubjectAddress",
        "InterventionDecision",
        "Case",
        "Incident",
        "Victim",
        "Order",
        "Term",
        "Hearing",
        "Notification",
        "Breach",
        "OrderEvent",
        "Assessment",
    }
)


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


# --- police casework: everything is scoped to the actor's own force ---------------------------
# Each of these models has a `force_id`, or reaches one through `subject` or `order`.

_FORCE_PATH: dict[str, str] = {
    "people.Subject": "force_id",
    "cases.Case": "force_id",
    "safeguarding.Victim": "force_id",
    "orders.Order": "force_id",
    "risk.Assessment": "subject__force_id",
}


def _force_of(obj: Any) -> int | None:
    path = _FORCE_PATH[obj._meta.label]
    value = obj
    for part in path.split("__"):
        value = getattr(value, part)
    return value


def _own_force(actor: Any, obj: Any) -> bool:
    return actor.organisation.kind == "police_force" and _force_of(obj) == actor.organisation_id


for _perm, _label in [
    (P.SUBJECT_VIEW, "people.Subject"),
    (P.SUBJECT_EDIT, "people.Subject"),
    (P.INTERVENTION_DECIDE, "people.Subject"),
    (P.RISK_VIEW, "people.Subject"),
    (P.RISK_ASSESS, "people.Subject"),
    (P.CASE_VIEW, "cases.Case"),
    (P.CASE_EDIT, "cases.Case"),
    (P.VICTIM_IDENTITY_VIEW, "safeguarding.Victim"),
    (P.VICTIM_EDIT, "safeguarding.Victim"),
    (P.ORDER_VIEW, "orders.Order"),
    (P.ORDER_EDIT, "orders.Order"),
    (P.RISK_VIEW, "risk.Assessment"),
]:
    object_rule(_perm, _label)(_own_force)


def _scope_own_force(actor: Any, qs: QuerySet[Any], perm: Perm) -> QuerySet[Any]:
    if not has_perm(actor, perm) or actor.organisation.kind != "police_force":
        return qs.none()
    return qs.filter(**{_FORCE_PATH[qs.model._meta.label]: actor.organisation_id})


def scope_subjects(actor: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
    return _scope_own_force(actor, qs, P.SUBJECT_VIEW)


def scope_cases(actor: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
    return _scope_own_force(actor, qs, P.CASE_VIEW)


def scope_victims(actor: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
    """Victim identity: police of the recording force only (advocates come with issue 5;
    provider staff never)."""
    return _scope_own_force(actor, qs, P.VICTIM_IDENTITY_VIEW)


def scope_orders(actor: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
    return _scope_own_force(actor, qs, P.ORDER_VIEW)


def scope_assessments(actor: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
    return _scope_own_force(actor, qs, P.RISK_VIEW)


# === programme (issue 4): object rules and scopes ============================================
# Owned by the programme app. Provider staff reach subjects only through referrals to their
# own provider; police reach referrals of their own force (status and engagement, never notes).


# === safeguarding: advocacy casework (issue 5) ===============================================
# Owned by the safeguarding app. Advocates reach victims referred to their own service.


# === sharing: alerts, disclosures, break-glass (issue 5) =====================================
# Owned by the sharing app.


# === evaluation and oversight (issue 6) ======================================================
# Owned by the evaluation app.
