"""Creating alerts and recording disclosures: the writes the rules and escalation share.

Below both `rules` (which turns an event into alerts) and `services` (escalation, delivery,
the scans), so neither has to import the other from inside a function. `services` re-exports
these names, the door other apps and tests already use.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from desist import policy
from desist.accounts.models import User
from desist.audit.models import Category
from desist.audit.services import audit_record
from desist.core import safecsv
from desist.core.dates import long_datetime
from desist.core.export_purpose import ExportPurpose
from desist.core.models import Organisation, OrganisationKind, Partnership
from desist.policy import Perm
from desist.sharing import clock
from desist.sharing.agreements import choose_agreement
from desist.sharing.kinds import KIND_LABELS, KIND_PURPOSES, Urgency
from desist.sharing.models import Alert, Disclosure, LawfulBasis, OutboundEmail

# How long a recipient has to acknowledge an alert before it escalates to their manager.
ACK_WITHIN: dict[str, dt.timedelta] = {
    Urgency.URGENT: dt.timedelta(hours=1),
    Urgency.HIGH: dt.timedelta(hours=4),
    Urgency.ROUTINE: dt.timedelta(hours=24),
}

PRIORITY_LABEL = {Urgency.URGENT: "urgent", Urgency.HIGH: "high priority", Urgency.ROUTINE: ""}

# --- disclosures ----------------------------------------------------------------------------


def default_lawful_basis(*, from_organisation: Organisation, to_organisation: Organisation) -> str:
    """The usual basis for a routine alert between partners (the disclosure records it):
    police disclosing for a policing purpose -> DPA 2018 Part 3; partners disclosing to the
    police -> s.115 Crime and Disorder Act 1998; otherwise UK GDPR 6(1)(e) public task."""
    if from_organisation.kind == OrganisationKind.POLICE_FORCE:
        return LawfulBasis.DPA_PART3
    if to_organisation.kind == OrganisationKind.POLICE_FORCE:
        return LawfulBasis.CDA_S115
    return LawfulBasis.GDPR_6_1_E


def agreement_for(
    from_organisation: Organisation, to_organisation: Organisation, *, subject: Any = None
) -> str:
    """The information-sharing agreement covering a disclosure about `subject`: chosen by the
    partnership of both organisations and the subject's force (see sharing.agreements). With
    no subject, a police force on either side stands for the force."""
    force_id = getattr(subject, "force_id", None)
    if force_id is None:
        force_id = next(
            (
                o.pk
                for o in (from_organisation, to_organisation)
                if o.kind == OrganisationKind.POLICE_FORCE
            ),
            None,
        )
    members: dict[str, set[int]] = {}
    # A retired partnership's agreement covers nothing new (issue 16).
    rows = Partnership.organisations.through.objects.filter(
        partnership__organisations=from_organisation, partnership__retired_at__isnull=True
    ).filter(partnership__organisations=to_organisation)
    for name, org_id in rows.values_list("partnership__name", "organisation_id"):
        members.setdefault(name, set()).add(org_id)
    return choose_agreement(
        members.items(), from_id=from_organisation.pk, to_id=to_organisation.pk, force_id=force_id
    )


def disclosure_record(
    *,
    actor: User | None,
    from_organisation: Organisation,
    to_organisation: Organisation,
    what: str,
    purpose: str,
    lawful_basis: str,
    agreement: str = "",
    to_user: Any = None,
    subject: Any = None,
    authorised_by: Any = None,
    authority: str = "",
    alert: Alert | None = None,
    source: Any = None,
    now: dt.datetime | None = None,
) -> Disclosure:
    """Log that information went from one organisation to another. Other apps call this when
    they share outside the alert rules. `what` and `purpose` must not hold victim identities:
    describe the information (\"SPO breach alert about subject S000012\")."""
    errors: dict[str, list[str]] = {}
    what, purpose = (what or "").strip(), (purpose or "").strip()
    if not what:
        errors["what"] = ["Enter what was shared"]
    if not purpose:
        errors["purpose"] = ["Enter why it was shared"]
    if lawful_basis not in LawfulBasis.values:
        errors["lawful_basis"] = ["Select the lawful basis for sharing"]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        disclosure = Disclosure.objects.create(
            disclosed_at=now or clock.now(),
            from_organisation=from_organisation,
            to_organisation=to_organisation,
            to_user=to_user,
            subject=subject,
            what=what[:300],
            purpose=purpose[:300],
            lawful_basis=lawful_basis,
            agreement=(
                agreement or agreement_for(from_organisation, to_organisation, subject=subject)
            )[:200],
            authorised_by=authorised_by,
            authority=authority[:200],
            alert=alert,
            source_type=source._meta.label if source is not None else "",
            source_id=str(source.pk) if source is not None else "",
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit_record(
            actor=actor,
            actor_username="system",
            category=Category.DISCLOSURE,
            verb="disclosure.record",
            obj=disclosure,
            justification=purpose[:300],
            recipients=[to_organisation.name]
            + ([to_user.get_username()] if to_user is not None else []),
            new={
                "from_organisation": from_organisation.pk,
                "to_organisation": to_organisation.pk,
                "to_user": to_user.pk if to_user is not None else None,
                "subject_id": subject.pk if subject is not None else None,
                "lawful_basis": lawful_basis,
                "alert_id": alert.pk if alert is not None else None,
            },
        )
    return disclosure


def disclosure_export_record(
    *, actor: User, rows: int, filters: dict[str, Any], purpose: ExportPurpose
) -> None:
    """The CSV export of the disclosure log is itself a disclosure: record it first."""
    if not (
        policy.has_perm(actor, Perm.DISCLOSURE_VIEW_ALL)
        or policy.has_perm(actor, Perm.DISCLOSURE_VIEW_OWN_ORG)
    ):
        policy.require_perm(actor, Perm.DISCLOSURE_VIEW_ALL)
    with transaction.atomic():
        audit_record(
            actor=actor,
            category=Category.DISCLOSURE,
            verb="disclosure.export",
            object_type="sharing.Disclosure",
            justification="Disclosure log export",
            recipients=[actor.get_username()],
            new=safecsv.export_facts(
                file_format="csv", filters=filters, rows=rows, purpose=purpose
            ),
        )


# --- alerts -------------------------------------------------------------------------------------


def _site_url(path: str) -> str:
    return f"{getattr(settings, 'DESIST_BASE_URL', '').rstrip('/')}{path}"


def _email_text(alert: Alert) -> tuple[str, str]:
    """Email carries no personal data: it says an alert is waiting and where to read it."""
    label = PRIORITY_LABEL.get(Urgency(alert.priority), "")
    subject = f"Desist: new {label + ' ' if label else ''}alert {alert.reference}"
    if alert.is_escalation:
        subject = f"Desist: alert {alert.reference} escalated to you"
    due = long_datetime(alert.due_by)
    body = (
        f"You have a new {label + ' ' if label else ''}alert in Desist ({alert.reference}).\n\n"
        f"Sign in to read and acknowledge it by {due}:\n"
        f"{_site_url(reverse('sharing:alert_detail', args=[alert.pk]))}\n\n"
        "This email holds no personal details. Do not reply to it."
    )
    return subject[:200], body


def _queue_email(alert: Alert, now: dt.datetime) -> OutboundEmail | None:
    address = (alert.recipient.email or "").strip()
    if not address:
        return None
    subject, body = _email_text(alert)
    return OutboundEmail.objects.create(
        alert=alert,
        to_address=address,
        email_subject=subject,
        body=body,
        next_attempt_at=now,
        created_at=now,
    )


def alerted_with(dedupe_key: str) -> list[int]:
    """Ids of the people who already hold an alert with this dedupe key."""
    return list(Alert.objects.filter(dedupe_key=dedupe_key).values_list("recipient_id", flat=True))


def alert_create(
    *,
    actor: User | None,
    kind: str,
    priority: str,
    recipient: Any,
    title: str,
    body: str,
    subject: Any = None,
    source: Any = None,
    from_organisation: Organisation | None = None,
    link_url: str = "",
    dedupe_key: str = "",
    escalated_from: Alert | None = None,
    disclosure_purpose: str = "",
    now: dt.datetime | None = None,
) -> Alert:
    """One alert to one person, its queued email and (when it crosses organisations) its
    disclosure. Called by the rules and by escalation; other apps call `events.publish`."""
    now = now or clock.now()
    with transaction.atomic():
        alert = Alert.objects.create(
            kind=kind,
            priority=priority,
            recipient=recipient,
            recipient_organisation_id=recipient.organisation_id,
            from_organisation=from_organisation,
            subject=subject,
            source_type=source._meta.label if source is not None else "",
            source_id=str(source.pk) if source is not None else "",
            title=title[:200],
            body=body,
            link_url=link_url,
            created_at=now,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
            due_by=now + ACK_WITHIN[Urgency(priority)],
            escalated_from=escalated_from,
            dedupe_key=dedupe_key,
        )
        audit_record(
            actor=actor,
            actor_username="system",
            category=Category.COLLECTION,
            verb="alert.escalate_create" if escalated_from else "alert.create",
            obj=alert,
            recipients=[recipient.get_username()],
            new={
                "kind": kind,
                "priority": priority,
                "recipient_id": recipient.pk,
                "subject_id": subject.pk if subject is not None else None,
                "source": f"{alert.source_type}:{alert.source_id}" if source is not None else "",
                "escalated_from": escalated_from.pk if escalated_from else None,
            },
        )
        _queue_email(alert, now)
        if from_organisation is not None and from_organisation.pk != recipient.organisation_id:
            kind_label = KIND_LABELS.get(kind, kind)
            subject_ref = f" about subject S{subject.pk:06d}" if subject is not None else ""
            disclosure_record(
                actor=actor,
                from_organisation=from_organisation,
                to_organisation=recipient.organisation,
                to_user=recipient,
                subject=subject,
                what=f"Alert {alert.reference}: {kind_label}{subject_ref}",
                purpose=disclosure_purpose or KIND_PURPOSES.get(kind, "Alert to a partner"),
                lawful_basis=default_lawful_basis(
                    from_organisation=from_organisation, to_organisation=recipient.organisation
                ),
                authorised_by=actor if getattr(actor, "is_authenticated", False) else None,
                authority="Automatic under the partnership's alert rules",
                alert=alert,
                source=source,
                now=now,
            )
    return alert
