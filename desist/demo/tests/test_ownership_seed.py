"""The demo's ownership (issue 19): work spread over officers and two teams, and the demo
officer's "mine" holds nothing long overdue."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from desist.accounts.models import User
from desist.cases.models import Case
from desist.core.reach import SUBJECT_OWNERS, Reach, narrow
from desist.demo import seed
from desist.demo.orders_volume import seed_orders
from desist.demo.ownership_seed import LATE_DAYS, seed_ownership
from desist.demo.volume import seed_casework
from desist.orders import selectors
from desist.orders.models import Order
from desist.risk.selectors import risk_reviews_due_for


def test_ownership_is_spread_and_mine_is_recent(db: Any) -> None:
    seed.seed(volume=False)
    officer = User.objects.get(username="police.sussex")
    supervisor = User.objects.get(username="police.supervisor")
    force = officer.organisation
    seed_casework(force=force, cases=300, seed=7)
    seed_orders(force=force, actor=officer, supervisor=supervisor, per_state=12)
    made = seed_ownership(force=force, officer=officer, supervisor=supervisor)
    assert made == {"officers_in_charge": 4}
    officer.refresh_from_db()

    owned = Case.objects.filter(force=force, officer_in_charge__isnull=False)
    assert owned.values("officer_in_charge").distinct().count() == 4
    assert set(owned.values_list("team", flat=True)) == {"Stalking unit East", "Stalking unit West"}
    assert not Order.objects.filter(force=force, officer_in_charge__isnull=True).exists()
    assert owned.filter(officer_in_charge=officer).exists()  # "mine" is not empty

    late = timezone.localdate() - dt.timedelta(days=LATE_DAYS)
    for n in selectors.notifications_due_for(actor=officer, reach=Reach.MINE):
        assert n.due_on >= late
    reviews = narrow(risk_reviews_due_for(actor=officer), officer, Reach.MINE, via=SUBJECT_OWNERS)
    assert all(s.latest_review_date >= late for s in reviews)
    # Nobody's "mine" is the whole force: the team view is wider, the force wider still.
    mine = selectors.register_for(actor=officer, reach=Reach.MINE).count()
    team = selectors.register_for(actor=officer, reach=Reach.TEAM).count()
    assert mine <= team < selectors.register_for(actor=officer).count()
    assert seed_ownership(force=force, officer=officer, supervisor=supervisor) == {}
