"""Event -> alert rules: who hears about what, how urgently.

| event | recipients | default priority |
|---|---|---|
| SPO breach recorded | the victims' advocates; police supervisors of the force (+ officers in charge) | high |
| risk disclosure in a session | police (officers in charge + supervisors); advocates | urgent |
| two consecutive missed sessions | police; advocates only where the victim asked for engagement news | routine |
| disengaged | police (+ supervisors); advocates only where the victim asked | high |
| notification overdue (scan) | police (officers in charge, else the force's officers) (+ supervisors) | high |
| order ending within the review window (scan) | police (officers in charge, else officers) | routine |
| victim reports new contact | police (+ supervisors); practitioners: a fixed text, nothing about the victim | high |
| break-glass access opened | police supervisors of the force holding the record | high |
| break-glass request needs approval | the requester's own managers (police supervisor, advocacy manager) | urgent |
| wording withheld from a provider page | police (+ supervisors) | high |
| repeated refused attempts to write victim details in notes | the clinical supervisor; police (+ supervisors) | high |
| advocacy referral without first contact 48 hours on (scan) | the service's advocacy managers | high |
| intervention started, completed or ended early (not disengaged: it has its own row) | advocates only where the victim asked for engagement news; once per referral and event | routine |

"Police" is `recipients.police_for_subject`: the officers who created the subject's latest order
and case, else every officer of the force; supervisors join for high and urgent alerts. The
person whose action raised the event is never alerted about it. A caller's `urgency` overrides
the default.

Text that reaches provider staff passes the redaction guard; if it does not, the recipient gets
the generic text instead (an alert is never lost because its wording was unsafe).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.urls import reverse

from desist import policy
from desist.accounts.models import User
from desist.core.models import OrganisationKind
from desist.policy import Perm
from desist.sharing import recipients, redaction
from desist.sharing.alerts import alert_create, alerted_with
from desist.sharing.kinds import KIND_LABELS, OPT_IN_KINDS, EventKind, Urgency

E = EventKind
U = Urgency

DEFAULT_PRIORITY: dict[str, Urgency] = {
    E.BREACH_RECORDED: U.HIGH,
    E.RISK_DISCLOSURE: U.URGENT,
    E.MISSED_SESSIONS: U.ROUTINE,
    E.DISENGAGED: U.HIGH,
    E.NOTIFICATION_OVERDUE: U.HIGH,
    E.ORDER_EXPIRING: U.ROUTINE,
    E.VICTIM_NEW_CONTACT: U.HIGH,
    E.ATTENDANCE_UNRECORDED: U.ROUTINE,
    E.BREAK_GLASS_USED: U.HIGH,
    E.BREAK_GLASS_APPROVAL: U.URGENT,
    E.WORDING_WITHHELD: U.HIGH,
    E.REDACTION_ATTEMPTS: U.HIGH,
    E.FIRST_CONTACT_OVERDUE: U.HIGH,
    E.ENGAGEMENT_STARTED: U.ROUTINE,
    E.ENGAGEMENT_COMPLETED: U.ROUTINE,
    E.ENGAGEMENT_ENDED_EARLY: U.ROUTINE,
}

# Engagement news: told only to the advocates of victims who asked for it (issue 20).
ENGAGEMENT_NEWS = (E.ENGAGEMENT_STARTED, E.ENGAGEMENT_COMPLETED, E.ENGAGEMENT_ENDED_EARLY)

# What provider staff are told when the victim reports new contact: nothing that could
# identify or locate the victim, not even when or how the contact happened.
PRACTITIONER_NEW_CONTACT_TEXT = (
    "The police and the victim advocacy service have received new information about the "
    "person you are working with. No details are shared with the provider. Consider risk in "
    "your next session, follow your organisation's risk procedures and speak to your clinical "
    "supervisor."
)
PROVIDER_GENERIC_TEXT = (
    "There is new information about the person you are working with. The details could not "
    "be shared with the provider. Speak to your clinical supervisor."
)


@dataclass(frozen=True)
class Route:
    user: Any
    role: str  # "police", "advocate", "practitioner" or "manager"


def _routes(kind: str, subject: Any, priority: Urgency, source: Any) -> list[Route]:
    # Break-glass: the source is the grant.
    if kind == E.BREAK_GLASS_USED:
        owners = recipients.police_supervisors(source.record_organisation_id)
        return [Route(u, "police") for u in owners]
    if kind == E.BREAK_GLASS_APPROVAL:
        return [Route(u, "manager") for u in recipients.managers_of(source.user)]
    if kind == E.ATTENDANCE_UNRECORDED:
        # Only the session's own practitioner (escalation reaches their clinical supervisor);
        # if that account is no longer active, the clinical supervisors straight away.
        if source.practitioner.is_active:
            return [Route(source.practitioner, "practitioner")]
        return [Route(u, "practitioner") for u in recipients.managers_of(source.practitioner)]
    if kind == E.FIRST_CONTACT_OVERDUE:
        # The source is the advocacy case: its own service's managers, nobody outside it.
        return [Route(u, "manager") for u in recipients.advocacy_managers(source.service_id)]
    if kind in ENGAGEMENT_NEWS:
        wanting = recipients.advocates(subject, engagement_news_only=True)
        return [Route(u, "advocate") for u in wanting]
    senior = priority in (U.HIGH, U.URGENT)
    police = [
        Route(u, "police")
        for u in recipients.police_for_subject(subject, include_supervisors=senior)
    ]
    if kind == E.BREACH_RECORDED:
        return [Route(u, "advocate") for u in recipients.advocates(subject)] + police
    if kind == E.RISK_DISCLOSURE:
        return police + [Route(u, "advocate") for u in recipients.advocates(subject)]
    if kind in (E.MISSED_SESSIONS, E.DISENGAGED):
        wanting = recipients.advocates(subject, engagement_news_only=True)
        return police + [Route(u, "advocate") for u in wanting]
    if kind in (E.NOTIFICATION_OVERDUE, E.ORDER_EXPIRING):
        return police
    if kind == E.VICTIM_NEW_CONTACT:
        return police + [Route(u, "practitioner") for u in recipients.practitioners(subject)]
    if kind == E.REDACTION_ATTEMPTS:
        # The source is the session: its provider's clinical supervisors, then the police.
        return [
            Route(u, "practitioner") for u in recipients.managers_of(source.practitioner)
        ] + police
    return police


def _unique_routes(routes: list[Route], actor: User | None, once_key: str = "") -> list[Route]:
    # With a key, whoever already holds an alert with it is not told again (one per event).
    seen: set[int] = set(alerted_with(once_key)) if once_key else set()
    out: list[Route] = []
    actor_pk = getattr(actor, "pk", None) if getattr(actor, "is_authenticated", False) else None
    for r in routes:
        if r.user.pk in seen or r.user.pk == actor_pk or not r.user.is_active:
            continue
        if not policy.has_perm(r.user, Perm.ALERT_RECEIVE):
            continue
        seen.add(r.user.pk)
        out.append(r)
    return out


def _order_of(source: Any) -> Any:
    label = source._meta.label if source is not None else ""
    if label == "orders.Order":
        return source
    if label in ("orders.Breach", "orders.Notification"):
        return source.order
    return None


# Events the provider raises: an advocate's alert links to the victim's advocacy case.
PROVIDER_EVENTS = (E.RISK_DISCLOSURE, E.MISSED_SESSIONS, E.DISENGAGED, *ENGAGEMENT_NEWS)


def _advocacy_link(user: Any, subject: Any, kind: str = "") -> str:
    """The advocate's own case for the subject's victim, resolved when they open it (sharing
    never looks victims up). Only for advocacy staff: never a provider or police recipient.
    Engagement news, missed sessions and disengagement (told only where a victim asked) link
    to the case of a victim who asked for it, never another victim's."""
    if subject is None or user.organisation.kind != OrganisationKind.ADVOCACY:
        return ""
    if not policy.has_perm(user, Perm.ADVOCACY_VIEW):
        return ""
    url = reverse("safeguarding:case_for_subject", args=[subject.pk])
    return f"{url}?news=1" if kind in OPT_IN_KINDS else url


def _link_for(
    user: Any, source: Any, subject: Any, route: Route | None = None, kind: str = ""
) -> str:
    if route is not None and route.role == "advocate" and kind in PROVIDER_EVENTS:
        return _advocacy_link(user, subject, kind)
    return _record_link(user, source, subject) or (
        _advocacy_link(user, subject) if route is not None and route.role == "advocate" else ""
    )


def _break_glass_link(user: Any, grant: Any) -> str:
    """The approver decides on the request; the owner reads what was done in the audit log."""
    if policy.can(user, Perm.BREAK_GLASS_APPROVE, grant):
        return reverse("sharing:break_glass_decide", args=[grant.pk])
    if policy.has_perm(user, Perm.AUDIT_VIEW_OWN_ORG):
        query = f"?object_type={grant.record_type}&object_id={grant.record_id}"
        return reverse("audit:list") + query
    return ""


def _record_link(user: Any, source: Any, subject: Any) -> str:
    if source is not None and source._meta.label == "sharing.BreakGlassGrant":
        return _break_glass_link(user, source)
    if source is not None and source._meta.label == "programme.ProgrammeSession":
        if policy.can(user, Perm.SESSION_MANAGE, source.referral):
            return reverse("programme:attendance", args=[source.pk])
        return ""
    if source is not None and source._meta.label == "safeguarding.AdvocacyCase":
        if policy.can(user, Perm.ADVOCACY_VIEW, source):
            return reverse("safeguarding:case", args=[source.pk])
        return ""
    order = _order_of(source)
    if order is not None and policy.can(user, Perm.ORDER_VIEW, order):
        suffix = {"orders.Breach": "#breaches", "orders.Notification": "#notifications"}
        return reverse("orders:detail", args=[order.pk]) + suffix.get(source._meta.label, "")
    if subject is not None and policy.can(user, Perm.SUBJECT_VIEW, subject):
        return reverse("people:detail", args=[subject.pk])
    return ""


def _from_organisation(actor: User | None, subject: Any, source: Any) -> Any:
    """Whose information the alert carries: the acting user's organisation, else (scans) the
    force that owns the order or subject."""
    if actor is not None and actor.is_authenticated and actor.organisation_id:
        return actor.organisation
    if source is not None and source._meta.label == "programme.ProgrammeSession":
        return source.referral.programme.provider
    order = _order_of(source)
    if order is not None:
        return order.force
    return subject.force if subject is not None else None


def _texts(
    kind: str, route: Route, subject: Any, summary: str, source: Any = None
) -> tuple[str, str]:
    label = KIND_LABELS.get(kind, str(kind))
    name = subject.full_name if subject is not None else ""
    # An alert about an advocacy case carries no subject (a victim's name must never show):
    # the case reference tells one alert from the next in a manager's list.
    if not name and source is not None and source._meta.label == "safeguarding.AdvocacyCase":
        name = f"case {source.reference}"
    title = f"{label}: {name}" if name else label
    if route.role == "practitioner":
        if kind == E.VICTIM_NEW_CONTACT:
            return title, PRACTITIONER_NEW_CONTACT_TEXT
        if not redaction.is_clean(subject=subject, texts=[summary]):
            return title, PROVIDER_GENERIC_TEXT
    return title, summary


# Called with each event in the caller's transaction, before its alerts (events' outbox,
# ADR 0035), by `port.register_listener`.
_LISTENERS: list[Callable[..., None]] = []


def register_listener(listener: Callable[..., None]) -> None:
    if listener not in _LISTENERS:
        _LISTENERS.append(listener)


def dispatch(
    *,
    kind: EventKind | str,
    actor: User | None,
    subject: Any,
    source: Any,
    summary: str,
    urgency: Urgency | str | None = None,
    dedupe_key: str = "",
    once: bool = False,
    now: dt.datetime | None = None,
) -> list[Any]:
    """Turn one event into alerts (see the table above). Runs inside the caller's transaction
    (a savepoint), so the alerts commit with the record that raised them. With `once`, nobody
    already holding an alert with `dedupe_key` gets another."""
    kind = EventKind(kind)
    priority = Urgency(urgency) if urgency else DEFAULT_PRIORITY[kind]
    from_org = _from_organisation(actor, subject, source)
    made = []
    with transaction.atomic():
        for listener in _LISTENERS:
            listener(kind=str(kind), source=source, dedupe_key=dedupe_key)
        routes = _routes(kind, subject, priority, source)
        for route in _unique_routes(routes, actor, dedupe_key if once else ""):
            title, body = _texts(kind, route, subject, summary, source)
            if route.user.organisation.kind == OrganisationKind.PROVIDER and not redaction.is_clean(
                subject=subject, texts=[title, body]
            ):
                body = PROVIDER_GENERIC_TEXT
            made.append(
                alert_create(
                    actor=actor,
                    kind=kind,
                    priority=priority,
                    recipient=route.user,
                    title=title,
                    body=body,
                    subject=subject,
                    source=source,
                    from_organisation=from_org,
                    link_url=_link_for(route.user, source, subject, route, kind),
                    dedupe_key=dedupe_key,
                    now=now,
                )
            )
    return made
