"""Reads of alerts, disclosures and break-glass grants, under the access policy.

List selectors run a fixed number of queries however many rows there are.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from desist import policy
from desist.accounts.models import User
from desist.core.models import Organisation, OrganisationKind
from desist.core.roles import RoleCode
from desist.policy import Perm
from desist.sharing import clock, registry
from desist.sharing.break_glass import break_glass_allowed_types
from desist.sharing.kinds import EventKind, Urgency
from desist.sharing.models import Alert, BreakGlassGrant, Disclosure

# --- alerts ---------------------------------------------------------------------------------

NO_ADVOCATE_ALERTED = (
    "No victim advocate was alerted: no advocacy service has an advocate allocated to an open "
    "case for this person's victims, so only the police were told."
)
NOBODY_ALERTED = (
    "Nobody could be alerted through Desist. Phone the police now and tell your clinical "
    "supervisor."
)


def alert_receipt_for(*, actor: User, source: Any) -> str:
    """What the person who raised an event is told about who received it: organisations and
    roles, composed from the alerts just made (never a victim, never a person's name). Only
    the actor's own alerts about `source` count, so it says nothing about anyone else's."""
    rows = (
        Alert.objects.filter(
            source_type=source._meta.label,
            source_id=str(source.pk),
            created_by=actor,
            escalated_from__isnull=True,
        )
        .values_list(
            "recipient_organisation_id",
            "recipient_organisation__name",
            "recipient_organisation__kind",
            "recipient__roles__code",
        )
        .order_by("recipient_organisation__kind", "recipient_organisation__name")
    )
    orgs: dict[int, tuple[str, str, list[str]]] = {}
    for org_id, name, kind, role in rows:
        entry = orgs.setdefault(org_id, (name, kind, []))
        label = RoleCode(role).label.lower() if role in RoleCode.values else ""
        if label and label not in entry[2]:
            entry[2].append(label)
    if not orgs:
        return NOBODY_ALERTED
    # Police first, as the practitioner's procedures name them first.
    ordered = sorted(orgs.values(), key=lambda o: (o[1] != OrganisationKind.POLICE_FORCE, o[0]))
    parts = [f"{name} ({', '.join(roles)})" if roles else name for name, _, roles in ordered]
    told = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    text = f"{told} {'was' if len(parts) == 1 else 'were'} alerted."
    if not any(kind == OrganisationKind.ADVOCACY for _, kind, _ in orgs.values()):
        text += " " + NO_ADVOCATE_ALERTED
    return text


ALERT_STATES = ("open", "acknowledged", "all")


def alert_list_for(*, actor: User, state: str = "open") -> QuerySet[Alert]:
    """The actor's inbox: open (unacknowledged) alerts, most urgent deadline first."""
    qs = policy.scope_alerts(actor, Alert.objects.all()).select_related(
        "subject", "from_organisation", "escalated_from"
    )
    if state == "open":
        return qs.filter(acknowledged_at__isnull=True).order_by("due_by", "id")
    if state == "acknowledged":
        return qs.filter(acknowledged_at__isnull=False).order_by("-acknowledged_at", "-id")
    return qs.order_by("-created_at", "-id")


@dataclass(frozen=True)
class RoutedAlert:
    alert: Alert
    from_organisation: str
    lawful_basis: str  # the disclosure's, "" when the alert stayed inside the organisation


def alerts_about_subjects_for(
    *, actor: User, subject_ids: Any, exclude_kinds: Any = ()
) -> list[RoutedAlert]:
    """The alerts sent to the actor about these subjects, newest first, with the lawful basis
    each was disclosed under (the advocacy case page, issue 20). Two queries."""
    alerts = list(
        policy.scope_alerts(actor, Alert.objects.filter(subject_id__in=list(subject_ids)))
        .exclude(kind__in=list(exclude_kinds))
        .select_related("from_organisation")
        .prefetch_related("disclosures")
        .order_by("-created_at", "-id")
    )
    return [
        RoutedAlert(
            alert=a,
            from_organisation=a.from_organisation.name if a.from_organisation else "",
            lawful_basis=next(
                (
                    d.get_lawful_basis_display()
                    for d in a.disclosures.all()
                    if d.to_user_id == a.recipient_id
                ),
                "",
            ),
        )
        for a in alerts
    ]


def alert_get_for(*, actor: User, alert_id: int) -> Alert:
    """One alert; 404 unless the actor is its recipient."""
    try:
        return (
            policy.scope_alerts(actor, Alert.objects.all())
            .select_related(
                "subject",
                "from_organisation",
                "acknowledged_by",
                "escalated_from",
                "escalated_from__recipient",
            )
            .get(pk=alert_id)
        )
    except Alert.DoesNotExist:
        raise Http404("No such alert") from None


def alert_source_detail_for(*, actor: User, alert: Alert) -> registry.SourceDetail | None:
    """What the alert's source record says, when its owning app lets this recipient read it
    (a breach's details: police only). None for every other alert and recipient."""
    source = registry.detail_source(alert.source_type)
    if source is None or not alert.source_id:
        return None
    return source(actor, alert.source_id)


def alerts_changed_since(qs: QuerySet[Alert], since: dt.datetime) -> QuerySet[Alert]:
    """Alerts made, acknowledged or escalated at or after `since` (the API's updated_since)."""
    return qs.filter(
        Q(created_at__gte=since) | Q(acknowledged_at__gte=since) | Q(escalated_at__gte=since)
    )


def open_alerts_for(*, actor: User, escalations: bool | None = None) -> QuerySet[Alert]:
    """Unacknowledged alerts for home-page queues. `escalations`: True only escalations,
    False none, None both."""
    qs = alert_list_for(actor=actor, state="open")
    if escalations is True:
        qs = qs.filter(escalated_from__isnull=False)
    elif escalations is False:
        qs = qs.filter(escalated_from__isnull=True)
    return qs


# --- disclosures ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DisclosureFilters:
    organisation_id: int | None = None
    lawful_basis: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def disclosure_list_for(
    *, actor: User, filters: DisclosureFilters | None = None
) -> QuerySet[Disclosure]:
    f = filters or DisclosureFilters()
    qs = policy.scope_disclosures(actor, Disclosure.objects.all())
    if f.organisation_id:
        qs = qs.filter(from_organisation_id=f.organisation_id) | qs.filter(
            to_organisation_id=f.organisation_id
        )
    if f.lawful_basis:
        qs = qs.filter(lawful_basis=f.lawful_basis)
    if f.date_from:
        qs = qs.filter(disclosed_at__date__gte=f.date_from)
    if f.date_to:
        qs = qs.filter(disclosed_at__date__lte=f.date_to)
    return qs.select_related(
        "from_organisation", "to_organisation", "to_user", "authorised_by"
    ).order_by("-disclosed_at", "-id")


def disclosure_organisation_choices(*, actor: User) -> list[tuple[int, str]]:
    if policy.has_perm(actor, Perm.DISCLOSURE_VIEW_ALL):
        return list(Organisation.objects.order_by("name").values_list("pk", "name"))
    return []


# --- break-glass ----------------------------------------------------------------------------


def break_glass_grants_of(*, actor: User) -> QuerySet[BreakGlassGrant]:
    """The actor's own uses of break-glass access, newest first."""
    if not policy.has_perm(actor, Perm.BREAK_GLASS_REQUEST):
        return BreakGlassGrant.objects.none()
    return (
        BreakGlassGrant.objects.filter(user_id=actor.pk)
        .select_related("record_organisation")
        .order_by("-granted_at", "-id")
    )


def live_grants_of(*, actor: User, now: dt.datetime | None = None) -> list[BreakGlassGrant]:
    if not getattr(actor, "is_authenticated", False) or not policy.has_perm(
        actor, Perm.BREAK_GLASS_REQUEST
    ):
        return []
    return list(
        break_glass_grants_of(actor=actor).filter(
            status=BreakGlassGrant.Status.GRANTED, expires_at__gt=now or clock.now()
        )
    )


def break_glass_approvals_for(*, actor: User, state: str = "pending") -> QuerySet[BreakGlassGrant]:
    """Requests from the actor's own organisation waiting for (or given) a second approval."""
    qs = policy.scope_break_glass_approvals(
        actor, BreakGlassGrant.objects.exclude(approval_reasons="")
    ).select_related("user", "organisation", "record_organisation", "decided_by")
    if state == "pending":
        return qs.filter(status=BreakGlassGrant.Status.PENDING).order_by("requested_at", "id")
    return qs.order_by("-requested_at", "-id")


def break_glass_approval_get_for(*, actor: User, grant_id: int) -> BreakGlassGrant:
    try:
        grant = break_glass_approvals_for(actor=actor, state="all").get(pk=grant_id)
    except BreakGlassGrant.DoesNotExist:
        raise Http404("No such break-glass request") from None
    policy.require(actor, Perm.BREAK_GLASS_APPROVE, grant)
    return grant


def break_glass_review_list_for(
    *, actor: User, state: str = "unreviewed"
) -> QuerySet[BreakGlassGrant]:
    qs = policy.scope_break_glass_reviews(actor, BreakGlassGrant.objects.all()).select_related(
        "user", "organisation", "record_organisation", "reviewed_by"
    )
    if state == "unreviewed":
        return qs.filter(reviewed_at__isnull=True).order_by("granted_at", "id")
    if state == "reviewed":
        return qs.filter(reviewed_at__isnull=False).order_by("-reviewed_at", "-id")
    return qs.order_by("-granted_at", "-id")


def break_glass_grant_get_for_review(*, actor: User, grant_id: int) -> BreakGlassGrant:
    try:
        return break_glass_review_list_for(actor=actor, state="all").get(pk=grant_id)
    except BreakGlassGrant.DoesNotExist:
        raise Http404("No such break-glass use") from None


def break_glass_find_record(*, actor: User, record_type: str, reference: str) -> Any:
    """The record a break-glass request names, found by the reference staff use: a subject
    by PNC number or force reference, a case by crime reference, an order by its reference, a
    victim by V-number (each app registers its finder with `sharing.port`). Only for users who
    may break glass to that kind of record. Returns None when there is no single match."""
    reference = (reference or "").strip()
    if record_type not in break_glass_allowed_types(actor) or not reference:
        return None
    finder = registry.record_finder(record_type)
    if finder is None:
        return None
    found = list(finder(reference).distinct()[:2])
    return found[0] if len(found) == 1 else None


# --- aggregates for the dashboards (counts only) ---------------------------------------------


def alert_timeliness_for(*, actor: User, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Alert acknowledgement timeliness by priority, counts only: `total` alerts raised (not
    counting escalation copies or reminders inside the provider), `on_time` acknowledged by
    their deadline, `acknowledged` at all, `pending` not acknowledged and still within their
    deadline at `now` (neither on time nor late yet), and `waits`: per alert, the hours from raising to
    acknowledgement, or to `now` for one not yet acknowledged (censored), with whether it was
    acknowledged. Scoped by `policy.scope_alert_statistics`; an actor who may not count alerts
    gets no rows. One query."""
    now = now or clock.now()
    # Reminders inside the provider are not alerts between agencies: not counted here.
    qs = policy.scope_alert_statistics(
        actor,
        Alert.objects.filter(escalated_from__isnull=True).exclude(
            kind=EventKind.ATTENDANCE_UNRECORDED
        ),
    )
    by: dict[str, list[tuple[dt.datetime, dt.datetime, dt.datetime | None]]] = {}
    for priority, created, due, acked in qs.values_list(
        "priority", "created_at", "due_by", "acknowledged_at"
    ):
        by.setdefault(priority, []).append((created, due, acked))
    rows: list[dict[str, Any]] = []
    order = [u.value for u in (Urgency.URGENT, Urgency.HIGH, Urgency.ROUTINE)]
    for priority in order + sorted(set(by) - set(order)):
        items = by.get(priority)
        if not items:
            continue
        waits = sorted(
            (max(((acked or now) - created).total_seconds(), 0.0) / 3600, acked is not None)
            for created, _due, acked in items
        )
        rows.append(
            {
                "label": priority.title(),
                "total": len(items),
                "on_time": sum(1 for _c, due, acked in items if acked and acked <= due),
                "acknowledged": sum(1 for _c, _d, acked in items if acked),
                "pending": sum(1 for _c, due, acked in items if acked is None and now <= due),
                "waits": waits,
            }
        )
    return rows
