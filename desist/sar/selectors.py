"""Reads of the subject access log, scoped to the data owner's organisation and the kinds of
person they may handle."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404

from desist import policy
from desist.policy import Perm
from desist.sar.models import AccessRequest

if TYPE_CHECKING:
    from desist.accounts.models import User


def access_request_list_for(*, actor: User) -> QuerySet[AccessRequest]:
    policy.require_perm(actor, Perm.SAR_MANAGE)
    qs = AccessRequest.objects.select_related("logged_by", "run_by", "released_by")
    return policy.scope_access_requests(actor, qs)


def access_request_get_for(*, actor: User, request_id: int) -> AccessRequest:
    policy.require_perm(actor, Perm.SAR_MANAGE)
    qs = policy.scope_access_requests(
        actor,
        AccessRequest.objects.select_related("organisation", "logged_by", "run_by", "released_by"),
    )
    found = qs.filter(pk=request_id).first()
    if found is None:
        raise Http404("No such request")
    policy.require(actor, Perm.SAR_MANAGE, found)
    return found
