"""The demo force's tasks (issue 19): what the order rules raise over the seeded orders, and
two tasks the supervisor gave the demo officer by hand (one overdue), so "My tasks" shows both
kinds. Synthetic only."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from desist.accounts.models import User
from desist.orders import tasking
from desist.orders.models import Order
from desist.tasks.models import Task, TaskKind, TaskStatus
from desist.tasks.services import task_complete, task_create

# A force keeps up with its work: what the rules raised over the seeded history and fell due
# more than this long ago was done at the time (the demo has no years-old open tasks).
DONE_AFTER_DAYS = 60

HAND_MADE = (
    ("Check the subject's new address with the neighbourhood team", -3),
    ("Update the victim on the order's terms", 4),
)


def seed_tasks(*, officer: User, supervisor: User, today: dt.date | None = None) -> dict[str, int]:
    """Run the task rules once and hand the demo officer two tasks. Does nothing twice."""
    # Not "any task": recording the demo's breaches and late notifications already raised some.
    if Task.objects.filter(kind=TaskKind.MANUAL).exists():
        return {}
    today = today or timezone.localdate()
    raised = sum(tasking.run_rules(today).values())
    _close_the_past(supervisor, today)
    order = Order.objects.filter(officer_in_charge=officer).order_by("id").first()
    for title, days in HAND_MADE if order is not None else ():
        task = task_create(
            actor=supervisor,
            record=order,
            title=title,
            due_on=today + dt.timedelta(days=max(days, 1)),
            assignee_id=officer.pk,
        )
        if days < 0:  # given a while ago and now late
            Task.objects.filter(pk=task.pk).update(due_on=today + dt.timedelta(days=days))
    return {"tasks": raised + (len(HAND_MADE) if order is not None else 0)}


def _close_the_past(supervisor: User, today: dt.date) -> None:
    """Rule-raised tasks due long ago, done through the service (audited) by the force's
    supervisor, then dated to their due day: the history a working force would have."""
    old = Task.objects.filter(
        status=TaskStatus.OPEN,
        force=supervisor.organisation,
        due_on__lt=today - dt.timedelta(days=DONE_AFTER_DAYS),
    ).exclude(kind=TaskKind.MANUAL)
    for task in old:
        task_complete(actor=supervisor, task=task, version=task.version)
        closed = dt.datetime.combine(task.due_on, dt.time(16), tzinfo=dt.UTC)
        Task.objects.filter(pk=task.pk).update(closed_at=closed)
