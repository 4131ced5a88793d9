"""Commands on tasks (issue 19): add, complete, cancel, raise by a rule, hand over a leaver's.

Every write checks the policy first, validates with GOV.UK messages, and audits in the same
transaction. A rule's task is raised once: the rule key is unique (`Task.rule_key`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model, QuerySet
from django.utils import timezone

from desist import policy
from desist.accounts.models import User
from desist.audit.actors import TASK_RULES
from desist.audit.models import Category
from desist.audit.services import audit_record
from desist.core.concurrency import StaleRecordError, save_versioned
from desist.core.roles import RoleCode
from desist.policy import Perm
from desist.tasks.models import Task, TaskKind, TaskStatus

POLICE_ROLES = (RoleCode.POLICE_OFFICER, RoleCode.POLICE_SUPERVISOR)
TITLE_REQUIRED = "Enter what the task is"
TITLE_TOO_LONG = "The task must be 200 characters or fewer"
DUE_REQUIRED = "Enter the date the task is due"
ASSIGNEE_REQUIRED = "Select who the task is for"
ASSIGNEE_ELSEWHERE = "Select an officer of this force"
REASON_REQUIRED = "Enter why the task is cancelled"
NOT_OPEN = "This task is already closed. Nothing was changed"
LEFT = "Handed over when the officer left"


def assignable(force_id: int) -> QuerySet[User]:
    """Active police staff of the force: the only people its tasks can be given to."""
    return (
        User.objects.filter(
            organisation_id=force_id,
            is_active=True,
            disabled_at__isnull=True,
            roles__code__in=POLICE_ROLES,
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def _values(task: Task) -> dict[str, Any]:
    return {
        "title": task.title,
        "due_on": task.due_on.isoformat(),
        "assignee_id": task.assignee_id,
        "status": task.status,
    }


def _check(force_id: int, title: str, due_on: dt.date | None, assignee_id: int | None) -> User:
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = [TITLE_REQUIRED]
    elif len(title) > 200:
        errors["title"] = [TITLE_TOO_LONG]
    if due_on is None:
        errors["due_on"] = [DUE_REQUIRED]
    assignee = None
    if assignee_id is None:
        errors["assignee"] = [ASSIGNEE_REQUIRED]
    else:
        assignee = assignable(force_id).filter(pk=assignee_id).first()
        if assignee is None:
            errors["assignee"] = [ASSIGNEE_ELSEWHERE]
    if errors:
        raise ValidationError(errors)
    assert assignee is not None
    return assignee


def task_create(
    *,
    actor: User,
    record: Model | None,
    title: str,
    due_on: dt.date | None,
    assignee_id: int | None,
) -> Task:
    """A task added by hand, on a case or order of the actor's force, or on none."""
    if record is not None:
        policy.require(actor, Perm.TASK_EDIT, record)
        force_id = int(record.force_id)  # type: ignore[attr-defined]
    else:
        policy.require_perm(actor, Perm.TASK_EDIT)  # police roles belong to forces only
        force_id = int(actor.organisation_id or 0)
    assignee = _check(force_id, title, due_on, assignee_id)
    label = record._meta.label if record is not None else ""
    task = Task(
        force_id=force_id,
        case=record if label == "cases.Case" else None,  # type: ignore[misc]
        order=record if label == "orders.Order" else None,  # type: ignore[misc]
        title=title.strip(),
        due_on=due_on,
        assignee=assignee,
        created_by=actor,
    )
    with transaction.atomic():
        task.save()
        audit_record(
            actor=actor,
            category=Category.COLLECTION,
            verb="task.create",
            obj=task,
            new=_values(task),
        )
    return task


def _close(actor: User, task: Task, version: int, status: str, reason: str = "") -> Task:
    # Done: the force's police, or the owner of a case review's action. Cancelled: police only.
    if not (
        policy.task_completable(actor, task)
        if status == TaskStatus.DONE
        else policy.can(actor, Perm.TASK_EDIT, task)
    ):
        raise PermissionDenied(Perm.TASK_EDIT.value)
    if task.status != TaskStatus.OPEN:
        raise ValidationError(NOT_OPEN)
    old = _values(task)
    task.status = status
    task.cancel_reason = reason
    task.closed_at = timezone.now()
    task.closed_by = actor
    with transaction.atomic():
        try:
            save_versioned(
                task,
                expected_version=version,
                fields=["status", "cancel_reason", "closed_at", "closed_by"],
            )
        except StaleRecordError:
            raise ValidationError(StaleRecordError.message) from None
        audit_record(
            actor=actor,
            category=Category.ALTERATION,
            verb="task.complete" if status == TaskStatus.DONE else "task.cancel",
            obj=task,
            justification=reason,
            old=old,
            new=_values(task),
        )
    return task


def task_complete(*, actor: User, task: Task, version: int) -> Task:
    return _close(actor, task, version, TaskStatus.DONE)


def task_cancel(*, actor: User, task: Task, version: int, reason: str) -> Task:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [REASON_REQUIRED]})
    return _close(actor, task, version, TaskStatus.CANCELLED, reason)


def task_raise(
    *,
    kind: TaskKind,
    rule_key: str,
    force_id: int,
    title: str,
    due_on: dt.date,
    assignee: User | None,
    case: Model | None = None,
    order: Model | None = None,
) -> Task | None:
    """A task a rule raised, once: None when the rule raised it before (whatever became of it
    since: a cancelled task is not raised again). Its assignee must be police of the force,
    or nobody."""
    if Task.objects.filter(rule_key=rule_key).exists():
        return None
    if assignee is not None and not assignable(force_id).filter(pk=assignee.pk).exists():
        assignee = None
    task = Task(
        force_id=force_id,
        case=case,  # type: ignore[misc]
        order=order,  # type: ignore[misc]
        title=title[:200],
        due_on=due_on,
        assignee=assignee,
        kind=kind,
        rule_key=rule_key,
    )
    try:
        with transaction.atomic():
            task.save()
            audit_record(
                actor=None,
                actor_username=TASK_RULES,
                category=Category.COLLECTION,
                verb="task.raise",
                obj=task,
                new={**_values(task), "kind": kind, "rule_key": rule_key},
            )
    except IntegrityError:  # another run raised it at the same moment
        return None
    return task


def successor(leaver: User) -> User | None:
    """Who takes a leaver's tasks: their line manager if still active police of the force,
    else an active police supervisor of their team, else nobody (the force view)."""
    pool = assignable(leaver.organisation_id or 0).exclude(pk=leaver.pk)
    if leaver.line_manager_id:
        manager = pool.filter(pk=leaver.line_manager_id).first()
        if manager is not None:
            return manager
    supervisors = pool.filter(roles__code=RoleCode.POLICE_SUPERVISOR)
    if leaver.team:
        return supervisors.filter(team=leaver.team).first()
    return None


def hand_over_tasks(actor: User | None, leaver: User, reason: str) -> int:
    """Move a leaver's open tasks to their successor, each move audited; how many moved.
    Runs inside the account's disabling (accounts.leavers)."""
    tasks = list(Task.objects.select_for_update().filter(assignee=leaver, status=TaskStatus.OPEN))
    if not tasks:
        return 0
    to = successor(leaver)
    for task in tasks:
        old = _values(task)
        Task.objects.filter(pk=task.pk).update(assignee=to, version=task.version + 1)
        task.assignee = to
        audit_record(
            actor=actor,
            category=Category.ALTERATION,
            verb="task.reassign",
            obj=task,
            justification=f"{LEFT}: {reason}" if reason else LEFT,
            old=old,
            new=_values(task),
        )
    return len(tasks)


def task_for_review_action(
    *, actor: User, force_id: int, title: str, due_on: dt.date, assignee: User, rule_key: str
) -> Task:
    """The task a case review's action becomes (issue 19 §6), for its owner in any agency of
    the meeting. The review's command has checked the permission and the owner and holds the
    transaction; this writes the task and its audit event inside it."""
    task = Task(
        force_id=force_id,
        title=title[:200],
        due_on=due_on,
        assignee=assignee,
        kind=TaskKind.REVIEW_ACTION,
        rule_key=rule_key,
        created_by=actor,
    )
    task.save()
    audit_record(
        actor=actor,
        category=Category.COLLECTION,
        verb="task.create",
        obj=task,
        new={**_values(task), "kind": TaskKind.REVIEW_ACTION, "rule_key": rule_key},
    )
    return task
