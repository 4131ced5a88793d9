"""Home-page work queues for the SPO register (police officers). Each provider runs two
queries (a count and up to five rows), however many rows there are."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone

from desist.accounts.models import User
from desist.core.dates import long_date
from desist.core.reach import Reach
from desist.home.queues import QueueResult, QueueRow, provide
from desist.orders import dates, law, selectors
from desist.orders.derived import fmt

LIMIT = 5


def _more(queue: str, reach: Reach) -> str:
    return f"{reverse('orders:list')}?queue={queue}&view={reach.value}"


def _label(order: Any) -> str:
    return f"{order.reference}: {order.subject.full_name}"


def _short(day: dt.date) -> str:
    return long_date(day)


@provide("police.applications", by_reach=True)
def applications(actor: User, reach: Reach = Reach.FORCE) -> QueueResult:
    """Applications awaiting a hearing, oldest first."""
    qs = selectors.applications_awaiting_hearing_for(actor=actor, reach=reach)
    rows = []
    for o in qs[:LIMIT]:
        detail = f"Applied {_short(o.application_date)}"
        next_hearing = getattr(o, "next_hearing_on", None)
        if next_hearing:
            detail += f", next hearing {_short(next_hearing)}"
        rows.append(
            QueueRow(
                label=_label(o),
                url=reverse("orders:detail", args=[o.pk]),
                detail=detail,
                tag="Awaiting hearing",
            )
        )
    return QueueResult(count=qs.count(), rows=rows, more_url=_more("applications", reach))


@provide("police.notifications", by_reach=True)
def notifications(actor: User, reach: Reach = Reach.FORCE) -> QueueResult:
    """Notifications not yet received: overdue first, each tagged."""
    today = timezone.localdate()
    qs = selectors.notifications_due_for(actor=actor, reach=reach)
    rows = []
    for n in qs[:LIMIT]:
        overdue = dates.is_overdue(n.due_on, n.received_on, today)
        if overdue:
            late = dates.days_overdue(n.due_on, None, today)
            tag = f"Overdue by {late} day{'s' if late != 1 else ''}"
        elif n.due_on == today:
            tag = "Due today"
        else:
            tag = "Due"
        rows.append(
            QueueRow(
                label=_label(n.order),
                url=reverse("orders:detail", args=[n.order_id]) + "#notifications",
                detail=f"{n.get_kind_display()}, due by {_short(n.due_on)}",
                tag=tag,
            )
        )
    return QueueResult(count=qs.count(), rows=rows, more_url=_more("notifications", reach))


@provide("police.expiring", by_reach=True)
def expiring(actor: User, reach: Reach = Reach.FORCE) -> QueueResult:
    """Fixed-term full orders ending within the renewal review window."""
    today = timezone.localdate()
    qs = selectors.orders_expiring_for(actor=actor, today=today, reach=reach)
    rows = []
    for o in qs[:LIMIT]:
        assert o.full_ends_on is not None  # the selector filters on it
        ended = o.full_ends_on < today
        rows.append(
            QueueRow(
                label=_label(o),
                url=reverse("orders:detail", args=[o.pk]),
                detail=f"Ends {fmt(o.full_ends_on)}",
                tag="End date passed" if ended else "Review for renewal",
            )
        )
    return QueueResult(count=qs.count(), rows=rows, more_url=_more("expiring", reach))


@provide("police.interim_lapsing", by_reach=True)
def interim_lapsing(actor: User, reach: Reach = Reach.FORCE) -> QueueResult:
    """Interim orders lapsing within 7 days (s.5), soonest first; lapsed ones first of all."""
    today = timezone.localdate()
    qs = selectors.interim_orders_lapsing_for(actor=actor, today=today, reach=reach)
    rows = []
    for o in qs[:LIMIT]:
        assert o.interim_expires_on is not None  # the selector filters on it
        left = law.interim_days_left(o.interim_expires_on, today)
        if left is None:
            tag = "Lapsed"
        elif left == 0:
            tag = "Lapses today"
        else:
            tag = f"Lapses in {left} day{'s' if left != 1 else ''}"
        rows.append(
            QueueRow(
                label=_label(o),
                url=reverse("orders:detail", args=[o.pk]),
                detail=f"Interim order ends {fmt(o.interim_expires_on)}",
                tag=tag,
            )
        )
    return QueueResult(count=qs.count(), rows=rows, more_url=_more("interim_lapsing", reach))


@provide("police.breaches", by_reach=True)
def breaches(actor: User, reach: Reach = Reach.FORCE) -> QueueResult:
    """Breaches in the last 30 days, newest first."""
    qs = selectors.breaches_recent_for(actor=actor, reach=reach)
    rows = [
        QueueRow(
            label=_label(b.order),
            url=reverse("orders:detail", args=[b.order_id]) + "#breaches",
            detail=f"{_short(b.occurred_on)}: {b.term.get_kind_display().lower()} breached",
            tag=b.get_police_action_display(),
        )
        for b in qs[:LIMIT]
    ]
    return QueueResult(count=qs.count(), rows=rows, more_url=_more("breaches", reach))
