"""Mistaken order dates put right by a police supervisor, with a reason (issue 19).

Not a court decision (that is a variation, renewal or appeal): a date keyed wrongly. The
corrected dates are checked again against the Act (`desist.orders.law`) as a whole, and an
initial notification that ran from a corrected date of service is re-dated with it."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from desist.audit.models import Category
from desist.audit.pipeline import Errors, command
from desist.audit.services import audit_record
from desist.orders import law
from desist.orders.actions.common import clean_text, save_order, today
from desist.orders.derived import fmt
from desist.orders.models import Notification, Order, OrderDateCorrection
from desist.policy import Perm

if TYPE_CHECKING:
    from desist.accounts.models import User

F = OrderDateCorrection.Field
# Dates that are decisions or events, so never in the future (ends may be).
PAST_DATES = (F.INTERIM_MADE_ON, F.INTERIM_SERVED_ON, F.FULL_MADE_ON, F.FULL_SERVED_ON)


def correctable_fields(order: Order) -> list[str]:
    """The order's recorded dates: only a date that was keyed can be corrected."""
    return [f for f in F.values if getattr(order, f) is not None]


def _after(errors: Errors, new: dict[str, Any], later: str, earlier: str, message: str) -> None:
    a, b = new.get(later), new.get(earlier)
    if a is not None and b is not None and a < b:
        errors.add(later, f"{message} ({fmt(b)})")


def _check_against_the_act(errors: Errors, order: Order, new: dict[str, Any]) -> None:
    """The corrected dates together, by the rules of the Act and the order of events."""
    _after(
        errors,
        new,
        F.INTERIM_SERVED_ON,
        F.INTERIM_MADE_ON,
        "The interim order cannot be served before it was made",
    )
    _after(
        errors,
        new,
        F.FULL_SERVED_ON,
        F.FULL_MADE_ON,
        "The full order cannot be served before it was made",
    )
    _after(
        errors,
        new,
        F.FULL_MADE_ON,
        F.INTERIM_MADE_ON,
        "The full order cannot be made before the interim order",
    )
    made, expires = new.get(F.INTERIM_MADE_ON), new.get(F.INTERIM_EXPIRES_ON)
    if made and expires and not law.interim_expiry_valid(made, expires):
        errors.add(F.INTERIM_EXPIRES_ON, "The interim order must end after the date it was made")
    made, ends = new.get(F.FULL_MADE_ON), new.get(F.FULL_ENDS_ON)
    if (
        made
        and ends
        and not order.until_further_order
        and not law.fixed_period_long_enough(made, ends)
    ):
        errors.add(
            F.FULL_ENDS_ON,
            "A full order must last at least 2 years: the end date must be on or after "
            f"{fmt(law.minimum_fixed_period_end(made))}",
        )
    if order.application_date:
        for field in (F.INTERIM_MADE_ON, F.FULL_MADE_ON):
            _after(
                errors,
                {**new, "application_date": order.application_date},
                field,
                "application_date",
                "An order cannot be made before the application",
            )


def _check_correction(
    *, order: Order, dates: dict[str, dt.date | None], reason: str, **_: Any
) -> dict[str, Any]:
    errors = Errors()
    fields = correctable_fields(order)
    new = {f: getattr(order, f) for f in fields}
    for field, value in dates.items():
        if field not in fields:
            errors.add(field, "Only a date already recorded can be corrected")
        elif value is None:
            errors.add(field, f"Enter the date: {F(field).label.lower()}")
        elif field in PAST_DATES and value > today():
            errors.add(field, "The date must be today or in the past")
        else:
            new[field] = value
    changed = {f: v for f, v in new.items() if v != getattr(order, f)}
    if not changed and not errors:
        errors.add(fields[0] if fields else "reason", "Change at least one date")
    if not clean_text(reason):
        errors.add("reason", "Enter the reason for the correction")
    elif len(clean_text(reason)) > 2000:
        errors.add("reason", "The reason must be 2000 characters or fewer")
    if not errors:
        _check_against_the_act(errors, order, new)
    errors.raise_if_any()
    return {"dates": changed, "reason": clean_text(reason)}


def _redate_notifications(order: Order, old: dict[str, Any], changed: dict[str, Any]) -> list[int]:
    """An initial notification runs from service (s.9(1)): a corrected service date moves it."""
    moved = []
    for field in (F.INTERIM_SERVED_ON, F.FULL_SERVED_ON):
        if field in changed and old[field] is not None:
            for n in order.notifications.filter(
                kind=Notification.Kind.INITIAL, trigger_on=old[field]
            ):
                n.trigger_on = changed[field]
                n.due_on = law.initial_notification_due(changed[field])
                n.save(update_fields=["trigger_on", "due_on"])
                moved.append(n.pk)
    return moved


@command(Perm.ORDER_CORRECT, on="order", check=_check_correction)
def order_correct_dates(
    *, actor: User, order: Order, version: int, dates: dict[str, dt.date | None], reason: str
) -> list[OrderDateCorrection]:
    """Correct mistaken order dates (made, served, ends): a police supervisor, with the
    reason. Each corrected date is kept as history on the order page."""
    old = {f: getattr(order, f) for f in F.values}
    save_order(order, version=version, changes=dates)
    rows = [
        OrderDateCorrection.objects.create(
            order=order, field=f, old_value=old[f], new_value=v, reason=reason, changed_by=actor
        )
        for f, v in dates.items()
    ]
    moved = _redate_notifications(order, old, dates)
    audit_record(
        actor=actor,
        category=Category.ALTERATION,
        verb="order.dates_correct",
        obj=order,
        old={"version": version, **{f: old[f] for f in dates}},
        new={
            "version": order.version,
            **dates,
            "correction_ids": [r.pk for r in rows],
            "notification_ids": moved,
        },
    )
    return rows
