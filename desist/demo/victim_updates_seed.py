"""The demo forces' Victims' Code log (issue 19): the updates owed after the seeded orders'
recent key events were given on time, except those still inside their deadline or due in the
last week, so an order page shows both what was told and what is owed. Synthetic only."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from desist.accounts.models import User
from desist.orders import victims_code
from desist.orders.actions import order_record_victim_update
from desist.orders.models import Order, VictimUpdate
from desist.orders.tasking import LOOK_BACK_DAYS

# Owed updates that fell due longer ago than this were given (on their due day).
GIVEN_AFTER_DAYS = 7

_SAID = {
    "phone": "Called her and explained what the court decided and what it means for her; "
    "gave the officer's direct number.",
    "in_person": "Visited with the case officer, went through the decision and the order's "
    "terms, and checked she still has the safety advice.",
}


def seed_victim_updates(*, fallback: dict[int, User], today: dt.date | None = None) -> int:
    """Log the given updates once; `fallback` maps a force id to an officer to record them
    when an order has nobody in charge."""
    if VictimUpdate.objects.exists():
        return 0
    today = today or timezone.localdate()
    since = today - dt.timedelta(days=LOOK_BACK_DAYS)
    recent = (
        Order.objects.filter(force_id__in=fallback)
        .select_related("officer_in_charge")
        .order_by("pk")
    )
    logged = 0
    for order in recent:
        if not any(e.on >= since for e in victims_code.key_events(order)):
            continue
        actor = order.officer_in_charge or fallback[order.force_id]
        victims = list(victims_code.order_victims(order))
        for n, row in enumerate(victims_code.updates_due(order, victims, today)):
            if row.given is not None or row.due_on > today - dt.timedelta(days=GIVEN_AFTER_DAYS):
                continue
            how = "in_person" if n % 3 == 2 else "phone"
            order_record_victim_update(
                actor=actor,
                order=order,
                victim=row.victim,
                event_key=row.event.key,
                told_on=row.due_on,
                how=how,
                summary=_SAID[how],
            )
            logged += 1
    return logged
