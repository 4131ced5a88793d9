"""Stalking cases: crime reference, incidents on a timeline, victims, relationship, FOUR."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from desist.core.crypto import EncryptedTextField
from desist.core.models import Organisation, VersionedModel


class Relationship(models.TextChoices):
    EX_INTIMATE = "ex_intimate", "Ex-intimate partner"
    ACQUAINTANCE = "acquaintance", "Acquaintance"
    COLLEAGUE = "colleague", "Colleague"
    FAMILY = "family", "Family member"
    STRANGER = "stranger", "Stranger"
    OTHER = "other", "Other"


class IncidentType(models.TextChoices):
    STALKING = "stalking", "Stalking"
    STALKING_FEAR_VIOLENCE = "stalking_fear_violence", "Stalking involving fear of violence"
    HARASSMENT = "harassment", "Harassment"
    MALICIOUS_COMMUNICATIONS = "malicious_communications", "Malicious communications"
    SPO_BREACH = "spo_breach", "SPO breach"
    OTHER = "other", "Other"


class CaseStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class ClosureReason(models.TextChoices):
    CHARGED = "charged", "Charged or summonsed"
    ORDER_IN_PLACE = "order_in_place", "Protective order in place, no further police action"
    NO_FURTHER_ACTION = "nfa", "No further action: evidential difficulties"
    VICTIM_WITHDREW = "victim_withdrew", "Victim does not support further action"
    TRANSFERRED = "transferred", "Transferred to another force"
    DUPLICATE = "duplicate", "Recorded in error or a duplicate"


class Case(VersionedModel):
    force = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="cases")
    crime_reference = models.CharField(max_length=40)
    subject = models.ForeignKey("people.Subject", on_delete=models.PROTECT, related_name="cases")
    relationship = models.CharField(max_length=20, choices=Relationship.choices)
    # FOUR: Fixated, Obsessive, Unwanted, Repeated.
    fixated = models.BooleanField(default=False)
    obsessive = models.BooleanField(default=False)
    unwanted = models.BooleanField(default=False)
    repeated = models.BooleanField(default=False)
    summary = models.TextField(blank=True)
    opened_on = models.DateField()
    # The date of the (first) offence as the force's record system has it; set by bulk import
    # (issue 17), which maps the reported date to `opened_on`.
    offence_on = models.DateField(null=True, blank=True)
    # Bulk import (issue 17, ADR 0034): source system and its id for the case, the re-import key.
    external_source = models.CharField(max_length=20, blank=True)
    external_ref = models.CharField(max_length=60, blank=True)
    status = models.CharField(max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    # Set while the case is closed; a reopening clears them (the audit log keeps the history).
    closed_on = models.DateField(null=True, blank=True)
    closure_reason = models.CharField(max_length=20, choices=ClosureReason.choices, blank=True)
    # Issue 19: who is in charge, and the team (a name from the force's users' teams), set
    # by a supervisor (desist.cases.ownership). Empty until assigned.
    officer_in_charge = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    team = models.CharField(max_length=100, blank=True)
    victims = models.ManyToManyField("safeguarding.Victim", related_name="cases", blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-opened_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["force", "crime_reference"], name="case_unique_crime_ref"
            ),
            models.UniqueConstraint(
                fields=["force", "external_source", "external_ref"],
                condition=~models.Q(external_ref=""),
                name="case_unique_external_ref",
            ),
        ]
        indexes = [models.Index(fields=["force", "opened_on"], name="case_force_opened_idx")]

    def __str__(self) -> str:
        return self.crime_reference

    @property
    def four_count(self) -> int:
        return sum([self.fixated, self.obsessive, self.unwanted, self.repeated])


class Incident(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="incidents")
    occurred_on = models.DateField()
    incident_type = models.CharField(max_length=30, choices=IncidentType.choices)
    description = EncryptedTextField(blank=True)  # encrypted at rest (ADR 0017)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["occurred_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_incident_type_display()} on {self.occurred_on}"
