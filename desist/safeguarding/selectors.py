"""Reads of victims: the one door to their identities.

Police of the recording force see identities (policy.scope_victims); advocates come with the
advocacy issue; provider staff never. Provider-side apps must not import this module.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from desist import policy
from desist.policy import Perm
from desist.safeguarding.models import Victim


def victim_list_for(*, actor: Any) -> QuerySet[Victim]:
    return policy.scope_victims(actor, Victim.objects.all()).order_by("id")


def victim_get_for(*, actor: Any, victim_id: int) -> Victim:
    """One victim; 404 when out of scope, so a record's existence is not revealed."""
    try:
        victim = victim_list_for(actor=actor).get(pk=victim_id)
    except Victim.DoesNotExist:
        raise Http404("No such victim") from None
    policy.require(actor, Perm.VICTIM_IDENTITY_VIEW, victim)
    return victim


def victims_for_case(*, actor: Any, case: Any) -> QuerySet[Victim]:
    """The victims of one case whose identities the actor may see."""
    return victim_list_for(actor=actor).filter(cases=case)
