"""Alerts, the disclosure log and the alert e-mails in the retention schedule (ADR 0028).

Their times and coded fields stay (the oversight dashboard's alert timeliness, and who told
whom under which lawful basis); disposal removes only what people typed."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from desist.retention.blank import blank
from desist.retention.registry import Action, RecordClass, register
from desist.sharing.models import Alert, Disclosure, OutboundEmail


def _day(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(moment) if moment else None


def alerts_answered() -> QuerySet[Alert]:
    """An alert is done with once acknowledged, or escalated (its escalation carries on)."""
    return Alert.objects.filter(Q(acknowledged_at__isnull=False) | Q(escalated_at__isnull=False))


def dispose_alert(alert: Alert) -> None:
    blank(Alert.objects.filter(pk=alert.pk), "body", "acknowledgement_note")


def dispose_disclosure(disclosure: Disclosure) -> None:
    blank(Disclosure.objects.filter(pk=disclosure.pk), "what", "purpose", "authority")


def emails_done() -> QuerySet[OutboundEmail]:
    return OutboundEmail.objects.exclude(status=OutboundEmail.Status.QUEUED)


def delete_email(email: OutboundEmail) -> None:
    email.delete()


register(
    RecordClass(
        key="sharing.alert",
        title="Alert (what a partner was told, and when)",
        model="sharing.Alert",
        years=6,
        runs_from="the day the alert was acknowledged or escalated",
        action=Action.ANONYMISE,
        basis="The information-sharing agreement: evidence of who was told what and when, for "
        "the 6-year limitation period; its times stay for the alert timeliness figures",
        registered_by="sharing",
        records=alerts_answered,
        event_on=lambda alert: _day(alert.acknowledged_at or alert.escalated_at),
        owner_id=lambda alert: alert.recipient_organisation_id,
        reference=lambda alert: alert.reference,
        dispose=dispose_alert,
        names={"people.Subject": "subject_id"},
    )
)
register(
    RecordClass(
        key="sharing.disclosure",
        title="Disclosure log entry (information shared with another organisation)",
        model="sharing.Disclosure",
        years=7,
        runs_from="the day of the disclosure",
        action=Action.ANONYMISE,
        basis="The disclosure log of s.62 DPA 2018, kept as long as the audit log; who, to "
        "whom, when and under which lawful basis stay, what was typed about it goes",
        registered_by="sharing",
        records=lambda: Disclosure.objects.all(),
        event_on=lambda disclosure: _day(disclosure.disclosed_at),
        owner_id=lambda disclosure: disclosure.from_organisation_id,
        reference=lambda disclosure: disclosure.reference,
        dispose=dispose_disclosure,
        names={"people.Subject": "subject_id"},
    )
)
register(
    RecordClass(
        key="sharing.email",
        title="Alert e-mail sent (or given up)",
        model="sharing.OutboundEmail",
        years=1,
        runs_from="the day the e-mail was sent, given up or found not needed",
        action=Action.DELETE,
        basis="A delivery record holding no personal details: a year to answer whether a "
        "partner was e-mailed; the alert keeps the facts",
        registered_by="sharing",
        records=emails_done,
        event_on=lambda email: _day(email.sent_at or email.created_at),
        owner_id=lambda email: email.alert.recipient_organisation_id,
        reference=lambda email: f"E{email.pk:06d}",
        dispose=delete_email,
    )
)
