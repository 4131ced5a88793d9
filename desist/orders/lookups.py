"""Reads of orders that touch no victim: the access-scoped order list and the register's
queue definitions (notifications outstanding, orders nearing their end).

Apart from `orders.selectors` (which imports safeguarding to show victims to police) so that
sharing's alert scans and other apps' pages can import them without their import chain
reaching safeguarding (the victim-wall contract in .importlinter). `orders.selectors`
re-exports them.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    Case,
    DateField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from desist import policy
from desist.accounts.models import User
from desist.core.reach import Reach, narrow
from desist.orders import dates
from desist.orders.models import (
    ENDED_STATUSES,
    LIVE_STATUSES,
    Breach,
    Notification,
    Order,
    OrderStatus,
    OrderStatusChange,
)
from desist.people.models import Subject


def _today() -> dt.date:
    return timezone.localdate()


def order_list_for(
    *,
    actor: User,
    status: str = "",
    queue: str = "",
    today: dt.date | None = None,
    reach: Reach = Reach.FORCE,
) -> QuerySet[Order]:
    """The actor's force's orders, newest application first, with the subject.
    `status` filters by status; `queue` by one of the home-page queues; `reach` to the
    actor's own or their team's (issue 19)."""
    qs = policy.scope_orders(actor, Order.objects.all()).select_related("subject")
    qs = narrow(qs, actor, reach)
    if status:
        qs = qs.filter(status=status) if status in OrderStatus.values else qs.none()
    today = today or _today()
    if queue == "applications":
        qs = qs.filter(status=OrderStatus.APPLIED)
    elif queue == "notifications":
        qs = qs.filter(
            Exists(outstanding_notifications().filter(order=OuterRef("pk"))),
        )
    elif queue == "expiring":
        qs = qs.filter(_expiring_q(today, dates.review_window_days()))
    elif queue == "interim_lapsing":
        qs = qs.filter(_interim_lapsing_q(today))
    elif queue == "breaches":
        since = today - dt.timedelta(days=dates.RECENT_BREACH_DAYS)
        qs = qs.filter(Exists(Breach.objects.filter(order=OuterRef("pk"), occurred_on__gte=since)))
    elif queue:
        qs = qs.none()
    return qs.order_by("-application_date", "-id")


def orders_for_subject(*, actor: User, subject: Subject) -> QuerySet[Order]:
    """A subject's orders the actor may see, newest first (for other apps' pages)."""
    return order_list_for(actor=actor).filter(subject=subject)


def _owed_under_a_refused_interim_order() -> Q:
    """Notifications triggered under an interim order that ended when the court refused the
    full order, on an order the police's appeal later made full: that obligation ended with
    the refusal, so they are not outstanding (the full order's own notification is)."""
    appealed = OrderStatusChange.objects.filter(
        order=OuterRef("order"), from_status=OrderStatus.REFUSED, to_status=OrderStatus.FULL
    )
    return Q(Exists(appealed)) & Q(trigger_on__lt=F("order__full_made_on"))


def with_duty_end(notifications: QuerySet[Notification]) -> QuerySet[Notification]:
    """Each notification annotated with `duty_ended_on`: the day the subject stopped owing it,
    None while it is owed (ADR 0019). An order that has ended (refused, withdrawn, expired,
    discharged) ends the duty on its end date; one owed under an interim order that ended with
    a refusal, on an order the police's appeal later made full, ended with the refusal. A full
    order replacing an interim one carries the interim order's duty on: nothing ends."""
    refused_on = (
        OrderStatusChange.objects.filter(
            order=OuterRef("order"),
            from_status=OrderStatus.INTERIM,
            to_status=OrderStatus.REFUSED,
        )
        .order_by("-changed_at", "-id")
        .values("effective_on")[:1]
    )
    return notifications.annotate(
        duty_ended_on=Case(
            When(order__status__in=ENDED_STATUSES, then=F("order__ended_on")),
            When(_owed_under_a_refused_interim_order(), then=Subquery(refused_on)),
            default=Value(None),
            output_field=DateField(),
        )
    )


def outstanding_notifications() -> QuerySet[Notification]:
    """Notifications not yet received that the subject still owes: on orders in force, and
    not owed under an interim order that has since ended (`with_duty_end`)."""
    return with_duty_end(
        Notification.objects.filter(received_on__isnull=True, order__status__in=LIVE_STATUSES)
    ).filter(duty_ended_on__isnull=True)  # type: ignore[misc]  # stubs miss the annotation


def _expiring_q(today: dt.date, window_days: int) -> Q:
    """Fixed-term full orders whose end date is within the window (or has passed without the
    expiry being recorded)."""
    _, last = dates.review_window_bounds(today, window_days)
    return Q(status=OrderStatus.FULL, until_further_order=False, full_ends_on__lte=last)


def _interim_lapsing_q(today: dt.date) -> Q:
    """Interim orders whose fixed period ends within the warning window (s.5), or has ended
    without the lapse being recorded: the full application must be heard before then."""
    last = today + dt.timedelta(days=dates.INTERIM_LAPSE_WARNING_DAYS)
    return Q(status=OrderStatus.INTERIM, interim_expires_on__lte=last)


def orders_nearing_end(today: dt.date) -> QuerySet[Order]:
    """Every force's fixed-term full orders inside the renewal review window (unscoped: for
    the alerts pass, which routes each alert to the order's own force)."""
    return Order.objects.filter(_expiring_q(today, dates.review_window_days()))
