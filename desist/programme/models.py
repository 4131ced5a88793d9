"""The intervention programme: settings, referrals (status as history), sessions, attendance,
clinical notes, risk disclosures, measures, supervision and end-of-intervention reports.

Fields and constraints only. The rules live in `workflow.py` (the referral transition table)
and `actions/` (every write). This app never imports the safeguarding app (a test enforces it).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Max, Q
from django.utils import timezone

from desist.core.crypto import EncryptedTextField
from desist.core.models import Organisation, VersionedModel
from desist.programme import suitability
from desist.programme.ratings import ADHERENCE, COMPETENCE

# The skill areas the pilot teaches, and the phases of the programme.
MODULES: list[tuple[str, str]] = [
    ("formulation", "Case formulation"),
    ("mindfulness", "Mindfulness"),
    ("distress_tolerance", "Distress tolerance"),
    ("emotion_regulation", "Emotion regulation"),
    ("interpersonal_effectiveness", "Interpersonal effectiveness"),
    ("maintenance", "Maintaining non-offending behaviour"),
]
MODULE_LABELS = dict(MODULES)


class Phase(models.TextChoices):
    FORMULATION = "formulation", "Formulation"
    SKILLS = "skills", "Skills"
    MAINTENANCE = "maintenance", "Maintenance"


def default_session_plan(sessions: int = 12) -> list[dict[str, object]]:
    """The pilot's plan: two sessions of formulation, eight of skills (two per module), two of
    maintenance. For other lengths the skills sessions share the middle evenly."""
    skills = [
        "mindfulness",
        "distress_tolerance",
        "emotion_regulation",
        "interpersonal_effectiveness",
    ]
    plan: list[dict[str, object]] = []
    formulation = 2 if sessions >= 6 else 1
    maintenance = 2 if sessions >= 6 else 1
    middle = max(sessions - formulation - maintenance, 0)
    for n in range(1, sessions + 1):
        if n <= formulation:
            plan.append({"session": n, "phase": Phase.FORMULATION.value, "module": "formulation"})
        elif n > sessions - maintenance:
            plan.append({"session": n, "phase": Phase.MAINTENANCE.value, "module": "maintenance"})
        else:
            i = (n - formulation - 1) * len(skills) // max(middle, 1)
            plan.append({"session": n, "phase": Phase.SKILLS.value, "module": skills[min(i, 3)]})
    return plan


class Programme(VersionedModel):
    """One intervention programme run by a provider for one or more police forces. The
    settings here are the current ones; each change is kept as a `ProgrammeVersion`, and a
    participant follows the version in force when their place started."""

    name = models.CharField(max_length=200)
    provider = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="programmes_provided"
    )
    forces = models.ManyToManyField(Organisation, related_name="programmes_served")
    capacity = models.PositiveIntegerField(default=30)
    funding = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    funding_source = models.CharField(max_length=200, blank=True)
    sessions = models.PositiveIntegerField(default=12)
    modules = models.JSONField(default=list)
    session_plan = models.JSONField(default=list)
    caseload_limit = models.PositiveIntegerField(default=8)
    # Clinical supervisors review every session (1), or one in N.
    review_every = models.PositiveIntegerField(default=1)
    # What "completed" means (`completion.py`): sessions attended, a module among them, and
    # the sessions for a partial completion.
    completion_sessions = models.PositiveIntegerField(default=10)
    completion_module = models.CharField(max_length=40, blank=True, default="maintenance")
    partial_sessions = models.PositiveIntegerField(default=6)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProgrammeVersion(models.Model):
    """A snapshot of a programme's settings: what a participant who started under it follows."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    settings = models.JSONField()
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["programme", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "number"], name="programme_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.programme} version {self.number}"


class ReferralStatus(models.TextChoices):
    # Other apps (evaluation, sharing) rely on these exact values.
    PUT_FORWARD = "put_forward", "Put forward by police"
    RECEIVED = "received", "Received by provider"
    ALLOCATED = "allocated", "Allocated to a practitioner"
    NOT_READY = "not_ready", "Not ready yet"
    WAITING = "waiting", "On the waiting list"
    SUITABLE = "suitable", "Suitable, place offered"
    NOT_SUITABLE = "not_suitable", "Not suitable"
    CONSENTED = "consented", "Consent given"
    DECLINED = "declined", "Consent declined"
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    DISENGAGED = "disengaged", "Disengaged"
    WITHDRAWN = "withdrawn", "Withdrawn"
    EXCLUDED = "excluded", "Excluded"


# Referrals in these statuses hold one of the programme's places.
PLACE_STATUSES: tuple[str, ...] = (
    ReferralStatus.SUITABLE,
    ReferralStatus.CONSENTED,
    ReferralStatus.ACTIVE,
)
CLOSED_STATUSES: tuple[str, ...] = (
    ReferralStatus.NOT_SUITABLE,
    ReferralStatus.DECLINED,
    ReferralStatus.COMPLETED,
    ReferralStatus.DISENGAGED,
    ReferralStatus.WITHDRAWN,
    ReferralStatus.EXCLUDED,
)
OPEN_STATUSES: tuple[str, ...] = tuple(s for s in ReferralStatus.values if s not in CLOSED_STATUSES)


class Engagement(models.TextChoices):
    """What police see about each subject: never clinical content."""

    REFERRED = "referred", "Referred, not yet started"
    WAITING = "waiting", "On the waiting list"
    ATTENDING = "attending", "Attending"
    AT_RISK = "at_risk", "At risk of disengaging (missed two in a row)"
    DISENGAGED = "disengaged", "Disengaged"
    COMPLETED = "completed", "Completed"
    ENDED = "ended", "Did not take part"


class Referral(VersionedModel):
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="referrals")
    programme_version = models.ForeignKey(
        ProgrammeVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subject = models.ForeignKey(
        "people.Subject", on_delete=models.PROTECT, related_name="programme_referrals"
    )
    # The subject's force, held here so scopes need no join (set from the subject).
    force = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(max_length=20, unique=True)
    status = models.CharField(
        max_length=15, choices=ReferralStatus.choices, default=ReferralStatus.PUT_FORWARD
    )
    # Attached by reference: the order (and so its terms) and the latest risk assessment.
    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    risk_assessment = models.ForeignKey(
        "risk.Assessment", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    risk_summary = models.TextField(blank=True)
    put_forward_on = models.DateField()
    practitioner = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="programme_caseload",
    )
    # Suitability assessment.
    suitability_codes = models.JSONField(default=list, blank=True)
    assessed_on = models.DateField(null=True, blank=True)
    # Set while the person is not ready yet: when to assess them again (the queues read it).
    review_on = models.DateField(null=True, blank=True)
    waiting_since = models.DateTimeField(null=True, blank=True)
    # Consent.
    consent_on = models.DateField(null=True, blank=True)
    sharing_explained = models.TextField(blank=True)
    attendance_required_by_order = models.BooleanField(null=True, blank=True)
    # The intervention.
    started_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    end_reason_code = models.CharField(max_length=40, blank=True)
    at_risk = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-put_forward_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ReferralStatus.values), name="referral_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["programme", "status"], name="referral_prog_status_idx"),
            models.Index(fields=["force", "status"], name="referral_force_status_idx"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def engagement(self) -> str:
        return engagement_code(self.status, self.at_risk)

    @property
    def engagement_label(self) -> str:
        return str(Engagement(self.engagement).label)


def engagement_code(status: str, at_risk: bool) -> str:
    S = ReferralStatus
    if status == S.ACTIVE:
        return Engagement.AT_RISK if at_risk else Engagement.ATTENDING
    if status == S.COMPLETED:
        return Engagement.COMPLETED
    if status == S.DISENGAGED:
        return Engagement.DISENGAGED
    if status == S.WAITING:
        return Engagement.WAITING
    if status in CLOSED_STATUSES:
        return Engagement.ENDED
    return Engagement.REFERRED


class ReferralStatusChange(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=15, blank=True)
    to_status = models.CharField(max_length=15, choices=ReferralStatus.choices)
    reason_code = models.CharField(max_length=40, blank=True)
    reason = models.TextField(blank=True)
    effective_on = models.DateField(default=timezone.localdate)
    changed_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or 'new'} -> {self.to_status}"


def status_reached_on(status: str) -> Max:
    """The day a referral last reached `status`, as its history records it (`effective_on`,
    the date the history page shows; a change can be recorded after the day it took effect).
    One definition for the home queues, the waiting list and the offer of a free place."""
    return Max("status_changes__effective_on", filter=Q(status_changes__to_status=status))


def _reason_in(outcome: str) -> Q:
    codes = [code for code, _ in suitability.REASONS_BY_OUTCOME[outcome]]
    return Q(outcome=outcome, reason_code__in=codes)


class SuitabilityAssessment(models.Model):
    """One suitability assessment of a referral (append-only: a reassessment is a new row).
    The answers are {criterion code: {"answer": yes|no|not_known, "note": ...}} under the
    criteria of `criteria_version` (`suitability.py`); version 0 rows were recorded before the
    criteria existed and hold no answers."""

    referral = models.ForeignKey(
        Referral, on_delete=models.PROTECT, related_name="suitability_assessments"
    )
    number = models.PositiveIntegerField()
    criteria_version = models.PositiveIntegerField(default=suitability.CRITERIA_VERSION)
    answers = models.JSONField(default=dict, blank=True)
    outcome = models.CharField(max_length=15, choices=suitability.OUTCOMES)
    reason_code = models.CharField(max_length=40, blank=True)
    reason = models.TextField(blank=True)
    assessed_on = models.DateField()
    review_on = models.DateField(null=True, blank=True)
    # The status change it made (none when a not-ready person is still not ready, or a
    # waiting person is still suitable).
    status_change = models.OneToOneField(
        ReferralStatusChange,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="suitability_assessment",
    )
    assessor = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["referral", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["referral", "number"], name="suitability_assessment_number_unique"
            ),
            # The promise of issue 20: no outcome stored with a reason of another outcome,
            # and no "not ready yet" without a review date.
            models.CheckConstraint(
                condition=Q(outcome=suitability.SUITABLE, reason_code="")
                | (_reason_in(suitability.NOT_READY) & Q(review_on__isnull=False))
                | _reason_in(suitability.NOT_SUITABLE),
                name="suitability_reason_fits_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"Suitability assessment {self.number} of {self.referral_id}"


class SessionState(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    SUPERSEDED = "superseded", "Rescheduled"
    CANCELLED = "cancelled", "Cancelled"


class Attendance(models.TextChoices):
    ATTENDED = "attended", "Attended"
    LATE = "late", "Attended late"
    DNA = "dna", "Did not attend"


class EngagementRating(models.TextChoices):
    GOOD = "good", "Engaged well"
    PARTIAL = "partial", "Partly engaged"
    POOR = "poor", "Did not engage"


FIDELITY_ITEMS: list[tuple[str, str]] = [
    ("agenda", "Agreed an agenda at the start"),
    ("review", "Reviewed practice since the last session"),
    ("skill_taught", "Taught the planned skill"),
    ("rehearsal", "Practised the skill in the session"),
    ("homework", "Set practice for the coming week"),
    ("risk_check", "Checked for current risk"),
]


class ProgrammeSession(VersionedModel):
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="sessions")
    number = models.PositiveIntegerField()
    phase = models.CharField(max_length=15, choices=Phase.choices, blank=True)
    module = models.CharField(max_length=40, blank=True)
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveIntegerField(default=60)
    remote = models.BooleanField(default=False)
    place = models.CharField(max_length=200, blank=True)
    practitioner = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="programme_sessions"
    )
    state = models.CharField(
        max_length=12, choices=SessionState.choices, default=SessionState.SCHEDULED
    )
    replaces = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by"
    )
    change_reason = models.TextField(blank=True)
    attendance = models.CharField(max_length=10, choices=Attendance.choices, blank=True)
    absence_acceptable = models.BooleanField(null=True, blank=True)
    absence_reason = models.TextField(blank=True)
    attendance_recorded_at = models.DateTimeField(null=True, blank=True)
    # What was delivered (not clinical notes: those are `ClinicalNote`).
    module_delivered = models.CharField(max_length=40, blank=True)
    content = models.TextField(blank=True)
    fidelity = models.JSONField(default=list, blank=True)
    engagement = models.CharField(max_length=10, choices=EngagementRating.choices, blank=True)
    # Clinical supervision.
    reviewed_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["practitioner", "starts_at"], name="session_prac_start_idx"),
            models.Index(fields=["referral", "state"], name="session_ref_state_idx"),
        ]

    def __str__(self) -> str:
        return f"Session {self.number}"

    @property
    def module_label(self) -> str:
        return MODULE_LABELS.get(self.module, self.module)


class ClinicalNote(models.Model):
    """Clinical notes of a session: provider only. Every revision is kept."""

    session = models.ForeignKey(ProgrammeSession, on_delete=models.PROTECT, related_name="notes")
    revision = models.PositiveIntegerField()
    text = EncryptedTextField()  # special-category data: encrypted at rest (ADR 0017)
    written_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["session", "-revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "revision"], name="clinical_note_revision_unique"
            )
        ]

    def __str__(self) -> str:
        return f"Clinical notes revision {self.revision}"


class DisclosureUrgency(models.TextChoices):
    ROUTINE = "routine", "Routine: within 3 working days"
    HIGH = "high", "High: today"
    URGENT = "urgent", "Urgent: immediate risk to someone"


class RiskDisclosure(models.Model):
    """A concern raised in a session: what was disclosed and how urgent. The sharing app
    routes it to police and advocates."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="disclosures")
    session = models.ForeignKey(
        ProgrammeSession,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disclosures",
    )
    disclosed = EncryptedTextField()
    urgency = models.CharField(max_length=10, choices=DisclosureUrgency.choices)
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"Risk disclosure {self.pk}"


class Timepoint(models.TextChoices):
    BEFORE = "before", "Before the programme"
    MID = "mid", "Mid-way"
    AFTER = "after", "At the end"
    FOLLOW_UP = "follow_up", "Follow-up"


class Measure(models.Model):
    """An outcome measure given to a participant, scored by the instrument engine. Field names
    match `risk.Assessment` so `risk.trend` draws the change over time."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="measures")
    instrument = models.ForeignKey(
        "risk.Instrument", on_delete=models.PROTECT, related_name="programme_measures"
    )
    timepoint = models.CharField(max_length=10, choices=Timepoint.choices)
    assessed_on = models.DateField()
    answers = models.JSONField(default=dict)
    score = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    risk_level = models.CharField(max_length=40, blank=True)
    assessor = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["assessed_on", "created_at", "id"]

    def __str__(self) -> str:
        return f"Measure {self.pk} ({self.timepoint})"


class SupervisionEntry(models.Model):
    """One entry in a practitioner's supervision log (a session review or a supervision
    meeting)."""

    practitioner = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="supervision_log"
    )
    supervisor = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(
        ProgrammeSession, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    occurred_on = models.DateField()
    comment = models.TextField()
    # A session review's structured rating, 0 to 3 (`ratings.py`); empty for a meeting.
    adherence = models.PositiveSmallIntegerField(null=True, blank=True)
    competence = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-occurred_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(adherence__isnull=True) | Q(adherence__lte=3),
                name="supervision_adherence_0_to_3",
            ),
            models.CheckConstraint(
                condition=Q(competence__isnull=True) | Q(competence__lte=3),
                name="supervision_competence_0_to_3",
            ),
        ]

    def __str__(self) -> str:
        return f"Supervision on {self.occurred_on}"

    @property
    def adherence_label(self) -> str:
        return ADHERENCE.label_of(self.adherence)

    @property
    def competence_label(self) -> str:
        return COMPETENCE.label_of(self.competence)


class EndReport(VersionedModel):
    referral = models.OneToOneField(Referral, on_delete=models.PROTECT, related_name="end_report")
    practitioner_assessment = models.TextField()
    warning_signs = models.TextField()
    skills_to_use = models.TextField()
    contacts = models.TextField()
    police_summary = models.TextField(blank=True)
    written_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"End report for {self.referral}"


class CalendarToken(models.Model):
    """A per-user secret for the calendar feed (calendar apps cannot sign in). Only a hash of
    the token is stored; revoking deletes nothing, it marks the row."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Calendar token {self.pk}"


class SpendCategory(models.TextChoices):
    PRACTITIONERS = "practitioners", "Practitioner time"
    SUPERVISION = "supervision", "Clinical supervision"
    MANAGEMENT = "management", "Management and administration"
    TRAINING = "training", "Training"
    VENUES = "venues", "Rooms and venues"
    TRAVEL = "travel", "Travel"
    MATERIALS = "materials", "Materials"
    OTHER = "other", "Other"


class Expenditure(models.Model):
    """Money spent on a programme, one line per invoice or payroll month. Lines are never
    edited or deleted: a mistaken line is withdrawn, with a reason, and leaves the totals."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="spending")
    spent_on = models.DateField()
    category = models.CharField(max_length=20, choices=SpendCategory.choices)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    description = models.CharField(max_length=200)
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-spent_on", "-id"]
        indexes = [models.Index(fields=["programme", "spent_on"], name="expenditure_prog_date")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="expenditure_amount_positive")
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.spent_on}"
