"""ADR 0019: one rule for when a notification has lapsed and when it has failed, used by the
order page, the overdue alerts and evaluation."""

from __future__ import annotations

from typing import Any

from desist.evaluation.selectors import outcomes_page_for
from desist.orders import actions as services
from desist.orders import dates, selectors
from desist.orders.lookups import outstanding_notifications, with_duty_end
from desist.orders.models import Notification, OrderEvent
from desist.orders.tests.helpers import TODAY, ago, fresh, full


def test_the_rule_on_dates() -> None:
    due = ago(10)
    failed = dates.notification_failed
    assert not failed(due_on=due, received_on=ago(11), duty_ended_on=None, today=TODAY)
    assert failed(due_on=due, received_on=ago(9), duty_ended_on=None, today=TODAY)  # late
    assert failed(due_on=due, received_on=None, duty_ended_on=None, today=TODAY)  # overdue
    assert not failed(due_on=due, received_on=None, duty_ended_on=None, today=due)  # due today
    # The order ended on or before the due date: lapsed, never missed.
    assert not failed(due_on=due, received_on=None, duty_ended_on=due, today=TODAY)
    # Missed while owed, and the order ended later: the offence was complete.
    assert failed(due_on=due, received_on=None, duty_ended_on=ago(5), today=TODAY)
    assert dates.notification_lapsed(received_on=None, duty_ended_on=ago(5))
    assert not dates.notification_lapsed(received_on=ago(12), duty_ended_on=ago(5))


def _discharge(officer: Any, order: Any, on: int) -> None:
    services.order_record_discharge(
        actor=officer,
        order=fresh(order),
        version=fresh(order).version,
        applicant=OrderEvent.Applicant.SUBJECT,
        court="Lewes Crown Court",
        decided_on=ago(on),
        outcome=OrderEvent.Outcome.GRANTED,
        details="No longer necessary",
        defendant_consents=True,  # within 2 years of being made (s.7)
        chief_officer_consents=True,
    )


def test_orders_and_evaluation_agree(officer: Any, subject: Any, force: Any) -> None:
    """Discharged on the second of the three days: the notification lapsed (not outstanding,
    'lapsed' on the page) and evaluation does not count it as a failure. Another order whose
    notification was missed before it was discharged counts once, everywhere."""
    lapsed_order = full(officer, subject, made=ago(40), served=ago(30))
    _discharge(officer, lapsed_order, on=29)
    missed_order = full(officer, subject, made=ago(100), served=ago(90))
    _discharge(officer, missed_order, on=20)

    annotated = {n.order_id: n for n in with_duty_end(Notification.objects.all())}
    assert annotated[lapsed_order.pk].duty_ended_on == ago(29)
    assert not outstanding_notifications().exists()
    page = selectors.order_page_for(actor=officer, order_id=lapsed_order.pk)
    assert [r.state for r in page.notifications] == ["lapsed"]

    failures = outcomes_page_for(actor=officer, subject_id=subject.pk).notification_failures
    assert [n.order_id for n in failures] == [missed_order.pk]
