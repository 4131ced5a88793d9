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


# --- for the sharing bridge only (redaction guard, alert routing) ---------------------------
# These answer questions about victims without an actor: the sharing app calls them to protect
# victims, never to show anything. Provider-side code must go through desist.sharing instead.


def victim_identifiers_for_subject(*, subject: Any) -> list[tuple[str, str]]:
    """(kind, value) pairs for every victim linked to the subject through a case: the
    redaction guard's word list. Kinds: name, address, postcode, phone, email."""
    pairs: list[tuple[str, str]] = []
    for victim in Victim.objects.filter(cases__subject=subject).distinct():
        for kind, value in (
            ("name", victim.first_names),
            ("name", victim.last_name),
            ("address", victim.address),
            ("postcode", victim.postcode),
            ("phone", victim.phone),
            ("email", victim.email),
        ):
            if value and value.strip():
                pairs.append((kind, value.strip()))
    return pairs


def advocates_for_subject(*, subject: Any, engagement_news_only: bool = False) -> list[Any]:
    """Users who support a victim of `subject` (the allocated advocate of each open advocacy
    case). With `engagement_news_only`, only where the victim asked to hear about the
    perpetrator's engagement. Interim until the advocacy casework lands (issue 5)."""
    return []
