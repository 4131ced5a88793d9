"""The task rules of orders (issue 19), run by the scheduler (`desist.jobs`, job `task_rules`),
and the count of orders each officer is in charge of for the supervisor's workload page.

Each rule raises a task once per thing it is about (the rule key: `tasks.services.task_raise`),
for the order's officer in charge (nobody, if none: the force view shows it unassigned):

- notification due: a notification still owed whose 3-day deadline has not passed;
- failure to notify: a notification received after its deadline, or still owed after it
  (an offence under s.8 of the Stalking Protection Act 2019: investigate it);
- renewal review: a fixed-term full order inside the renewal review window (once per end
  date, so a renewed order is reviewed again before its new end);
- breach investigation: a breach recorded in the last 90 days.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, F, Q
from django.utils import timezone

from desist import policy
from desist.accounts.models import User
from desist.core.dates import long_date
from desist.orders.lookups import orders_nearing_end, outstanding_notifications, with_duty_end
from desist.orders.models import LIVE_STATUSES, Breach, Notification, Order
from desist.tasks import workload
from desist.tasks.models import TaskKind
from desist.tasks.services import task_raise

# How far back the rules look: older events are history, not work (the demo's are years old).
LOOK_BACK_DAYS = 90
# An investigation is due a week after the rule raises it.
INVESTIGATE_WITHIN_DAYS = 7
# A renewal review is due four weeks before the order ends (or at once, inside that).
REVIEW_BEFORE_END_DAYS = 28


def _raise(order: Order, kind: TaskKind, key: str, title: str, due_on: dt.date) -> bool:
    return (
        task_raise(
            kind=kind,
            rule_key=key,
            force_id=order.force_id,
            title=title,
            due_on=due_on,
            assignee=order.officer_in_charge,
            order=order,
            case=order.case,
        )
        is not None
    )


def notifications_due(today: dt.date) -> int:
    owed = outstanding_notifications().filter(due_on__gte=today)
    raised = 0
    for n in owed.select_related("order__officer_in_charge", "order__case"):
        title = (
            f"Check the subject gives the {n.get_kind_display().lower()} by {long_date(n.due_on)}"
        )
        raised += _raise(
            n.order, TaskKind.NOTIFICATION_DUE, f"notification_due:{n.pk}", title, n.due_on
        )
    return raised


def late_notifications(today: dt.date) -> int:
    since = today - dt.timedelta(days=LOOK_BACK_DAYS)
    late = Q(received_on__gt=F("due_on")) | Q(received_on__isnull=True, due_on__lt=today)
    qs = with_duty_end(Notification.objects.filter(late, trigger_on__gte=since)).filter(
        Q(received_on__isnull=False) | Q(duty_ended_on__isnull=True)  # type: ignore[misc]
    )
    return sum(
        raise_late_notification(n, today)
        for n in qs.select_related("order__officer_in_charge", "order__case")
    )


def raise_late_notification(n: Notification, today: dt.date) -> bool:
    """The investigation of one late notification: also raised at once when a notification
    is recorded as received late (`notification_record_received`)."""
    title = (
        f"Investigate failure to notify within 3 days: {n.get_kind_display().lower()} "
        f"was due by {long_date(n.due_on)}"
    )
    due = (n.received_on or today) + dt.timedelta(days=INVESTIGATE_WITHIN_DAYS)
    return _raise(n.order, TaskKind.LATE_NOTIFICATION, f"late_notification:{n.pk}", title, due)


def renewal_reviews(today: dt.date) -> int:
    raised = 0
    for order in orders_nearing_end(today).select_related("officer_in_charge", "case"):
        ends = order.full_ends_on
        assert ends is not None
        title = f"Review order {order.reference} for renewal: it ends on {long_date(ends)}"
        due = max(today, ends - dt.timedelta(days=REVIEW_BEFORE_END_DAYS))
        key = f"renewal_review:{order.pk}:{ends.isoformat()}"
        raised += _raise(order, TaskKind.RENEWAL_REVIEW, key, title, due)
    return raised


def breach_investigations(today: dt.date) -> int:
    since = today - dt.timedelta(days=LOOK_BACK_DAYS)
    breaches = Breach.objects.filter(occurred_on__gte=since).select_related(
        "order__officer_in_charge", "order__case"
    )
    return sum(raise_breach_investigation(b, today) for b in breaches)


def raise_breach_investigation(breach: Breach, today: dt.date) -> bool:
    """The investigation of one breach: also raised at once when it is recorded."""
    title = (
        f"Investigate the breach of order {breach.order.reference} "
        f"on {long_date(breach.occurred_on)}"
    )
    due = max(today, breach.created_at.date()) + dt.timedelta(days=INVESTIGATE_WITHIN_DAYS)
    key = f"breach_investigation:{breach.pk}"
    return _raise(breach.order, TaskKind.BREACH_INVESTIGATION, key, title, due)


def run_rules(today: dt.date | None = None) -> dict[str, int]:
    """Every rule once; how many tasks each raised (0 on a second run the same day)."""
    today = today or timezone.localdate()
    return {
        "notification_due": notifications_due(today),
        "late_notification": late_notifications(today),
        "renewal_review": renewal_reviews(today),
        "breach_investigation": breach_investigations(today),
    }


def orders_in_charge(actor: User) -> dict[int, int]:
    """Live orders each officer of the actor's force is in charge of."""
    rows = (
        policy.scope_orders(actor, Order.objects.filter(status__in=LIVE_STATUSES))
        .exclude(officer_in_charge__isnull=True)
        .values("officer_in_charge")
        .annotate(n=Count("id"))
    )
    return {row["officer_in_charge"]: row["n"] for row in rows}


workload.register_source("Live orders in charge", orders_in_charge)
