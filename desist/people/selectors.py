"""Reads of subjects, under the access policy (own force only)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from desist import policy
from desist.accounts.models import User
from desist.core.text import normalise_name
from desist.people import panels
from desist.people.models import InterventionDecision, Subject, SubjectAlias
from desist.people.panels import Panel
from desist.people.validators import pnc_variants
from desist.policy import Perm

# --- lists and single records -----------------------------------------------------------


def subject_list_for(*, actor: User) -> QuerySet[Subject]:
    """The actor's force's subjects, newest first."""
    return policy.scope_subjects(actor, Subject.objects.all()).order_by("-created_at", "-id")


def subject_table_for(*, actor: User, not_considered: bool = False) -> QuerySet[Subject]:
    """What the subjects list shows, newest first, with a case count (one query a page).
    `not_considered`: only subjects waiting for an intervention decision (the work queue)."""
    qs = (
        subjects_not_considered_for(actor=actor)
        if not_considered
        else subject_list_for(actor=actor)
    )
    return qs.annotate(case_count=Count("cases")).order_by("-created_at", "-id")


def subject_get_for(*, actor: User, subject_id: int, history: bool = False) -> Subject:
    """One subject; 404 when out of scope, so a record's existence is not revealed. With
    `history`, also one transferred away from the actor's force (its page, read-only)."""
    try:
        subject = (
            policy.scope_subjects(actor, Subject.objects.all(), history=history)
            .select_related("force")
            .get(pk=subject_id)
        )
    except Subject.DoesNotExist:
        raise Http404("No such subject") from None
    policy.require(actor, Perm.SUBJECT_VIEW, subject)
    return subject


@dataclass(frozen=True)
class SubjectPage:
    subject: Subject
    aliases: list[SubjectAlias]
    addresses: list[Any]
    decisions: list[InterventionDecision]
    # The sections cases and orders register (people.panels), keyed, in page order.
    panels: dict[str, Panel]
    needs_decision: bool

    @property
    def current_address(self) -> Any:
        return next((a for a in self.addresses if a.to_date is None), None)

    @property
    def latest_decision(self) -> InterventionDecision | None:
        return self.decisions[0] if self.decisions else None

    def _rows(self, key: str) -> list[Any]:
        panel = self.panels.get(key)
        return panel.rows if panel is not None else []

    @property
    def cases(self) -> list[Any]:
        return self._rows("cases")

    @property
    def orders(self) -> list[Any]:
        return self._rows("orders")


def subject_page_for(*, actor: User, subject_id: int) -> SubjectPage:
    """Everything the subject page shows, in a fixed number of queries."""
    subject = subject_get_for(actor=actor, subject_id=subject_id, history=True)
    decisions = list(
        InterventionDecision.objects.filter(subject=subject)
        .select_related("decided_by")
        .order_by("-decided_on", "-id")
    )
    live = panels.live_order_subjects().filter(subject_id=subject.pk).exists()
    return SubjectPage(
        subject=subject,
        aliases=list(subject.aliases.order_by("name")),
        addresses=list(subject.addresses.order_by("-from_date", "-id")),
        decisions=decisions,
        panels=panels.panels_for(actor=actor, subject=subject),
        needs_decision=live and not decisions,
    )


# --- intervention: the work queue ---------------------------------------------------------


def subjects_not_considered_for(*, actor: User) -> QuerySet[Subject]:
    """Subjects of the actor's force with an interim or full order and no intervention
    decision recorded."""
    qs = policy.scope_subjects(actor, Subject.objects.all())
    live = panels.live_order_subjects()
    decided = InterventionDecision.objects.filter(subject=OuterRef("pk"))
    return qs.filter(pk__in=live).filter(~Exists(decided)).order_by("created_at", "id")


# --- search -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubjectSearch:
    text: str = ""
    date_of_birth: dt.date | None = None

    @property
    def is_empty(self) -> bool:
        return not self.text.strip() and self.date_of_birth is None

    def describe(self) -> str:
        """What was searched for, kept in the audit event's values (the terms may be a name,
        so only the searching organisation's auditors see them; see audit.selectors)."""
        parts = []
        if self.text.strip():
            parts.append(f'text "{self.text.strip()}"')
        if self.date_of_birth:
            parts.append(f"date of birth {self.date_of_birth.isoformat()}")
        return " and ".join(parts)

    def describe_kind(self) -> str:
        """The audit justification: what kind of search, never the terms."""
        kinds = []
        if self.text.strip():
            kinds.append("name, PNC number or reference")
        if self.date_of_birth:
            kinds.append("date of birth")
        return "Subject search by " + " and ".join(kinds)


def _name_matches(words: list[str]) -> Q:
    """Every word typed appears (as a prefix or anywhere) in the subject's normalised name,
    or every word appears in one of their aliases."""
    on_name = Q()
    alias_qs = SubjectAlias.objects.all()
    for word in words:
        on_name &= Q(name_search__contains=word)
        alias_qs = alias_qs.filter(name_search__contains=word)
    return on_name | Q(pk__in=alias_qs.values("subject_id"))


def subject_search_for(*, actor: User, search: SubjectSearch) -> QuerySet[Subject]:
    """Subjects of the actor's force matching the search: by name or alias (case- and
    accent-insensitive), PNC number, crime reference or order reference; the date of birth,
    when given, must match exactly as well."""
    qs = policy.scope_subjects(actor, Subject.objects.all())
    if search.is_empty:
        return qs.none()
    text = search.text.strip()
    if text:
        # Through the reverse relations, so people imports neither cases nor orders.
        match = Q(pk__in=Subject.objects.filter(cases__crime_reference__iexact=text).values("pk"))
        words = normalise_name(text).split()
        if words:
            match |= _name_matches(words)
        variants = pnc_variants(text)
        if variants:
            match |= Q(pnc_number__in=variants)
        match |= Q(pk__in=Subject.objects.filter(orders__reference__iexact=text).values("pk"))
        qs = qs.filter(match)
    if search.date_of_birth:
        qs = qs.filter(date_of_birth=search.date_of_birth)
    return qs.prefetch_related(
        Prefetch("aliases", queryset=SubjectAlias.objects.order_by("name"))
    ).order_by("last_name", "first_names", "id")
