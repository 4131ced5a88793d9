"""The order rules that raise tasks (issue 19): notification due, failure to notify, renewal
review, breach investigation. Each raises its task once, for the officer in charge."""

from __future__ import annotations

from typing import Any

from desist.audit.models import AuditEvent
from desist.jobs.tasks import JOBS
from desist.orders import actions, tasking
from desist.orders.tests.helpers import add_term, ago, ahead, breach, full
from desist.tasks.models import Task, TaskKind


def _owned(order: Any, supervisor: Any, officer: Any) -> Any:
    actions.order_assign(
        actor=supervisor, order=order, version=order.version, officer_id=officer.pk
    )
    order.refresh_from_db()
    return order


def test_each_rule_raises_its_task_once(
    supervisor: Any, officer: Any, subject: Any, victim: Any
) -> None:
    served_today = _owned(
        full(supervisor, subject, made=ago(1), served=ago(0)), supervisor, officer
    )
    ending = full(supervisor, subject, made=ago(800), ends=ahead(20))
    first = tasking.run_rules()
    assert first["notification_due"] == 1 and first["renewal_review"] == 1
    due = Task.objects.get(kind=TaskKind.NOTIFICATION_DUE)
    notification = served_today.notifications.get()
    assert (due.order_id, due.assignee_id, due.due_on) == (
        served_today.pk,
        officer.pk,
        notification.due_on,
    )
    review = Task.objects.get(kind=TaskKind.RENEWAL_REVIEW)
    # Nobody is in charge of that order: the task waits, unassigned, in the force view.
    assert review.order_id == ending.pk and review.assignee_id is None
    assert tasking.run_rules() == dict.fromkeys(first, 0)
    assert Task.objects.count() == sum(first.values())
    assert AuditEvent.objects.filter(verb="task.raise").count() == Task.objects.count()


def test_a_cancelled_task_is_not_raised_again(supervisor: Any, officer: Any, subject: Any) -> None:
    from desist.tasks.services import task_cancel

    _owned(full(supervisor, subject, made=ago(1), served=ago(0)), supervisor, officer)
    tasking.run_rules()
    task = Task.objects.get()
    task_cancel(actor=officer, task=task, version=task.version, reason="Notified already")
    assert tasking.run_rules()["notification_due"] == 0


def test_a_late_notification_raises_an_investigation_at_once(
    supervisor: Any, officer: Any, subject: Any
) -> None:
    order = _owned(full(supervisor, subject, made=ago(12), served=ago(10)), supervisor, officer)
    notification = order.notifications.get()
    actions.notification_record_received(
        actor=officer, notification=notification, received_on=ago(5)
    )
    task = Task.objects.get(kind=TaskKind.LATE_NOTIFICATION)
    assert task.assignee_id == officer.pk and task.order_id == order.pk
    assert "failure to notify within 3 days" in task.title
    assert tasking.run_rules()["late_notification"] == 0  # the scheduler's pass adds nothing


def test_notification_in_time_raises_no_investigation(
    supervisor: Any, officer: Any, subject: Any
) -> None:
    order = _owned(full(supervisor, subject, made=ago(3), served=ago(2)), supervisor, officer)
    actions.notification_record_received(
        actor=officer, notification=order.notifications.get(), received_on=ago(1)
    )
    assert not Task.objects.filter(kind=TaskKind.LATE_NOTIFICATION).exists()
    assert tasking.run_rules()["late_notification"] == 0


def test_still_owed_after_the_deadline_is_investigated_by_the_pass(
    supervisor: Any, officer: Any, subject: Any
) -> None:
    _owned(full(supervisor, subject, made=ago(12), served=ago(10)), supervisor, officer)
    assert tasking.run_rules()["late_notification"] == 1


def test_a_breach_raises_an_investigation(
    supervisor: Any, officer: Any, subject: Any, victim: Any
) -> None:
    order = _owned(full(supervisor, subject, made=ago(30), served=ago(29)), supervisor, officer)
    term = add_term(supervisor, order, victim)
    recorded = breach(officer, order, term, ago(2))
    task = Task.objects.get(kind=TaskKind.BREACH_INVESTIGATION)
    assert task.rule_key == f"breach_investigation:{recorded.pk}"
    assert task.assignee_id == officer.pk and task.case_id == order.case_id
    assert tasking.run_rules()["breach_investigation"] == 0


def test_the_scheduler_runs_the_rules() -> None:
    assert "task_rules" in JOBS
