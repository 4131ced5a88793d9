"""The access matrix: every view, every role, another organisation, anonymous.

EXPECTED pins who may open each page. Changing the policy means changing this table, on
purpose, in the same commit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from desist import policy
from desist.core.roles import RoleCode
from desist.documents.tests.conftest import world_fixture  # noqa: F401  (the `world` fixture)
from desist.policy import Perm

R = RoleCode
ALL = set(RoleCode)
AUDITORS = {
    R.POLICE_SUPERVISOR,
    R.CLINICAL_SUPERVISOR,
    R.ADVOCACY_MANAGER,
    R.OVERSEER,
    R.SYSTEM_ADMIN,
}

POLICE = {R.POLICE_OFFICER, R.POLICE_SUPERVISOR}
# Account administration (issue 16): system administrators everywhere, organisation
# administrators in their own organisation.
ADMINS = {R.SYSTEM_ADMIN, R.ORGANISATION_ADMIN}

# Retention review (issue 18): the supervising role of each organisation that holds records.
DATA_OWNERS = {R.POLICE_SUPERVISOR, R.CLINICAL_SUPERVISOR, R.ADVOCACY_MANAGER}

# view name -> roles that get 200; every other role gets 403 (or 404 where noted).
EXPECTED: dict[str, set[RoleCode]] = {
    "core:home": ALL,
    "accounts:password_change": ALL,
    "accounts:two_factor_manage": ALL,
    "accounts:confirm_password": ALL,
    "audit:list": AUDITORS,
    "audit:export": AUDITORS,
    "accounts:manage_list": ADMINS,
    "accounts:invite": ADMINS,
    "accounts:import": ADMINS,
    "accounts:export": ADMINS,
    "accounts:reviews": ADMINS,
    "accounts:organisations": {R.SYSTEM_ADMIN},
    # API keys (issue 17): system administrators any organisation's, organisation
    # administrators their own.
    "accounts:api_keys": ADMINS,
    "accounts:api_key_new": ADMINS,
    # Webhooks (issue 17, ADR 0035): the same administrators, beside API keys.
    "events:subscriptions": ADMINS,
    "events:subscription_new": ADMINS,
    "accounts:organisation_new": {R.SYSTEM_ADMIN},
    "accounts:partnership_new": {R.SYSTEM_ADMIN},
    "people:list": POLICE,
    "people:search": POLICE,
    "people:create": POLICE,
    "cases:list": POLICE,
    "orders:list": POLICE,
    "orders:workflow": POLICE,
    "orders:export_csv": POLICE,
    "orders:export_xlsx": POLICE,
    "risk:reviews": POLICE,
    # Tasks (issue 19): police; provider and advocacy staff see the case review actions
    # given to them (issue 19 §6); the workload per officer, police supervisors.
    "tasks:list": POLICE
    | {R.PRACTITIONER, R.CLINICAL_SUPERVISOR, R.VICTIM_ADVOCATE, R.ADVOCACY_MANAGER},
    "tasks:new": POLICE,
    "tasks:workload": {R.POLICE_SUPERVISOR},
    # Case reviews (issue 19 §6): police and the agencies' staff see the list (each their part
    # of each meeting); only a police supervisor convenes.
    "reviews:list": POLICE
    | {R.PRACTITIONER, R.CLINICAL_SUPERVISOR, R.VICTIM_ADVOCATE, R.ADVOCACY_MANAGER},
    "reviews:new": {R.POLICE_SUPERVISOR},
    # Transfers between forces (issue 19): the supervisors of the two forces.
    "transfers:list": {R.POLICE_SUPERVISOR},
    "risk:instruments": {R.SYSTEM_ADMIN},
    "risk:instrument_load": {R.SYSTEM_ADMIN},
    # --- programme (issue 4) ---
    "programme:referrals": POLICE | {R.PRACTITIONER, R.CLINICAL_SUPERVISOR},
    "programme:workflow": POLICE | {R.PRACTITIONER, R.CLINICAL_SUPERVISOR},
    "programme:engagement": POLICE | {R.PRACTITIONER, R.CLINICAL_SUPERVISOR},
    "programme:waiting_list": {R.CLINICAL_SUPERVISOR},
    "programme:supervision": {R.PRACTITIONER, R.CLINICAL_SUPERVISOR},
    # Issue 20: the practitioner's home lists in full (their "See all").
    "programme:work": {R.PRACTITIONER, R.CLINICAL_SUPERVISOR},
    "programme:calendar": {R.PRACTITIONER, R.CLINICAL_SUPERVISOR},
    "programme:calendar_feed": {R.PRACTITIONER, R.CLINICAL_SUPERVISOR},
    "programme:settings": {R.PROGRAMME_MANAGER},
    "programme:settings_new": {R.PROGRAMME_MANAGER},
    # --- safeguarding: advocacy (issue 5) ---
    "safeguarding:caseload": {R.VICTIM_ADVOCATE, R.ADVOCACY_MANAGER},
    # Issue 20: caseload and first-contact timeliness per advocate.
    "safeguarding:team": {R.ADVOCACY_MANAGER},
    "safeguarding:case_open": {R.VICTIM_ADVOCATE, R.ADVOCACY_MANAGER},
    # --- sharing: alerts, disclosures, break-glass (issue 5) ---
    "sharing:inbox": POLICE
    | {R.PRACTITIONER, R.CLINICAL_SUPERVISOR, R.VICTIM_ADVOCATE, R.ADVOCACY_MANAGER},
    "sharing:disclosures": {
        R.POLICE_SUPERVISOR,
        R.CLINICAL_SUPERVISOR,
        R.ADVOCACY_MANAGER,
        R.OVERSEER,
    },
    "sharing:disclosures_export": {
        R.POLICE_SUPERVISOR,
        R.CLINICAL_SUPERVISOR,
        R.ADVOCACY_MANAGER,
        R.OVERSEER,
    },
    "sharing:break_glass": POLICE | {R.VICTIM_ADVOCATE, R.ADVOCACY_MANAGER},
    "sharing:break_glass_request": POLICE | {R.VICTIM_ADVOCATE, R.ADVOCACY_MANAGER},
    "sharing:break_glass_reviews": {R.OVERSEER},
    # The second approver (issue 12): a supervisor or manager of the requester's organisation.
    "sharing:break_glass_approvals": {R.POLICE_SUPERVISOR, R.ADVOCACY_MANAGER},
    "sharing:email_failures": {R.SYSTEM_ADMIN},
    # --- evaluation and oversight (issue 6) ---
    "evaluation:report": {R.OVERSEER, R.PROGRAMME_MANAGER},
    "evaluation:extract": {R.OVERSEER},
    "evaluation:extract_people": {R.OVERSEER},
    "evaluation:extract_aggregates": {R.OVERSEER},
    "evaluation:extract_dictionary": {R.OVERSEER},
    "evaluation:oversight": {R.OVERSEER},
    "evaluation:finding_add": {R.OVERSEER},
    "evaluation:programme_dashboard": {R.PROGRAMME_MANAGER},
    # --- retention (issue 18): each organisation's data owner ---
    "retention:queue": DATA_OWNERS,
    "retention:schedule": DATA_OWNERS,
    # --- subject access (issue 18): the same data owners ---
    "sar:list": DATA_OWNERS,
    "sar:new": DATA_OWNERS,
}

POLICE_CASEWORK = {
    Perm.SUBJECT_VIEW,
    Perm.SUBJECT_EDIT,
    Perm.CASE_VIEW,
    Perm.CASE_EDIT,
    Perm.VICTIM_IDENTITY_VIEW,
    Perm.VICTIM_EDIT,
    Perm.ORDER_VIEW,
    Perm.ORDER_EDIT,
    Perm.ORDER_EXPORT,
    Perm.RISK_VIEW,
    Perm.RISK_ASSESS,
    Perm.INTERVENTION_DECIDE,
    Perm.ADVOCACY_REFER,
    Perm.DOCUMENT_VIEW,
    Perm.DOCUMENT_UPLOAD,
    Perm.DOCUMENT_MARK,
    Perm.TASK_VIEW,
    Perm.TASK_EDIT,
    Perm.VICTIM_UPDATE_RECORD,
    Perm.REVIEW_VIEW,
    Perm.REVIEW_EDIT,
    Perm.REVIEW_SIGN,
}

POLICE_PROGRAMME = {
    Perm.REFERRAL_PUT_FORWARD,
    Perm.REFERRAL_VIEW,
    Perm.ENGAGEMENT_VIEW,
    Perm.END_REPORT_SUMMARY_VIEW,
    Perm.ALERT_RECEIVE,
    Perm.ALERT_ACKNOWLEDGE,
    Perm.BREAK_GLASS_REQUEST,
    Perm.OUTCOME_RECORD,
}
PROVIDER = {
    Perm.REFERRAL_VIEW,
    Perm.REFERRAL_ASSESS,
    Perm.SUITABILITY_VIEW,
    Perm.SESSION_MANAGE,
    Perm.CLINICAL_NOTES,
    Perm.MEASURE_RECORD,
    Perm.END_REPORT_WRITE,
    Perm.ENGAGEMENT_VIEW,
    Perm.ALERT_RECEIVE,
    Perm.ALERT_ACKNOWLEDGE,
    Perm.DOCUMENT_VIEW,
    Perm.REVIEW_VIEW,
    Perm.TASK_VIEW,
    Perm.TASK_COMPLETE_REVIEW_ACTION,
}
ADVOCACY = {
    Perm.ADVOCACY_VIEW,
    Perm.ADVOCACY_EDIT,
    Perm.SAFETY_PLAN_VIEW,
    Perm.SAFETY_PLAN_EDIT,
    Perm.ADVOCACY_OPEN,
    Perm.ADVOCACY_PERPETRATOR_VIEW,
    Perm.VICTIM_IDENTITY_VIEW,
    Perm.VICTIM_EDIT,
    Perm.ALERT_RECEIVE,
    Perm.ALERT_ACKNOWLEDGE,
    Perm.BREAK_GLASS_REQUEST,
    Perm.DOCUMENT_VIEW,
    Perm.DOCUMENT_UPLOAD,
    Perm.REVIEW_VIEW,
    Perm.TASK_VIEW,
    Perm.TASK_COMPLETE_REVIEW_ACTION,
}
AUDITOR = {Perm.AUDIT_VIEW_OWN_ORG, Perm.AUDIT_EXPORT, Perm.DISCLOSURE_VIEW_OWN_ORG}

EXPECTED_PERMISSIONS: dict[RoleCode, set[Perm]] = {
    R.POLICE_OFFICER: {Perm.HOME_VIEW, Perm.TRANSFER_PENDING_NOTICE}
    | POLICE_CASEWORK
    | POLICE_PROGRAMME,
    R.POLICE_SUPERVISOR: {
        Perm.HOME_VIEW,
        Perm.BREAK_GLASS_APPROVE,
        Perm.RETENTION_REVIEW,
        Perm.SAR_MANAGE,
        Perm.CASEWORK_ASSIGN,
        Perm.RECORDS_IMPORT,
        Perm.ORDER_CORRECT,
        Perm.WORKLOAD_VIEW,
        Perm.REVIEW_CONVENE,
        Perm.TRANSFER_PROPOSE,
        Perm.TRANSFER_DECIDE,
        Perm.TRANSFER_VIEW,
        Perm.TRANSFER_WITHDRAW,
        Perm.TRANSFER_PENDING_NOTICE,
    }
    | AUDITOR
    | POLICE_CASEWORK
    | POLICE_PROGRAMME,
    R.PRACTITIONER: {Perm.HOME_VIEW} | PROVIDER,
    R.CLINICAL_SUPERVISOR: {
        Perm.HOME_VIEW,
        Perm.REFERRAL_MANAGE,
        Perm.SESSION_REVIEW,
        Perm.RETENTION_REVIEW,
        Perm.SAR_MANAGE,
    }
    | AUDITOR
    | PROVIDER,
    R.VICTIM_ADVOCATE: {Perm.HOME_VIEW} | ADVOCACY,
    R.ADVOCACY_MANAGER: {
        Perm.HOME_VIEW,
        Perm.ADVOCACY_ALLOCATE,
        Perm.BREAK_GLASS_APPROVE,
        Perm.RETENTION_REVIEW,
        Perm.SAR_MANAGE,
    }
    | AUDITOR
    | ADVOCACY,
    R.OVERSEER: {
        Perm.HOME_VIEW,
        Perm.AUDIT_VIEW_ALL,
        Perm.AUDIT_EXPORT,
        Perm.DISCLOSURE_VIEW_ALL,
        Perm.BREAK_GLASS_REVIEW,
        Perm.EVALUATION_VIEW,
        Perm.EXTRACT_DOWNLOAD,
        Perm.OVERSIGHT_DASHBOARD,
    },
    R.PROGRAMME_MANAGER: {
        Perm.HOME_VIEW,
        Perm.PROGRAMME_SETTINGS,
        Perm.PROGRAMME_DASHBOARD,
        Perm.EVALUATION_VIEW,
    },
    R.SYSTEM_ADMIN: {
        Perm.HOME_VIEW,
        Perm.AUDIT_VIEW_OWN_ORG,
        Perm.AUDIT_EXPORT,
        Perm.ACCOUNTS_MANAGE,
        Perm.ACCOUNTS_MANAGE_ALL,
        Perm.ACCOUNTS_REVIEW,
        Perm.ACCOUNTS_2FA_RESET,
        Perm.ORGANISATIONS_MANAGE,
        Perm.SSO_CONFIGURE,
        Perm.INSTRUMENT_MANAGE,
        Perm.EMAIL_FAILURES_VIEW,
        Perm.API_KEYS_MANAGE,
        Perm.WEBHOOKS_MANAGE,
    },
    R.ORGANISATION_ADMIN: {
        Perm.HOME_VIEW,
        Perm.ACCOUNTS_MANAGE,
        Perm.ACCOUNTS_REVIEW,
        Perm.ACCOUNTS_2FA_RESET,
        Perm.SSO_CONFIGURE,
        Perm.API_KEYS_MANAGE,
        Perm.WEBHOOKS_MANAGE,
    },
}


def test_provider_roles_never_hold_victim_permissions() -> None:
    """The wall: nothing in the provider's roles opens a victim record, not even break-glass."""
    forbidden = {
        Perm.VICTIM_IDENTITY_VIEW,
        Perm.VICTIM_EDIT,
        Perm.ADVOCACY_VIEW,
        Perm.ADVOCACY_EDIT,
        Perm.ADVOCACY_ALLOCATE,
        Perm.SAFETY_PLAN_VIEW,
        Perm.SAFETY_PLAN_EDIT,
        Perm.ADVOCACY_OPEN,
        Perm.ADVOCACY_PERPETRATOR_VIEW,
        Perm.BREAK_GLASS_REQUEST,
    }
    for role in (R.PRACTITIONER, R.CLINICAL_SUPERVISOR):
        assert not policy.ROLE_PERMISSIONS[role] & forbidden, role


def test_only_the_advocacy_service_holds_the_safety_plan() -> None:
    """Issue 20: the structured safety plan is the advocacy service's; police and the
    provider never hold it, nor does an API key of any kind."""
    plan = {Perm.SAFETY_PLAN_VIEW, Perm.SAFETY_PLAN_EDIT}
    holders = {r for r, perms in policy.ROLE_PERMISSIONS.items() if perms & plan}
    assert holders == {R.VICTIM_ADVOCATE, R.ADVOCACY_MANAGER}
    for scope in policy.ApiScope:
        assert not policy.API_SCOPE_PERMISSIONS[scope] & plan, scope


def test_police_never_hold_clinical_notes() -> None:
    for role in RoleCode:
        if role not in (R.PRACTITIONER, R.CLINICAL_SUPERVISOR):
            assert Perm.CLINICAL_NOTES not in policy.ROLE_PERMISSIONS[role], role


def test_only_the_providers_clinicians_read_suitability_answers() -> None:
    holders = {r for r, perms in policy.ROLE_PERMISSIONS.items() if Perm.SUITABILITY_VIEW in perms}
    assert holders == {R.PRACTITIONER, R.CLINICAL_SUPERVISOR}
    for scope in policy.ApiScope:
        assert Perm.SUITABILITY_VIEW not in policy.API_SCOPE_PERMISSIONS[scope], scope


def test_role_permission_table_is_pinned() -> None:
    assert {r: set(p) for r, p in policy.ROLE_PERMISSIONS.items()} == EXPECTED_PERMISSIONS


def test_every_role_is_in_the_policy() -> None:
    assert set(policy.ROLE_PERMISSIONS) == set(RoleCode)


@pytest.mark.parametrize("view", sorted(EXPECTED))
@pytest.mark.parametrize("role", list(RoleCode), ids=[r.value for r in RoleCode])
def test_view_by_role(client: Any, users: dict[RoleCode, Any], view: str, role: RoleCode) -> None:
    client.force_login(users[role])
    response = client.get(reverse(view))
    expected = 200 if role in EXPECTED[view] else 403
    assert response.status_code == expected, (view, role, response.status_code)


@pytest.mark.parametrize("role", list(RoleCode), ids=[r.value for r in RoleCode])
def test_session_keepalive_by_role(client: Any, users: dict[RoleCode, Any], role: RoleCode) -> None:
    """The "Stay signed in" keepalive (issue 16) is POST only, for anyone signed in."""
    client.force_login(users[role])
    assert client.post(reverse("accounts:session_keepalive")).status_code == 200
    client.logout()
    response = client.post(reverse("accounts:session_keepalive"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("view", sorted(EXPECTED))
def test_view_anonymous(client: Any, db: Any, view: str) -> None:
    response = client.get(reverse(view))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", list(RoleCode), ids=[r.value for r in RoleCode])
def test_audit_scope_key_names_the_events_scope_audit_events_gives(
    users: dict[RoleCode, Any], role: RoleCode
) -> None:
    """Results derived from the audit log are shared under this key: it must name exactly
    the events the role reads (everything, its own organisation's, or none)."""
    from desist.audit.models import AuditEvent

    user = users[role]
    others = [u for u in users.values() if u.organisation_id != user.organisation_id]
    for who in (user, others[0]):
        AuditEvent.objects.create(
            actor_id=who.pk,
            actor_username=who.username,
            organisation_id=who.organisation_id,
            organisation_name=who.organisation.name,
            category="consultation",
            verb="test.view",
        )
    seen = set(
        policy.scope_audit_events(user, AuditEvent.objects.filter(verb="test.view")).values_list(
            "organisation_id", flat=True
        )
    )
    key = policy.audit_scope_key(user)
    if key == "all":
        assert seen == {user.organisation_id, others[0].organisation_id}
    elif key == f"org:{user.organisation_id}":
        assert seen == {user.organisation_id}
    else:
        assert key is None and seen == set()
    assert (key is not None) == (role in AUDITORS)


def test_disabled_user_has_no_permissions(users: dict[RoleCode, Any]) -> None:
    user = users[R.OVERSEER]
    user.is_active = False
    assert policy.permissions_for(user) == frozenset()


def test_superuser_flag_grants_nothing(users: dict[RoleCode, Any]) -> None:
    user = users[R.POLICE_OFFICER]
    user.is_superuser = True
    user.save()
    assert not policy.has_perm(user, Perm.AUDIT_VIEW_ALL)
    assert not policy.has_perm(user, Perm.ACCOUNTS_MANAGE)


# --- account management: object scope -------------------------------------------------------


@pytest.mark.parametrize("role", list(RoleCode), ids=[r.value for r in RoleCode])
def test_manage_detail_by_role(
    client: Any, users: dict[RoleCode, Any], make_user: Any, role: RoleCode
) -> None:
    actor = users[role]
    colleague = (
        make_user(R.POLICE_OFFICER, organisation=actor.organisation)
        if actor.organisation.kind == "police_force"
        else make_user(role, organisation=actor.organisation)
    )
    client.force_login(actor)
    response = client.get(reverse("accounts:manage_detail", args=[colleague.pk]))
    # Out of scope is a 404, so a record's existence is not revealed.
    assert response.status_code == (200 if role in ADMINS else 404)


ACCOUNT_PAGES = ("manage_detail", "move", "review", "resend")


@pytest.mark.parametrize("role", list(RoleCode), ids=[r.value for r in RoleCode])
def test_account_pages_by_role(
    client: Any, users: dict[RoleCode, Any], make_user: Any, orgs: Any, role: RoleCode
) -> None:
    """Each page about one account: administrators of its organisation and system
    administrators 200; everyone else 404; an organisation administrator of another
    organisation (Surrey looking at Sussex) 404."""
    actor = users[role]
    colleague = make_user(role, organisation=actor.organisation)
    elsewhere = make_user(R.POLICE_OFFICER, organisation=orgs["other_police_force"])
    client.force_login(actor)
    for page in ACCOUNT_PAGES:
        own = client.get(reverse(f"accounts:{page}", args=[colleague.pk])).status_code
        other = client.get(reverse(f"accounts:{page}", args=[elsewhere.pk])).status_code
        assert own == (200 if role in ADMINS else 404), (page, role, own)
        assert other == (200 if role == R.SYSTEM_ADMIN else 404), (page, role, other)


@pytest.mark.parametrize("role", list(RoleCode), ids=[r.value for r in RoleCode])
def test_organisation_pages_by_role(
    client: Any, users: dict[RoleCode, Any], orgs: Any, role: RoleCode
) -> None:
    from desist.core.models import Partnership

    partnership = Partnership.objects.create(code="p", name="P")
    client.force_login(users[role])
    for url in (
        reverse("accounts:organisation_edit", args=[orgs["police_force"].pk]),
        reverse("accounts:partnership_edit", args=[partnership.pk]),
    ):
        assert client.get(url).status_code == (200 if role == R.SYSTEM_ADMIN else 403), url


@pytest.mark.parametrize("role", list(RoleCode), ids=[r.value for r in RoleCode])
def test_sso_settings_by_role(
    client: Any, users: dict[RoleCode, Any], orgs: Any, role: RoleCode
) -> None:
    """Single sign-on settings: administrators for their own organisation, system
    administrators for any other; an organisation administrator gets 404 elsewhere."""
    client.force_login(users[role])
    own = reverse("accounts:sso_settings", args=[users[role].organisation_id])
    assert client.get(own).status_code == (200 if role in ADMINS else 403), role
    other = reverse("accounts:sso_settings", args=[orgs["other_police_force"].pk])
    expected = {R.SYSTEM_ADMIN: 200, R.ORGANISATION_ADMIN: 404}.get(role, 403)
    assert client.get(other).status_code == expected, role


WEBHOOK_PAGES = (
    "subscription",
    "subscription_secret",
    "subscription_rotate",
    "subscription_status",
)


def _subscribe_with_a_dead_letter(users: dict[RoleCode, Any], organisation: Any) -> tuple[Any, Any]:
    from desist.events import services
    from desist.events.models import OutboundEvent

    subscription = services.subscription_create(
        actor=users[R.SYSTEM_ADMIN],
        organisation=organisation,
        name="Force RMS",
        url="https://rms.example.org/desist",
        event_types=["breach.recorded"],
    ).subscription
    dead = OutboundEvent.objects.create(
        subscription=subscription,
        event_type="breach.recorded",
        occurred_at=timezone.now(),
        body="{}",
        status=OutboundEvent.Status.DEAD,
        attempts=11,
        next_attempt_at=timezone.now(),
        dead_at=timezone.now(),
        last_error="Answered 503",
    )
    return subscription, dead


def _webhook_urls(subscription: Any, dead: Any) -> list[str]:
    pages = [reverse(f"events:{p}", args=[subscription.pk]) for p in WEBHOOK_PAGES]
    return [*pages, reverse("events:event_redeliver", args=[subscription.pk, dead.pk])]


@pytest.mark.parametrize("role", list(RoleCode), ids=[r.value for r in RoleCode])
def test_webhook_subscription_pages_by_role(
    client: Any, users: dict[RoleCode, Any], orgs: Any, role: RoleCode
) -> None:
    """A subscription's pages (its deliveries, rotate, pause/resume/revoke, send a dead letter
    again): administrators of its organisation and system administrators 200; every other
    role 404; an organisation administrator of Surrey 404 for Sussex's (ADR 0035), and the
    Sussex subscription is not on Surrey's list."""
    own, own_dead = _subscribe_with_a_dead_letter(users, orgs["police_force"])
    other, other_dead = _subscribe_with_a_dead_letter(users, orgs["other_police_force"])
    client.force_login(users[role])
    for url in _webhook_urls(own, own_dead):
        got = client.get(url).status_code
        assert got == (200 if role in ADMINS else 404), (url, role, got)
    for url in _webhook_urls(other, other_dead):
        got = client.get(url).status_code
        assert got == (200 if role == R.SYSTEM_ADMIN else 404), (url, role, got)
    if role in ADMINS:
        listed = client.get(reverse("events:subscriptions")).context["subscriptions"]
        assert (other in listed) == (role == R.SYSTEM_ADMIN), role
        dead = client.get(reverse("events:subscriptions")).context["dead"]
        assert (other_dead in dead) == (role == R.SYSTEM_ADMIN), role


def test_a_surrey_administrator_cannot_change_a_sussex_subscription(
    client: Any, users: dict[RoleCode, Any], make_user: Any, orgs: Any
) -> None:
    """Every change posted by an administrator of another force is a 404 and changes
    nothing: no rotated secret, no pause, no re-queued dead letter, no audit row."""
    from desist.audit.models import AuditEvent
    from desist.events.models import OutboundEvent

    sussex, dead = _subscribe_with_a_dead_letter(users, orgs["police_force"])
    surrey_admin = make_user(R.ORGANISATION_ADMIN, organisation=orgs["other_police_force"])
    client.force_login(surrey_admin)
    posts = {
        reverse("events:subscription_rotate", args=[sussex.pk]): {},
        reverse("events:subscription_status", args=[sussex.pk]): {
            "action": "revoke",
            "reason": "Not ours",
        },
        reverse("events:event_redeliver", args=[sussex.pk, dead.pk]): {},
    }
    for url, data in posts.items():
        assert client.post(url, data).status_code == 404, url
    sussex.refresh_from_db()
    dead.refresh_from_db()
    assert (sussex.status, sussex.secret_rotated_at) == ("active", None)
    assert dead.status == OutboundEvent.Status.DEAD
    assert not AuditEvent.objects.filter(
        actor_id=surrey_admin.pk, verb__startswith="webhook."
    ).exists()


@pytest.mark.parametrize("role", list(RoleCode), ids=[r.value for r in RoleCode])
def test_two_factor_reset_by_role(
    users: dict[RoleCode, Any], make_user: Any, orgs: Any, role: RoleCode
) -> None:
    """Resetting a lost second factor: a system administrator anyone's but their own (an
    organisation without its own administrator has nobody else); an organisation
    administrator only their own organisation's, never a system administrator's."""
    actor = users[role]
    colleague = make_user(role, organisation=actor.organisation)
    elsewhere = make_user(R.POLICE_OFFICER, organisation=orgs["other_police_force"])
    other_sysadmin = make_user(R.SYSTEM_ADMIN, organisation=users[R.SYSTEM_ADMIN].organisation)
    reset = Perm.ACCOUNTS_2FA_RESET
    assert policy.can(actor, reset, colleague) == (role in ADMINS), role
    assert policy.can(actor, reset, elsewhere) == (role == R.SYSTEM_ADMIN), role
    assert policy.can(actor, reset, other_sysadmin) == (role == R.SYSTEM_ADMIN), role
    assert not policy.can(actor, reset, actor), role


def test_organisation_admin_cannot_manage_other_organisation(
    client: Any, users: dict[RoleCode, Any], make_user: Any, orgs: Any
) -> None:
    """An organisation administrator of one force gets 404 for another force's accounts."""
    other = make_user(R.POLICE_OFFICER, organisation=orgs["other_police_force"])
    client.force_login(users[R.ORGANISATION_ADMIN])
    assert client.get(reverse("accounts:manage_detail", args=[other.pk])).status_code == 404
    response = client.post(
        reverse("accounts:manage_detail", args=[other.pk]), {"reason": "x", "version": 1}
    )
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.is_active


def test_admin_cannot_manage_self(client: Any, users: dict[RoleCode, Any]) -> None:
    admin = users[R.SYSTEM_ADMIN]
    client.force_login(admin)
    assert client.get(reverse("accounts:manage_detail", args=[admin.pk])).status_code == 404


# --- an alert's link to the victim's advocacy case (issue 11) --------------------------------

# Who an alert's advocacy link lets in: advocacy staff of the service holding the case.
CASE_FOR_SUBJECT = {R.VICTIM_ADVOCATE, R.ADVOCACY_MANAGER}


@pytest.mark.parametrize("role", list(RoleCode), ids=[r.value for r in RoleCode])
def test_case_for_subject_by_role(
    client: Any, users: dict[RoleCode, Any], make_user: Any, make_org: Any, role: RoleCode
) -> None:
    from desist.people.tests.factories import make_case, make_subject, make_victim
    from desist.safeguarding.models import AdvocacyCase

    officer = users[R.POLICE_OFFICER]
    subject = make_subject(officer)
    victim = make_victim(officer, make_case(officer, subject))
    held = AdvocacyCase.objects.create(
        victim=victim, service=users[R.VICTIM_ADVOCATE].organisation, origin="police"
    )
    url = reverse("safeguarding:case_for_subject", args=[subject.pk])
    client.force_login(users[role])
    response = client.get(url)
    if role in CASE_FOR_SUBJECT:
        assert response.status_code == 302
        assert response["Location"] == reverse("safeguarding:case", args=[held.pk])
    else:
        assert response.status_code == 403, (role, response.status_code)
    # The same role in another organisation of the same kind: nothing there (404).
    if role in CASE_FOR_SUBJECT:
        other = make_user(role, organisation=make_org("advocacy"))
        client.force_login(other)
        assert client.get(url).status_code == 404


# --- break-glass approval (issue 12) ---------------------------------------------------------


@pytest.mark.parametrize("role", list(RoleCode), ids=[r.value for r in RoleCode])
def test_break_glass_decide_by_role(
    client: Any, users: dict[RoleCode, Any], make_user: Any, orgs: Any, role: RoleCode
) -> None:
    """A pending request from an officer of the users' force is decided by that force's
    supervisor only; never by the requester, nor a supervisor of the force holding the record."""
    from desist.people.tests.factories import make_subject
    from desist.sharing.break_glass import break_glass_request

    holder = make_user(R.POLICE_OFFICER, organisation=orgs["other_police_force"])
    requester = users[R.POLICE_OFFICER]
    grant = break_glass_request(
        actor=requester,
        record=make_subject(holder),
        justification="Arrested in our area tonight; need the record now.",
    )
    assert grant.status == "pending"  # the two forces share no partnership
    url = reverse("sharing:break_glass_decide", args=[grant.pk])
    assert client.get(url).status_code == 302
    client.force_login(users[role])
    expected = {R.POLICE_SUPERVISOR: 200, R.ADVOCACY_MANAGER: 404}.get(role, 403)
    assert client.get(url).status_code == expected, role
    # The holding force's supervisor is in another organisation: not theirs to approve.
    client.force_login(make_user(R.POLICE_SUPERVISOR, organisation=orgs["other_police_force"]))
    assert client.get(url).status_code == 404


# --- referring a victim to advocacy (issue 13: a permission, not an organisation-kind check) --

# Who may refer a victim to an advocacy service: police of the force that recorded the victim.
ADVOCACY_REFER = POLICE


@pytest.mark.parametrize("role", list(RoleCode), ids=[r.value for r in RoleCode])
def test_advocacy_refer_by_role(
    client: Any, users: dict[RoleCode, Any], make_user: Any, orgs: Any, role: RoleCode
) -> None:
    """The refer page, the button to it and the service all ask for ADVOCACY_REFER on the
    victim: police of the recording force; every other role 403, even advocates who hold the
    victim's case; police of another force 404 (the victim's existence is not revealed)."""
    from desist.people.tests.factories import make_case, make_subject, make_victim
    from desist.safeguarding import services
    from desist.safeguarding.models import AdvocacyCase

    officer = users[R.POLICE_OFFICER]
    victim = make_victim(officer, make_case(officer, make_subject(officer)))
    advocacy = users[R.VICTIM_ADVOCATE].organisation
    AdvocacyCase.objects.create(victim=victim, service=advocacy, origin="police")
    url = reverse("safeguarding:victim_refer", args=[victim.pk])
    actor = users[role]
    client.force_login(actor)
    response = client.get(url)
    assert response.status_code == (200 if role in ADVOCACY_REFER else 403), role
    assert policy.can(actor, Perm.ADVOCACY_REFER, victim) == (role in ADVOCACY_REFER)
    if role not in ADVOCACY_REFER:
        with pytest.raises(PermissionDenied):
            services.advocacy_refer(actor=actor, victim=victim, service=advocacy)
        return
    # The same role in another force: the victim is out of scope (404), the service refuses.
    other = make_user(role, organisation=orgs["other_police_force"])
    client.force_login(other)
    assert client.get(url).status_code == 404
    with pytest.raises(PermissionDenied):
        services.advocacy_refer(actor=other, victim=victim, service=advocacy)


# --- partnerships reach only while live (issue 16) --------------------------------------------
# Every way one organisation reaches another through a partnership, each row: which role acts
# and which of the test organisations it reaches. A retired partnership links nobody, and a
# retired organisation is reached by no one (policy.partnership_organisation_ids).
PARTNERSHIP_REACH = {
    # police refer a victim (identity and address) to an advocacy service
    "advocacy_referral": (R.POLICE_OFFICER, "advocacy"),
    # an advocate breaks glass to a victim recorded by a partner force
    "victim_break_glass": (R.VICTIM_ADVOCATE, "police_force"),
    # a programme manager sets a programme's provider
    "programme_settings": (R.PROGRAMME_MANAGER, "provider"),
}


def _reaches(site: str, actor: Any, reached: Any, victim: Any) -> bool:
    from django.core.exceptions import ValidationError

    from desist.programme.selectors import organisations_for_settings
    from desist.safeguarding import selectors, services
    from desist.sharing.break_glass import break_glass_request

    if site == "advocacy_referral":
        offered = reached in selectors.referral_services_for(actor=actor)
        try:
            services.advocacy_refer(actor=actor, victim=victim, service=reached)
        except ValidationError as refused:
            assert "service" in refused.message_dict
            return offered
        assert offered, "referred to a service the page does not offer"
        return True
    if site == "victim_break_glass":
        try:
            break_glass_request(
                actor=actor, record=victim, justification="Victim at risk tonight; need contacts."
            )
        except ValidationError as refused:
            assert "partnership" in str(refused)
            return False
        return True
    providers, _ = organisations_for_settings(actor=actor)
    return reached in providers


@pytest.mark.parametrize("retired", ["nothing", "partnership", "organisation"])
@pytest.mark.parametrize("site", list(PARTNERSHIP_REACH))
def test_partnership_reach_ends_with_retirement(
    users: dict[RoleCode, Any], orgs: Any, make_user: Any, site: str, retired: str
) -> None:
    from desist.accounts.actions import organisations
    from desist.people.tests.factories import make_case, make_subject, make_victim

    admin = make_user(R.SYSTEM_ADMIN, organisation=orgs["other_police_force"])
    role, kind = PARTNERSHIP_REACH[site]
    actor, reached = users[role], orgs[kind]
    officer = users[R.POLICE_OFFICER]
    victim = make_victim(officer, make_case(officer, make_subject(officer)))
    made = organisations.partnership_create(
        actor=admin,
        name="Pilot",
        organisations=[actor.organisation, reached],
        reason="Pilot starts",
    )
    if retired == "partnership":
        organisations.partnership_retire(
            actor=admin, partnership=made, version=made.version, reason="Pilot ended"
        )
    elif retired == "organisation":
        organisations.organisation_retire(
            actor=admin, organisation=reached, version=reached.version, reason="Merged"
        )
    assert _reaches(site, actor, reached, victim) == (retired == "nothing")


# --- retention review (issue 18) --------------------------------------------------------------


@pytest.mark.parametrize("role", list(RoleCode), ids=[r.value for r in RoleCode])
@pytest.mark.parametrize("page", ["retention:review", "retention:dispose", "retention:hold"])
def test_retention_review_by_role(
    client: Any,
    users: dict[RoleCode, Any],
    make_user: Any,
    make_org: Any,
    role: RoleCode,
    page: str,
) -> None:
    """A review is its own organisation's: each data owner opens their own (200), everyone
    else is refused (403), and the same role in another organisation finds nothing (404)."""
    from desist.retention.models import RetentionReview

    review = RetentionReview.objects.create(
        record_class="cases.group-3",
        record_type="cases.Case",
        record_id=1,
        reference="CR/1",
        organisation=users[role].organisation,
        due_on=dt.date(2026, 1, 1),
        listed_at=timezone.now(),
    )
    url = reverse(page, args=[review.pk])
    client.force_login(users[role])
    expected = 200 if role in DATA_OWNERS else 403
    assert client.get(url).status_code == expected, (role, page)
    if role in DATA_OWNERS:
        other = make_user(role, organisation=make_org(users[role].organisation.kind))
        client.force_login(other)
        assert client.get(url).status_code == 404


# --- subject access (issue 18, ADR 0031) --------------------------------------------------------


@pytest.mark.parametrize("role", list(RoleCode), ids=[r.value for r in RoleCode])
def test_subject_access_kinds_by_role(users: dict[RoleCode, Any], role: RoleCode) -> None:
    """The data owners handle subject access; a victim's request only those who may see
    victims' identities (never the provider: the victim wall)."""
    expected = {
        R.POLICE_SUPERVISOR: ["subject", "victim"],
        R.ADVOCACY_MANAGER: ["subject", "victim"],
        R.CLINICAL_SUPERVISOR: ["subject"],
    }.get(role, [])
    assert policy.sar_kinds_for(users[role]) == expected


@pytest.mark.parametrize("role", list(RoleCode), ids=[r.value for r in RoleCode])
@pytest.mark.parametrize("kind", ["subject", "victim"])
@pytest.mark.parametrize("page", ["sar:detail", "sar:bundle_json", "sar:bundle_pdf"])
def test_subject_access_request_by_role(
    client: Any,
    users: dict[RoleCode, Any],
    make_user: Any,
    make_org: Any,
    role: RoleCode,
    kind: str,
    page: str,
) -> None:
    """A request is its own organisation's: the data owner who may handle its kind opens it
    (200, or 404 for a bundle not yet run), everyone else is refused (403) or finds nothing
    (404), and the same role in another organisation finds nothing (404)."""
    from desist.sar.models import AccessRequest

    made = AccessRequest.objects.create(
        organisation=users[role].organisation,
        person_kind=kind,
        person_id=1,
        requester="person",
        received_on=dt.date(2026, 1, 1),
        due_on=dt.date(2026, 2, 1),
        logged_at=timezone.now(),
        logged_by=users[role],
        run_at=timezone.now(),
        bundle='{"marking": "OFFICIAL-SENSITIVE", "request": {}, "sections": []}',
    )
    url = reverse(page, args=[made.pk])
    client.force_login(users[role])
    may = kind in policy.sar_kinds_for(users[role])
    if may:
        expected = 200
    elif role in DATA_OWNERS:
        expected = 404  # a clinical supervisor and a victim's request: not theirs to know of
    else:
        expected = 403
    assert client.get(url).status_code == expected, (role, kind, page)
    if may:
        other = make_user(role, organisation=make_org(users[role].organisation.kind))
        client.force_login(other)
        assert client.get(url).status_code == 404


@pytest.mark.parametrize("role", list(RoleCode), ids=[r.value for r in RoleCode])
def test_subject_access_person_by_role(
    world: Any, users: dict[RoleCode, Any], make_user: Any, make_org: Any, role: RoleCode
) -> None:
    """Whose request a data owner may log: a person their organisation holds something about.
    The police their force's subject and victim; the provider a subject referred to it (never
    a victim); the advocacy service its client, and a subject only through an alert or
    disclosure it sent or received. The same role elsewhere: nobody here."""
    loggable = {
        R.POLICE_SUPERVISOR: {"subject", "victim"},
        R.CLINICAL_SUPERVISOR: {"subject"},
        R.ADVOCACY_MANAGER: {"victim"},
    }.get(role, set())
    people = {"subject": world.subject, "victim": world.victim}
    for kind, person in people.items():
        assert policy.can(users[role], Perm.SAR_MANAGE, person) == (kind in loggable), kind
    if role in DATA_OWNERS:
        other = make_user(role, organisation=make_org(users[role].organisation.kind))
        assert not any(policy.can(other, Perm.SAR_MANAGE, p) for p in people.values())


def test_subject_access_an_alert_makes_the_subject_the_advocacy_services(
    world: Any, users: dict[RoleCode, Any], orgs: dict[str, Any]
) -> None:
    from desist.sharing.models import Alert

    manager = users[R.ADVOCACY_MANAGER]
    assert not policy.can(manager, Perm.SAR_MANAGE, world.subject)
    Alert.objects.create(
        kind="new_contact",
        priority="high",
        recipient=users[R.VICTIM_ADVOCATE],
        recipient_organisation=orgs["advocacy"],
        from_organisation=orgs["police_force"],
        subject=world.subject,
        title="New contact reported",
        dedupe_key="sar-matrix",
        due_by=timezone.now(),
    )
    assert policy.can(manager, Perm.SAR_MANAGE, world.subject)


# --- documents (issue 18, ADR 0031) -----------------------------------------------------------

PROVIDER_ROLES = {R.PRACTITIONER, R.CLINICAL_SUPERVISOR}
ADVOCACY_ROLES = {R.VICTIM_ADVOCATE, R.ADVOCACY_MANAGER}
DOCUMENT_READERS = POLICE | PROVIDER_ROLES | ADVOCACY_ROLES
# Which roles download each kind of document (200); other readers get 404 (it is not theirs
# to know of), everyone else 403 (no document permission at all).
DOCUMENT_DOWNLOAD = {
    "order_police_only": POLICE,
    "order_provider_safe": POLICE | PROVIDER_ROLES,
    "referral_provider_safe": POLICE | PROVIDER_ROLES,
    "case": POLICE,
    "advocacy": ADVOCACY_ROLES,
}


def _document(world: Any, which: str) -> Any:
    from desist.documents import content, services
    from desist.documents.tests.conftest import pdf_bytes, upload

    record = {
        "order_police_only": world.order,
        "order_provider_safe": world.order,
        "referral_provider_safe": world.referral,
        "case": world.case,
        "advocacy": world.advocacy_case,
    }[which]
    inspected, _ = content.inspect(upload("d.pdf", pdf_bytes()))
    author = world.advocate if which == "advocacy" else world.officer
    document = services.document_upload(
        actor=author, record=record, kind="other", title="Test", file=inspected
    )
    if which.endswith("provider_safe"):
        services.document_mark_provider_safe(actor=world.officer, document=document, confirmed=True)
    return document


@pytest.mark.parametrize("role", list(RoleCode), ids=[r.value for r in RoleCode])
@pytest.mark.parametrize("which", sorted(DOCUMENT_DOWNLOAD))
def test_document_download_by_role(
    client: Any, users: dict[RoleCode, Any], world: Any, role: RoleCode, which: str
) -> None:
    document = _document(world, which)
    client.force_login(users[role])
    response = client.get(reverse("documents:download", args=[document.pk]))
    expected = 404 if role in DOCUMENT_READERS else 403
    if role in DOCUMENT_DOWNLOAD[which]:
        expected = 200
    assert response.status_code == expected, (role, which)


# Sharing a document with the provider is police-only. Police of the owning force may share
# an order's or a referral's document (200 for the page, 302 after withdrawing), not a case's
# (403, with the reason); a reader who sees the document but may not share it gets 403, one
# who may not see it 404 (as for its download, tester finding), everyone else 403.
SHAREABLE = {"order_police_only", "order_provider_safe", "referral_provider_safe"}


@pytest.mark.parametrize("role", list(RoleCode), ids=[r.value for r in RoleCode])
@pytest.mark.parametrize("which", sorted(DOCUMENT_DOWNLOAD))
@pytest.mark.parametrize("view", ["documents:provider_safe", "documents:provider_safe_withdraw"])
def test_document_provider_safe_by_role(
    client: Any, users: dict[RoleCode, Any], world: Any, role: RoleCode, which: str, view: str
) -> None:
    document = _document(world, which)
    client.force_login(users[role])
    url = reverse(view, args=[document.pk])
    get = view == "documents:provider_safe"
    response = client.get(url) if get else client.post(url)
    if role not in DOCUMENT_READERS:
        expected = 403
    elif role not in DOCUMENT_DOWNLOAD[which]:
        expected = 404
    elif role in POLICE and which in SHAREABLE:
        expected = 200 if get else 302
    else:
        expected = 403
    assert response.status_code == expected, (role, which, view)


# --- officer in charge (issue 19): police supervisors of the record's own force -------------

ASSIGNERS = {R.POLICE_SUPERVISOR}


@pytest.mark.parametrize("view", ["cases:assign", "orders:assign"])
@pytest.mark.parametrize("role", list(RoleCode), ids=[r.value for r in RoleCode])
def test_assign_officer_by_role(
    client: Any, users: dict[RoleCode, Any], make_user: Any, orgs: Any, view: str, role: RoleCode
) -> None:
    from desist.orders.models import OrderStatus
    from desist.people.tests.factories import make_case, make_order, make_subject

    officer = users[R.POLICE_OFFICER]
    subject = make_subject(officer)
    record = make_case(officer, subject)
    if view == "orders:assign":
        record = make_order(subject, status=OrderStatus.APPLIED, actor=officer)
    url = reverse(view, args=[record.pk])
    client.force_login(users[role])
    status = client.get(url).status_code
    assert status == (200 if role in ASSIGNERS else 403), (role, status)
    # The same role in another force: the record is not there for them (404), never 200.
    if role in POLICE:
        client.force_login(make_user(role, organisation=orgs["other_police_force"]))
        assert client.get(url).status_code in ({404} if role in ASSIGNERS else {403, 404})


# --- updates to victims, Victims' Code (issue 19): police of the order's own force ----------


@pytest.mark.parametrize("role", list(RoleCode), ids=[r.value for r in RoleCode])
def test_victim_update_by_role(
    client: Any, users: dict[RoleCode, Any], make_user: Any, orgs: Any, role: RoleCode
) -> None:
    from desist.orders.models import OrderStatus
    from desist.people.tests.factories import make_order, make_subject

    officer = users[R.POLICE_OFFICER]
    order = make_order(make_subject(officer), status=OrderStatus.APPLIED, actor=officer)
    url = reverse("orders:victim_update_add", args=[order.pk])
    client.force_login(users[role])
    status = client.get(url).status_code
    assert status == (200 if role in POLICE else 403), (role, status)
    assert policy.can(users[role], Perm.VICTIM_UPDATE_RECORD, order) == (role in POLICE)
    # The same role in another force: the order is not there for them.
    if role in POLICE:
        other = make_user(role, organisation=orgs["other_police_force"])
        client.force_login(other)
        assert client.get(url).status_code == 404
        assert not policy.can(other, Perm.VICTIM_UPDATE_RECORD, order)


# --- case reviews (issue 19 §6): police of the convening force, the agencies at the meeting ---

REVIEW_READERS = POLICE | PROVIDER_ROLES | ADVOCACY_ROLES
# Which minute sections each role reads (policy.review_sections_for).
REVIEW_SECTIONS: dict[RoleCode, set[str]] = {
    R.POLICE_OFFICER: {"police", "provider", "advocacy"},
    R.POLICE_SUPERVISOR: {"police", "provider", "advocacy"},
    R.PRACTITIONER: {"provider"},
    R.CLINICAL_SUPERVISOR: {"provider"},
    R.VICTIM_ADVOCATE: {"provider", "advocacy"},
    R.ADVOCACY_MANAGER: {"provider", "advocacy"},
}


def _review_meeting(users: dict[RoleCode, Any], orgs: Any) -> Any:
    from desist.core.models import Partnership
    from desist.people.tests.factories import make_subject
    from desist.reviews import services

    p = Partnership.objects.create(code="matrix-reviews", name="Matrix reviews")
    p.organisations.add(orgs["police_force"], orgs["provider"], orgs["advocacy"])
    chair = users[R.POLICE_SUPERVISOR]
    meeting = services.meeting_convene(
        actor=chair,
        kind="marac",
        held_on=timezone.localdate(),
        chair_id=chair.pk,
        agency_ids=[orgs["provider"].pk, orgs["advocacy"].pk],
        attendee_ids=[],
    )
    subject = make_subject(users[R.POLICE_OFFICER])
    item = services.item_add(actor=chair, meeting=meeting, title="Matrix item", subject=subject)
    return meeting, item


@pytest.mark.parametrize("role", list(RoleCode), ids=[r.value for r in RoleCode])
def test_case_review_pages_by_role(
    client: Any,
    users: dict[RoleCode, Any],
    make_user: Any,
    make_org: Any,
    orgs: Any,
    role: RoleCode,
) -> None:
    meeting, item = _review_meeting(users, orgs)
    pages = {
        "meeting": (reverse("reviews:meeting", args=[meeting.pk]), REVIEW_READERS),
        "item": (reverse("reviews:item", args=[meeting.pk, item.pk]), POLICE),
        "item_new": (reverse("reviews:item_new", args=[meeting.pk]), POLICE),
        **{
            f"minutes_{v}": (reverse("reviews:minutes", args=[meeting.pk, v]), POLICE)
            for v in ("police", "provider", "advocacy")
        },
    }
    client.force_login(users[role])
    for name, (url, allowed) in pages.items():
        status = client.get(url).status_code
        assert status == (200 if role in allowed else 403), (name, role, status)
    sections = policy.review_sections_for(users[role], meeting)
    assert set(sections) == REVIEW_SECTIONS.get(role, set()), role
    # Signing: the chair alone (the supervisor who convened, chairing).
    assert policy.can(users[role], Perm.REVIEW_SIGN, meeting) == (role == R.POLICE_SUPERVISOR)
    # The same role in another force, or in an agency not at the meeting: nothing (404).
    if role in REVIEW_READERS:
        other = (
            orgs["other_police_force"]
            if role in POLICE
            else make_org(users[role].organisation.kind, f"Absent {role.value}")
        )
        client.force_login(make_user(role, organisation=other))
        for name, (url, _) in pages.items():
            status = client.get(url).status_code
            assert status in ({404} if name == "meeting" else {403, 404}), (name, role, status)
        assert not policy.review_sections_for(make_user(role, organisation=other), meeting)


@pytest.mark.parametrize("role", list(RoleCode), ids=[r.value for r in RoleCode])
def test_review_action_task_completion_by_role(
    client: Any, users: dict[RoleCode, Any], orgs: Any, role: RoleCode
) -> None:
    """A case review action's task is marked done by the force's police or by its owner (here
    the practitioner, TASK_COMPLETE_REVIEW_ACTION); nobody else, and the owner only that kind
    of task, and never cancels it."""
    from desist.reviews import services
    from desist.tasks.models import Task, TaskKind

    meeting, item = _review_meeting(users, orgs)
    owner = users[R.PRACTITIONER]
    action = services.action_add(
        actor=users[R.POLICE_SUPERVISOR],
        item=item,
        description="Offer an extra session",
        owner_id=owner.pk,
        due_on=timezone.localdate() + dt.timedelta(days=7),
    )
    task = action.task
    allowed = POLICE | {R.PRACTITIONER}
    assert policy.task_completable(users[role], task) == (role in allowed), role
    assert policy.can(users[role], Perm.TASK_EDIT, task) == (role in POLICE), role
    # Another kind of task assigned to the same person is not theirs to close.
    other = Task.objects.create(
        force=meeting.force, title="Other", due_on=task.due_on, assignee=owner, kind=TaskKind.MANUAL
    )
    assert policy.can(users[role], Perm.TASK_COMPLETE_REVIEW_ACTION, other) is False
    client.force_login(users[role])
    if role == R.PRACTITIONER:
        cancel = client.post(
            reverse("tasks:cancel", args=[task.pk]), {"version": task.version, "reason": "No"}
        )
        assert cancel.status_code == 403
    status = client.post(
        reverse("tasks:complete", args=[task.pk]), {"version": task.version}
    ).status_code
    task.refresh_from_db()
    if role in allowed:
        assert status == 302 and task.status == "done", (role, status)
    else:
        assert status in {403, 404} and task.status == "open", (role, status)


# --- transfers between forces (issue 19) -----------------------------------------------------
# Before acceptance: the sending force's supervisor proposes, the receiving force's sees the
# request and decides; after: the records are the receiving force's, the sending force reads
# them (never writes), a third force learns nothing.


def _transfer_world(users: dict[RoleCode, Any], make_user: Any, orgs: Any) -> dict[str, Any]:
    from desist.orders.models import Order
    from desist.orders.tests.helpers import ago, full, make_case, make_subject, make_victim
    from desist.transfers import services

    sending = users[R.POLICE_OFFICER].organisation
    subject = make_subject(sending)
    case = make_case(subject)
    make_victim(case)
    order = Order.objects.get(pk=full(users[R.POLICE_OFFICER], subject, made=ago(90), case=case).pk)
    transfer = services.transfer_propose(
        actor=users[R.POLICE_SUPERVISOR],
        subject=subject,
        to_force_id=orgs["other_police_force"].pk,
        reason="Moved to the other force's area.",
    )
    return {"subject": subject, "case": case, "order": order, "transfer": transfer}


def _in(role: RoleCode, force: Any, make_user: Any) -> Any:
    return make_user(role, organisation=force)


@pytest.mark.parametrize("role", list(RoleCode), ids=[r.value for r in RoleCode])
def test_transfer_pages_by_role(
    client: Any,
    users: dict[RoleCode, Any],
    make_user: Any,
    orgs: Any,
    make_org: Any,
    role: RoleCode,
) -> None:
    w = _transfer_world(users, make_user, orgs)
    transfer, subject = w["transfer"], w["subject"]
    propose = reverse("transfers:propose", args=[subject.pk])
    detail = reverse("transfers:detail", args=[transfer.pk])
    decide = [reverse(f"transfers:{v}", args=[transfer.pk]) for v in ("accept", "decline")]
    withdraw = reverse("transfers:withdraw", args=[transfer.pk])
    supervisor = role == R.POLICE_SUPERVISOR
    # The role in the sending force (its home organisation for every non-police role).
    client.force_login(users[role])
    assert client.get(propose).status_code == (200 if supervisor else 403)
    assert client.get(detail).status_code == (200 if supervisor else 403)
    # Only the sending force's supervisor withdraws its request.
    assert client.get(withdraw).status_code == (200 if supervisor else 403)
    assert policy.can(users[role], Perm.TRANSFER_WITHDRAW, transfer) == supervisor
    # The sending force's police see that it waits (a banner), nobody else.
    assert policy.can(users[role], Perm.TRANSFER_PENDING_NOTICE, transfer) == (role in POLICE)
    for url in decide:  # the sending force never decides its own request
        assert client.get(url).status_code == 403, url
    assert policy.can(users[role], Perm.TRANSFER_PROPOSE, subject) == supervisor
    assert policy.can(users[role], Perm.TRANSFER_VIEW, transfer) == supervisor
    assert not policy.can(users[role], Perm.TRANSFER_DECIDE, transfer)
    if role not in POLICE:
        return
    # The receiving force: the request, and only its supervisors decide; the subject not yet.
    receiving = _in(role, orgs["other_police_force"], make_user)
    client.force_login(receiving)
    assert client.get(detail).status_code == (200 if supervisor else 403)
    for url in decide:
        assert client.get(url).status_code == (200 if supervisor else 403), url
    assert client.get(withdraw).status_code == 403  # the receiving force never withdraws
    assert not policy.can(receiving, Perm.TRANSFER_WITHDRAW, transfer)
    assert not policy.can(receiving, Perm.TRANSFER_PENDING_NOTICE, transfer)
    assert client.get(propose).status_code == (404 if supervisor else 403)
    assert client.get(reverse("people:detail", args=[subject.pk])).status_code == 404
    assert policy.can(receiving, Perm.TRANSFER_DECIDE, transfer) == supervisor
    # A third force: nothing, not even that a transfer exists.
    third = _in(role, make_org(name="Third force"), make_user)
    client.force_login(third)
    for url in [detail, propose, withdraw, *decide]:
        assert client.get(url).status_code == (404 if supervisor else 403), url
    assert not policy.can(third, Perm.TRANSFER_VIEW, transfer)
    assert not policy.can(third, Perm.TRANSFER_WITHDRAW, transfer)
    assert not policy.can(third, Perm.TRANSFER_PENDING_NOTICE, transfer)


RECORD_PAGES = [("people:detail", "subject"), ("cases:detail", "case"), ("orders:detail", "order")]
WRITES = [
    (Perm.SUBJECT_EDIT, "subject"),
    (Perm.CASE_EDIT, "case"),
    (Perm.ORDER_EDIT, "order"),
    (Perm.CASEWORK_ASSIGN, "order"),
    (Perm.ORDER_CORRECT, "order"),
]


@pytest.mark.parametrize("role", list(RoleCode), ids=[r.value for r in RoleCode])
def test_transferred_records_by_role(
    client: Any,
    users: dict[RoleCode, Any],
    make_user: Any,
    orgs: Any,
    make_org: Any,
    role: RoleCode,
) -> None:
    """After acceptance: the sending force's police read (200) and write nothing; the
    receiving force's police read and write; a third force's police get 404; no other role
    reaches the records at all."""
    from desist.cases.models import Case
    from desist.orders.models import Order
    from desist.people.models import Subject
    from desist.transfers import services

    w = _transfer_world(users, make_user, orgs)
    transfer = w["transfer"]
    receiving_supervisor = _in(R.POLICE_SUPERVISOR, orgs["other_police_force"], make_user)
    services.transfer_accept(
        actor=receiving_supervisor, transfer=transfer, version=transfer.version
    )
    records = {
        "subject": Subject.objects.get(pk=w["subject"].pk),
        "case": Case.objects.get(pk=w["case"].pk),
        "order": Order.objects.get(pk=w["order"].pk),
    }
    police = role in POLICE
    actors = {"sending": users[role]}
    if police:
        actors["receiving"] = _in(role, orgs["other_police_force"], make_user)
        actors["third"] = _in(role, make_org(name="Third force"), make_user)
    for where, actor in actors.items():
        client.force_login(actor)
        reads = police and where in ("sending", "receiving")
        for view, key in RECORD_PAGES:
            status = client.get(reverse(view, args=[records[key].pk])).status_code
            expected = {200} if reads else ({404} if police else {403, 404})
            assert status in expected, (where, view, status)
        for perm, key in WRITES:
            may = policy.can(actor, perm, records[key])
            writes = where == "receiving" and (perm in policy.ROLE_PERMISSIONS[role] and police)
            assert may == writes, (where, perm, may)
