"""The review queue of records due under the retention schedule, and legal holds.

Records are named by model label and id (plain values, not foreign keys): a disposed record
may be deleted, and its review row, like its audit rows, must outlive it.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from desist.core.models import Organisation


class ReviewStatus(models.TextChoices):
    DUE = "due", "Due for review"
    KEPT = "kept", "Kept"
    DISPOSED = "disposed", "Disposed of"


class RetentionReview(models.Model):
    """One record due under its class's schedule: listed by the monthly job, decided by the
    data owner (kept with a reason and a new review date, or disposed of)."""

    record_class = models.CharField(max_length=60)
    record_type = models.CharField(max_length=60)
    record_id = models.BigIntegerField()
    reference = models.CharField(max_length=60)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="retention_reviews"
    )
    due_on = models.DateField()
    listed_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=ReviewStatus.choices, default="due")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    keep_reason = models.TextField(blank=True)
    next_review_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            # One open review per record: the job may run any number of times.
            models.UniqueConstraint(
                fields=["record_type", "record_id"],
                condition=Q(status="due"),
                name="retention_one_open_review",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "status"], name="retention_org_status_idx"),
            models.Index(fields=["record_type", "record_id"], name="retention_record_idx"),
        ]

    def __str__(self) -> str:
        return f"Retention review {self.pk}"


class LegalHold(models.Model):
    """A record that must not be disposed of (litigation, an inquiry, a complaint) until the
    hold is lifted."""

    record_type = models.CharField(max_length=60)
    record_id = models.BigIntegerField()
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    placed_at = models.DateTimeField()
    placed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["record_type", "record_id"],
                condition=Q(lifted_at__isnull=True),
                name="retention_one_live_hold",
            ),
        ]

    def __str__(self) -> str:
        return f"Legal hold {self.pk}"
