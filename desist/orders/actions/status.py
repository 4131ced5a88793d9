"""The one status command, and the status changes that are nothing else: withdrawal and expiry.

`order_transition` enforces the table in `orders/workflow.py`; other commands call it inside
their own transaction, passing the order fields that change with the status."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError

from desist.audit.models import Category
from desist.audit.pipeline import Errors, command
from desist.audit.services import audit_record
from desist.orders.actions.common import check_date, clean_text, renamed, roles, save_order
from desist.orders.availability import EXPIRE
from desist.orders.derived import current_end, fmt
from desist.orders.models import (
    ENDED_STATUSES,
    LIVE_STATUSES,
    Order,
    OrderStatus,
    OrderStatusChange,
)
from desist.orders.workflow import check_transition
from desist.policy import Perm
from desist.sharing.events import EventKind, resolve

if TYPE_CHECKING:
    from desist.accounts.models import User

S = OrderStatus
_NO_LONGER_IN_FORCE = "Closed: the order is no longer in force"


def _check_effective_on(order: Order, effective_on: dt.date | None) -> None:
    errors = Errors()
    if check_date(errors, "effective_on", effective_on, what="the date of the change"):
        assert effective_on is not None
        if effective_on < order.application_date:
            errors.add(
                "effective_on",
                "The date of the change must be the same as or after the date of the "
                f"application ({fmt(order.application_date)})",
            )
    errors.raise_if_any()


def _close_alerts(actor: User, order: Order) -> None:
    """The subject no longer owes outstanding notifications, and there is no renewal to
    decide: alerts about them leave the inboxes."""
    for notification in order.notifications.filter(received_on__isnull=True):
        resolve(
            kind=EventKind.NOTIFICATION_OVERDUE,
            actor=actor,
            source=notification,
            reason=_NO_LONGER_IN_FORCE,
        )
    resolve(kind=EventKind.ORDER_EXPIRING, actor=actor, source=order, reason=_NO_LONGER_IN_FORCE)


@command(Perm.ORDER_EDIT, on="order")
def order_transition(
    *,
    actor: User,
    order: Order,
    version: int,
    to_status: str,
    effective_on: dt.date | None,
    reason: str = "",
    changes: Mapping[str, Any] | None = None,
) -> OrderStatusChange:
    """Change an order's status as the transition table allows, writing the history row.

    Other commands call this inside their own transaction, passing the other order fields
    that change with the status in `changes`, so there is one versioned write."""
    check_transition(role_codes=roles(actor), source=order.status, target=to_status, reason=reason)
    _check_effective_on(order, effective_on)
    source = order.status
    values: dict[str, Any] = {"status": to_status, **(changes or {})}
    if to_status in ENDED_STATUSES:
        values.setdefault("ended_on", effective_on)
    save_order(order, version=version, changes=values)
    change = OrderStatusChange.objects.create(
        order=order,
        from_status=source,
        to_status=to_status,
        reason=clean_text(reason),
        effective_on=effective_on,
        changed_by=actor,
    )
    audit_record(
        actor=actor,
        category=Category.ALTERATION,
        verb="order.status_change",
        obj=order,
        old={"status": source, "version": version},
        new={
            "status": to_status,
            "effective_on": effective_on,
            "version": order.version,
            "status_change_id": change.pk,
            "reason_given": bool(clean_text(reason)),
        },
    )
    if source in LIVE_STATUSES and to_status not in LIVE_STATUSES:
        _close_alerts(actor, order)
    return change


@command(Perm.ORDER_EDIT, on="order")
def order_withdraw(
    *, actor: User, order: Order, version: int, withdrawn_on: dt.date | None, reason: str
) -> OrderStatusChange:
    """The police withdraw the application (a supervisor's decision, per the table)."""
    try:
        return order_transition(
            actor=actor,
            order=order,
            version=version,
            to_status=S.WITHDRAWN,
            effective_on=withdrawn_on,
            reason=reason,
        )
    except ValidationError as exc:
        raise renamed(exc, {"effective_on": "withdrawn_on"}) from None


@command(Perm.ORDER_EDIT, on="order")
def order_expire(*, actor: User, order: Order, version: int) -> OrderStatusChange:
    """Record that an interim or fixed-term full order has come to the end of its term.
    Allowed from the day after its end date (it is in force up to and including it)."""
    EXPIRE.require(actor, order)
    end = current_end(order)
    return order_transition(
        actor=actor, order=order, version=version, to_status=S.EXPIRED, effective_on=end
    )
