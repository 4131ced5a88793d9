"""Alerts, their email outbox, the disclosure log and break-glass grants.

Only `desist.sharing.selectors` reads these (they are in policy.SENSITIVE_MODELS); writes go
through `desist.sharing.services`.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from desist.core.crypto import EncryptedTextField
from desist.core.models import Organisation, VersionedModel
from desist.sharing.kinds import EventKind, Urgency


class Alert(VersionedModel):
    """One alert to one person. An escalation is a new alert to a manager that points back at
    the alert that was not acknowledged in time (`escalated_from`)."""

    kind = models.CharField(max_length=30, choices=[(k.value, k.name) for k in EventKind])
    priority = models.CharField(
        max_length=10, choices=[(u.value, u.value.title()) for u in Urgency]
    )
    recipient = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="sharing_alerts"
    )
    recipient_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+"
    )
    # The organisation whose information the alert carries (for the disclosure log).
    from_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    subject = models.ForeignKey(
        "people.Subject", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    source_type = models.CharField(max_length=100, blank=True)
    source_id = models.CharField(max_length=40, blank=True)
    title = models.CharField(max_length=200)
    # May copy a session's risk disclosure: encrypted at rest (ADR 0017).
    body = EncryptedTextField(blank=True)
    # A link to the record, only where the recipient may open it.
    link_url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    due_by = models.DateTimeField(db_index=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledgement_note = EncryptedTextField(blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalated_from = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="escalations"
    )
    # Periodic scans: one alert per order and reason (kind:record:date).
    dedupe_key = models.CharField(max_length=120, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "acknowledged_at"])]

    def __str__(self) -> str:
        return f"Alert A{self.pk:06d}" if self.pk else "New alert"

    @property
    def reference(self) -> str:
        return f"A{self.pk:06d}"

    @property
    def is_escalation(self) -> bool:
        return self.escalated_from_id is not None

    def is_overdue(self, now: object = None) -> bool:
        moment = now or timezone.now()
        return self.acknowledged_at is None and self.due_by <= moment  # type: ignore[operator]


class OutboundEmail(models.Model):
    """The email outbox: one row per alert email, delivered by `alerts_run` with retries."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Gave up"
        # Acknowledged in the app (or closed by the work being done) before the email went.
        NOT_NEEDED = "not_needed", "Not needed"

    alert = models.ForeignKey(Alert, on_delete=models.PROTECT, related_name="emails")
    to_address = models.EmailField()
    email_subject = models.CharField(max_length=200)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["next_attempt_at", "id"]

    def __str__(self) -> str:
        return f"Email {self.pk} for alert {self.alert_id}"


class LawfulBasis(models.TextChoices):
    CDA_S115 = "cda_s115", "s.115 Crime and Disorder Act 1998"
    DPA_PART3 = "dpa_part3", "DPA 2018 Part 3 (law enforcement processing)"
    GDPR_6_1_E = "gdpr_6_1_e", "UK GDPR article 6(1)(e) (public task)"
    GDPR_6_1_D = "gdpr_6_1_d", "UK GDPR article 6(1)(d) (vital interests)"
    CONSENT = "consent", "Consent of the data subject"


class Disclosure(models.Model):
    """A record that information left one organisation for another (s.62 DPA 2018 disclosure
    log): what, to whom, why, under which lawful basis and agreement, authorised by whom."""

    disclosed_at = models.DateTimeField(default=timezone.now, db_index=True)
    from_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="disclosures_made"
    )
    to_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="disclosures_received"
    )
    to_user = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subject = models.ForeignKey(
        "people.Subject", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    what = models.CharField(max_length=300)
    purpose = models.CharField(max_length=300)
    lawful_basis = models.CharField(max_length=20, choices=LawfulBasis.choices)
    agreement = models.CharField(max_length=200)
    authorised_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # How it was authorised: "Automatic under the alert rules" or the authoriser's own words.
    authority = models.CharField(max_length=200, blank=True)
    alert = models.ForeignKey(
        Alert, on_delete=models.PROTECT, null=True, blank=True, related_name="disclosures"
    )
    source_type = models.CharField(max_length=100, blank=True)
    source_id = models.CharField(max_length=40, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-disclosed_at", "-id"]

    def __str__(self) -> str:
        return f"Disclosure D{self.pk:06d}" if self.pk else "New disclosure"

    @property
    def reference(self) -> str:
        return f"D{self.pk:06d}"


class BreakGlassGrant(VersionedModel):
    """Time-limited access to one record outside the user's normal scope."""

    class RecordType(models.TextChoices):
        SUBJECT = "people.Subject", "Subject"
        CASE = "cases.Case", "Case"
        ORDER = "orders.Order", "Stalking Protection Order"
        VICTIM = "safeguarding.Victim", "Victim"

    class Status(models.TextChoices):
        GRANTED = "granted", "Granted"
        PENDING = "pending", "Waiting for a supervisor's approval"
        REFUSED = "refused", "Refused by a supervisor"

    # Why a request waits for a second person (issue 12): over the daily cap, or the record
    # is held by a force outside every partnership of the requester's organisation.
    class ApprovalReason(models.TextChoices):
        CAP = "cap", "over the daily limit of break-glass requests"
        PARTNERSHIP = "partnership", "the record is held outside your partnerships"

    class Finding(models.TextChoices):
        JUSTIFIED = "justified", "Justified"
        NOT_JUSTIFIED = "not_justified", "Not justified: refer for action"
        MORE_INFORMATION = "more_information", "Justified, with advice given to the user"

    user = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    record_type = models.CharField(max_length=40, choices=RecordType.choices)
    record_id = models.PositiveBigIntegerField()
    # The organisation that owns the record (the recording force).
    record_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+"
    )
    justification = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.GRANTED)
    # Comma-separated ApprovalReason codes; empty when no approval was needed.
    approval_reasons = models.CharField(max_length=100, blank=True)
    requested_at = models.DateTimeField(default=timezone.now, db_index=True)
    # A pending or refused request has granted_at == expires_at == requested_at: no access.
    granted_at = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField(db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_note = models.TextField(blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    finding = models.CharField(max_length=20, choices=Finding.choices, blank=True)
    review_notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-granted_at", "-id"]
        indexes = [models.Index(fields=["user", "record_type", "expires_at"])]

    def __str__(self) -> str:
        return f"Break-glass G{self.pk:06d}" if self.pk else "New break-glass grant"

    @property
    def reference(self) -> str:
        return f"G{self.pk:06d}"

    def is_live(self, now: object = None) -> bool:
        if self.status != self.Status.GRANTED:
            return False
        return (now or timezone.now()) < self.expires_at  # type: ignore[operator]

    @property
    def approval_reason_labels(self) -> list[str]:
        labels = dict(self.ApprovalReason.choices)
        return [labels[c] for c in self.approval_reasons.split(",") if c in labels]
