"""Reads of cases and incidents, under the access policy (own force only)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from django.http import Http404

from desist import policy
from desist.accounts.models import User
from desist.cases.models import Case, Incident
from desist.policy import Perm


def case_list_for(*, actor: User) -> QuerySet[Case]:
    """The actor's force's cases, newest first, with the subject for the list page."""
    return (
        policy.scope_cases(actor, Case.objects.all())
        .select_related("subject", "officer_in_charge")
        .order_by("-opened_on", "-id")
    )


def case_get_for(*, actor: User, case_id: int, history: bool = False) -> Case:
    """One case; 404 when out of scope, so a record's existence is not revealed. With
    `history`, also one transferred away from the actor's force (its page, read-only)."""
    try:
        case = (
            policy.scope_cases(actor, Case.objects.all(), history=history)
            .select_related("subject", "officer_in_charge")
            .get(pk=case_id)
        )
    except Case.DoesNotExist:
        raise Http404("No such case") from None
    policy.require(actor, Perm.CASE_VIEW, case)
    return case


# Victims are safeguarding's: it registers how to read the victims of a case the actor may
# see (safeguarding.bridge, ADR 0018), so cases imports nothing of safeguarding.
VictimsOfCase = Callable[..., Iterable[Any]]
_victims_of_case: list[VictimsOfCase] = []


def register_victims_of_case(source: VictimsOfCase) -> None:
    """`source(actor=..., case=...)` returns the case's victims whose identity the actor may
    see."""
    if source not in _victims_of_case:
        _victims_of_case.append(source)


def _victims_for(actor: User, case: Case) -> list[Any]:
    if len(_victims_of_case) != 1:
        raise ImproperlyConfigured("Exactly one source of a case's victims must be registered")
    return list(_victims_of_case[0](actor=actor, case=case))


# Records of other apps on the case's timeline (orders: breaches of the case's orders, with
# their details), registered by orders (orders.panels, ADR 0018), read as the actor may.


@dataclass(frozen=True)
class TimelineItem:
    occurred_on: dt.date
    title: str
    byline: str = ""
    description: str = ""
    details: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class TimelineDetails:
    # incident id -> labelled rows shown under it (the record that incident stands for)
    by_incident: dict[int, list[tuple[str, str]]] = field(default_factory=dict)
    # records with no incident of their own, shown as items in date order
    extra: list[TimelineItem] = field(default_factory=list)
    # for the consultation event: {"breaches_shown": [ids]}
    shown: dict[str, list[int]] = field(default_factory=dict)


TimelineSource = Callable[..., TimelineDetails]
_timeline_sources: list[TimelineSource] = []


def register_timeline_source(source: TimelineSource) -> None:
    """`source(actor=..., case=..., incidents=...)` returns what it adds to the timeline."""
    if source not in _timeline_sources:
        _timeline_sources.append(source)


def _timeline_for(
    actor: User, case: Case, incidents: list[Incident]
) -> tuple[list[TimelineItem], dict[str, list[int]]]:
    if len(_timeline_sources) != 1:
        raise ImproperlyConfigured("Exactly one case timeline source must be registered")
    found = _timeline_sources[0](actor=actor, case=case, incidents=incidents)
    items = [
        TimelineItem(
            occurred_on=i.occurred_on,
            title=i.get_incident_type_display(),
            byline=i.created_by.display_name() if i.created_by else "",
            description=i.description,
            details=found.by_incident.get(i.pk, []),
        )
        for i in incidents
    ]
    # Newest first; a stable sort keeps incidents' own order on the same day.
    items = sorted(items + found.extra, key=lambda t: t.occurred_on, reverse=True)
    return items, found.shown


@dataclass(frozen=True)
class CasePage:
    case: Case
    incidents: list[Incident]
    victims: list[Any]
    can_see_victims: bool
    victim_count: int
    timeline: list[TimelineItem] = field(default_factory=list)
    shown: dict[str, list[int]] = field(default_factory=dict)


def case_page_for(*, actor: User, case_id: int) -> CasePage:
    """Everything the case page shows, in a fixed number of queries. Victims' identities are
    included only for those the policy lets see them; others see only how many there are."""
    case = case_get_for(actor=actor, case_id=case_id, history=True)
    incidents = list(
        Incident.objects.filter(case=case)
        .select_related("created_by")
        .order_by("-occurred_on", "-id")
    )
    can_see = policy.has_perm(actor, Perm.VICTIM_IDENTITY_VIEW)
    victims = _victims_for(actor, case) if can_see else []
    timeline, shown = _timeline_for(actor, case, incidents)
    return CasePage(
        case=case,
        incidents=incidents,
        timeline=timeline,
        shown=shown,
        victims=victims,
        can_see_victims=can_see,
        # Always the case's own count: a case seen under break-glass keeps its victims hidden
        # by the policy, but must never read as having none (issue 12).
        victim_count=case.victims.count(),
    )
