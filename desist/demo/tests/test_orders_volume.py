from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from desist.accounts.models import User
from desist.audit.models import AuditEvent
from desist.demo import seed
from desist.demo.orders_volume import seed_orders
from desist.demo.volume import seed_casework
from desist.orders import dates, law
from desist.orders.models import Breach, Notification, Order, OrderStatus, OrderStatusChange
from desist.people.models import InterventionDecision
from desist.risk.models import Assessment


def test_seed_orders_covers_every_state_and_is_idempotent(db: Any) -> None:
    seed.seed(volume=False)
    officer = User.objects.get(username="police.sussex")
    supervisor = User.objects.get(username="police.supervisor")
    force = officer.organisation
    seed_casework(force=force, cases=200, seed=7)

    made = seed_orders(
        force=force, actor=officer, supervisor=supervisor, per_state=10, assessed_subjects=80
    )
    today = timezone.localdate()

    orders = Order.objects.filter(force=force)
    assert made.orders == orders.count() > 0
    assert set(orders.values_list("status", flat=True)) == set(OrderStatus.values)
    assert orders.filter(status=OrderStatus.FULL, events__kind="variation").exists()
    # Every order has its history from the application, written by the services.
    assert OrderStatusChange.objects.filter(order__force=force, from_status="").count() == (
        orders.count()
    )
    assert AuditEvent.objects.filter(verb="order.apply").count() == orders.count()
    # Dates obey the rules and are all in the past.
    for o in orders:
        assert o.application_date <= today
        if o.full_made_on and o.full_ends_on:
            assert law.fixed_period_long_enough(o.full_made_on, o.full_ends_on)
        if o.full_served_on:
            assert o.full_made_on and o.full_served_on >= o.full_made_on
    notifications = Notification.objects.filter(order__force=force)
    assert any(dates.is_overdue(n.due_on, n.received_on, today) for n in notifications)
    assert any(n.received_on and n.received_on <= n.due_on for n in notifications)
    assert any(n.received_on and n.received_on > n.due_on for n in notifications)
    assert all(n.received_on is None or n.received_on >= n.trigger_on for n in notifications)
    assert Breach.objects.filter(order__force=force).exists()
    assessments = Assessment.objects.filter(subject__force=force)
    codes = set(assessments.values_list("instrument__code", flat=True))
    assert codes == {"desist-stalking-screening", "desist-spj-summary"}
    assert assessments.filter(review_date__lt=today).exists()
    assert all(a.assessed_on <= today for a in assessments)
    live = set(
        orders.filter(status__in=[OrderStatus.INTERIM, OrderStatus.FULL]).values_list(
            "subject_id", flat=True
        )
    )
    decided = set(
        InterventionDecision.objects.filter(subject__force=force).values_list(
            "subject_id", flat=True
        )
    )
    assert decided and decided <= live and live - decided

    counts = (orders.count(), notifications.count(), assessments.count())
    again = seed_orders(force=force, actor=officer, supervisor=supervisor, per_state=10)
    assert again.orders == 0
    assert (orders.count(), notifications.count(), assessments.count()) == counts


def test_seed_orders_without_a_supervisor_records_no_withdrawals(db: Any) -> None:
    seed.seed(volume=False)
    officer = User.objects.get(username="police.surrey")
    seed_casework(force=officer.organisation, cases=40, seed=3)
    made = seed_orders(
        force=officer.organisation,
        actor=officer,
        per_state=3,
        assessed_subjects=10,
        seed=5,
        today=timezone.localdate(),
    )
    # Without a supervisor there are no withdrawals; every other state is there.
    statuses = set(Order.objects.values_list("status", flat=True))
    assert statuses == set(OrderStatus.values) - {OrderStatus.WITHDRAWN}
    assert made.by_state["applied"] == 3
    assert max(Order.objects.values_list("application_date", flat=True)) <= (
        timezone.localdate() - dt.timedelta(days=1)
    )
