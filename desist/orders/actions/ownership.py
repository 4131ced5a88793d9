"""Who is in charge of an order (issue 19): the rules are the case's (`cases.ownership`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError

from desist.audit.models import Category
from desist.audit.pipeline import command
from desist.audit.services import audit_record
from desist.cases.ownership import audit_values, check_assignment
from desist.core.concurrency import StaleRecordError
from desist.orders.actions.common import save_order
from desist.orders.models import Order
from desist.policy import Perm

if TYPE_CHECKING:
    from desist.accounts.models import User


@command(Perm.CASEWORK_ASSIGN, on="order")
def order_assign(
    *, actor: User, order: Order, version: int, officer_id: int | None, team: str = ""
) -> Order:
    """Put an officer (and team) in charge of the order, or move it to another."""
    choice = check_assignment(force_id=order.force_id, officer_id=officer_id, team=team)
    old = audit_values(order)
    try:
        save_order(
            order,
            version=version,
            changes={"officer_in_charge": choice.officer, "team": choice.team},
        )
    except StaleRecordError:
        raise ValidationError(StaleRecordError.message) from None
    audit_record(
        actor=actor,
        category=Category.ALTERATION,
        verb="order.assign",
        obj=order,
        old=old,
        new=audit_values(order),
    )
    return order
