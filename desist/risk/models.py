"""Risk: assessment instruments held as data, and the assessments made with them.

An instrument's wording, scales, scoring and thresholds live in `Instrument.definition`
(see docs/instruments.md and desist/risk/engine.py); nothing about a particular tool is code.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from desist.core.models import Organisation


class InstrumentKind(models.TextChoices):
    SCREENING = "screening", "Screening checklist"
    STRUCTURED_JUDGEMENT = "structured_judgement", "Structured professional judgement"
    OUTCOME_MEASURE = "outcome_measure", "Outcome measure"


class Instrument(models.Model):
    """One version of an instrument. Built-ins have no owner and are open to every police
    force; a loaded instrument belongs to the organisation that loaded it. A version is
    immutable once an assessment has used it (enforced by the services)."""

    code = models.SlugField(max_length=50)
    name = models.CharField(max_length=200)
    version = models.CharField(max_length=20)
    kind = models.CharField(max_length=30, choices=InstrumentKind.choices)
    owner = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="instruments",
        help_text="Empty for an instrument shipped with Desist.",
    )
    definition = models.JSONField()
    sha256 = models.CharField(max_length=64, editable=False)
    is_active = models.BooleanField(default=True)
    loaded_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    loaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "code", "-loaded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "version"],
                condition=Q(owner__isnull=True),
                name="risk_instrument_builtin_code_version_uniq",
            ),
            models.UniqueConstraint(
                fields=["owner", "code", "version"],
                condition=Q(owner__isnull=False),
                name="risk_instrument_owner_code_version_uniq",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (version {self.version})"

    @property
    def is_builtin(self) -> bool:
        return self.owner_id is None


class AssessmentContext(models.TextChoices):
    INITIAL = "initial", "First assessment"
    REFERRAL = "referral", "At referral to the intervention"
    MID_PROGRAMME = "mid_programme", "Part way through the intervention"
    EXIT = "exit", "At the end of the intervention"
    SIGNIFICANT_EVENT = "significant_event", "After a significant event"


class Assessment(models.Model):
    subject = models.ForeignKey(
        "people.Subject", on_delete=models.CASCADE, related_name="assessments"
    )
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="assessments")
    assessed_on = models.DateField()
    assessor = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    context = models.CharField(max_length=30, choices=AssessmentContext.choices)
    # Item id -> answer (text; dates in ISO format). For a structured judgement instrument
    # the judgements themselves are items, so they are here too.
    answers = models.JSONField(default=dict)
    score = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    risk_level = models.CharField(max_length=40, blank=True)
    rationale = models.TextField(blank=True)
    review_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-assessed_on", "-created_at", "-id"]
        indexes = [
            models.Index(fields=["subject", "-assessed_on"], name="risk_assessment_subject_idx"),
            models.Index(fields=["review_date"], name="risk_assessment_review_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(review_date__isnull=True) | Q(review_date__gt=F("assessed_on")),
                name="risk_assessment_review_after_assessed",
            ),
        ]

    def __str__(self) -> str:
        return f"Assessment {self.pk} on {self.assessed_on}"
