"""The demo's tasks (issue 19): the demo officer's "My tasks" holds the two hand-made tasks,
one overdue, even though seeding the orders' breaches already raised tasks of their own."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from desist.accounts.models import User
from desist.demo import seed
from desist.demo.orders_volume import seed_orders
from desist.demo.ownership_seed import seed_ownership
from desist.demo.tasks_seed import DONE_AFTER_DAYS, HAND_MADE, seed_tasks
from desist.demo.volume import seed_casework
from desist.tasks.models import Task, TaskKind, TaskStatus


def test_the_demo_officer_is_given_tasks_after_the_orders_raised_some(db: Any) -> None:
    seed.seed(volume=False)
    officer = User.objects.get(username="police.sussex")
    supervisor = User.objects.get(username="police.supervisor")
    force = officer.organisation
    seed_casework(force=force, cases=300, seed=7)
    seed_orders(force=force, actor=officer, supervisor=supervisor, per_state=12)
    assert Task.objects.exists()  # the seeded breaches raised their investigations at once
    seed_ownership(force=force, officer=officer, supervisor=supervisor)

    seed_tasks(officer=officer, supervisor=supervisor)
    mine = Task.objects.filter(assignee=officer, kind=TaskKind.MANUAL, status=TaskStatus.OPEN)
    assert sorted(mine.values_list("title", flat=True)) == sorted(t for t, _ in HAND_MADE)
    assert mine.filter(due_on__lt=timezone.localdate()).count() == 1
    # No open task is months overdue: what fell due long ago was done at the time.
    long_ago = timezone.localdate() - dt.timedelta(days=DONE_AFTER_DAYS)
    assert not Task.objects.filter(status=TaskStatus.OPEN, due_on__lt=long_ago).exists()
    done = Task.objects.filter(status=TaskStatus.DONE).exclude(kind=TaskKind.MANUAL)
    assert done.exists()
    assert all(t.closed_at.date() == t.due_on for t in done)
    assert seed_tasks(officer=officer, supervisor=supervisor) == {}
    assert mine.count() == len(HAND_MADE)
