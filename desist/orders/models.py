"""Stalking Protection Orders: the application, interim and full orders, their terms, hearings,
later events (variation, renewal, discharge, appeal), notifications and breaches.

Fields and constraints only. The rules live in `dates.py` (date arithmetic), `workflow.py`
(the status transition table), `availability.py` (which actions an order offers) and
`actions/` (every write).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from desist.core.crypto import EncryptedTextField
from desist.core.models import Organisation, VersionedModel


class OrderStatus(models.TextChoices):
    # Other apps rely on these exact values.
    APPLIED = "applied", "Application awaiting hearing"
    INTERIM = "interim", "Interim order"
    FULL = "full", "Full order"
    REFUSED = "refused", "Refused"
    WITHDRAWN = "withdrawn", "Withdrawn"
    EXPIRED = "expired", "Expired"
    DISCHARGED = "discharged", "Discharged"


# Statuses in which an order is in force (and its subject must be considered for the
# intervention), and statuses from which nothing further happens.
LIVE_STATUSES: tuple[str, ...] = (OrderStatus.INTERIM, OrderStatus.FULL)
ENDED_STATUSES: tuple[str, ...] = (
    OrderStatus.REFUSED,
    OrderStatus.WITHDRAWN,
    OrderStatus.EXPIRED,
    OrderStatus.DISCHARGED,
)


class NotificationExemption(models.TextChoices):
    NONE = "none", "Not exempt"
    REPLACES_INTERIM = "replaces_interim", "Full order replaces an interim order"
    SEX_OFFENDER = "sex_offender", "Already subject to sex offender notification"


class Order(VersionedModel):
    force = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="orders")
    subject = models.ForeignKey("people.Subject", on_delete=models.PROTECT, related_name="orders")
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="orders"
    )
    reference = models.CharField(max_length=40)
    status = models.CharField(
        max_length=12, choices=OrderStatus.choices, default=OrderStatus.APPLIED
    )
    # The application (made by a chief officer of police to a magistrates' court).
    application_date = models.DateField()
    applying_force = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    court = models.CharField(max_length=200)
    # Interim order: made, served, and the end of the fixed period the court set.
    interim_made_on = models.DateField(null=True, blank=True)
    interim_served_on = models.DateField(null=True, blank=True)
    interim_expires_on = models.DateField(null=True, blank=True)
    # Full order: a fixed term of at least 2 years beginning with the day it was made (s.3,
    # desist.orders.law), or until a further order.
    full_made_on = models.DateField(null=True, blank=True)
    full_served_on = models.DateField(null=True, blank=True)
    full_ends_on = models.DateField(null=True, blank=True)
    until_further_order = models.BooleanField(default=False)
    notification_exemption = models.CharField(
        max_length=20, choices=NotificationExemption.choices, default=NotificationExemption.NONE
    )
    # Issue 19: who is in charge, and the team (a name from the force's users' teams), set
    # by a supervisor (desist.cases.ownership). Empty until assigned.
    officer_in_charge = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    team = models.CharField(max_length=100, blank=True)
    # The day the application or order ended (refused, withdrawn, expired, discharged).
    ended_on = models.DateField(null=True, blank=True)
    # Issue 19: the day the order was entered on the Police National Computer (circulated).
    pnc_circulated_on = models.DateField("Entered on the PNC", null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-application_date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["force", "reference"], name="order_unique_reference"),
            models.CheckConstraint(
                condition=Q(status__in=OrderStatus.values), name="order_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["force", "status"], name="order_force_status_idx"),
            models.Index(fields=["force", "full_ends_on"], name="order_force_ends_idx"),
        ]

    def __str__(self) -> str:
        return self.reference


class OrderStatusChange(models.Model):
    """Status as history: one row per change, the first from '' (the application)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, choices=OrderStatus.choices)
    reason = models.TextField(blank=True)
    effective_on = models.DateField(null=True, blank=True)
    changed_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or 'new'} -> {self.to_status}"

    @property
    def from_label(self) -> str:
        return OrderStatus(self.from_status).label if self.from_status else ""


class Hearing(models.Model):
    class Kind(models.TextChoices):
        INTERIM = "interim", "Interim order hearing"
        FULL = "full", "Full order hearing"
        OTHER = "other", "Other hearing"

    class Outcome(models.TextChoices):
        ADJOURNED = "adjourned", "Adjourned"
        INTERIM_MADE = "interim_made", "Interim order made"
        FULL_MADE = "full_made", "Full order made"
        REFUSED = "refused", "Refused"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="hearings")
    heard_on = models.DateField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    court = models.CharField(max_length=200, blank=True)
    outcome = models.CharField(max_length=15, choices=Outcome.choices)
    adjourned_to = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["heard_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.heard_on}"


# Shown wherever a term has no provider-safe description (terms recorded before there was one).
WORDING_HELD_BY_POLICE = "Wording held by police"


class Term(VersionedModel):
    class Kind(models.TextChoices):
        PROHIBITION = "prohibition", "Prohibition"
        REQUIREMENT = "requirement", "Requirement"

    class Category(models.TextChoices):
        # What the term is about, as a code: the part of a term anyone may be shown.
        NO_CONTACT = "no_contact", "No contact"
        EXCLUSION_ZONE = "exclusion_zone", "Exclusion zone"
        NO_APPROACH = "no_approach", "No approach within a set distance"
        ONLINE = "online", "Online and social media"
        ATTEND = "attend", "Attend an assessment, treatment or programme"
        OTHER = "other", "Other"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="terms")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    category = models.CharField(max_length=20, choices=Category.choices, default=Category.OTHER)
    # The court's wording and the area it names: police only (may locate a victim).
    wording = models.TextField()
    area = models.CharField(max_length=300, blank=True)
    # Written for the intervention provider and checked by the redaction guard when saved;
    # blank on terms recorded before it existed (shown as WORDING_HELD_BY_POLICE).
    provider_description = models.TextField(blank=True)
    # Limited (by the service) to victims of the subject's cases.
    protected_persons = models.ManyToManyField(
        "safeguarding.Victim", related_name="protecting_terms", blank=True
    )
    # For a requirement: who delivers it, e.g. the intervention provider.
    responsible_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The court ended this term by varying the order (issue 19); the order goes on.
    ended_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk}"


class TermChange(models.Model):
    """One change to a term, kept as history (issue 19): the court varied or ended it, or a
    police supervisor corrected what was keyed. Old and new wording are police-only, like the
    term's own."""

    class Kind(models.TextChoices):
        ADDED = "added", "Added"
        VARIED = "varied", "Varied by the court"
        ENDED = "ended", "Ended by the court"
        CORRECTED = "corrected", "Corrected"

    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # The date of the court's decision, for a variation or an ending; none for a correction.
    decided_on = models.DateField(null=True, blank=True)
    old_wording = models.TextField(blank=True)
    new_wording = models.TextField(blank=True)
    old_provider_description = models.TextField(blank=True)
    new_provider_description = models.TextField(blank=True)
    old_area = models.CharField(max_length=300, blank=True)
    new_area = models.CharField(max_length=300, blank=True)
    reason = models.TextField(blank=True)
    changed_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} (term {self.term_id})"


class OrderDateCorrection(models.Model):
    """A mistaken order date put right by a police supervisor, with the reason (issue 19)."""

    class Field(models.TextChoices):
        INTERIM_MADE_ON = "interim_made_on", "Interim order made"
        INTERIM_SERVED_ON = "interim_served_on", "Interim order served"
        INTERIM_EXPIRES_ON = "interim_expires_on", "Interim order ends"
        FULL_MADE_ON = "full_made_on", "Full order made"
        FULL_SERVED_ON = "full_served_on", "Full order served"
        FULL_ENDS_ON = "full_ends_on", "Full order ends"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="date_corrections")
    field = models.CharField(max_length=20, choices=Field.choices)
    old_value = models.DateField(null=True, blank=True)
    new_value = models.DateField(null=True, blank=True)
    reason = models.TextField()
    changed_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_field_display()} corrected (order {self.order_id})"


class OrderEvent(models.Model):
    """Variation, renewal, discharge or appeal, each decided by a court on a date."""

    class Kind(models.TextChoices):
        VARIATION = "variation", "Variation"
        RENEWAL = "renewal", "Renewal"
        DISCHARGE = "discharge", "Discharge"
        APPEAL = "appeal", "Appeal"

    class Applicant(models.TextChoices):
        POLICE = "police", "The police"
        SUBJECT = "subject", "The subject"

    class Outcome(models.TextChoices):
        GRANTED = "granted", "Granted or allowed"
        REFUSED = "refused", "Refused or dismissed"
        WITHDRAWN = "withdrawn", "Withdrawn"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    applicant = models.CharField(max_length=10, choices=Applicant.choices)
    court = models.CharField(max_length=200)
    decided_on = models.DateField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    details = models.TextField(blank=True)
    new_ends_on = models.DateField(null=True, blank=True)
    # A discharge within 2 years of the full order being made needs both consents (s.7).
    defendant_consented = models.BooleanField(default=False)
    chief_officer_consented = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["decided_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.decided_on}"


class Notification(models.Model):
    """A notification the subject must give in person: names and home address within 3 days
    of service (the day of service is day 1), and each later change within 3 days of it."""

    class Kind(models.TextChoices):
        INITIAL = "initial", "Initial notification after service"
        CHANGE_OF_NAME = "change_of_name", "Change of name"
        CHANGE_OF_ADDRESS = "change_of_address", "Change of address"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # The day of service, or of the change; it counts as day 1.
    trigger_on = models.DateField()
    # Derived by the service from trigger_on (dates.notification_due); stored for queues.
    due_on = models.DateField()
    received_on = models.DateField(null=True, blank=True)
    acknowledged_on = models.DateField(null=True, blank=True)
    subject_address = models.ForeignKey(
        "people.SubjectAddress",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["trigger_on", "id"]
        indexes = [models.Index(fields=["received_on", "due_on"], name="notification_due_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} due {self.due_on}"


class Breach(models.Model):
    class Detection(models.TextChoices):
        VICTIM_REPORT = "victim_report", "Reported by the victim"
        THIRD_PARTY = "third_party", "Reported by someone else"
        POLICE = "police", "Found by the police"
        PARTNER = "partner", "Reported by a partner agency"
        SUBJECT = "subject", "Disclosed by the subject"
        OTHER = "other", "Other"

    class PoliceAction(models.TextChoices):
        ARREST = "arrest", "Arrest"
        CHARGE = "charge", "Charge"
        CAUTION = "caution", "Caution"
        NO_FURTHER_ACTION = "nfa", "No further action"

    class CourtOutcome(models.TextChoices):
        NONE = "", "Not known yet"
        PENDING = "pending", "Awaiting trial or sentence"
        CONVICTED = "convicted", "Convicted"
        ACQUITTED = "acquitted", "Acquitted"
        DISCONTINUED = "discontinued", "Discontinued"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="breaches")
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="breaches")
    occurred_on = models.DateField()
    detection = models.CharField(max_length=20, choices=Detection.choices)
    police_action = models.CharField(max_length=10, choices=PoliceAction.choices)
    court_outcome = models.CharField(
        max_length=15, choices=CourtOutcome.choices, blank=True, default=""
    )
    court_outcome_on = models.DateField(null=True, blank=True)
    details = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["occurred_on"], name="breach_occurred_idx")]

    def __str__(self) -> str:
        return f"Breach on {self.occurred_on}"


class VictimUpdate(models.Model):
    """What the police told a victim, when and how (Victims' Code, right 6 and after). The key
    event an update answers is named by a key (`victims_code.key_events`), so the due list can
    tell which updates are given; an update about anything else has an empty key."""

    class How(models.TextChoices):
        PHONE = "phone", "Telephone call"
        IN_PERSON = "in_person", "In person"
        LETTER = "letter", "Letter"
        EMAIL = "email", "Email"
        TEXT = "text", "Text message"

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="victim_updates")
    victim = models.ForeignKey(
        "safeguarding.Victim", on_delete=models.PROTECT, related_name="police_updates"
    )
    event_key = models.CharField(max_length=60, blank=True)
    # What the event was when the update was logged (the key alone would not say it later).
    event_label = models.CharField("What it was about", max_length=200, blank=True)
    told_on = models.DateField("Told on")
    how = models.CharField(max_length=10, choices=How.choices)
    # What the victim was told: it may name people and places, so it is encrypted.
    summary = EncryptedTextField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-told_on", "-id"]
        indexes = [models.Index(fields=["order", "victim"], name="victim_update_order_idx")]

    def __str__(self) -> str:
        return f"Update to a victim on {self.told_on}"
