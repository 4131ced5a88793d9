from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from desist import policy
from desist.accounts.models import User


def user_list_for(*, actor: Any) -> QuerySet[User]:
    """Accounts the actor may manage (system administrators: their own organisation)."""
    return policy.scope_users_manageable(
        actor, User.objects.select_related("organisation").prefetch_related("roles")
    ).order_by("username")


def user_get_for(*, actor: Any, user_id: int) -> User:
    """One manageable account; 404 when out of scope, so existence is not revealed."""
    try:
        user = user_list_for(actor=actor).get(pk=user_id)
    except User.DoesNotExist:
        raise Http404("No such account") from None
    policy.require(actor, policy.Perm.ACCOUNTS_MANAGE, user)
    return user
