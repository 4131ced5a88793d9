"""The orders section of the subject page, and orders' definition of a live order, registered
with people.panels (ADR 0018) by OrdersConfig.ready(): people imports nothing of orders."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from desist import policy
from desist.accounts.models import User
from desist.orders.models import LIVE_STATUSES, Order
from desist.people.panels import Panel, register_live_order_subjects, register_panel
from desist.policy import Perm


@dataclass(frozen=True)
class OrderRow:
    reference: str
    status: str
    status_label: str
    url: str


def subject_orders_panel(*, actor: User, subject: Any) -> Panel:
    """The subject's orders the actor may see, newest first."""
    # One subject's orders, so those transferred away from the actor's force show as history.
    qs = policy.scope_orders(actor, Order.objects.filter(subject=subject), history=True)
    qs = qs.order_by("-pk")
    rows = [
        OrderRow(
            reference=order.reference,
            status=order.status,
            status_label=order.get_status_display(),
            url=reverse("orders:detail", args=[order.pk]),
        )
        for order in qs
    ]
    return Panel(
        key="orders",
        template="orders/includes/subject_panel.html",
        rows=rows,
        # Only on the owning force's subject: a transferred subject's history is read-only.
        extra={
            "can_add": policy.has_perm(actor, Perm.ORDER_EDIT)
            and policy.can(actor, Perm.SUBJECT_EDIT, subject)
        },
    )


def live_order_subjects() -> QuerySet[Any]:
    """Subjects under an interim or full order: each must be considered for the intervention
    (domain.md: "every person given an SPO is considered")."""
    return Order.objects.filter(status__in=LIVE_STATUSES).values("subject_id")


register_panel("orders", subject_orders_panel, order=20)
register_live_order_subjects(live_order_subjects)
