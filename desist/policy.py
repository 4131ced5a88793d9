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

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Cast

from desist.core.roles import RoleCode

if TYPE_CHECKING:
    from desist.accounts.models import User


class Perm(StrEnum):
    HOME_VIEW = "home.view"
    AUDIT_VIEW_OWN_ORG = "audit.view_own_org"
    AUDIT_VIEW_ALL = "audit.view_all"
    AUDIT_EXPORT = "audit.export"
    ACCOUNTS_MANAGE = "accounts.manage"
    # Reset a person's lost second factor (issue 12): audited, e-mailed, never one's own.
    ACCOUNTS_2FA_RESET = "accounts.2fa_reset"
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
    # Operators: alert e-mails failing to send (issue 12); no address or alert content shown.
    EMAIL_FAILURES_VIEW = "email.failures_view"
    # The second person for a break-glass request over the daily cap or outside the
    # partnership (issue 12): a supervisor or manager of the requester's own organisation.
    BREAK_GLASS_APPROVE = "break_glass.approve"
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
    R.POLICE_SUPERVISOR: frozenset({P.HOME_VIEW, P.BREAK_GLASS_APPROVE})
    | _AUDITOR
    | _POLICE_CASEWORK
    | _POLICE_PROGRAMME,
    R.PRACTITIONER: frozenset({P.HOME_VIEW}) | _PROVIDER,
    R.CLINICAL_SUPERVISOR: frozenset({P.HOME_VIEW, P.REFERRAL_MANAGE, P.SESSION_REVIEW})
    | _AUDITOR
    | _PROVIDER,
    R.VICTIM_ADVOCATE: frozenset({P.HOME_VIEW}) | _ADVOCACY,
    R.ADVOCACY_MANAGER: frozenset({P.HOME_VIEW, P.ADVOCACY_ALLOCATE, P.BREAK_GLASS_APPROVE})
    | _AUDITOR
    | _ADVOCACY,
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
        {
            P.HOME_VIEW,
            P.AUDIT_VIEW_OWN_ORG,
            P.AUDIT_EXPORT,
            P.ACCOUNTS_MANAGE,
            P.ACCOUNTS_2FA_RESET,
            P.INSTRUMENT_MANAGE,
            P.EMAIL_FAILURES_VIEW,
        }
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


@object_rule(P.ACCOUNTS_2FA_RESET, "accounts.User")
def _reset_second_factor(actor: Any, target: Any) -> bool:
    # Same organisation, never oneself: a person who lost their phone cannot vouch for themselves.
    return bool(target.organisation_id == actor.organisation_id and target.pk != actor.pk)


# --- scopes (queryset filters for selectors) -------------------------------------------


def scope_audit_events(actor: User | Any, qs: QuerySet[Any]) -> QuerySet[Any]:
    """Overseers: everything. Auditors: their own organisation's events, and other
    organisations' break-glass access to records their organisation holds (issue 12)."""
    if has_perm(actor, P.AUDIT_VIEW_ALL):
        return qs
    if has_perm(actor, P.AUDIT_VIEW_OWN_ORG):
        own = Q(organisation_id=actor.organisation_id)
        return qs.filter(own | _break_glass_on_records_of(actor.organisation_id or 0))
    return qs.none()


def audit_scope_key(actor: User | Any) -> str | None:
    """A name for the part of the audit log `scope_audit_events` gives the actor ("all", or
    "org:<id>"; None for nothing), so results derived from it can be shared by exactly the
    people who read the same events."""
    if has_perm(actor, P.AUDIT_VIEW_ALL):
        return "all"
    if has_perm(actor, P.AUDIT_VIEW_OWN_ORG):
        return f"org:{actor.organisation_id}"
    return None


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
    if not has_perm(actor, perm):
        return qs.none()
    # A live break-glass grant admits its one record (see the sharing section below).
    granted = _break_glass_q(actor, qs)
    if actor.organisation.kind != "police_force":
        return qs.none() if granted is None else qs.filter(granted)
    own = Q(**{_FORCE_PATH[qs.model._meta.label]: actor.organisation_id})
    return qs.filter(own if granted is None else own | granted)


def scope_subjects(actor: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
    return _scope_own_force(actor, qs, P.SUBJECT_VIEW)


def scope_cases(actor: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
    return _scope_own_force(actor, qs, P.CASE_VIEW)


def scope_victims(actor: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
    """Victim identity: police of the recording force; advocates of a service holding an
    advocacy case for the victim (see the safeguarding section below); provider staff never."""
    if has_perm(actor, P.VICTIM_IDENTITY_VIEW) and actor.organisation.kind == "advocacy":
        granted = _break_glass_q(actor, qs)
        advocacy = _scope_victims_advocacy(actor, qs)
        return advocacy if granted is None else advocacy | qs.filter(granted)
    return _scope_own_force(actor, qs, P.VICTIM_IDENTITY_VIEW)


def scope_orders(actor: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
    return _scope_own_force(actor, qs, P.ORDER_VIEW)


def scope_assessments(actor: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
    return _scope_own_force(actor, qs, P.RISK_VIEW)


# === programme (issue 4): object rules and scopes ============================================
# Owned by the programme app. Provider staff reach subjects only through referrals to their
# own provider; police reach referrals of their own force (status and engagement, never notes).

SENSITIVE_MODELS = SENSITIVE_MODELS | frozenset(
    {
        "Referral",
        "ProgrammeSession",
        "ClinicalNote",
        "RiskDisclosure",
        "Measure",
        "EndReport",
        "SupervisionEntry",
        "CalendarToken",
    }
)


def _org_kind(actor: Any) -> str:
    org = getattr(actor, "organisation", None)
    return str(org.kind) if org is not None else ""


def _provider_owns_referral(actor: Any, referral: Any) -> bool:
    return bool(
        _org_kind(actor) == "provider" and referral.programme.provider_id == actor.organisation_id
    )


def _police_own_referral(actor: Any, referral: Any) -> bool:
    return bool(_org_kind(actor) == "police_force" and referral.force_id == actor.organisation_id)


@object_rule(P.REFERRAL_VIEW, "programme.Referral")
@object_rule(P.ENGAGEMENT_VIEW, "programme.Referral")
def _referral_view(actor: Any, referral: Any) -> bool:
    return _provider_owns_referral(actor, referral) or _police_own_referral(actor, referral)


for _perm in (
    P.REFERRAL_MANAGE,
    P.REFERRAL_ASSESS,
    P.SESSION_MANAGE,
    P.CLINICAL_NOTES,
    P.SESSION_REVIEW,
    P.MEASURE_RECORD,
    P.END_REPORT_WRITE,
):
    object_rule(_perm, "programme.Referral")(_provider_owns_referral)

# Police withdraw their own force's referrals (the workflow table says when).
object_rule(P.REFERRAL_PUT_FORWARD, "programme.Referral")(_police_own_referral)
object_rule(P.END_REPORT_SUMMARY_VIEW, "programme.Referral")(_police_own_referral)
object_rule(P.REFERRAL_PUT_FORWARD, "people.Subject")(_own_force)


def _partner_org_ids(actor: Any) -> QuerySet[Any]:
    from desist.core.models import Organisation, Partnership

    mine = Partnership.objects.filter(organisations=actor.organisation_id).values("pk")
    return Organisation.objects.filter(partnerships__in=mine).values("pk")


@object_rule(P.PROGRAMME_SETTINGS, "programme.Programme")
def _programme_settings(actor: Any, programme: Any) -> bool:
    same = type(programme)._default_manager.filter(pk=programme.pk)
    return bool(scope_programmes_managed(actor, same).exists())


def scope_programmes_managed(actor: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
    """Programme managers: programmes their organisation provides or whose provider is a
    partner of their organisation, serving at least one police force of their partnerships
    (a provider may work for several partnerships; another partnership's programme is not
    theirs)."""
    if not has_perm(actor, P.PROGRAMME_SETTINGS):
        return qs.none()
    from django.db.models import Q

    provided = qs.filter(
        Q(provider_id=actor.organisation_id) | Q(provider_id__in=_partner_org_ids(actor))
    )
    return qs.filter(pk__in=provided.filter(forces__in=partnership_force_ids(actor)).values("pk"))


def scope_referrals(actor: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
    """Provider staff: referrals to their own provider. Police: their own force's subjects."""
    if not has_perm(actor, P.REFERRAL_VIEW):
        return qs.none()
    kind = _org_kind(actor)
    if kind == "provider":
        return qs.filter(programme__provider_id=actor.organisation_id)
    if kind == "police_force":
        return qs.filter(force_id=actor.organisation_id)
    return qs.none()


def scope_programme_sessions(actor: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
    """Sessions in full (content, engagement): provider staff of the provider only."""
    if not has_perm(actor, P.SESSION_MANAGE) or _org_kind(actor) != "provider":
        return qs.none()
    return qs.filter(referral__programme__provider_id=actor.organisation_id)


# === safeguarding: advocacy casework (issue 5) ===============================================
# Owned by the safeguarding app. Advocates reach victims referred to their own service.
# A victim is reached by police of the recording force (rules above) and by any advocacy
# service with an advocacy case for them (open or closed). Advocacy cases and everything under
# them (contact log, safety plans, ratings) are reached by their own service only.


def _advocacy_case_ids_of_org(org_id: int) -> QuerySet[Any]:
    from django.apps import apps

    model = apps.get_model("safeguarding", "AdvocacyCase")
    return model.objects.filter(service_id=org_id).values("victim_id")


def _scope_victims_advocacy(actor: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs.filter(pk__in=_advocacy_case_ids_of_org(actor.organisation_id))


def _victim_rule(actor: Any, victim: Any) -> bool:
    if actor.organisation.kind == "advocacy":
        return _advocacy_case_ids_of_org(actor.organisation_id).filter(victim_id=victim.pk).exists()
    return _own_force(actor, victim)


for _perm in (P.VICTIM_IDENTITY_VIEW, P.VICTIM_EDIT):
    object_rule(_perm, "safeguarding.Victim")(_victim_rule)


def _own_service(actor: Any, obj: Any) -> bool:
    case = obj if obj._meta.label == "safeguarding.AdvocacyCase" else obj.case
    return bool(actor.organisation.kind == "advocacy" and case.service_id == actor.organisation_id)


for _perm in (P.ADVOCACY_VIEW, P.ADVOCACY_EDIT, P.ADVOCACY_ALLOCATE):
    object_rule(_perm, "safeguarding.AdvocacyCase")(_own_service)


def scope_advocacy_cases(actor: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
    if not has_perm(actor, P.ADVOCACY_VIEW) or actor.organisation.kind != "advocacy":
        return qs.none()
    return qs.filter(service_id=actor.organisation_id)


SENSITIVE_MODELS = SENSITIVE_MODELS | frozenset(
    {"AdvocacyCase", "AdvocacyCaseEvent", "ContactLogEntry", "SafetyPlanVersion", "VictimRating"}
)


# === sharing: alerts, disclosures, break-glass (issue 5) =====================================
# Owned by the sharing app. A live break-glass grant (sharing.BreakGlassGrant, not expired)
# admits its one record for *viewing*: the scopes above include it and the view rules below
# are wrapped. Edits stay with the owning force. Provider roles never hold the Perm.

SENSITIVE_MODELS = SENSITIVE_MODELS | frozenset(
    {"Alert", "OutboundEmail", "Disclosure", "BreakGlassGrant"}
)

BREAK_GLASS_RECORD_TYPES = frozenset(
    {"people.Subject", "cases.Case", "orders.Order", "safeguarding.Victim"}
)


def break_glass_record_ids(actor: Any, label: str) -> QuerySet[Any]:
    """Ids of records of type `label` the actor holds a live break-glass grant for (a lazy
    subquery: no query runs until it is used in a filter)."""
    from desist.sharing import clock
    from desist.sharing.models import BreakGlassGrant

    return BreakGlassGrant.objects.filter(
        user_id=actor.pk, record_type=label, status="granted", expires_at__gt=clock.now()
    ).values("record_id")


def _grant_model() -> Any:
    return apps.get_model("sharing", "BreakGlassGrant")


def _break_glass_on_records_of(org_id: int) -> Q:
    """Audit events about break-glass on records `org_id` holds, by anyone outside it: what the
    requester did to the record (request, every page seen) and what happened to the request
    (approval, refusal, review). One correlated subquery each; no time window, since a user of
    another organisation reaches the record only through a grant."""
    grants = _grant_model().objects.filter(record_organisation_id=org_id)
    on_record = grants.annotate(rid=Cast("record_id", CharField())).filter(
        user_id=OuterRef("actor_id"), record_type=OuterRef("object_type"), rid=OuterRef("object_id")
    )
    on_grant = grants.annotate(gid=Cast("pk", CharField())).filter(gid=OuterRef("object_id"))
    return ~Q(organisation_id=org_id) & (
        Exists(on_record) | (Q(object_type="sharing.BreakGlassGrant") & Exists(on_grant))
    )


def break_glass_approval_reasons(
    actor: Any, *, record_organisation_id: int, requests_today: int, daily_cap: int
) -> list[str]:
    """Why a break-glass request needs a second person's approval before it opens anything
    (empty: it opens at once). Police reach another force's record at once only when both
    forces share a partnership; anyone past the daily cap needs approval."""
    reasons = []
    if requests_today >= daily_cap:
        reasons.append("cap")
    if _org_kind(actor) == "police_force" and not (
        _partner_org_ids(actor).filter(pk=record_organisation_id).exists()
    ):
        reasons.append("partnership")
    return reasons


@object_rule(P.BREAK_GLASS_APPROVE, "sharing.BreakGlassGrant")
def _approve_break_glass(actor: Any, grant: Any) -> bool:
    # A colleague of the requester's own organisation; never one's own request.
    return bool(grant.organisation_id == actor.organisation_id and grant.user_id != actor.pk)


def scope_break_glass_approvals(actor: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
    if not has_perm(actor, P.BREAK_GLASS_APPROVE):
        return qs.none()
    return qs.filter(organisation_id=actor.organisation_id).exclude(user_id=actor.pk)


def _break_glass_q(actor: Any, qs: QuerySet[Any]) -> Q | None:
    """The filter admitting records of qs's model under the actor's live grants, or None when
    the actor cannot hold grants for this kind of record (then the scope costs nothing)."""
    label = qs.model._meta.label
    if label not in BREAK_GLASS_RECORD_TYPES or not has_perm(actor, P.BREAK_GLASS_REQUEST):
        return None
    return Q(pk__in=break_glass_record_ids(actor, label))


def break_glass_admits(actor: Any, obj: Any) -> bool:
    """Does a live grant of the actor's admit this record?"""
    label = obj._meta.label
    if label not in BREAK_GLASS_RECORD_TYPES or not has_perm(actor, P.BREAK_GLASS_REQUEST):
        return False
    return bool(break_glass_record_ids(actor, label).filter(record_id=obj.pk).exists())


def _with_break_glass(rule: ObjectRule) -> ObjectRule:
    def admits(actor: Any, obj: Any) -> bool:
        return bool(rule(actor, obj)) or break_glass_admits(actor, obj)

    return admits


for _perm, _label in [
    (P.SUBJECT_VIEW, "people.Subject"),
    (P.RISK_VIEW, "people.Subject"),
    (P.CASE_VIEW, "cases.Case"),
    (P.ORDER_VIEW, "orders.Order"),
    (P.VICTIM_IDENTITY_VIEW, "safeguarding.Victim"),
]:
    object_rule(_perm, _label)(_with_break_glass(_OBJECT_RULES[(_perm, _label)]))


def scope_alerts(actor: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
    """An alert is seen by its recipient only."""
    if not has_perm(actor, P.ALERT_RECEIVE):
        return qs.none()
    return qs.filter(recipient_id=actor.pk)


def scope_alert_statistics(actor: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
    """Alerts an actor may *count* (aggregates only, never list): overseers and programme
    managers, the alerts about subjects of the police forces in their partnerships (the same
    reach as their evaluation and programme figures)."""
    if has_perm(actor, P.OVERSIGHT_DASHBOARD) or has_perm(actor, P.PROGRAMME_DASHBOARD):
        return qs.filter(subject__force_id__in=partnership_force_ids(actor))
    return qs.none()


def scope_programme_aggregates(actor: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
    """Programmes an actor may *count* over (sessions reviewed, spending by category; never a
    list of people): overseers every programme serving a force in their partnerships;
    programme managers the programmes they manage; clinical supervisors their own provider's."""
    if has_perm(actor, P.OVERSIGHT_DASHBOARD):
        return qs.filter(forces__in=partnership_force_ids(actor)).distinct()
    if has_perm(actor, P.PROGRAMME_DASHBOARD):
        return scope_programmes_managed(actor, qs)
    if has_perm(actor, P.SESSION_REVIEW) and actor.organisation_id:
        return qs.filter(provider_id=actor.organisation_id)
    return qs.none()


@object_rule(P.PROGRAMME_SETTINGS, "programme.Expenditure")
def _expenditure(actor: Any, line: Any) -> bool:
    return _programme_settings(actor, line.programme)


def scope_disclosures(actor: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
    """Overseers: every disclosure. Supervisors and managers: those made by or to their own
    organisation."""
    if has_perm(actor, P.DISCLOSURE_VIEW_ALL):
        return qs
    if has_perm(actor, P.DISCLOSURE_VIEW_OWN_ORG):
        own = actor.organisation_id
        return qs.filter(from_organisation_id=own) | qs.filter(to_organisation_id=own)
    return qs.none()


def scope_break_glass_reviews(actor: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
    """Overseers review every use that opened a record (not pending or refused requests)."""
    if not has_perm(actor, P.BREAK_GLASS_REVIEW):
        return qs.none()
    return qs.filter(status="granted")


# === evaluation and oversight (issue 6) ======================================================
# Owned by the evaluation app.
# Police record outcomes (new offences) for subjects of their own force. Evaluators, overseers
# and programme managers reach subjects only as pseudonymised or aggregated data, and only for
# the police forces in a partnership their organisation belongs to.

_FORCE_PATH["evaluation.Offence"] = "force_id"
for _perm, _label in [
    (P.OUTCOME_RECORD, "people.Subject"),
    (P.OUTCOME_RECORD, "evaluation.Offence"),
]:
    object_rule(_perm, _label)(_own_force)


def scope_offences(actor: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
    return _scope_own_force(actor, qs, P.OUTCOME_RECORD)


def partnership_force_ids(actor: Any) -> list[int]:
    """Police forces in any partnership the actor's organisation belongs to."""
    from desist.core.models import Organisation

    if not _active(actor) or actor.organisation_id is None:
        return []
    return list(
        Organisation.objects.filter(
            kind="police_force", partnerships__organisations=actor.organisation_id
        )
        .distinct()
        .values_list("pk", flat=True)
    )


def scope_evaluation(actor: Any, qs: QuerySet[Any], perm: Perm) -> QuerySet[Any]:
    """Rows of a force-scoped model (see `_FORCE_PATH`) that evaluation may read for `perm`:
    every force in the actor's partnerships. Only pseudonymised or aggregate output may be
    built from them (desist.evaluation.frames)."""
    if perm not in (
        P.EVALUATION_VIEW,
        P.EXTRACT_DOWNLOAD,
        P.OVERSIGHT_DASHBOARD,
        P.PROGRAMME_DASHBOARD,
    ) or not has_perm(actor, perm):
        return qs.none()
    path = _FORCE_PATH[qs.model._meta.label]
    return qs.filter(**{f"{path}__in": partnership_force_ids(actor)})


def _own_organisation(actor: Any, obj: Any) -> bool:
    return bool(obj.organisation_id == actor.organisation_id)


object_rule(P.EVALUATION_VIEW, "evaluation.EvaluationRun")(_own_organisation)
object_rule(P.OVERSIGHT_DASHBOARD, "evaluation.Finding")(_own_organisation)


def scope_evaluation_runs(actor: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
    if not has_perm(actor, P.EVALUATION_VIEW):
        return qs.none()
    return qs.filter(organisation_id=actor.organisation_id)


def scope_findings(actor: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
    if not has_perm(actor, P.OVERSIGHT_DASHBOARD):
        return qs.none()
    return qs.filter(organisation_id=actor.organisation_id)


SENSITIVE_MODELS = SENSITIVE_MODELS | frozenset(
    {"Offence", "EvaluationRun", "Finding", "Expenditure"}
)
