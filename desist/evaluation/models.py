"""Evaluation and oversight: police-recorded outcomes, evaluation runs and oversight findings.

Breaches of an SPO and notification failures are not stored here: they are read from the
`orders` app (`Breach`, `Notification`), so there is one record of each.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from desist.core.models import Organisation, VersionedModel


class OffenceOutcome(models.TextChoices):
    PENDING = "pending", "Not yet proven (investigation or trial ongoing)"
    CONVICTED = "convicted", "Convicted"
    CAUTIONED = "cautioned", "Cautioned"
    ACQUITTED = "acquitted", "Acquitted"
    NO_FURTHER_ACTION = "nfa", "No further action"


# Outcomes that make an offence "proven" in the Ministry of Justice sense.
PROVEN_OUTCOMES = frozenset({OffenceOutcome.CONVICTED, OffenceOutcome.CAUTIONED})


class Offence(VersionedModel):
    """A new offence by a subject, recorded by the police for the evaluation."""

    force = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    subject = models.ForeignKey("people.Subject", on_delete=models.PROTECT, related_name="offences")
    crime_reference = models.CharField(max_length=40, blank=True)
    offence_date = models.DateField()
    outcome = models.CharField(max_length=12, choices=OffenceOutcome.choices)
    proven_date = models.DateField(null=True, blank=True)
    stalking_related = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-offence_date", "-id"]
        indexes = [models.Index(fields=["subject", "offence_date"], name="offence_subject_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(proven_date__isnull=True) | Q(proven_date__gte=F("offence_date")),
                name="offence_proven_after_offence",
            ),
        ]

    def __str__(self) -> str:
        return f"Offence on {self.offence_date}"

    @property
    def is_proven(self) -> bool:
        return self.outcome in PROVEN_OUTCOMES and self.proven_date is not None


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Finished"
    FAILED = "failed", "Failed"


class EvaluationRun(models.Model):
    """One generation of the evaluation report: its parameters, progress and result."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # When a worker took it (queue wait is not the run's time: evaluation_sweep).
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=200, blank=True)
    params = models.JSONField(default=dict)
    people_count = models.PositiveIntegerField(default=0)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Evaluation run {self.pk}"

    @property
    def finished(self) -> bool:
        return self.status in (RunStatus.DONE, RunStatus.FAILED)


class FindingStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "Follow-up in progress"
    CLOSED = "closed", "Closed"


class FindingArea(models.TextChoices):
    ACCESS = "access", "Access to records"
    SHARING = "sharing", "Alerts and sharing"
    SUPERVISION = "supervision", "Supervision of staff"
    DATA_QUALITY = "data_quality", "Data quality"
    OTHER = "other", "Other"


class Finding(VersionedModel):
    """An oversight finding and its follow-up, recorded by the overseer."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    area = models.CharField(max_length=20, choices=FindingArea.choices)
    detail = models.TextField()
    follow_up = models.TextField(blank=True)
    follow_up_due = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=12, choices=FindingStatus.choices, default=FindingStatus.OPEN
    )
    recorded_on = models.DateField(default=timezone.localdate)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["status", "follow_up_due", "-id"]

    def __str__(self) -> str:
        return self.title


class AnomalySnapshot(models.Model):
    """The oversight dashboard's access anomalies, computed in the background (and on demand)
    for one audit scope: grouping a month of the audit log takes most of a second at national
    volume, too slow for every page view (docs/performance.md). Derived data: safe to delete."""

    # "all" for readers of the whole audit log, "org:<id>" for readers of one organisation's.
    scope = models.CharField(max_length=40, unique=True)
    computed_at = models.DateTimeField()
    # The local date the 30-day window ended on, and the bulk-viewing threshold used.
    day = models.DateField()
    threshold = models.PositiveIntegerField()
    # Who it was last computed for: the background refresh computes as them, with their scope.
    computed_for = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    outside = models.JSONField(default=list)
    nights = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"Anomalies for {self.scope} at {self.computed_at:%Y-%m-%d %H:%M}"
