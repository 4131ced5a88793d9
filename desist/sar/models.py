"""The log of subject access requests (ADR 0031).

The person is named by kind and id (plain values, not foreign keys): like the retention
review, the log must outlive the person's anonymisation. The bundle is kept as produced, so
what is released is what the data owner checked.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from desist.core.crypto import EncryptedTextField
from desist.core.models import Organisation


class PersonKind(models.TextChoices):
    SUBJECT = "subject", "A subject (the person an order or case is about)"
    VICTIM = "victim", "A victim"


class Requester(models.TextChoices):
    PERSON = "person", "The person themselves"
    REPRESENTATIVE = "representative", "Someone acting for them, with their written authority"


class AccessRequest(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="access_requests"
    )
    person_kind = models.CharField(max_length=10, choices=PersonKind.choices)
    person_id = models.BigIntegerField()
    requester = models.CharField(max_length=20, choices=Requester.choices)
    # Who asked, where it was a representative: personal data, so encrypted.
    requester_details = EncryptedTextField(blank=True)
    received_on = models.DateField()
    due_on = models.DateField()
    logged_at = models.DateTimeField()
    logged_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    run_at = models.DateTimeField(null=True, blank=True)
    run_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    bundle = EncryptedTextField(blank=True)  # the JSON bundle, as produced
    record_count = models.PositiveIntegerField(default=0)
    released_at = models.DateTimeField(null=True, blank=True)  # when the release was recorded
    # The day the bundle went to the person, as the data owner gives it (today or earlier).
    released_on = models.DateField(null=True, blank=True)
    released_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["organisation", "due_on"], name="sar_org_due_idx"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"SAR{self.pk:06d}"

    @property
    def days_late(self) -> int:
        """Days past the due date: at release, or today while unreleased (0 when on time)."""
        if self.released_on is not None:
            end = self.released_on
        elif self.released_at is not None:
            end = timezone.localdate(self.released_at)
        else:
            end = timezone.localdate()
        return max((end - self.due_on).days, 0)

    @property
    def lateness(self) -> str:
        """The tag the list and the request page show: "Overdue" while unreleased past the due
        date, "Released late" once released after it, else nothing."""
        if not self.days_late:
            return ""
        return "Released late" if self.released_at is not None else "Overdue"

    @property
    def status(self) -> str:
        if self.released_at is not None:
            return "Released"
        if self.run_at is not None:
            return "Ready to check and release"
        return "Logged"
