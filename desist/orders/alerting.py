"""What orders registers with sharing (ADR 0018): its periodic scans, when their alerts are
done, who created a subject's latest order, and the order a break-glass reference names.
Imported once by OrdersConfig.ready(); sharing never imports orders."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from desist.core.dates import long_date
from desist.orders.lookups import orders_nearing_end, outstanding_notifications
from desist.orders.models import Order
from desist.sharing import port
from desist.sharing.port import BreakGlassRecord, EventKind, ScanHit


def _ids(source_ids: list[str]) -> list[int]:
    return [int(s) for s in source_ids]


def notifications_overdue(now: dt.datetime) -> Iterator[ScanHit]:
    """Notifications still owed after their due date (the police home queue's definition)."""
    today = timezone.localtime(now).date()
    overdue = (
        outstanding_notifications()
        .filter(due_on__lt=today)
        .select_related("order", "order__subject", "order__subject__force")
    )
    for n in overdue:
        yield ScanHit(
            dedupe_key=f"{EventKind.NOTIFICATION_OVERDUE}:{n.pk}",
            kind=EventKind.NOTIFICATION_OVERDUE,
            source=n,
            subject=n.order.subject,
            summary=f"Notification for SPO {n.order.reference} was due by "
            f"{long_date(n.due_on)} and has not been received.",
        )


def orders_ending(now: dt.datetime) -> Iterator[ScanHit]:
    """Full orders ending within the renewal review window: one alert per order and end date."""
    today = timezone.localtime(now).date()
    expiring = (
        orders_nearing_end(today)
        .filter(full_ends_on__gte=today)
        .select_related("subject", "subject__force")
    )
    for o in expiring:
        yield ScanHit(
            dedupe_key=f"{EventKind.ORDER_EXPIRING}:{o.pk}:{o.full_ends_on}",
            kind=EventKind.ORDER_EXPIRING,
            source=o,
            subject=o.subject,
            summary=f"SPO {o.reference} ends on {long_date(o.full_ends_on or today)}. "
            "Decide whether to apply for renewal.",
        )


def notifications_no_longer_owed(source_ids: list[str], now: dt.datetime) -> set[str]:
    """Overdue-notification alerts are done once the notification is received or not owed."""
    owed = outstanding_notifications().filter(pk__in=_ids(source_ids))
    return set(source_ids) - {str(pk) for pk in owed.values_list("pk", flat=True)}


def orders_no_longer_ending(source_ids: list[str], now: dt.datetime) -> set[str]:
    """Expiry alerts are done once the order is no longer nearing its end (renewed, ended)."""
    still = orders_nearing_end(timezone.localtime(now).date()).filter(pk__in=_ids(source_ids))
    return set(source_ids) - {str(pk) for pk in still.values_list("pk", flat=True)}


def latest_order_creator(subject: Any) -> int | None:
    """Who created the subject's most recent order (an officer in charge)."""
    return (
        Order.objects.filter(subject=subject, created_by__isnull=False)
        .order_by("-created_at", "-id")
        .values_list("created_by_id", flat=True)
        .first()
    )


def orders_by_reference(reference: str) -> QuerySet[Order]:
    """The order a break-glass request names by its reference."""
    return Order.objects.filter(reference__iexact=reference)


port.register_scan("orders.notifications_overdue", notifications_overdue)
port.register_scan("orders.orders_ending", orders_ending)
port.register_done_check(EventKind.NOTIFICATION_OVERDUE, notifications_no_longer_owed)
port.register_done_check(EventKind.ORDER_EXPIRING, orders_no_longer_ending)
# Orders come first among the officers in charge, then cases (docs/workflows/alerts...).
port.register_officer_source("orders.latest_order", latest_order_creator, rank=0)
port.register_record_finder(BreakGlassRecord.ORDER, orders_by_reference)
