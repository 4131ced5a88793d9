from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import Count, DateTimeField, F, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from desist import policy
from desist.accounts.models import AccessReview, ApiKey, AuthenticatorDevice, Invitation, User
from desist.core.models import Organisation, Partnership

# Access reviews (issue 16): an active account with a role is due when it was never reviewed
# or its latest review is older than this. The one definition, used by the review page, the
# accounts export and the oversight dashboard.
REVIEW_DAYS = 90


def _with_review(qs: QuerySet[User]) -> QuerySet[User]:
    latest = (
        AccessReview.objects.filter(user=OuterRef("pk"))
        .order_by("-reviewed_at")
        .values("reviewed_at")[:1]
    )
    pending = Invitation.objects.filter(
        user=OuterRef("pk"), used_at__isnull=True, withdrawn_at__isnull=True
    ).values("expires_at")[:1]
    return qs.annotate(
        last_reviewed_at=Subquery(latest, output_field=DateTimeField()),
        invitation_expires_at=Subquery(pending, output_field=DateTimeField()),
    )


class AccountStatus:
    """An account's state as the accounts list, the account page and the export all show it.
    A retired organisation's people cannot sign in, so they are never shown as active."""

    DISABLED = "Disabled"
    ORGANISATION_RETIRED = "Organisation retired"
    INVITED = "Invited"
    ACTIVE = "Active"
    TAGS = {
        DISABLED: "govuk-tag--red",
        ORGANISATION_RETIRED: "govuk-tag--grey",
        INVITED: "govuk-tag--blue",
        ACTIVE: "govuk-tag--green",
    }


def account_status(user: User) -> str:
    """One of AccountStatus (on a user from `user_list_for`, which notes a pending invitation)."""
    if not user.is_active:
        return AccountStatus.DISABLED
    if user.organisation is not None and user.organisation.retired_at is not None:
        return AccountStatus.ORGANISATION_RETIRED
    if getattr(user, "invitation_expires_at", None):
        return AccountStatus.INVITED
    return AccountStatus.ACTIVE


def _under_review_q() -> Q:
    return Q(is_active=True, roles__isnull=False)


def review_due_q(now: dt.datetime | None = None) -> Q:
    """Active accounts with a role never reviewed, or last reviewed more than REVIEW_DAYS ago
    (on `_with_review`)."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=REVIEW_DAYS)
    return _under_review_q() & (Q(last_reviewed_at__isnull=True) | Q(last_reviewed_at__lt=cutoff))


def user_list_for(*, actor: User) -> QuerySet[User]:
    """Accounts the actor may manage: every organisation's (system administrators) or their
    own organisation's (organisation administrators)."""
    return _with_review(
        policy.scope_users_manageable(
            actor,
            User.objects.select_related("organisation", "line_manager").prefetch_related("roles"),
        )
    ).order_by("organisation__name", "username")


def user_reviews_due_for(*, actor: User, now: dt.datetime | None = None) -> QuerySet[User]:
    if not policy.has_perm(actor, policy.Perm.ACCOUNTS_REVIEW):
        return User.objects.none()
    return user_list_for(actor=actor).filter(review_due_q(now)).distinct()


def unreviewed_accounts_by_organisation(
    *, organisation_ids: Iterable[int], now: dt.datetime | None = None
) -> dict[str, Any]:
    """For the oversight dashboard (numbers, no names): how many active accounts with a role
    there are, and per organisation how many were never reviewed or are overdue."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=REVIEW_DAYS)
    accounts = _with_review(User.objects.filter(organisation_id__in=list(organisation_ids)))
    accounts = accounts.filter(_under_review_q())
    rows: Any = (
        accounts.filter(review_due_q(now))
        .values("organisation__name")
        .annotate(
            never=Count("pk", filter=Q(last_reviewed_at__isnull=True), distinct=True),
            overdue=Count("pk", filter=Q(last_reviewed_at__lt=cutoff), distinct=True),
        )
        .order_by("organisation__name")
    )
    due = list(rows)
    return {
        "accounts": accounts.values("pk").distinct().count(),
        "rows": due,
        "due": sum(r["never"] + r["overdue"] for r in due),
    }


def organisations_for_invite(*, actor: User) -> QuerySet[Organisation]:
    """Organisations the actor may add people to (live ones only)."""
    live = Organisation.objects.filter(retired_at__isnull=True)
    if policy.has_perm(actor, policy.Perm.ACCOUNTS_MANAGE_ALL):
        return live
    if policy.has_perm(actor, policy.Perm.ACCOUNTS_MANAGE):
        return live.filter(pk=actor.organisation_id or 0)
    return live.none()


def line_manager_choices(*, actor: User, organisation_ids: Iterable[int]) -> QuerySet[User]:
    """Active people who may be named line manager: in the organisations the actor may add
    people to."""
    reach = organisations_for_invite(actor=actor).filter(pk__in=list(organisation_ids))
    return User.objects.filter(organisation__in=reach, is_active=True).select_related(
        "organisation"
    )


def organisation_list_for(*, actor: User) -> QuerySet[Organisation]:
    policy.require_perm(actor, policy.Perm.ORGANISATIONS_MANAGE)
    return Organisation.objects.annotate(
        accounts=Count("users", filter=Q(users__is_active=True), distinct=True)
    ).order_by("retired_at", "name")


def organisation_get_for(*, actor: User, organisation_id: int) -> Organisation:
    try:
        org = organisation_list_for(actor=actor).get(pk=organisation_id)
    except Organisation.DoesNotExist:
        raise Http404("No such organisation") from None
    policy.require(actor, policy.Perm.ORGANISATIONS_MANAGE, org)
    return org


def organisation_for_sso(*, actor: User, organisation_id: int) -> Organisation:
    """An organisation whose single sign-on the actor may set: any live one (system
    administrators) or their own (organisation administrators); 404 otherwise."""
    policy.require_perm(actor, policy.Perm.SSO_CONFIGURE)
    org = Organisation.objects.filter(pk=organisation_id).first()
    if org is None or not policy.can(actor, policy.Perm.SSO_CONFIGURE, org):
        raise Http404("No such organisation")
    return org


def partnership_list_for(*, actor: User) -> QuerySet[Partnership]:
    policy.require_perm(actor, policy.Perm.ORGANISATIONS_MANAGE)
    return Partnership.objects.prefetch_related("organisations").order_by("retired_at", "name")


def partnership_get_for(*, actor: User, partnership_id: int) -> Partnership:
    try:
        found = partnership_list_for(actor=actor).get(pk=partnership_id)
    except Partnership.DoesNotExist:
        raise Http404("No such partnership") from None
    policy.require(actor, policy.Perm.ORGANISATIONS_MANAGE, found)
    return found


EXPORT_HEADER = (
    "username",
    "name",
    "email",
    "organisation",
    "team",
    "roles",
    "line_manager",
    "status",
    "last_sign_in",
    "last_review",
    "review_due",
)


def accounts_export_rows(*, actor: User) -> Iterator[list[Any]]:
    """The accounts the actor manages, one row each, for an access review in a spreadsheet."""
    cutoff = timezone.now() - dt.timedelta(days=REVIEW_DAYS)
    for u in user_list_for(actor=actor).iterator(chunk_size=500):
        roles = list(u.roles.all())
        row: Any = u  # annotated by _with_review
        last = row.last_reviewed_at
        due = u.is_active and bool(roles) and (last is None or last < cutoff)
        yield [
            u.username,
            u.get_full_name(),
            u.email,
            u.organisation.name if u.organisation else "",
            u.team,
            "; ".join(r.name for r in roles),
            u.line_manager.username if u.line_manager else "",
            account_status(u),
            u.last_login.isoformat() if u.last_login else "",
            row.last_reviewed_at.isoformat() if row.last_reviewed_at else "",
            "yes" if due else "no",
        ]


def user_get_for(*, actor: User, user_id: int) -> User:
    """One manageable account; 404 when out of scope, so existence is not revealed."""
    try:
        user = user_list_for(actor=actor).get(pk=user_id)
    except User.DoesNotExist:
        raise Http404("No such account") from None
    policy.require(actor, policy.Perm.ACCOUNTS_MANAGE, user)
    return user


def totp_device_for(*, user: User) -> AuthenticatorDevice | None:
    """The person's confirmed authenticator, if any."""
    return AuthenticatorDevice.objects.filter(user=user, confirmed=True).first()


def pending_totp_device_for(*, user: User, device_id: int | None) -> AuthenticatorDevice | None:
    """The unconfirmed authenticator this session started, if it is still there."""
    if device_id is None:
        return None
    return AuthenticatorDevice.objects.filter(pk=device_id, user=user, confirmed=False).first()


# --- API keys (issue 17) ----------------------------------------------------------------------


def api_key_list_for(*, actor: User) -> QuerySet[ApiKey]:
    """Keys the administrator manages, live ones first, newest first (one query)."""
    policy.require_perm(actor, policy.Perm.API_KEYS_MANAGE)
    keys: QuerySet[ApiKey] = policy.scope_api_keys(
        actor, ApiKey.objects.select_related("organisation", "created_by", "revoked_by")
    )
    return keys.order_by(F("revoked_at").asc(nulls_first=True), "-created_at", "-id")


def api_key_get_for(*, actor: User, key_id: int) -> ApiKey:
    key = api_key_list_for(actor=actor).filter(pk=key_id).first()
    if key is None:
        raise Http404("No such API key")
    policy.require(actor, policy.Perm.API_KEYS_MANAGE, key)
    return key


def organisations_for_api_keys(*, actor: User) -> list[Organisation]:
    """Live organisations the administrator may issue keys for (kinds that keys act for)."""
    policy.require_perm(actor, policy.Perm.API_KEYS_MANAGE)
    orgs = Organisation.objects.filter(
        retired_at__isnull=True, kind__in=list(policy.API_KEY_BASE_ROLE)
    ).order_by("name")
    return [o for o in orgs if policy.can(actor, policy.Perm.API_KEYS_MANAGE, o)]


def organisation_for_api_keys(*, actor: User, organisation_id: int) -> Organisation:
    for org in organisations_for_api_keys(actor=actor):
        if org.pk == organisation_id:
            return org
    raise Http404("No such organisation")
