from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from desist import policy
from desist.accounts.models import AuthenticatorDevice, User


def user_list_for(*, actor: User) -> QuerySet[User]:
    """Accounts the actor may manage (system administrators: their own organisation)."""
    return policy.scope_users_manageable(
        actor, User.objects.select_related("organisation").prefetch_related("roles")
    ).order_by("username")


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
