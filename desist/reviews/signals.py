"""The live signals a case review's agenda is built from (issue 19 §6), for the convening
force, each read through the selector the police queues already use: orders made in the last
30 days, breaches in the last 30 days (`orders.selectors.breaches_recent_for`), risk reviews
due (`risk.selectors.risk_reviews_due_for`), and the open alerts to the convener about
disengagement, missed sessions and risk disclosed in sessions (`sharing.selectors`).

Victims' own fear ratings trending up are not yet a signal (no selector computes the trend
for police; see docs/workflows/case-reviews.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from desist.accounts.models import User
from desist.core.dates import long_date
from desist.orders.lookups import order_list_for
from desist.orders.selectors import breaches_recent_for
from desist.reviews.models import ItemSource
from desist.risk.selectors import risk_reviews_due_for
from desist.sharing.kinds import EventKind
from desist.sharing.selectors import alert_list_for

NEW_ORDER_DAYS = 30
LIMIT = 25
ALERT_KINDS = (EventKind.DISENGAGED, EventKind.MISSED_SESSIONS, EventKind.RISK_DISCLOSURE)


@dataclass(frozen=True)
class Signal:
    source: str
    key: str  # "<source>:<record id>", an item's source_key
    subject: Any
    title: str

    @property
    def source_label(self) -> str:
        return str(ItemSource(self.source).label)


def _new_orders(actor: User, today: dt.date) -> list[Signal]:
    since = today - dt.timedelta(days=NEW_ORDER_DAYS)
    orders = order_list_for(actor=actor).filter(full_made_on__gte=since) | order_list_for(
        actor=actor
    ).filter(interim_made_on__gte=since)
    return [
        Signal(
            ItemSource.NEW_ORDER,
            f"new_order:{o.pk}",
            o.subject,
            f"Order made for {o.subject.full_name}",
        )
        for o in orders.distinct()[:LIMIT]
    ]


def _breaches(actor: User) -> list[Signal]:
    return [
        Signal(
            ItemSource.BREACH,
            f"breach:{b.pk}",
            b.order.subject,
            f"Breach by {b.order.subject.full_name} on {long_date(b.occurred_on)}",
        )
        for b in breaches_recent_for(actor=actor)[:LIMIT]
    ]


def _risk_reviews(actor: User) -> list[Signal]:
    subjects: Any = risk_reviews_due_for(actor=actor)[:LIMIT]  # annotated with the latest
    return [
        Signal(
            ItemSource.RISK_REVIEW,
            f"risk_review:{s.latest_assessment_id}",
            s,
            f"Risk review due for {s.full_name} ({long_date(s.latest_review_date)})",
        )
        for s in subjects
    ]


def _alerts(actor: User) -> list[Signal]:
    alerts = alert_list_for(actor=actor).filter(kind__in=ALERT_KINDS, subject__isnull=False)
    return [
        Signal(ItemSource.ALERT, f"alert:{a.pk}", a.subject, _alert_title(a))
        for a in alerts[:LIMIT]
    ]


def _alert_title(alert: Any) -> str:
    """The alert's title, naming the subject once (most alert titles already end with it)."""
    name = alert.subject.full_name
    return alert.title if name in alert.title else f"{alert.title}: {name}"


def signals_for(
    *, actor: User, exclude_keys: set[str], today: dt.date | None = None
) -> list[Signal]:
    """Every live signal for the actor's force not already on the agenda."""
    today = today or timezone.localdate()
    found = [*_new_orders(actor, today), *_breaches(actor), *_risk_reviews(actor), *_alerts(actor)]
    return [s for s in found if s.key not in exclude_keys]


def signal_for(*, actor: User, key: str) -> Signal | None:
    """One signal by key, read again (a form's hidden key is never trusted)."""
    return next((s for s in signals_for(actor=actor, exclude_keys=set()) if s.key == key), None)
