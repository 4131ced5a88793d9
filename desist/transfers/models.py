"""A transfer of a subject's file from one police force to another (issue 19).

Fields and constraints only; the rules are in `services.py`, who may do what in
`desist/policy.py`. `TransferredRecord` lists what an accepted transfer moved: the sending
force's read-only history (policy asks it through `history.SOURCE`).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from desist.core.models import Organisation, VersionedModel


class TransferStatus(models.TextChoices):
    PENDING = "pending", "Awaiting the receiving force"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    # The sending force took the request back before the receiving force decided.
    WITHDRAWN = "withdrawn", "Withdrawn"


class ForceTransfer(VersionedModel):
    subject = models.ForeignKey(
        "people.Subject", on_delete=models.PROTECT, related_name="force_transfers"
    )
    from_force = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="transfers_out"
    )
    to_force = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="transfers_in"
    )
    status = models.CharField(
        max_length=10, choices=TransferStatus.choices, default=TransferStatus.PENDING
    )
    reason = models.TextField()
    # The area the subject has moved to (a town or district), not an address: the address is
    # recorded on the subject, where it is encrypted.
    new_area = models.CharField(max_length=100, blank=True)
    proposed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-proposed_at", "-id"]
        constraints = [
            # One open request per subject: two would race to move the same file.
            models.UniqueConstraint(
                fields=["subject"],
                condition=Q(status="pending"),
                name="transfer_one_pending_per_subject",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "accepted", "declined", "withdrawn"]),
                name="transfer_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(from_force=models.F("to_force")), name="transfer_between_two_forces"
            ),
        ]
        indexes = [models.Index(fields=["to_force", "status"], name="transfer_inbox_idx")]

    def __str__(self) -> str:
        return f"Transfer {self.pk}"


class TransferredRecord(models.Model):
    """One record an accepted transfer moved ("people.Subject", "cases.Case", "orders.Order")."""

    transfer = models.ForeignKey(ForceTransfer, on_delete=models.PROTECT, related_name="records")
    record_type = models.CharField(max_length=40)
    record_id = models.PositiveBigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["transfer", "record_type", "record_id"], name="transferred_record_once"
            )
        ]
        indexes = [models.Index(fields=["record_type", "record_id"], name="transferred_record_idx")]

    def __str__(self) -> str:
        return f"{self.record_type} {self.record_id}"
