"""Multi-agency case reviews (issue 19 §6): MARAC, MAPPA and stalking clinics (MASIP).

A meeting belongs to the force that convened it. Its agenda items are police records (they
name subjects and hold the discussion and decisions); its minutes are three sections, one per
audience; its actions each land in their owner's tasks. Who reads which part is
`policy.review_sections_for` and `policy.scope_review_actions`.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from desist.core.models import Organisation, VersionedModel


class MeetingKind(models.TextChoices):
    MARAC = "marac", "MARAC (multi-agency risk assessment conference)"
    MAPPA = "mappa", "MAPPA (multi-agency public protection arrangements)"
    CLINIC = "stalking_clinic", "Multi-agency stalking clinic (MASIP)"


class Visibility(models.TextChoices):
    POLICE = "police", "Police only"
    PROVIDER = "provider", "Provider-safe"
    ADVOCACY = "advocacy", "Advocacy"


class ItemSource(models.TextChoices):
    MANUAL = "manual", "Added by hand"
    NEW_ORDER = "new_order", "New order"
    BREACH = "breach", "Breach"
    RISK_REVIEW = "risk_review", "Risk review due"
    ALERT = "alert", "Alert"


class ReviewMeeting(VersionedModel):
    force = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=MeetingKind.choices)
    held_on = models.DateField()
    chair = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    agencies = models.ManyToManyField(Organisation, related_name="+", blank=True)
    attendees = models.ManyToManyField("accounts.User", related_name="+", blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.held_on}"

    @property
    def signed(self) -> bool:
        return self.signed_at is not None


class ReviewItem(VersionedModel):
    meeting = models.ForeignKey(ReviewMeeting, on_delete=models.PROTECT, related_name="items")
    source = models.CharField(max_length=20, choices=ItemSource.choices)
    # "<source>:<record id>" for an item from a live signal, so it is added once a meeting.
    source_key = models.CharField(max_length=60, blank=True)
    subject = models.ForeignKey(
        "people.Subject", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    title = models.CharField(max_length=200)
    discussion = models.TextField(blank=True)
    decisions = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "source_key"],
                condition=~models.Q(source_key=""),
                name="review_item_signal_once",
            )
        ]

    def __str__(self) -> str:
        return self.title


class ReviewMinutes(VersionedModel):
    """One section of a meeting's minutes, for one audience."""

    meeting = models.ForeignKey(ReviewMeeting, on_delete=models.PROTECT, related_name="minutes")
    visibility = models.CharField(max_length=10, choices=Visibility.choices)
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "visibility"], name="review_minutes_one_per_audience"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_visibility_display()} minutes"


class ReviewAction(models.Model):
    item = models.ForeignKey(ReviewItem, on_delete=models.PROTECT, related_name="actions")
    description = models.CharField(max_length=500)
    owner = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    task = models.OneToOneField(
        "tasks.Task", on_delete=models.PROTECT, related_name="review_action"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return f"{self.description} (due {self.due_on})"
