"""A task: a piece of police work with a due date and an assignee (issue 19).

A task belongs to its force and, usually, to one case or order, named by string (those apps
sit above this one). A task a rule raised carries the rule's key, unique, so a rule run twice
raises it once.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from desist.core.models import Organisation, VersionedModel


class TaskStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class TaskKind(models.TextChoices):
    MANUAL = "manual", "Added by hand"
    NOTIFICATION_DUE = "notification_due", "Notification due"
    RENEWAL_REVIEW = "renewal_review", "Renewal review"
    BREACH_INVESTIGATION = "breach_investigation", "Breach investigation"
    LATE_NOTIFICATION = "late_notification", "Failure to notify: investigate"
    # Issue 19 §6: an action from a multi-agency case review, for its owner (any agency).
    REVIEW_ACTION = "review_action", "Case review action"
    # Raised for the chair when a review action is past its due date.
    REVIEW_ACTION_OVERDUE = "review_action_overdue", "Case review action overdue"


class Task(VersionedModel):
    force = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="tasks"
    )
    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, null=True, blank=True, related_name="tasks"
    )
    title = models.CharField(max_length=200)
    due_on = models.DateField()
    # Empty only when a rule found nobody in charge: the force view shows it unassigned.
    assignee = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="tasks"
    )
    status = models.CharField(max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    cancel_reason = models.TextField(blank=True)
    kind = models.CharField(max_length=30, choices=TaskKind.choices, default=TaskKind.MANUAL)
    # "<rule>:<record id>[:<date>]" for a task a rule raised; empty for one added by hand.
    rule_key = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule_key"], condition=~Q(rule_key=""), name="task_rule_key_once"
            )
        ]
        indexes = [models.Index(fields=["force", "status", "due_on"], name="task_queue_idx")]

    def __str__(self) -> str:
        return f"{self.title} (due {self.due_on})"

    @property
    def record(self) -> models.Model | None:
        return self.order or self.case

    @property
    def overdue(self) -> bool:
        return self.status == TaskStatus.OPEN and self.due_on < timezone.localdate()
