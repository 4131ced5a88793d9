"""The demo's Victims' Code log (issue 19): updates owed after the seeded orders' recent key
events were given, except those due in the last week, so order pages show both; seeding twice
adds nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from desist.accounts.models import User
from desist.demo import seed
from desist.demo.orders_volume import seed_orders
from desist.demo.victim_updates_seed import GIVEN_AFTER_DAYS, seed_victim_updates
from desist.demo.volume import seed_casework
from desist.orders import victims_code
from desist.orders.models import Order, VictimUpdate


def test_recent_updates_are_given_and_the_last_week_is_still_owed(db: Any) -> None:
    seed.seed(volume=False)
    officer = User.objects.get(username="police.sussex")
    supervisor = User.objects.get(username="police.supervisor")
    force = officer.organisation
    seed_casework(force=force, cases=300, seed=7)
    seed_orders(force=force, actor=officer, supervisor=supervisor, per_state=12)

    logged = seed_victim_updates(fallback={force.pk: officer})
    assert logged > 0 and VictimUpdate.objects.count() == logged
    today = timezone.localdate()
    week = today - dt.timedelta(days=GIVEN_AFTER_DAYS)
    for order in Order.objects.filter(force=force):
        for row in victims_code.updates_due(order, victims_code.order_victims(order)):
            if row.due_on > week:
                assert row.given is None, (order.reference, row.event.label)
            else:
                assert row.given is not None and row.state == "given", row.event.label
    assert seed_victim_updates(fallback={force.pk: officer}) == 0
