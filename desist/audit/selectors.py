from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from desist import policy
from desist.audit.models import AuditEvent
from desist.core.models import Organisation


@dataclass(frozen=True)
class AuditFilters:
    username: str = ""
    organisation_id: int | None = None
    object_type: str = ""
    object_id: str = ""
    category: str = ""
    verb: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def audit_event_list_for(
    *, actor: Any, filters: AuditFilters | None = None
) -> QuerySet[AuditEvent]:
    qs = policy.scope_audit_events(actor, AuditEvent.objects.all())
    f = filters or AuditFilters()
    if f.username:
        qs = qs.filter(actor_username__iexact=f.username.strip())
    if f.organisation_id:
        qs = qs.filter(organisation_id=f.organisation_id)
    if f.object_type:
        qs = qs.filter(object_type=f.object_type)
    if f.object_id:
        qs = qs.filter(object_id=f.object_id.strip())
    if f.category:
        qs = qs.filter(category=f.category)
    if f.verb:
        qs = qs.filter(verb=f.verb)
    if f.date_from:
        qs = qs.filter(occurred_at__date__gte=f.date_from)
    if f.date_to:
        qs = qs.filter(occurred_at__date__lte=f.date_to)
    return qs.order_by("-occurred_at", "-id")


def audit_object_types_for(*, actor: Any) -> list[str]:
    qs = policy.scope_audit_events(actor, AuditEvent.objects.all())
    return sorted(t for t in qs.values_list("object_type", flat=True).distinct() if t)


def audit_organisation_choices_for(*, actor: Any) -> list[tuple[int, str]] | None:
    """Organisations to filter by: only overseers (who see every organisation's events) get
    the choice; None hides the filter."""
    if not policy.has_perm(actor, policy.Perm.AUDIT_VIEW_ALL):
        return None
    return list(Organisation.objects.order_by("name").values_list("pk", "name"))


# Values of these events may identify a person (a name typed into a search). Auditors of the
# acting organisation see them; auditors elsewhere (overseers) see only the justification.
_OWN_ORGANISATION_DETAIL: dict[str, str] = {"subject.search": "search"}


def audit_event_detail_for(*, actor: Any, event: AuditEvent) -> str:
    """Extra detail of an event the actor may read: e.g. the terms of a subject search, for
    auditors of the searching organisation only."""
    key = _OWN_ORGANISATION_DETAIL.get(event.verb)
    if not key or event.organisation_id != actor.organisation_id:
        return ""
    return str((event.new_values or {}).get(key, ""))
