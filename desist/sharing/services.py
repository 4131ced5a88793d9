"""Writes for alerts, the email outbox, disclosures and break-glass access.

Every service takes `now=` (default: the sharing clock) so tests control time. Writes and
their audit rows share one transaction. Email is never sent inside a caller's transaction:
alerts queue an `OutboundEmail` row and `emails_deliver_due` (run by `desist alerts_run`)
sends it later, retrying with backoff, so a mail server that is down loses no alert.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from desist import policy
from desist.audit.models import Category
from desist.audit.services import audit_record
from desist.core.concurrency import StaleRecordError, save_versioned
from desist.core.models import Organisation, OrganisationKind, Partnership
from desist.orders.lookups import orders_nearing_end, outstanding_notifications
from desist.policy import Perm
from desist.sharing import clock
from desist.sharing.agreements import choose_agreement
from desist.sharing.events import KIND_LABELS, KIND_PURPOSES, EventKind, Urgency
from desist.sharing.models import Alert, Disclosure, LawfulBasis, OutboundEmail

log = logging.getLogger(__name__)

# How long a recipient has to acknowledge an alert before it escalates to their manager.
ACK_WITHIN: dict[str, dt.timedelta] = {
    Urgency.URGENT: dt.timedelta(hours=1),
    Urgency.HIGH: dt.timedelta(hours=4),
    Urgency.ROUTINE: dt.timedelta(hours=24),
}

# Email retries: 1, 2, 4, ... minutes, at most an hour apart; give up after MAX_ATTEMPTS
# (about eight hours). The in-app alert exists whatever happens to its email.
BACKOFF_CAP = dt.timedelta(minutes=60)
MAX_ATTEMPTS = 12
# A runner holds an email this long while sending it.
SEND_LEASE = dt.timedelta(minutes=5)

PRIORITY_LABEL = {Urgency.URGENT: "urgent", Urgency.HIGH: "high priority", Urgency.ROUTINE: ""}


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or clock.now()


def backoff(attempts: int) -> dt.timedelta:
    """Delay before the next try after `attempts` failures."""
    minutes = 2 ** max(attempts - 1, 0)
    return min(dt.timedelta(minutes=minutes), BACKOFF_CAP)


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
    rows = Partnership.organisations.through.objects.filter(
        partnership__organisations=from_organisation
    ).filter(partnership__organisations=to_organisation)
    for name, org_id in rows.values_list("partnership__name", "organisation_id"):
        members.setdefault(name, set()).add(org_id)
    return choose_agreement(
        members.items(), from_id=from_organisation.pk, to_id=to_organisation.pk, force_id=force_id
    )


def disclosure_record(
    *,
    actor: Any,
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
            disclosed_at=_now(now),
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


def disclosure_export_record(*, actor: Any, rows: int, filters: dict[str, Any]) -> None:
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
            new={"rows": rows, "filters": filters},
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
    due = timezone.localtime(alert.due_by).strftime("%d %b %Y %H:%M")
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


def alert_create(
    *,
    actor: Any,
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
    now = _now(now)
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


def alert_acknowledge(
    *, actor: Any, alert: Alert, version: int, note: str = "", now: dt.datetime | None = None
) -> Alert:
    """The recipient confirms they have read the alert (and may say what they did)."""
    if alert.recipient_id != actor.pk:
        raise PermissionDenied(Perm.ALERT_RECEIVE.value)
    policy.require_perm(actor, Perm.ALERT_RECEIVE)
    note = (note or "").strip()
    if alert.acknowledged_at is not None:
        raise ValidationError({"note": ["This alert has already been acknowledged"]})
    if len(note) > 2000:
        raise ValidationError({"note": ["The note must be 2000 characters or fewer"]})
    now = _now(now)
    with transaction.atomic():
        alert.acknowledged_at = now
        alert.acknowledged_by = actor
        alert.acknowledgement_note = note
        try:
            save_versioned(
                alert,
                expected_version=version,
                fields=["acknowledged_at", "acknowledged_by", "acknowledgement_note"],
            )
        except StaleRecordError:
            alert.acknowledged_at = None
            alert.acknowledged_by = None
            alert.acknowledgement_note = ""
            raise
        audit_record(
            actor=actor,
            category=Category.ALTERATION,
            verb="alert.acknowledge",
            obj=alert,
            new={"acknowledged_at": now, "note_given": bool(note), "version": alert.version},
        )
    return alert


def alerts_resolve(
    *, actor: Any, kind: str, source: Any, reason: str, now: dt.datetime | None = None
) -> int:
    """Close the open alerts of `kind` about `source` (and their escalations) because what they
    asked for has been done, e.g. an attendance reminder once attendance is recorded. Each is
    marked acknowledged with the reason, by the person who did the work; audited per alert."""
    now = _now(now)
    about = Q(source_type=source._meta.label, source_id=str(source.pk))
    # Escalations carry no source of their own: they point at the alert they escalate.
    about |= Q(
        escalated_from__source_type=source._meta.label, escalated_from__source_id=str(source.pk)
    )
    closed = 0
    for alert in Alert.objects.filter(about, kind=kind, acknowledged_at__isnull=True).order_by(
        "id"
    ):
        closed += _close(alert, actor=actor, reason=reason, now=now)
    return closed


def _close(alert: Alert, *, actor: Any, reason: str, now: dt.datetime) -> int:
    """Mark one alert acknowledged because its work is done (actor None: the system).
    Conditional, so a recipient acknowledging at the same moment is not overwritten."""
    with transaction.atomic():
        if not Alert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=now,
            acknowledged_by=actor,
            acknowledgement_note=reason,
            version=F("version") + 1,
        ):
            return 0
        audit_record(
            actor=actor,
            actor_username="" if actor is not None else "system",
            category=Category.ALTERATION,
            verb="alert.resolve",
            obj=alert,
            new={"acknowledged_at": now, "reason": reason, "recipient_id": alert.recipient_id},
        )
    return 1


def _work_done(alerts: list[Alert], now: dt.datetime) -> set[int]:
    """Alerts whose work is done, so nothing is left to escalate: attendance reminders whose
    session has since had its attendance recorded (or was moved or cancelled, or the
    intervention has ended), overdue-notification alerts whose notification was received or
    is no longer owed, and expiry alerts for orders no longer nearing their end (renewed,
    ended). One query a kind."""
    from desist.programme.models import ProgrammeSession, ReferralStatus, SessionState

    done: set[int] = set()
    reminders = {a.pk: a.source_id for a in alerts if a.kind == EventKind.ATTENDANCE_UNRECORDED}
    if reminders:
        recorded = {
            str(pk)
            for pk in ProgrammeSession.objects.filter(pk__in=[int(s) for s in reminders.values()])
            .exclude(
                state=SessionState.SCHEDULED,
                attendance="",
                referral__status=ReferralStatus.ACTIVE,
            )
            .values_list("pk", flat=True)
        }
        done |= {pk for pk, session_id in reminders.items() if session_id in recorded}
    overdue = {a.pk: a.source_id for a in alerts if a.kind == EventKind.NOTIFICATION_OVERDUE}
    if overdue:
        owed = {
            str(pk)
            for pk in outstanding_notifications()
            .filter(pk__in=[int(s) for s in overdue.values()])
            .values_list("pk", flat=True)
        }
        done |= {pk for pk, notification_id in overdue.items() if notification_id not in owed}
    expiring = {a.pk: a.source_id for a in alerts if a.kind == EventKind.ORDER_EXPIRING}
    if expiring:
        still = {
            str(pk)
            for pk in orders_nearing_end(timezone.localtime(now).date())
            .filter(pk__in=[int(s) for s in expiring.values()])
            .values_list("pk", flat=True)
        }
        done |= {pk for pk, order_id in expiring.items() if order_id not in still}
    return done


def alerts_escalate_due(*, now: dt.datetime | None = None) -> list[Alert]:
    """Escalate every first-line alert not acknowledged by its deadline (at or after `due_by`)
    to the recipient's managers. Escalations themselves do not escalate again."""
    from desist.sharing import recipients

    now = _now(now)
    made: list[Alert] = []
    due = (
        Alert.objects.filter(
            acknowledged_at__isnull=True,
            escalated_at__isnull=True,
            escalated_from__isnull=True,
            due_by__lte=now,
        )
        .select_related("recipient", "recipient__organisation", "subject", "from_organisation")
        .order_by("due_by", "id")
    )
    resolved = _work_done(list(due), now)
    for alert in due:
        if alert.pk in resolved:
            # Nothing left to ask (e.g. an alert left open before alerts closed themselves):
            # out of the inbox rather than escalated.
            _close(alert, actor=None, reason="Closed: nothing left to do", now=now)
            continue
        with transaction.atomic():
            # Claim the alert first, so two runners never escalate it twice; one acknowledged
            # (or resolved) since the list was read is not escalated.
            claimed = Alert.objects.filter(
                pk=alert.pk, escalated_at__isnull=True, acknowledged_at__isnull=True
            ).update(escalated_at=now)
            if not claimed:
                continue
            managers = recipients.managers_of(alert.recipient)
            audit_record(
                actor=None,
                actor_username="system",
                category=Category.ALTERATION,
                verb="alert.escalate",
                obj=alert,
                recipients=[m.get_username() for m in managers],
                new={"escalated_at": now, "manager_ids": [m.pk for m in managers]},
            )
            priority = Urgency.HIGH if alert.priority == Urgency.ROUTINE else alert.priority
            for manager in managers:
                made.append(
                    alert_create(
                        actor=None,
                        kind=alert.kind,
                        priority=priority,
                        recipient=manager,
                        title=f"Not acknowledged in time: {alert.title}"[:200],
                        body=(
                            f"{alert.recipient.display_name()} did not acknowledge this alert "
                            f"by its deadline.\n\n{alert.body}"
                        ),
                        subject=alert.subject,
                        from_organisation=alert.from_organisation,
                        link_url=alert.link_url,
                        escalated_from=alert,
                        now=now,
                    )
                )
    return made


# The server cannot be reached (refused, no answer in EMAIL_TIMEOUT, dropped): every other
# email in the batch would wait out the same timeout, so the pass stops and they wait for the next.
_SERVER_UNREACHABLE = (
    TimeoutError,
    ConnectionError,
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
)


def email_failure_text(exc: BaseException) -> str:
    """What the operator page shows: the exception class (its message can carry hostnames and
    addresses), and whether the server simply did not answer."""
    name = type(exc).__name__
    if isinstance(exc, TimeoutError) or "timed out" in str(exc).lower():
        return f"No answer within {settings.EMAIL_TIMEOUT} s ({name})"[:200]
    return name[:200]


def _email_failed(email: OutboundEmail, exc: BaseException, now: dt.datetime) -> str:
    """Record one failed attempt: retry later with backoff, or give up after MAX_ATTEMPTS."""
    email.attempts += 1
    email.last_error = email_failure_text(exc)
    if email.attempts >= MAX_ATTEMPTS:
        email.status = OutboundEmail.Status.FAILED
        log.warning("Giving up on email %s after %s attempts", email.pk, email.attempts)
    else:
        email.next_attempt_at = now + backoff(email.attempts)
        log.warning("Email %s failed (%s); retrying later", email.pk, email.last_error)
    email.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
    return "failed" if email.status == OutboundEmail.Status.FAILED else "retry"


def emails_deliver_due(
    *, now: dt.datetime | None = None, limit: int = 200, connection: Any = None
) -> dict[str, int]:
    """Send queued emails whose time has come. A failure schedules a retry with backoff; after
    MAX_ATTEMPTS the email is marked as given up (the in-app alert is unaffected). Run apart
    from escalation and the scans (`alerts_run --only deliver`): a mail server that hangs
    holds only this pass, for at most EMAIL_TIMEOUT per connection."""
    now = _now(now)
    result = {"sent": 0, "retry": 0, "failed": 0}
    # An alert already acknowledged in the app (or closed because the work was done) needs
    # no email: one arriving after the fact would only mislead.
    result["not_needed"] = OutboundEmail.objects.filter(
        status=OutboundEmail.Status.QUEUED,
        next_attempt_at__lte=now,
        alert__acknowledged_at__isnull=False,
    ).update(status=OutboundEmail.Status.NOT_NEEDED)
    due = list(
        OutboundEmail.objects.filter(
            status=OutboundEmail.Status.QUEUED, next_attempt_at__lte=now
        ).order_by("next_attempt_at", "id")[:limit]
    )
    if not due:
        return result
    conn = connection or get_connection(fail_silently=False)
    for email in due:
        # Claim the row for a lease first, so two runners never send the same email twice.
        claimed = OutboundEmail.objects.filter(
            pk=email.pk,
            status=OutboundEmail.Status.QUEUED,
            next_attempt_at=email.next_attempt_at,
            alert__acknowledged_at__isnull=True,
        ).update(next_attempt_at=now + SEND_LEASE)
        if not claimed:
            continue
        try:
            EmailMessage(
                subject=email.email_subject,
                body=email.body,
                to=[email.to_address],
                connection=conn,
            ).send(fail_silently=False)
        except Exception as exc:
            result[_email_failed(email, exc, now)] += 1
            if isinstance(exc, _SERVER_UNREACHABLE):
                break
            continue
        email.attempts += 1
        email.status = OutboundEmail.Status.SENT
        email.sent_at = now
        email.last_error = ""
        email.save(update_fields=["attempts", "status", "sent_at", "last_error"])
        result["sent"] += 1
    return result


def alerts_scan(*, now: dt.datetime | None = None) -> list[Alert]:
    """The periodic scans: notifications overdue and full orders ending within the renewal
    review window (the same definitions as the police home queues). One alert set per order
    and reason: a notification (by id) or an end date (by order and date)."""
    from desist.sharing import rules

    now = _now(now)
    today = timezone.localtime(now).date()
    made: list[Alert] = []
    overdue = (
        outstanding_notifications()
        .filter(due_on__lt=today)
        .select_related("order", "order__subject", "order__subject__force")
    )
    expiring = (
        orders_nearing_end(today)
        .filter(full_ends_on__gte=today)
        .select_related("subject", "subject__force")
    )
    candidates: list[tuple[str, Any, Any, str]] = []
    for n in overdue:
        candidates.append(
            (
                f"{EventKind.NOTIFICATION_OVERDUE}:{n.pk}",
                EventKind.NOTIFICATION_OVERDUE,
                n,
                f"Notification for SPO {n.order.reference} was due by "
                f"{n.due_on:%d %b %Y} and has not been received.",
            )
        )
    for o in expiring:
        candidates.append(
            (
                f"{EventKind.ORDER_EXPIRING}:{o.pk}:{o.full_ends_on}",
                EventKind.ORDER_EXPIRING,
                o,
                f"SPO {o.reference} ends on {o.full_ends_on:%d %b %Y}. "
                "Decide whether to apply for renewal.",
            )
        )
    for session in _sessions_attendance_unrecorded(now):
        candidates.append(
            (
                f"{EventKind.ATTENDANCE_UNRECORDED}:{session.pk}",
                EventKind.ATTENDANCE_UNRECORDED,
                session,
                f"The session on {timezone.localtime(session.starts_at):%d %b %Y at %H:%M} "
                "ended more than a day ago and its attendance is not recorded. Record whether "
                "the person attended: two unacceptable absences in a row must reach the police.",
            )
        )
    keys = [c[0] for c in candidates]
    done = set(
        Alert.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True).distinct()
    )
    for key, kind, source, summary in candidates:
        if key in done:
            continue
        if kind == EventKind.ATTENDANCE_UNRECORDED:
            about = source.referral.subject
        elif kind == EventKind.NOTIFICATION_OVERDUE:
            about = source.order.subject
        else:
            about = source.subject
        made += rules.dispatch(
            kind=kind,
            actor=None,
            subject=about,
            source=source,
            summary=summary,
            urgency=None,
            dedupe_key=key,
            now=now,
        )
    return made


# A held session's attendance is due within a day; older than this it is left to the
# practitioner's "overdue" queue rather than raising a burst of reminders at once.
ATTENDANCE_REMINDER_AFTER = dt.timedelta(days=1)
ATTENDANCE_REMINDER_HORIZON = dt.timedelta(days=14)


def _sessions_attendance_unrecorded(now: dt.datetime) -> Any:
    from desist.programme.models import ProgrammeSession, ReferralStatus, SessionState

    return (
        ProgrammeSession.objects.filter(
            state=SessionState.SCHEDULED,
            attendance="",
            starts_at__lt=now - ATTENDANCE_REMINDER_AFTER,
            starts_at__gte=now - ATTENDANCE_REMINDER_HORIZON,
            practitioner__isnull=False,
            # Attendance can be recorded only while the intervention is active.
            referral__status=ReferralStatus.ACTIVE,
        )
        .select_related(
            "practitioner__organisation", "referral__subject", "referral__programme__provider"
        )
        .order_by("starts_at", "id")
    )


# The background passes, each run on its own (`alerts_run --only`, `sharing.worker`), so a mail
# server that hangs holds delivery only, never escalation or the scans (issue 12, ADR 0006).
ALERT_PASSES = ("escalate", "scan", "deliver")


def alerts_pass(*, name: str, now: dt.datetime | None = None) -> dict[str, int]:
    """Run one pass and say what it did."""
    if name == "escalate":
        return {"escalated": len(alerts_escalate_due(now=now))}
    if name == "scan":
        return {"scanned": len(alerts_scan(now=now))}
    if name == "deliver":
        return emails_deliver_due(now=now)
    raise ValueError(f"Unknown alerts pass {name!r}; expected one of {ALERT_PASSES}")


def alerts_run(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Every pass once, in turn (tests and one-off runs): scans, escalations, then delivery.
    The runner (`sharing.worker`, `alerts_run --loop`) runs them apart instead."""
    now = _now(now)
    result: dict[str, int] = {}
    for name in ("scan", "escalate", "deliver"):
        result.update(alerts_pass(name=name, now=now))
    return result
