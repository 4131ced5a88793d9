"""The access policy: the one place that says who may do what to which record.

Three layers, all here:
1. ROLE_PERMISSIONS: what each role may do at all (declared in code, tested as a matrix).
2. Object rules (`can`): whether an actor may do it to *this* record (scope: own organisation,
   linked partnership, ...). One literal table, `_OBJECT_RULES`, built once and read-only.
3. Scopes (`scope_*`): the queryset filters selectors use so lists show only what `can` allows.

Views never decide access themselves; they call selectors, which call this module.

This module is on the lowest floor: it imports nothing above core. What it needs from a higher
app arrives by registration (the break-glass grant source, registered by sharing) or through
the object or queryset it is handed (an advocacy case reached from its victim).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol, TypeGuard

from django.core.exceptions import PermissionDenied
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Cast

from desist.core.models import Organisation, Partnership
from desist.core.roles import RoleCode

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from desist.accounts.models import User


class Perm(StrEnum):
    HOME_VIEW = "home.view"
    AUDIT_VIEW_OWN_ORG = "audit.view_own_org"
    AUDIT_VIEW_ALL = "audit.view_all"
    AUDIT_EXPORT = "audit.export"
    ACCOUNTS_MANAGE = "accounts.manage"
    # Issue 16: accounts of every organisation (system administrators); without it,
    # ACCOUNTS_MANAGE reaches the actor's own organisation only (organisation administrators).
    ACCOUNTS_MANAGE_ALL = "accounts.manage_all"
    # Confirm or remove each account's roles every review period (access reviews).
    ACCOUNTS_REVIEW = "accounts.review"
    # Create, edit and retire organisations and partnerships.
    ORGANISATIONS_MANAGE = "organisations.manage"
    # View and set an organisation's single sign-on (OpenID Connect) settings: any
    # organisation's (system administrators) or their own (organisation administrators).
    SSO_CONFIGURE = "sso.configure"
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
    # Read a referral's suitability answers and notes (issue 20): the provider's clinicians
    # only; the police see the status and engagement, never the answers.
    SUITABILITY_VIEW = "suitability.view"
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
    # Refer a victim to an advocacy service (Victims' Code): police of the recording force.
    ADVOCACY_REFER = "advocacy.refer"
    # The structured safety plan (issue 20): the advocacy service only. Police see that a plan
    # exists and its review date (the victim page's summary), never its content.
    SAFETY_PLAN_VIEW = "safety_plan.view"
    SAFETY_PLAN_EDIT = "safety_plan.edit"
    # Open a case from a phone call or another agency's referral (issue 20): the service's own.
    ADVOCACY_OPEN = "advocacy.open"
    # What the advocate may know of their victim's perpetrator (issue 20): the orders that
    # protect the victim with their terms redacted for her, the programme status where she
    # asked for engagement news, the alerts sent to the advocate. Their own service's cases.
    ADVOCACY_PERPETRATOR_VIEW = "advocacy.perpetrator_view"
    ALERT_RECEIVE = "alert.receive"
    # Acknowledge an alert one has received (issue 17 split it from receiving, so that an API
    # key may read alerts without acknowledging them).
    ALERT_ACKNOWLEDGE = "alert.acknowledge"
    DISCLOSURE_VIEW_OWN_ORG = "disclosure.view_own_org"
    DISCLOSURE_VIEW_ALL = "disclosure.view_all"
    BREAK_GLASS_REQUEST = "break_glass.request"
    BREAK_GLASS_REVIEW = "break_glass.review"
    # Operators: alert e-mails failing to send (issue 12); no address or alert content shown.
    EMAIL_FAILURES_VIEW = "email.failures_view"
    # The second person for a break-glass request over the daily cap or outside the
    # partnership (issue 12): a supervisor or manager of the requester's own organisation.
    BREAK_GLASS_APPROVE = "break_glass.approve"
    # Issue 17: issue and revoke API keys for an organisation (system administrators any
    # organisation's, organisation administrators their own).
    API_KEYS_MANAGE = "api_keys.manage"
    # Issue 17: webhook subscriptions (outbound events) for an organisation, as API keys.
    WEBHOOKS_MANAGE = "webhooks.manage"
    # Evaluation and oversight (issue 6).
    OUTCOME_RECORD = "outcome.record"
    EVALUATION_VIEW = "evaluation.view"
    EXTRACT_DOWNLOAD = "evaluation.extract"
    OVERSIGHT_DASHBOARD = "oversight.dashboard"
    PROGRAMME_DASHBOARD = "programme.dashboard"
    # Retention (issue 18): the data owner of an organisation's records reviews those due
    # under the schedule (keep or dispose) and places legal holds.
    RETENTION_REVIEW = "retention.review"
    # Subject access (issue 18): the same data owner logs, runs and releases the requests
    # made to their organisation (ADR 0031).
    SAR_MANAGE = "sar.manage"
    # Documents (issue 18, ADR 0032): attach files to records, download them, and (police)
    # mark one on an order or referral safe for the provider to read.
    DOCUMENT_VIEW = "document.view"
    DOCUMENT_UPLOAD = "document.upload"
    DOCUMENT_MARK = "document.mark_provider_safe"
    # Issue 19: a police supervisor sets who is in charge of a case or order, and its team,
    # in their own force only.
    CASEWORK_ASSIGN = "casework.assign"
    # Issue 17: a police supervisor imports subjects and cases from the force's record system
    # (Niche, Athena, a generic file) into their own force only (ADR 0034).
    RECORDS_IMPORT = "records.import"
    # Issue 19: correct a mis-keyed order date or term (not a court's variation), with a
    # reason: a police supervisor of the order's own force.
    ORDER_CORRECT = "order.correct"
    # Issue 19: police tasks, their own force's only; a supervisor sees the force's workload.
    TASK_VIEW = "task.view"
    TASK_EDIT = "task.edit"
    # The owner of a case review's action marks it done, whatever their organisation (issue
    # 19 §6): provider and advocacy staff have no TASK_EDIT, and an action never done escalates.
    TASK_COMPLETE_REVIEW_ACTION = "task.complete_review_action"
    WORKLOAD_VIEW = "workload.view"
    # Issue 19: see the updates owed to an order's victims (Victims' Code) and log one given:
    # police of the order's own force, never through break-glass (it names the victims).
    VICTIM_UPDATE_RECORD = "victim_update.record"
    # Issue 19 §6: multi-agency case reviews (MARAC, MAPPA, stalking clinic). A police
    # supervisor convenes (the force owns the meeting and its agenda); police of the force
    # record items, minutes and actions; only the meeting's chair signs. Provider and advocacy
    # staff of an agency at the meeting see their own part (`review_sections_for`).
    REVIEW_VIEW = "review.view"
    REVIEW_CONVENE = "review.convene"
    REVIEW_EDIT = "review.edit"
    REVIEW_SIGN = "review.sign"
    # Issue 19: a subject moves to another force's area. A supervisor of the owning force
    # proposes the transfer; a supervisor of the receiving force accepts or declines it; both
    # forces' supervisors see it (docs/workflows/force-transfer.md).
    TRANSFER_PROPOSE = "transfer.propose"
    TRANSFER_DECIDE = "transfer.decide"
    TRANSFER_VIEW = "transfer.view"
    # The sending force's supervisor takes back a request still waiting (a mistaken one
    # would otherwise block a corrected one).
    TRANSFER_WITHDRAW = "transfer.withdraw"
    # Police of the sending force see that a transfer of their subject is waiting (a banner
    # on the subject, case and order pages), not the request itself.
    TRANSFER_PENDING_NOTICE = "transfer.pending_notice"


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
        P.ADVOCACY_REFER,
        P.DOCUMENT_VIEW,
        P.DOCUMENT_UPLOAD,
        P.DOCUMENT_MARK,
        P.TASK_VIEW,
        P.TASK_EDIT,
        P.VICTIM_UPDATE_RECORD,
        P.REVIEW_VIEW,
        P.REVIEW_EDIT,
        P.REVIEW_SIGN,
    }
)

_POLICE_PROGRAMME = frozenset(
    {
        P.REFERRAL_PUT_FORWARD,
        P.REFERRAL_VIEW,
        P.ENGAGEMENT_VIEW,
        P.END_REPORT_SUMMARY_VIEW,
        P.ALERT_RECEIVE,
        P.ALERT_ACKNOWLEDGE,
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
        P.SUITABILITY_VIEW,
        P.SESSION_MANAGE,
        P.CLINICAL_NOTES,
        P.MEASURE_RECORD,
        P.END_REPORT_WRITE,
        P.ENGAGEMENT_VIEW,
        P.ALERT_RECEIVE,
        P.ALERT_ACKNOWLEDGE,
        # Only documents police marked provider-safe (scope_documents); never upload.
        P.DOCUMENT_VIEW,
        # Case reviews their organisation attended, the provider-safe part only; and the tasks
        # a review gave them (scope_tasks: their own, never the force's), which they mark done.
        P.REVIEW_VIEW,
        P.TASK_VIEW,
        P.TASK_COMPLETE_REVIEW_ACTION,
    }
)

_ADVOCACY = frozenset(
    {
        P.ADVOCACY_VIEW,
        P.ADVOCACY_EDIT,
        P.SAFETY_PLAN_VIEW,
        P.SAFETY_PLAN_EDIT,
        P.ADVOCACY_OPEN,
        P.ADVOCACY_PERPETRATOR_VIEW,
        P.VICTIM_IDENTITY_VIEW,
        P.VICTIM_EDIT,
        P.ALERT_RECEIVE,
        P.ALERT_ACKNOWLEDGE,
        P.BREAK_GLASS_REQUEST,
        P.DOCUMENT_VIEW,
        P.DOCUMENT_UPLOAD,
        # Case reviews their service attended: the advocacy and provider-safe parts; the
        # actions a review gave them, which they mark done.
        P.REVIEW_VIEW,
        P.TASK_VIEW,
        P.TASK_COMPLETE_REVIEW_ACTION,
    }
)

_AUDITOR = frozenset({P.AUDIT_VIEW_OWN_ORG, P.AUDIT_EXPORT, P.DISCLOSURE_VIEW_OWN_ORG})

ROLE_PERMISSIONS: dict[RoleCode, frozenset[Perm]] = {
    R.POLICE_OFFICER: frozenset({P.HOME_VIEW, P.TRANSFER_PENDING_NOTICE})
    | _POLICE_CASEWORK
    | _POLICE_PROGRAMME,
    R.POLICE_SUPERVISOR: frozenset(
        {
            P.HOME_VIEW,
            P.BREAK_GLASS_APPROVE,
            P.RETENTION_REVIEW,
            P.SAR_MANAGE,
            P.CASEWORK_ASSIGN,
            P.RECORDS_IMPORT,
            P.ORDER_CORRECT,
            P.WORKLOAD_VIEW,
            P.REVIEW_CONVENE,
            P.TRANSFER_PROPOSE,
            P.TRANSFER_DECIDE,
            P.TRANSFER_VIEW,
            P.TRANSFER_WITHDRAW,
            P.TRANSFER_PENDING_NOTICE,
        }
    )
    | _AUDITOR
    | _POLICE_CASEWORK
    | _POLICE_PROGRAMME,
    R.PRACTITIONER: frozenset({P.HOME_VIEW}) | _PROVIDER,
    R.CLINICAL_SUPERVISOR: frozenset(
        {P.HOME_VIEW, P.REFERRAL_MANAGE, P.SESSION_REVIEW, P.RETENTION_REVIEW, P.SAR_MANAGE}
    )
    | _AUDITOR
    | _PROVIDER,
    R.VICTIM_ADVOCATE: frozenset({P.HOME_VIEW}) | _ADVOCACY,
    R.ADVOCACY_MANAGER: frozenset(
        {
            P.HOME_VIEW,
            P.ADVOCACY_ALLOCATE,
            P.BREAK_GLASS_APPROVE,
            P.RETENTION_REVIEW,
            P.SAR_MANAGE,
        }
    )
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
            P.ACCOUNTS_MANAGE_ALL,
            P.ACCOUNTS_REVIEW,
            P.ACCOUNTS_2FA_RESET,
            P.ORGANISATIONS_MANAGE,
            P.SSO_CONFIGURE,
            P.INSTRUMENT_MANAGE,
            P.EMAIL_FAILURES_VIEW,
            P.API_KEYS_MANAGE,
            P.WEBHOOKS_MANAGE,
        }
    ),
    # Their own organisation's accounts and access reviews; nothing of its casework.
    R.ORGANISATION_ADMIN: frozenset(
        {
            P.HOME_VIEW,
            P.ACCOUNTS_MANAGE,
            P.ACCOUNTS_REVIEW,
            P.ACCOUNTS_2FA_RESET,
            P.SSO_CONFIGURE,
            P.API_KEYS_MANAGE,
            P.WEBHOOKS_MANAGE,
        }
    ),
}

# --- API keys (issue 17, ADR 0029) ------------------------------------------------------------
# A key acts for its organisation through a service account that holds no role. What it may do
# is the permissions of its organisation kind's base role, cut down to those its scopes name:
# never more than a person of that organisation could do, and the same object rules and scopes
# below apply to it as to a person.


class ApiScope(StrEnum):
    ORDERS_READ = "orders:read"
    VICTIMS_READ = "victims:read"
    REFERRALS_READ = "referrals:read"
    ALERTS_READ = "alerts:read"
    ALERTS_ACK = "alerts:ack"


API_SCOPE_LABELS: Mapping[ApiScope, str] = MappingProxyType(
    {
        ApiScope.ORDERS_READ: "Read orders and their terms",
        ApiScope.VICTIMS_READ: "See victims' names in orders (not only references)",
        ApiScope.REFERRALS_READ: "Read referrals: status and attendance",
        ApiScope.ALERTS_READ: "Read alerts sent to the organisation",
        ApiScope.ALERTS_ACK: "Acknowledge alerts",
    }
)

API_SCOPE_PERMISSIONS: Mapping[ApiScope, frozenset[Perm]] = MappingProxyType(
    {
        ApiScope.ORDERS_READ: frozenset({P.ORDER_VIEW}),
        ApiScope.VICTIMS_READ: frozenset({P.VICTIM_IDENTITY_VIEW}),
        ApiScope.REFERRALS_READ: frozenset({P.REFERRAL_VIEW, P.ENGAGEMENT_VIEW}),
        ApiScope.ALERTS_READ: frozenset({P.ALERT_RECEIVE}),
        ApiScope.ALERTS_ACK: frozenset({P.ALERT_RECEIVE, P.ALERT_ACKNOWLEDGE}),
    }
)

# The role whose permissions bound a key of each organisation kind. Other kinds get no keys.
API_KEY_BASE_ROLE: Mapping[str, RoleCode] = MappingProxyType(
    {
        "police_force": R.POLICE_OFFICER,
        "provider": R.PRACTITIONER,
        "advocacy": R.VICTIM_ADVOCATE,
    }
)


@dataclass(frozen=True)
class ApiCredential:
    """Set on a key's service account (`user.api_credential`) by the API's authentication,
    after the key was checked live; only then does the account hold anything."""

    key_id: int
    scopes: frozenset[str]


def api_key_permissions(kind: str, scopes: Iterable[str]) -> frozenset[Perm]:
    role = API_KEY_BASE_ROLE.get(kind)
    if role is None:
        return frozenset()
    granted: set[Perm] = set()
    for scope in scopes:
        if scope in ApiScope.__members__.values():
            granted |= API_SCOPE_PERMISSIONS[ApiScope(scope)]
    return ROLE_PERMISSIONS[role] & granted


def api_scopes_for_kind(kind: str) -> list[ApiScope]:
    """Scopes a key of this organisation kind can use (a provider's never reads orders)."""
    return [s for s in ApiScope if api_key_permissions(kind, [s])]


def api_credential(actor: Any) -> ApiCredential | None:
    credential = getattr(actor, "api_credential", None)
    return credential if isinstance(credential, ApiCredential) else None


# Models that only selectors may query. A test fails the build if a view, template tag or
# API module touches `<Model>.objects` for any of these.
SENSITIVE_MODELS: frozenset[str] = frozenset(
    {
        # accounts and audit
        "AuditEvent",
        "User",
        "UserSession",
        "ApiKey",
        # police casework (issue 3)
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
        # programme (issue 4)
        "Referral",
        "ProgrammeSession",
        "ClinicalNote",
        "RiskDisclosure",
        "Measure",
        "EndReport",
        "SupervisionEntry",
        "CalendarToken",
        # safeguarding (issue 5)
        "AdvocacyCase",
        "AdvocacyCaseEvent",
        "ContactLogEntry",
        "SafetyPlanVersion",
        "VictimRating",
        # sharing (issue 5)
        "Alert",
        "OutboundEmail",
        "Disclosure",
        "BreakGlassGrant",
        # evaluation (issue 6)
        "Offence",
        "EvaluationRun",
        "Finding",
        "Expenditure",
        # retention (issue 18)
        "RetentionReview",
        "LegalHold",
        # subject access (issue 18)
        "AccessRequest",
        # documents (issue 18)
        "Document",
        # case reviews (issue 19 §6)
        "ReviewMeeting",
        "ReviewItem",
        "ReviewMinutes",
        "ReviewAction",
        # transfers between forces (issue 19)
        "ForceTransfer",
        "TransferredRecord",
    }
)


# --- permissions ----------------------------------------------------------------------------


def _active(actor: User | AnonymousUser | None) -> TypeGuard[User]:
    return bool(actor is not None and actor.is_authenticated and actor.is_active)


def permissions_for(actor: User | AnonymousUser | None) -> frozenset[Perm]:
    """All permissions the actor holds through their roles. No superuser bypass."""
    if not _active(actor) or actor.organisation_id is None:
        return frozenset()
    if actor.organisation is not None and actor.organisation.retired_at is not None:
        return frozenset()  # a retired organisation's people hold nothing (issue 16)
    credential = api_credential(actor)
    if credential is not None:
        return api_key_permissions(_org_kind(actor), credential.scopes)
    perms: set[Perm] = set()
    for code in actor.role_codes:
        perms |= ROLE_PERMISSIONS.get(RoleCode(code), frozenset())
    return frozenset(perms)


def has_perm(actor: User | AnonymousUser | None, perm: Perm) -> bool:
    return perm in permissions_for(actor)


def require_perm(actor: User | AnonymousUser | None, perm: Perm) -> None:
    if not has_perm(actor, perm):
        raise PermissionDenied(perm.value)


def _org_kind(actor: User) -> str:
    org = actor.organisation
    return str(org.kind) if org is not None else ""


# --- break-glass grants: a source that sharing registers --------------------------------------
# A live break-glass grant admits its one record for *viewing* (never editing). The grants are
# sharing's records; sharing registers a source in SharingConfig.ready(). With no source
# registered, nobody holds a grant (fail closed).

BREAK_GLASS_RECORD_TYPES = frozenset(
    {"people.Subject", "cases.Case", "orders.Order", "safeguarding.Victim"}
)


class GrantSource(Protocol):
    def live_record_ids(self, actor: User, label: str) -> QuerySet[Any]:
        """`record_id` values of records of type `label` the actor holds a live grant for,
        as a lazy subquery."""
        ...

    def grants_on_records_of(self, org_id: int) -> QuerySet[Any]:
        """Every grant (any status) on a record `org_id` holds: `user_id`, `record_type`,
        `record_id`, `pk`, for the audit log's view of break-glass on its records."""
        ...


_grant_sources: list[GrantSource] = []


def register_grant_source(source: GrantSource) -> None:
    """Called once, by SharingConfig.ready(). A second source is refused: one owner."""
    if _grant_sources and _grant_sources[0] is not source:
        raise RuntimeError("A break-glass grant source is already registered")
    _grant_sources[:] = [source]


def unregister_grant_source() -> None:
    """For tests that show what happens without one."""
    _grant_sources.clear()


def _grant_source() -> GrantSource | None:
    return _grant_sources[0] if _grant_sources else None


def _granted_ids(actor: User, label: str) -> QuerySet[Any] | None:
    """The actor's live grants on records of `label`, or None when they can hold none."""
    source = _grant_source()
    if (
        source is None
        or label not in BREAK_GLASS_RECORD_TYPES
        or not has_perm(actor, P.BREAK_GLASS_REQUEST)
    ):
        return None
    return source.live_record_ids(actor, label)


def break_glass_admits(actor: User, obj: Any) -> bool:
    """Does a live grant of the actor's admit this record?"""
    granted = _granted_ids(actor, obj._meta.label)
    return granted is not None and granted.filter(record_id=obj.pk).exists()


def _break_glass_q(actor: User, qs: QuerySet[Any]) -> Q | None:
    """The filter admitting records of qs's model under the actor's live grants, or None when
    the actor holds none (then the scope is the force filter alone).

    The ids are read first (a grant admits one record, and a user holds a handful): a literal
    list lets the database combine the force index with the primary key, where an IN-subquery
    inside the OR made every police list scan the national table (issue 21)."""
    granted = _granted_ids(actor, qs.model._meta.label)
    if granted is None:
        return None
    ids = [row["record_id"] for row in granted]
    return Q(pk__in=ids) if ids else None


def _break_glass_on_records_of(org_id: int) -> Q:
    """Audit events about break-glass on records `org_id` holds, by anyone outside it: what the
    requester did to the record (request, every page seen) and what happened to the request
    (approval, refusal, review). One correlated subquery each; no time window, since a user of
    another organisation reaches the record only through a grant."""
    source = _grant_source()
    if source is None:
        return Q(pk__in=[])
    grants = source.grants_on_records_of(org_id)
    on_record = grants.annotate(rid=Cast("record_id", CharField())).filter(
        user_id=OuterRef("actor_id"), record_type=OuterRef("object_type"), rid=OuterRef("object_id")
    )
    on_grant = grants.annotate(gid=Cast("pk", CharField())).filter(gid=OuterRef("object_id"))
    return ~Q(organisation_id=org_id) & (
        Exists(on_record) | (Q(object_type="sharing.BreakGlassGrant") & Exists(on_grant))
    )


# --- transfers between forces (issue 19): a source that transfers registers -----------------
# When a subject's file moves to another force, the sending force keeps *read-only* access to
# the records that moved (subject, cases, orders): the view rules below admit them, the edit
# rules never do. The transfers are the transfers app's records; it registers a source in
# TransfersConfig.ready(). With none registered, no force reads another's records (fail closed).

HISTORY_RECORD_TYPES = frozenset({"people.Subject", "cases.Case", "orders.Order"})


class HistorySource(Protocol):
    def transferred_record_ids(self, force_id: int, label: str) -> QuerySet[Any]:
        """`record_id` values of records of type `label` that an accepted transfer moved away
        from `force_id`, as a lazy subquery."""
        ...


_history_sources: list[HistorySource] = []


def register_history_source(source: HistorySource) -> None:
    """Called once, by TransfersConfig.ready(). A second source is refused: one owner."""
    if _history_sources and _history_sources[0] is not source:
        raise RuntimeError("A transfer history source is already registered")
    _history_sources[:] = [source]


def unregister_history_source() -> None:
    """For tests that show what happens without one."""
    _history_sources.clear()


def _history_ids(actor: User, label: str) -> QuerySet[Any] | None:
    """Records of `label` transferred away from the actor's force, or None when there can be
    none (no source, not a police force, not a kind of record that moves)."""
    source = _history_sources[0] if _history_sources else None
    if source is None or label not in HISTORY_RECORD_TYPES or _org_kind(actor) != "police_force":
        return None
    return source.transferred_record_ids(int(actor.organisation_id or 0), label)


def transferred_away(actor: User | AnonymousUser | None, obj: Any) -> bool:
    """Did an accepted transfer move this record away from the actor's force? Its pages are
    then a read-only history for the actor (never a write: no edit rule asks this)."""
    if not _active(actor) or _own_force(actor, obj):
        return False
    ids = _history_ids(actor, obj._meta.label)
    return ids is not None and ids.filter(record_id=obj.pk).exists()


def break_glass_approval_reasons(
    actor: User, *, record_organisation_id: int, requests_today: int, daily_cap: int
) -> list[str]:
    """Why a break-glass request needs a second person's approval before it opens anything
    (empty: it opens at once). Police reach another force's record at once only when both
    forces share a partnership; anyone past the daily cap needs approval."""
    reasons = []
    if requests_today >= daily_cap:
        reasons.append("cap")
    if _org_kind(actor) == "police_force" and (
        record_organisation_id not in partnership_organisation_ids(actor)
    ):
        reasons.append("partnership")
    return reasons


# --- organisations and partnerships -----------------------------------------------------------


def _partner_org_ids(actor: User) -> QuerySet[Organisation, Any]:
    # A retired partnership links nobody (issue 16).
    mine = Partnership.objects.filter(
        organisations=actor.organisation_id, retired_at__isnull=True
    ).values("pk")
    return Organisation.objects.filter(partnerships__in=mine).values("pk")


def partnership_organisation_ids(actor: User | AnonymousUser | None) -> list[int]:
    """Every live organisation in a live partnership with the actor's: the only ones a
    referral, a break-glass partnership check or a programme setting may reach, and whose
    accounts the oversight dashboard counts (issue 16). Read partnership membership only
    through here (or the scopes below), never from `Partnership` directly."""
    if not _active(actor) or actor.organisation_id is None:
        return []
    return list(
        Organisation.objects.filter(pk__in=_partner_org_ids(actor), retired_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def partnership_force_ids(actor: User | AnonymousUser | None) -> list[int]:
    """Police forces in any partnership the actor's organisation belongs to."""
    if not _active(actor) or actor.organisation_id is None:
        return []
    return list(
        Organisation.objects.filter(
            kind="police_force",
            partnerships__organisations=actor.organisation_id,
            partnerships__retired_at__isnull=True,
        )
        .distinct()
        .values_list("pk", flat=True)
    )


# --- object rules: one function per answer, composed explicitly ------------------------------
# Police casework is scoped to the actor's own force: each of these models has a `force_id`,
# or reaches one through `subject`.

_FORCE_PATH: Mapping[str, str] = MappingProxyType(
    {
        "people.Subject": "force_id",
        "cases.Case": "force_id",
        "safeguarding.Victim": "force_id",
        "orders.Order": "force_id",
        "risk.Assessment": "subject__force_id",
        "evaluation.Offence": "force_id",
        "imports.ImportRun": "force_id",
        "tasks.Task": "force_id",
        "reviews.ReviewMeeting": "force_id",
    }
)


def _force_of(obj: Any) -> int | None:
    value = obj
    for part in _FORCE_PATH[obj._meta.label].split("__"):
        value = getattr(value, part)
    return value if value is None else int(value)


def _own_force(actor: User, obj: Any) -> bool:
    return _org_kind(actor) == "police_force" and _force_of(obj) == actor.organisation_id


def _is_own_force(actor: User, organisation: Any) -> bool:
    return _org_kind(actor) == "police_force" and organisation.pk == actor.organisation_id


def _own_force_or_break_glass(actor: User, obj: Any) -> bool:
    return _own_force(actor, obj) or break_glass_admits(actor, obj)


def _own_force_history_or_break_glass(actor: User, obj: Any) -> bool:
    """Reading a subject, case or order: the owning force, the force it was transferred away
    from (its history, read-only), or a live break-glass grant."""
    return _own_force_or_break_glass(actor, obj) or transferred_away(actor, obj)


def _transfer_party(actor: User, transfer: Any) -> bool:
    # The sending and the receiving force; nobody else learns a transfer exists.
    return _org_kind(actor) == "police_force" and actor.organisation_id in (
        transfer.from_force_id,
        transfer.to_force_id,
    )


def _transfer_sending(actor: User, transfer: Any) -> bool:
    return _org_kind(actor) == "police_force" and transfer.from_force_id == actor.organisation_id


def _transfer_receiving(actor: User, transfer: Any) -> bool:
    return _org_kind(actor) == "police_force" and transfer.to_force_id == actor.organisation_id


def _factor_reset_in_reach(actor: User, target: Any) -> bool:
    # Whoever's account the administrator reaches (never their own): a system administrator
    # any organisation's, since one without an organisation administrator (a new one) has
    # nobody else to recover a lost phone; an organisation administrator their own staff's,
    # never a system administrator's.
    return _account_in_reach(actor, target)


def _account_in_reach(actor: User, target: Any) -> bool:
    """Issue 16: a system administrator reaches every account, an organisation administrator
    their own organisation's, except a system administrator's; nobody their own account."""
    if target.pk == actor.pk:
        return False
    if has_perm(actor, P.ACCOUNTS_MANAGE_ALL):
        return True
    return bool(
        target.organisation_id == actor.organisation_id
        and RoleCode.SYSTEM_ADMIN not in target.role_codes
    )


def reviews_own_session(actor: User | AnonymousUser | None, session: Any) -> bool:
    """Nobody signs off a session they delivered (issue 20): the rating would count in their own
    adherence figures. Another supervisor reviews it."""
    pk = getattr(actor, "pk", None)
    return bool(pk and session.practitioner_id == pk)


def grantable_roles(actor: User | AnonymousUser | None) -> frozenset[RoleCode]:
    """Roles the actor may give: an organisation administrator never makes a system
    administrator (no one raises their own reach)."""
    if has_perm(actor, P.ACCOUNTS_MANAGE_ALL):
        return frozenset(RoleCode)
    if has_perm(actor, P.ACCOUNTS_MANAGE):
        return frozenset(RoleCode) - {RoleCode.SYSTEM_ADMIN}
    return frozenset()


def _organisation_in_reach(actor: User, organisation: Any) -> bool:
    """Whose accounts an administrator may create in: any organisation (system
    administrators) or their own (organisation administrators); never a retired one."""
    if organisation.retired_at is not None:
        return False
    return has_perm(actor, P.ACCOUNTS_MANAGE_ALL) or organisation.pk == actor.organisation_id


def _system_wide(actor: User, obj: Any) -> bool:
    # Organisations and partnerships: whoever holds the permission (system administrators).
    return True


def _own_organisation(actor: User, obj: Any) -> bool:
    return bool(obj.organisation_id == actor.organisation_id)


def _sar_request_held(actor: User, request: Any) -> bool:
    return _own_organisation(actor, request) and request.person_kind in sar_kinds_for(actor)


# Subject access (ADR 0031): the people whose requests a data owner may log are those their
# organisation holds something about in Desist. Anyone else's ID is refused as if unknown, so
# the form tells no one that another force's subject exists. Read through the person handed
# in; sharing's alerts and disclosures through the models the actor and Organisation reach.


def _shared_about(actor: User, subject: Any) -> bool:
    """An alert or a disclosure about the subject that the actor's organisation sent or
    received."""
    org = actor.organisation_id
    alert: Any = actor._meta.get_field("sharing_alerts").related_model
    disclosure: Any = Organisation._meta.get_field("disclosures_made").related_model
    sent = Q(from_organisation_id=org)
    return bool(
        alert._default_manager.filter(
            sent | Q(recipient_organisation_id=org), subject=subject
        ).exists()
        or disclosure._default_manager.filter(
            sent | Q(to_organisation_id=org), subject=subject
        ).exists()
    )


def _sar_subject_held(actor: User, subject: Any) -> bool:
    """Police: their own force's subject (or one with a case, order or referral of theirs).
    Provider: a subject referred to its programmes. Any of them, and an advocacy service:
    a subject of an alert or disclosure it sent or received."""
    kind, org = _org_kind(actor), actor.organisation_id
    if kind == "police_force" and (
        subject.force_id == org
        or subject.cases.filter(force_id=org).exists()
        or subject.orders.filter(force_id=org).exists()
        or subject.programme_referrals.filter(force_id=org).exists()
    ):
        return True
    if kind == "provider" and (
        subject.programme_referrals.filter(programme__provider_id=org).exists()
    ):
        return True
    return kind in {"police_force", "provider", "advocacy"} and _shared_about(actor, subject)


def _sar_victim_held(actor: User, victim: Any) -> bool:
    """Police: the recording force's victim, or one in its cases or protected by its orders.
    Advocacy: a victim it owns (a self-referral) or holds an advocacy case for. A provider
    never (the victim wall)."""
    if not has_perm(actor, P.VICTIM_IDENTITY_VIEW):
        return False
    kind, org = _org_kind(actor), actor.organisation_id
    if kind == "advocacy":
        return bool(victim.owner_id == org or victim.advocacy_cases.filter(service_id=org).exists())
    return bool(
        kind == "police_force"
        and (
            victim.force_id == org
            or victim.cases.filter(force_id=org).exists()
            or victim.protecting_terms.filter(order__force_id=org).exists()
        )
    )


# Victims: police of the recording force; an advocacy service holding an advocacy case for the
# victim (open or closed); provider staff never. Read through the victim handed in.


def _victim_held(actor: User, victim: Any) -> bool:
    if _org_kind(actor) == "advocacy":
        return bool(victim.advocacy_cases.filter(service_id=actor.organisation_id).exists())
    return _own_force(actor, victim)


def _victim_identity(actor: User, victim: Any) -> bool:
    """Who may see a victim's name, address and contact details: whoever holds the victim
    (above), or anyone with a live break-glass grant on this victim."""
    return _victim_held(actor, victim) or break_glass_admits(actor, victim)


def _own_service(actor: User, obj: Any) -> bool:
    # An advocacy case, or a record under one (contact log, safety plan, rating).
    case = obj if obj._meta.label == "safeguarding.AdvocacyCase" else obj.case
    return _org_kind(actor) == "advocacy" and case.service_id == actor.organisation_id


def _is_own_service(actor: User, organisation: Any) -> bool:
    # The advocacy service the actor works for, and only while it is not retired.
    return bool(
        organisation.kind == "advocacy"
        and organisation.pk == actor.organisation_id
        and organisation.retired_at is None
    )


# Programme: provider staff reach referrals to their own provider; police reach referrals of
# their own force (status and engagement, never notes).


def _provider_owns_referral(actor: User, referral: Any) -> bool:
    return bool(
        _org_kind(actor) == "provider" and referral.programme.provider_id == actor.organisation_id
    )


def _police_own_referral(actor: User, referral: Any) -> bool:
    return bool(_org_kind(actor) == "police_force" and referral.force_id == actor.organisation_id)


def _referral_view(actor: User, referral: Any) -> bool:
    return _provider_owns_referral(actor, referral) or _police_own_referral(actor, referral)


def _programme_settings(actor: User, programme: Any) -> bool:
    same = type(programme)._default_manager.filter(pk=programme.pk)
    return bool(scope_programmes_managed(actor, same).exists())


def _expenditure(actor: User, line: Any) -> bool:
    return _programme_settings(actor, line.programme)


def _alert_addressed(actor: User, alert: Any) -> bool:
    # The list form is `scope_alerts`.
    if api_credential(actor) is not None:
        return bool(alert.recipient_organisation_id == actor.organisation_id)
    return bool(alert.recipient_id == actor.pk)


def _api_key_in_reach(actor: User, key: Any) -> bool:
    return _organisation_in_reach(actor, key.organisation)


def _api_keys_for(actor: User, organisation: Any) -> bool:
    # Keys act for police forces, providers and advocacy services only.
    return organisation.kind in API_KEY_BASE_ROLE and _organisation_in_reach(actor, organisation)


# Organisations whose records the outbound events describe (ADR 0035): forces' orders and
# referrals, providers' referrals.
WEBHOOK_ORGANISATION_KINDS = frozenset({"police_force", "provider"})


def _webhooks_for(actor: User, organisation: Any) -> bool:
    return organisation.kind in WEBHOOK_ORGANISATION_KINDS and _organisation_in_reach(
        actor, organisation
    )


def _subscription_in_reach(actor: User, subscription: Any) -> bool:
    return _organisation_in_reach(actor, subscription.organisation)


def _document_in_scope(actor: User, document: Any) -> bool:
    # The one answer is scope_documents; the rule asks it about this row.
    same = type(document)._default_manager.filter(pk=document.pk)
    return bool(scope_documents(actor, same).exists())


def _document_markable(actor: User, document: Any) -> bool:
    """Police of the owning force, on an order's or a referral's document: the provider reads
    nothing about a case, and an advocacy service's documents never leave it."""
    return bool(
        _org_kind(actor) == "police_force"
        and document.organisation_id == actor.organisation_id
        and (document.order_id is not None or document.referral_id is not None)
    )


def _own_force_or_assigned(actor: User, task: Any) -> bool:
    """A task is its force's police work, and also the work of whoever it is assigned to (a
    case review gives actions to provider and advocacy staff: issue 19 §6)."""
    return _own_force(actor, task) or bool(task.assignee_id and task.assignee_id == actor.pk)


def _review_action_owner(actor: User, task: Any) -> bool:
    """A case review's action, by the person it is assigned to: nothing else of the task's
    force (and no other kind of task) is theirs to close."""
    return bool(task.kind == "review_action" and task.assignee_id and task.assignee_id == actor.pk)


def task_completable(actor: User | AnonymousUser | None, task: Any) -> bool:
    """Police of the force close any of its tasks; the owner of a case review's action closes
    that one (TASK_COMPLETE_REVIEW_ACTION)."""
    return can(actor, P.TASK_EDIT, task) or can(actor, P.TASK_COMPLETE_REVIEW_ACTION, task)


def _review_attended(actor: User, meeting: Any) -> bool:
    """A case review: police of the convening force, or staff of an agency at the meeting
    (their part only: `review_sections_for`). Another force sees nothing."""
    if _org_kind(actor) == "police_force":
        return _own_force(actor, meeting)
    return bool(meeting.agencies.filter(pk=actor.organisation_id).exists())


def _review_chair(actor: User, meeting: Any) -> bool:
    """Only the meeting's chair signs its minutes, and only while in the convening force."""
    return _own_force(actor, meeting) and meeting.chair_id == actor.pk


# Which minute sections each kind of organisation reads (issue 19 §6). Police read all three;
# the provider the provider-safe section only; advocacy its own and the provider-safe one.
REVIEW_SECTIONS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "police_force": frozenset({"police", "provider", "advocacy"}),
        "provider": frozenset({"provider"}),
        "advocacy": frozenset({"provider", "advocacy"}),
    }
)


def review_sections_for(actor: User, meeting: Any) -> frozenset[str]:
    """The minute sections the actor may read in this meeting: none unless they may see it."""
    if not can(actor, P.REVIEW_VIEW, meeting):
        return frozenset()
    return REVIEW_SECTIONS.get(_org_kind(actor), frozenset())


def review_items_visible(actor: User, meeting: Any) -> bool:
    """An agenda item names a subject and holds police discussion and decisions: police of the
    convening force only. The others see the actions addressed to their organisation."""
    return _org_kind(actor) == "police_force" and can(actor, P.REVIEW_VIEW, meeting)


def _approve_break_glass(actor: User, grant: Any) -> bool:
    # A colleague of the requester's own organisation; never one's own request.
    return bool(grant.organisation_id == actor.organisation_id and grant.user_id != actor.pk)


ObjectRule = Callable[["User", Any], bool]

# (permission, model label) -> the one rule. Written once, never added to or replaced
# (a test checks the literal has no repeated key and that nothing writes to it).
_OBJECT_RULES: Mapping[tuple[Perm, str], ObjectRule] = MappingProxyType(
    {
        # accounts
        (P.ACCOUNTS_MANAGE, "accounts.User"): _account_in_reach,
        (P.ACCOUNTS_REVIEW, "accounts.User"): _account_in_reach,
        (P.ACCOUNTS_MANAGE, "core.Organisation"): _organisation_in_reach,
        (P.ORGANISATIONS_MANAGE, "core.Organisation"): _system_wide,
        (P.SSO_CONFIGURE, "core.Organisation"): _organisation_in_reach,
        (P.ORGANISATIONS_MANAGE, "core.Partnership"): _system_wide,
        (P.ACCOUNTS_2FA_RESET, "accounts.User"): _factor_reset_in_reach,
        # subjects
        (P.SUBJECT_VIEW, "people.Subject"): _own_force_history_or_break_glass,
        (P.SUBJECT_EDIT, "people.Subject"): _own_force,
        (P.INTERVENTION_DECIDE, "people.Subject"): _own_force,
        (P.RISK_VIEW, "people.Subject"): _own_force_or_break_glass,
        (P.RISK_ASSESS, "people.Subject"): _own_force,
        (P.REFERRAL_PUT_FORWARD, "people.Subject"): _own_force,
        (P.OUTCOME_RECORD, "people.Subject"): _own_force,
        # cases, orders, assessments, offences
        (P.CASE_VIEW, "cases.Case"): _own_force_history_or_break_glass,
        (P.CASE_EDIT, "cases.Case"): _own_force,
        (P.ORDER_VIEW, "orders.Order"): _own_force_history_or_break_glass,
        (P.ORDER_EDIT, "orders.Order"): _own_force,
        (P.CASEWORK_ASSIGN, "cases.Case"): _own_force,
        (P.CASEWORK_ASSIGN, "orders.Order"): _own_force,
        # bulk import (issue 17): into one's own force, and its runs
        (P.RECORDS_IMPORT, "core.Organisation"): _is_own_force,
        (P.RECORDS_IMPORT, "imports.ImportRun"): _own_force,
        (P.ORDER_CORRECT, "orders.Order"): _own_force,
        # tasks (issue 19): police of the force only, never break-glass
        (P.TASK_VIEW, "tasks.Task"): _own_force_or_assigned,
        (P.TASK_EDIT, "tasks.Task"): _own_force,
        (P.TASK_COMPLETE_REVIEW_ACTION, "tasks.Task"): _review_action_owner,
        (P.TASK_EDIT, "cases.Case"): _own_force,
        (P.TASK_EDIT, "orders.Order"): _own_force,
        (P.VICTIM_UPDATE_RECORD, "orders.Order"): _own_force,
        # case reviews (issue 19 §6)
        (P.REVIEW_VIEW, "reviews.ReviewMeeting"): _review_attended,
        (P.REVIEW_EDIT, "reviews.ReviewMeeting"): _own_force,
        (P.REVIEW_SIGN, "reviews.ReviewMeeting"): _review_chair,
        # transfers between forces (issue 19): proposed by the owning force, decided by the
        # receiving one; the moved records' edit rules above stay `_own_force`
        (P.TRANSFER_PROPOSE, "people.Subject"): _own_force,
        (P.TRANSFER_VIEW, "transfers.ForceTransfer"): _transfer_party,
        (P.TRANSFER_DECIDE, "transfers.ForceTransfer"): _transfer_receiving,
        (P.TRANSFER_WITHDRAW, "transfers.ForceTransfer"): _transfer_sending,
        (P.TRANSFER_PENDING_NOTICE, "transfers.ForceTransfer"): _transfer_sending,
        (P.RISK_VIEW, "risk.Assessment"): _own_force,
        (P.OUTCOME_RECORD, "evaluation.Offence"): _own_force,
        # victims: who may see a victim's address is this first row, and nothing else
        (P.VICTIM_IDENTITY_VIEW, "safeguarding.Victim"): _victim_identity,
        (P.VICTIM_EDIT, "safeguarding.Victim"): _victim_held,
        (P.ADVOCACY_REFER, "safeguarding.Victim"): _own_force,
        (P.ADVOCACY_VIEW, "safeguarding.AdvocacyCase"): _own_service,
        (P.ADVOCACY_EDIT, "safeguarding.AdvocacyCase"): _own_service,
        (P.ADVOCACY_ALLOCATE, "safeguarding.AdvocacyCase"): _own_service,
        (P.SAFETY_PLAN_VIEW, "safeguarding.AdvocacyCase"): _own_service,
        (P.SAFETY_PLAN_EDIT, "safeguarding.AdvocacyCase"): _own_service,
        (P.ADVOCACY_PERPETRATOR_VIEW, "safeguarding.AdvocacyCase"): _own_service,
        (P.ADVOCACY_OPEN, "core.Organisation"): _is_own_service,
        # programme
        (P.REFERRAL_VIEW, "programme.Referral"): _referral_view,
        (P.ENGAGEMENT_VIEW, "programme.Referral"): _referral_view,
        (P.REFERRAL_MANAGE, "programme.Referral"): _provider_owns_referral,
        (P.REFERRAL_ASSESS, "programme.Referral"): _provider_owns_referral,
        (P.SUITABILITY_VIEW, "programme.Referral"): _provider_owns_referral,
        (P.SESSION_MANAGE, "programme.Referral"): _provider_owns_referral,
        (P.CLINICAL_NOTES, "programme.Referral"): _provider_owns_referral,
        (P.SESSION_REVIEW, "programme.Referral"): _provider_owns_referral,
        (P.MEASURE_RECORD, "programme.Referral"): _provider_owns_referral,
        (P.END_REPORT_WRITE, "programme.Referral"): _provider_owns_referral,
        # Police withdraw their own force's referrals (the workflow table says when).
        (P.REFERRAL_PUT_FORWARD, "programme.Referral"): _police_own_referral,
        (P.END_REPORT_SUMMARY_VIEW, "programme.Referral"): _police_own_referral,
        (P.PROGRAMME_SETTINGS, "programme.Programme"): _programme_settings,
        (P.PROGRAMME_SETTINGS, "programme.Expenditure"): _expenditure,
        # sharing
        (P.BREAK_GLASS_APPROVE, "sharing.BreakGlassGrant"): _approve_break_glass,
        (P.ALERT_RECEIVE, "sharing.Alert"): _alert_addressed,
        (P.ALERT_ACKNOWLEDGE, "sharing.Alert"): _alert_addressed,
        # API keys (issue 17)
        (P.API_KEYS_MANAGE, "core.Organisation"): _api_keys_for,
        (P.API_KEYS_MANAGE, "accounts.ApiKey"): _api_key_in_reach,
        (P.WEBHOOKS_MANAGE, "core.Organisation"): _webhooks_for,
        (P.WEBHOOKS_MANAGE, "events.Subscription"): _subscription_in_reach,
        # evaluation
        (P.EVALUATION_VIEW, "evaluation.EvaluationRun"): _own_organisation,
        (P.OVERSIGHT_DASHBOARD, "evaluation.Finding"): _own_organisation,
        # documents (issue 18): upload onto a record one may edit; read and mark per document
        (P.DOCUMENT_UPLOAD, "cases.Case"): _own_force,
        (P.DOCUMENT_UPLOAD, "orders.Order"): _own_force,
        (P.DOCUMENT_UPLOAD, "programme.Referral"): _police_own_referral,
        (P.DOCUMENT_UPLOAD, "safeguarding.AdvocacyCase"): _own_service,
        (P.DOCUMENT_VIEW, "documents.Document"): _document_in_scope,
        (P.DOCUMENT_MARK, "documents.Document"): _document_markable,
        # retention: the data owner's own organisation's records
        (P.RETENTION_REVIEW, "retention.RetentionReview"): _own_organisation,
        # subject access: the requests made to the data owner's own organisation
        (P.SAR_MANAGE, "sar.AccessRequest"): _sar_request_held,
        # and whose requests they may log: people their organisation holds something about
        (P.SAR_MANAGE, "people.Subject"): _sar_subject_held,
        (P.SAR_MANAGE, "safeguarding.Victim"): _sar_victim_held,
    }
)


def can(actor: User | AnonymousUser | None, perm: Perm, obj: Any = None) -> bool:
    """May `actor` exercise `perm` on `obj`? Without a rule in the table, object access is
    denied."""
    if not has_perm(actor, perm) or not _active(actor):
        return False
    if obj is None:
        return True
    rule = _OBJECT_RULES.get((perm, obj._meta.label))
    return bool(rule and rule(actor, obj))


def require(actor: User | AnonymousUser | None, perm: Perm, obj: Any = None) -> None:
    if not can(actor, perm, obj):
        raise PermissionDenied(perm.value)


# --- scopes (queryset filters for selectors) -------------------------------------------------


def scope_audit_events(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    """Overseers: everything. Auditors: their own organisation's events, and other
    organisations' break-glass access to records their organisation holds (issue 12)."""
    if has_perm(actor, P.AUDIT_VIEW_ALL):
        return qs
    if has_perm(actor, P.AUDIT_VIEW_OWN_ORG):
        own = Q(organisation_id=actor.organisation_id)
        return qs.filter(own | _break_glass_on_records_of(actor.organisation_id or 0))
    return qs.none()


def audit_scope_key(actor: User) -> str | None:
    """A name for the part of the audit log `scope_audit_events` gives the actor ("all", or
    "org:<id>"; None for nothing), so results derived from it can be shared by exactly the
    people who read the same events."""
    if has_perm(actor, P.AUDIT_VIEW_ALL):
        return "all"
    if has_perm(actor, P.AUDIT_VIEW_OWN_ORG):
        return f"org:{actor.organisation_id}"
    return None


def scope_users_manageable(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    """The list form of `_account_in_reach`. An API key's service account is managed through
    its key (revoked, never edited or invited), so no account page reaches it."""
    if not has_perm(actor, P.ACCOUNTS_MANAGE):
        return qs.none()
    qs = qs.filter(api_key__isnull=True)
    if has_perm(actor, P.ACCOUNTS_MANAGE_ALL):
        return qs.exclude(pk=actor.pk)
    admins = qs.model._default_manager.filter(roles__code=RoleCode.SYSTEM_ADMIN).values("pk")
    return (
        qs.filter(organisation_id=actor.organisation_id).exclude(pk=actor.pk).exclude(pk__in=admins)
    )


def _scope_own_force(
    actor: User, qs: QuerySet[Any], perm: Perm, *, history: bool = False
) -> QuerySet[Any]:
    if not has_perm(actor, perm):
        return qs.none()
    # A live break-glass grant admits its one record.
    granted = _break_glass_q(actor, qs)
    if _org_kind(actor) != "police_force":
        return qs.none() if granted is None else qs.filter(granted)
    own = Q(**{_FORCE_PATH[qs.model._meta.label]: actor.organisation_id})
    if granted is not None:
        own |= granted
    # One record's page (never a list): what was transferred away, as read-only history.
    moved = _history_ids(actor, qs.model._meta.label) if history else None
    if moved is not None:
        own |= Q(pk__in=moved)
    return qs.filter(own)


def scope_subjects(actor: User, qs: QuerySet[Any], *, history: bool = False) -> QuerySet[Any]:
    return _scope_own_force(actor, qs, P.SUBJECT_VIEW, history=history)


def scope_import_runs(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    return _scope_own_force(actor, qs, P.RECORDS_IMPORT)


def scope_cases(actor: User, qs: QuerySet[Any], *, history: bool = False) -> QuerySet[Any]:
    return _scope_own_force(actor, qs, P.CASE_VIEW, history=history)


def scope_tasks(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    """Police tasks: the actor's own force's, and nothing through break-glass (a grant opens a
    record to read, not its force's work)."""
    if not has_perm(actor, P.TASK_VIEW):
        return qs.none()
    if _org_kind(actor) != "police_force":
        # Provider and advocacy staff: only what a case review assigned to them (issue 19 §6).
        return qs.filter(assignee_id=actor.pk)
    return qs.filter(force_id=actor.organisation_id)


def scope_review_meetings(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    """The list form of `_review_attended`."""
    if not has_perm(actor, P.REVIEW_VIEW) or actor.organisation_id is None:
        return qs.none()
    if _org_kind(actor) == "police_force":
        return qs.filter(force_id=actor.organisation_id)
    return qs.filter(agencies=actor.organisation_id).distinct()


def scope_review_actions(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    """A review's actions: police of the convening force see all; anyone else only those
    owned by staff of their own organisation, in a meeting they may see."""
    item_model: Any = qs.model._meta.get_field("item").related_model
    meeting_model: Any = item_model._meta.get_field("meeting").related_model
    meetings = scope_review_meetings(actor, meeting_model.objects.all())
    qs = qs.filter(item__meeting__in=meetings.values("pk"))
    if _org_kind(actor) == "police_force":
        return qs
    return qs.filter(owner__organisation_id=actor.organisation_id)


def scope_victims(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    """Victim identity, the list form of `_victim_identity`: police of the recording force;
    advocates of a service holding an advocacy case for the victim; break-glass grants."""
    if has_perm(actor, P.VICTIM_IDENTITY_VIEW) and _org_kind(actor) == "advocacy":
        held = qs.model._default_manager.filter(advocacy_cases__service_id=actor.organisation_id)
        advocacy = qs.filter(pk__in=held.values("pk"))
        granted = _break_glass_q(actor, qs)
        return advocacy if granted is None else advocacy | qs.filter(granted)
    return _scope_own_force(actor, qs, P.VICTIM_IDENTITY_VIEW)


def scope_orders(actor: User, qs: QuerySet[Any], *, history: bool = False) -> QuerySet[Any]:
    return _scope_own_force(actor, qs, P.ORDER_VIEW, history=history)


def scope_transfers(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    """Transfers between forces: the sending and the receiving force's supervisors."""
    if not has_perm(actor, P.TRANSFER_VIEW) or _org_kind(actor) != "police_force":
        return qs.none()
    org = actor.organisation_id
    return qs.filter(Q(from_force_id=org) | Q(to_force_id=org))


def scope_assessments(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    return _scope_own_force(actor, qs, P.RISK_VIEW)


def scope_offences(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    return _scope_own_force(actor, qs, P.OUTCOME_RECORD)


def scope_programmes_managed(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    """Programme managers: programmes their organisation provides or whose provider is a
    partner of their organisation, serving at least one police force of their partnerships
    (a provider may work for several partnerships; another partnership's programme is not
    theirs)."""
    if not has_perm(actor, P.PROGRAMME_SETTINGS):
        return qs.none()
    provided = qs.filter(
        Q(provider_id=actor.organisation_id) | Q(provider_id__in=_partner_org_ids(actor))
    )
    return qs.filter(pk__in=provided.filter(forces__in=partnership_force_ids(actor)).values("pk"))


def scope_referrals(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    """Provider staff: referrals to their own provider. Police: their own force's subjects."""
    if not has_perm(actor, P.REFERRAL_VIEW):
        return qs.none()
    kind = _org_kind(actor)
    if kind == "provider":
        return qs.filter(programme__provider_id=actor.organisation_id)
    if kind == "police_force":
        return qs.filter(force_id=actor.organisation_id)
    return qs.none()


def scope_programme_sessions(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    """Sessions in full (content, engagement): provider staff of the provider only."""
    if not has_perm(actor, P.SESSION_MANAGE) or _org_kind(actor) != "provider":
        return qs.none()
    return qs.filter(referral__programme__provider_id=actor.organisation_id)


def scope_advocacy_cases(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    """Advocacy cases and everything under them: their own service only."""
    if not has_perm(actor, P.ADVOCACY_VIEW) or _org_kind(actor) != "advocacy":
        return qs.none()
    return qs.filter(service_id=actor.organisation_id)


def scope_api_keys(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    """API keys an administrator manages: every organisation's (system administrators) or
    their own organisation's."""
    if not has_perm(actor, P.API_KEYS_MANAGE):
        return qs.none()
    if has_perm(actor, P.ACCOUNTS_MANAGE_ALL):
        return qs
    return qs.filter(organisation_id=actor.organisation_id)


def scope_webhook_subscriptions(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    """Webhook subscriptions an administrator manages, as API keys: every organisation's
    (system administrators) or their own organisation's."""
    if not has_perm(actor, P.WEBHOOKS_MANAGE):
        return qs.none()
    if has_perm(actor, P.ACCOUNTS_MANAGE_ALL):
        return qs
    return qs.filter(organisation_id=actor.organisation_id)


def scope_break_glass_approvals(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    if not has_perm(actor, P.BREAK_GLASS_APPROVE):
        return qs.none()
    return qs.filter(organisation_id=actor.organisation_id).exclude(user_id=actor.pk)


def scope_alerts(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    """An alert is seen by its recipient only (an API key: its organisation's)."""
    if not has_perm(actor, P.ALERT_RECEIVE):
        return qs.none()
    if api_credential(actor) is not None:
        # An API key acts for its organisation: alerts sent to anyone in it (ADR 0029).
        return qs.filter(recipient_organisation_id=actor.organisation_id)
    return qs.filter(recipient_id=actor.pk)


def scope_alert_statistics(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    """Alerts an actor may *count* (aggregates only, never list): overseers and programme
    managers, the alerts about subjects of the police forces in their partnerships (the same
    reach as their evaluation and programme figures)."""
    if has_perm(actor, P.OVERSIGHT_DASHBOARD) or has_perm(actor, P.PROGRAMME_DASHBOARD):
        return qs.filter(subject__force_id__in=partnership_force_ids(actor))
    return qs.none()


def scope_programme_aggregates(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
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


def scope_disclosures(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    """Overseers: every disclosure. Supervisors and managers: those made by or to their own
    organisation."""
    if has_perm(actor, P.DISCLOSURE_VIEW_ALL):
        return qs
    if has_perm(actor, P.DISCLOSURE_VIEW_OWN_ORG):
        own = actor.organisation_id
        return qs.filter(from_organisation_id=own) | qs.filter(to_organisation_id=own)
    return qs.none()


def scope_break_glass_reviews(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    """Overseers review every use that opened a record (not pending or refused requests)."""
    if not has_perm(actor, P.BREAK_GLASS_REVIEW):
        return qs.none()
    return qs.filter(status="granted")


# Evaluators, overseers and programme managers reach subjects only as pseudonymised or
# aggregated data, and only for the police forces in a partnership their organisation is in.


def scope_evaluation(actor: User, qs: QuerySet[Any], perm: Perm) -> QuerySet[Any]:
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


def scope_evaluation_runs(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    if not has_perm(actor, P.EVALUATION_VIEW):
        return qs.none()
    return qs.filter(organisation_id=actor.organisation_id)


def scope_findings(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    if not has_perm(actor, P.OVERSIGHT_DASHBOARD):
        return qs.none()
    return qs.filter(organisation_id=actor.organisation_id)


def scope_retention_reviews(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    """Records due for review: the data owner's own organisation's."""
    if not has_perm(actor, P.RETENTION_REVIEW):
        return qs.none()
    return qs.filter(organisation_id=actor.organisation_id)


# --- subject access (issue 18, ADR 0031) -----------------------------------------------------
# The data owner answers for their own organisation's records. A victim's request is answered
# only by a data owner who may see victims' identities: a provider never handles one (the
# victim wall), so a clinical supervisor logs subjects' requests only.


def sar_kinds_for(actor: User | AnonymousUser | None) -> list[str]:
    """The kinds of person ("subject", "victim") whose requests the actor may log and run."""
    perms = permissions_for(actor)
    if P.SAR_MANAGE not in perms:
        return []
    return ["subject", "victim"] if P.VICTIM_IDENTITY_VIEW in perms else ["subject"]


def scope_access_requests(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    """Subject access requests: those made to the data owner's own organisation, of the kinds
    they may handle."""
    kinds = sar_kinds_for(actor)
    if not kinds:
        return qs.none()
    return qs.filter(organisation_id=actor.organisation_id, person_kind__in=kinds)


def scope_documents(actor: User, qs: QuerySet[Any]) -> QuerySet[Any]:
    """Documents (ADR 0032). Police: their own force's, on cases, orders and referrals.
    Advocacy services: their own, on their advocacy cases. Provider staff: only those police
    marked provider-safe, on referrals to their provider and on orders of the subjects
    referred to it; never a case's or an advocacy case's. Break-glass opens no document."""
    if not has_perm(actor, P.DOCUMENT_VIEW):
        return qs.none()
    kind, org = _org_kind(actor), actor.organisation_id
    if kind == "police_force":
        return qs.filter(organisation_id=org, advocacy_case__isnull=True)
    if kind == "advocacy":
        return qs.filter(organisation_id=org, advocacy_case__isnull=False)
    if kind != "provider":
        return qs.none()
    referral_field: Any = qs.model._meta.get_field("referral")
    referred = referral_field.related_model._default_manager.filter(
        programme__provider_id=org
    ).values("subject_id")
    safe = qs.filter(provider_safe=True, advocacy_case__isnull=True, case__isnull=True)
    return safe.filter(Q(referral__programme__provider_id=org) | Q(order__subject_id__in=referred))
