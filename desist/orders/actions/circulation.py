"""Record that a made order was circulated: entered on the Police National Computer (issue
19), so that any force that stops the subject sees it."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError

from desist.audit.models import Category
from desist.audit.pipeline import Errors, command
from desist.audit.services import audit_record
from desist.core.concurrency import StaleRecordError
from desist.orders.actions.common import check_date, save_order
from desist.orders.derived import fmt
from desist.orders.models import Order
from desist.policy import Perm

if TYPE_CHECKING:
    from desist.accounts.models import User


def first_made_on(order: Order) -> dt.date | None:
    made = [d for d in (order.interim_made_on, order.full_made_on) if d]
    return min(made) if made else None


@command(Perm.ORDER_EDIT, on="order")
def order_record_circulation(
    *, actor: User, order: Order, version: int, circulated_on: dt.date | None
) -> Order:
    """The date of the PNC entry: today or earlier, and not before an order was made."""
    errors = Errors()
    made = first_made_on(order)
    if made is None:
        errors.add("circulated_on", "Only an order the court has made can be circulated")
    elif check_date(errors, "circulated_on", circulated_on, what="the date of the PNC entry"):
        assert circulated_on is not None
        if circulated_on < made:
            errors.add(
                "circulated_on",
                "The date of the PNC entry must be the same as or after the date the order "
                f"was made ({fmt(made)})",
            )
    errors.raise_if_any()
    old = order.pnc_circulated_on
    try:
        save_order(order, version=version, changes={"pnc_circulated_on": circulated_on})
    except StaleRecordError:
        raise ValidationError(StaleRecordError.message) from None
    audit_record(
        actor=actor,
        category=Category.ALTERATION,
        verb="order.circulate",
        obj=order,
        old={"pnc_circulated_on": old.isoformat() if old else None},
        new={"pnc_circulated_on": circulated_on.isoformat() if circulated_on else None},
    )
    return order
