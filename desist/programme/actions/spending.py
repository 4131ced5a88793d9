"""Money spent on a programme: recorded lines, and withdrawing a mistaken one."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils import timezone

from desist.audit.models import Category
from desist.audit.pipeline import Errors, command
from desist.audit.services import audit_record
from desist.policy import Perm
from desist.programme.actions.common import clean
from desist.programme.models import Expenditure, Programme, SpendCategory

if TYPE_CHECKING:
    from desist.accounts.models import User

MAX_EXPENDITURE = Decimal("1000000")


def _spent_on_error(spent_on: dt.date | None) -> str | None:
    if spent_on is None:
        return "Enter the date the money was spent"
    if spent_on > timezone.localdate():
        return "The date the money was spent must be today or in the past"
    if spent_on < timezone.localdate() - dt.timedelta(days=3653):
        return "The date the money was spent must be within the last 10 years"
    return None


def _amount_error(amount: Decimal | None) -> str | None:
    if amount is None:
        return "Enter the amount in pounds"
    if amount <= 0:
        return "The amount must be more than £0"
    if amount > MAX_EXPENDITURE:
        return "The amount must be £1,000,000 or less: split larger sums"
    if amount != amount.quantize(Decimal("0.01")):
        return "Enter the amount in pounds and pence, like 1250.50"
    return None


@command(Perm.PROGRAMME_SETTINGS, on="programme")
def expenditure_record(
    *,
    actor: User,
    programme: Programme,
    spent_on: dt.date | None,
    category: str,
    amount: Decimal | None,
    description: str,
) -> Expenditure:
    """Record money spent on a programme (programme managers of that programme)."""
    errors = Errors()
    description = clean(description)
    if problem := _spent_on_error(spent_on):
        errors.add("spent_on", problem)
    if category not in SpendCategory.values:
        errors.add("category", "Select what the money was spent on")
    if problem := _amount_error(amount):
        errors.add("amount", problem)
    if not description:
        errors.add("description", "Enter what the money was spent on")
    elif len(description) > 200:
        errors.add("description", "The description must be 200 characters or fewer")
    errors.raise_if_any()
    assert spent_on is not None and amount is not None
    line = Expenditure.objects.create(
        programme=programme,
        spent_on=spent_on,
        category=category,
        amount=amount,
        description=description,
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        category=Category.COLLECTION,
        verb="programme.expenditure_record",
        obj=line,
        new={
            "programme": programme.pk,
            "spent_on": str(spent_on),
            "category": category,
            "amount": str(amount),
        },
    )
    return line


@command(Perm.PROGRAMME_SETTINGS, on="line")
def expenditure_withdraw(*, actor: User, line: Expenditure, reason: str) -> Expenditure:
    """Take a mistaken line out of the totals. The line and who withdrew it are kept."""
    reason = clean(reason)
    errors = Errors()
    if not reason:
        errors.add("reason", "Enter why this line is being withdrawn")
    elif len(reason) > 200:
        errors.add("reason", "The reason must be 200 characters or fewer")
    errors.raise_if_any()
    # Row lock and a re-check: two managers withdrawing at once must not both succeed.
    locked = Expenditure.objects.select_for_update().get(pk=line.pk)
    if locked.withdrawn_at is not None:
        raise ValidationError({"reason": ["This line has already been withdrawn"]})
    locked.withdrawn_at = timezone.now()
    locked.withdrawn_by = actor
    locked.withdrawn_reason = reason
    locked.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawn_reason"])
    audit_record(
        actor=actor,
        category=Category.ALTERATION,
        verb="programme.expenditure_withdraw",
        obj=locked,
        old={"withdrawn": False},
        new={"withdrawn": True},
    )
    return locked
