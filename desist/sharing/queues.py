"""Home-page queues for alerts and break-glass review. Each provider runs two queries (a count
and up to five rows), however many rows there are."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from desist.accounts.models import User
from desist.core.dates import long_datetime
from desist.core.roles import RoleCode
from desist.home.queues import QueueResult, QueueRow, declare, provide
from desist.sharing import selectors
from desist.sharing.break_glass import with_record_references
from desist.sharing.kinds import Urgency

LIMIT = 5
R = RoleCode

_ALERTS_EMPTY = "Alerts about breaches, risk disclosures and disengagement will appear here."

# Queues the home registry did not declare: officers', provider staff's and managers' alerts.
declare(R.POLICE_OFFICER, "police.alerts", "Alerts to acknowledge", _ALERTS_EMPTY)
declare(
    R.PRACTITIONER,
    "provider.alerts",
    "Alerts to acknowledge",
    "Alerts about the people you work with will appear here.",
)
declare(
    R.CLINICAL_SUPERVISOR,
    "provider.alerts",
    "Alerts to acknowledge",
    "Alerts about the people you work with will appear here.",
)
declare(
    R.ADVOCACY_MANAGER,
    "advocacy.alerts",
    "Alerts to acknowledge",
    "Alerts about the perpetrators of the victims you support will appear here.",
)


def _tag(alert: Any, now: Any) -> str:
    if alert.due_by <= now:
        return "Overdue"
    return {Urgency.URGENT: "Urgent", Urgency.HIGH: "High"}.get(alert.priority, "Routine")


def _result(actor: User, *, escalations: bool | None) -> QueueResult:
    now = timezone.now()
    qs = selectors.open_alerts_for(actor=actor, escalations=escalations)
    rows = [
        QueueRow(
            label=a.title,
            url=reverse("sharing:alert_detail", args=[a.pk]),
            detail=f"Acknowledge by {long_datetime(a.due_by)}",
            tag=_tag(a, now),
        )
        for a in qs[:LIMIT]
    ]
    return QueueResult(count=qs.count(), rows=rows, more_url=reverse("sharing:inbox"))


@provide("police.alerts")
def police_alerts(actor: User) -> QueueResult:
    return _result(actor, escalations=False)


@provide("police.escalations")
def police_escalations(actor: User) -> QueueResult:
    return _result(actor, escalations=True)


@provide("advocacy.alerts")
def advocacy_alerts(actor: User) -> QueueResult:
    return _result(actor, escalations=None)


@provide("provider.alerts")
def provider_alerts(actor: User) -> QueueResult:
    return _result(actor, escalations=None)


@provide("oversight.break_glass")
def break_glass_reviews(actor: User) -> QueueResult:
    qs = selectors.break_glass_review_list_for(actor=actor, state="unreviewed")
    now = timezone.now()
    rows = [
        QueueRow(
            label=f"{g.user.username}: {g.record_reference}",  # type: ignore[attr-defined]
            url=reverse("sharing:break_glass_review", args=[g.pk]),
            detail=f"{g.organisation.name}, {long_datetime(g.granted_at)}",
            tag="Active" if g.is_live(now) else "Ended",
        )
        for g in with_record_references(qs[:LIMIT])
    ]
    return QueueResult(count=qs.count(), rows=rows, more_url=reverse("sharing:break_glass_reviews"))
