"""Reads of tasks: every one through `policy.scope_tasks` (police of the task's force only)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Model, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from desist import policy
from desist.accounts.models import User
from desist.core.reach import Reach, narrow
from desist.policy import Perm
from desist.tasks import workload
from desist.tasks.models import Task, TaskKind, TaskStatus
from desist.tasks.services import assignable

# A task's owner is its assignee, and the team is the assignee's (core.reach): see task_list_for.


def _scoped(actor: User) -> QuerySet[Task]:
    return policy.scope_tasks(actor, Task.objects.all()).select_related("assignee", "case", "order")


def task_list_for(
    *,
    actor: User,
    reach: Reach = Reach.MINE,
    status: str = TaskStatus.OPEN,
    kind: str = "",
    overdue: bool = False,
    today: dt.date | None = None,
) -> QuerySet[Task]:
    """The actor's force's tasks, cut to theirs or their team's, soonest due first."""
    qs = narrow(_scoped(actor), actor, reach, officer="assignee", team="assignee__team")
    if status:
        qs = qs.filter(status=status) if status in TaskStatus.values else qs.none()
    if kind:
        qs = qs.filter(kind=kind) if kind in TaskKind.values else qs.none()
    if overdue:
        qs = qs.filter(status=TaskStatus.OPEN, due_on__lt=today or timezone.localdate())
    return qs.order_by("due_on", "id")


def task_get_for(*, actor: User, task_id: int) -> Task:
    """One task: 404 out of scope (another force's task is not revealed)."""
    task = _scoped(actor).filter(pk=task_id).first()
    if task is None:
        raise Http404
    policy.require(actor, Perm.TASK_VIEW, task)
    return task


@dataclass(frozen=True)
class Panel:
    """A case or order page's tasks (tasks/includes/tasks.html)."""

    tasks: list[Task]
    add_url: str


def panel_for(*, actor: User, record: Model) -> Panel | None:
    """The open tasks on one record, or None for someone who may not see tasks."""
    if not policy.has_perm(actor, Perm.TASK_VIEW):
        return None
    field_name = "order" if record._meta.label == "orders.Order" else "case"
    tasks = list(_scoped(actor).filter(**{field_name: record}, status=TaskStatus.OPEN))
    add = ""
    if policy.can(actor, Perm.TASK_EDIT, record):
        add = reverse("tasks:new_on", kwargs={"kind": field_name, "record_id": record.pk})
    return Panel(tasks=tasks, add_url=add)


def officer_choices(force_id: int) -> list[tuple[int, str]]:
    return [
        (u.pk, f"{u.display_name()} ({u.team})" if u.team else u.display_name())
        for u in assignable(force_id)
    ]


@dataclass
class OfficerLoad:
    officer: User
    open: int = 0
    overdue: int = 0
    held: dict[str, int] = field(default_factory=dict)


def workload_for(
    *, actor: User, today: dt.date | None = None
) -> tuple[list[str], list[OfficerLoad]]:
    """Per active officer of the supervisor's force: open and overdue tasks, and the records
    each is in charge of (as cases and orders count them). With the labels of those counts."""
    policy.require_perm(actor, Perm.WORKLOAD_VIEW)
    today = today or timezone.localdate()
    officers = list(assignable(actor.organisation_id or 0))
    counts = (
        policy.scope_tasks(actor, Task.objects.filter(status=TaskStatus.OPEN))
        .values("assignee_id")
        .annotate(n=Count("id"), late=Count("id", filter=Q(due_on__lt=today)))
    )
    by_officer = {row["assignee_id"]: row for row in counts}
    held = {label: source(actor) for label, source in sorted(workload.sources().items())}
    rows = []
    for officer in officers:
        row = by_officer.get(officer.pk, {})
        rows.append(
            OfficerLoad(
                officer=officer,
                open=row.get("n", 0),
                overdue=row.get("late", 0),
                held={label: per.get(officer.pk, 0) for label, per in held.items()},
            )
        )
    return list(held), rows


def unassigned_count(actor: User) -> int:
    return policy.scope_tasks(
        actor, Task.objects.filter(status=TaskStatus.OPEN, assignee__isnull=True)
    ).count()
