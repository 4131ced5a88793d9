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
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F, Q

from desist import policy
from desist.accounts.models import User
from desist.audit.models import Category
from desist.audit.services import audit_record
from desist.core.concurrency import StaleRecordError, save_versioned
from desist.policy import Perm
from desist.sharing import clock, recipients, registry, rules

# The writes other apps and tests call as services.*; they live below rules and services.
from desist.sharing.alerts import ACK_WITHIN as ACK_WITHIN
from desist.sharing.alerts import PRIORITY_LABEL as PRIORITY_LABEL
from desist.sharing.alerts import agreement_for as agreement_for
from desist.sharing.alerts import alert_create as alert_create
from desist.sharing.alerts import default_lawful_basis as default_lawful_basis
from desist.sharing.alerts import disclosure_export_record as disclosure_export_record
from desist.sharing.alerts import disclosure_record as disclosure_record
from desist.sharing.kinds import Urgency
from desist.sharing.models import Alert, OutboundEmail

log = logging.getLogger(__name__)

# Email retries: 1, 2, 4, ... minutes, at most an hour apart; give up after MAX_ATTEMPTS
# (about eight hours). The in-app alert exists whatever happens to its email.
BACKOFF_CAP = dt.timedelta(minutes=60)
MAX_ATTEMPTS = 12
# A runner holds an email this long while sending it (DESIST_EMAIL_SEND_LEASE_SECONDS; a
# worker killed mid-send leaves it to be sent again once the lease ends).
SEND_LEASE = dt.timedelta(minutes=5)


def _send_lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.DESIST_EMAIL_SEND_LEASE_SECONDS)


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or clock.now()


def backoff(attempts: int) -> dt.timedelta:
    """Delay before the next try after `attempts` failures."""
    minutes = 2 ** max(attempts - 1, 0)
    return min(dt.timedelta(minutes=minutes), BACKOFF_CAP)


def alert_acknowledge(
    *,
    actor: User,
    alert: Alert,
    version: int,
    note: str = "",
    read_by: str = "",
    now: dt.datetime | None = None,
) -> Alert:
    """The recipient confirms they have read the alert (and may say what they did).

    Acknowledging stops the escalation to a manager, so an API key (a machine) must name the
    person in its organisation who read the alert: a system that acknowledged on receipt would
    otherwise silence the escalation with nobody having read it."""
    # Its recipient (an API key: anyone's in its organisation), with the permission.
    policy.require(actor, Perm.ALERT_ACKNOWLEDGE, alert)
    note = (note or "").strip()
    read_by = " ".join((read_by or "").split())
    if alert.acknowledged_at is not None:
        raise ValidationError({"note": ["This alert has already been acknowledged"]})
    if policy.api_credential(actor) is not None and not read_by:
        raise ValidationError({"read_by": ["Enter the name of the person who read the alert"]})
    if len(read_by) > 200:
        raise ValidationError({"read_by": ["The name must be 200 characters or fewer"]})
    if read_by:
        note = f"Read by {read_by}." + (f" {note}" if note else "")
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
            new={
                "acknowledged_at": now,
                "note_given": bool(note),
                "read_by_named": bool(read_by),
                "version": alert.version,
            },
        )
    return alert


def alerts_resolve(
    *, actor: User | None, kind: str, source: Any, reason: str, now: dt.datetime | None = None
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


def _close(alert: Alert, *, actor: User | None, reason: str, now: dt.datetime) -> int:
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
    """Alerts whose work is done, so nothing is left to escalate: each kind's owner registers
    the check (programme: attendance recorded, moved, cancelled or the intervention ended;
    orders: the notification received or no longer owed, the order no longer nearing its
    end). One query a kind."""
    by_kind: dict[str, dict[int, str]] = {}
    for alert in alerts:
        by_kind.setdefault(alert.kind, {})[alert.pk] = alert.source_id
    done: set[int] = set()
    for kind, sources in by_kind.items():
        check = registry.done_check(kind)
        if check is None:
            continue
        finished = check(sorted(set(sources.values())), now)
        done |= {pk for pk, source_id in sources.items() if source_id in finished}
    return done


def alerts_escalate_due(*, now: dt.datetime | None = None) -> list[Alert]:
    """Escalate every first-line alert not acknowledged by its deadline (at or after `due_by`)
    to the recipient's managers. Escalations themselves do not escalate again."""
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
        ).update(next_attempt_at=now + _send_lease())
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
    """The periodic scans each app registers (orders: notifications overdue, full orders
    ending within the renewal review window; programme: attendance unrecorded), with the same
    definitions as their home queues. Each hit raises its alerts once (its dedupe key)."""
    now = _now(now)
    hits = [hit for scan in registry.scans() for hit in scan(now)]
    done = set(
        Alert.objects.filter(dedupe_key__in=[h.dedupe_key for h in hits])
        .values_list("dedupe_key", flat=True)
        .distinct()
    )
    made: list[Alert] = []
    for hit in hits:
        if hit.dedupe_key in done:
            continue
        made += rules.dispatch(
            kind=hit.kind,
            actor=None,
            subject=hit.subject,
            source=hit.source,
            summary=hit.summary,
            urgency=None,
            dedupe_key=hit.dedupe_key,
            now=now,
        )
    return made


# The background passes, each run on its own (`alerts_run --only`, `desist.jobs.worker`), so a mail
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
    The runner (`desist.jobs.worker`, `alerts_run --loop`) runs them apart instead."""
    now = _now(now)
    result: dict[str, int] = {}
    for name in ("scan", "escalate", "deliver"):
        result.update(alerts_pass(name=name, now=now))
    return result
