"""Victims: the most restricted data in Desist. Identity and contact details are encrypted
at rest and reached only through safeguarding.selectors under the access policy.

Also the advocacy service's casework: referrals, the contact log, safety plans (every save a
new version) and the victim's own ratings of fear and safety over time.

Provider-side apps (programme) must never import this module; see docs/architecture.md.
"""

from __future__ import annotations

import datetime as dt
import re

from django.db import models
from django.db.models import Q
from django.utils import timezone

from desist.core.crypto import EncryptedTextField
from desist.core.models import Organisation, VersionedModel
from desist.sharing.models import LawfulBasis

# First contact with a referred victim is due within this many hours of the referral.
FIRST_CONTACT_HOURS = 48


class Channel(models.TextChoices):
    PHONE = "phone", "Telephone call"
    TEXT = "text", "Text message"
    EMAIL = "email", "Email"
    LETTER = "letter", "Letter"
    IN_PERSON = "in_person", "In person"
    VIA_POLICE = "via_police", "Through the police officer in the case"


# Words in the free-text "never contact" note that name a way of contact. Read cautiously: a
# false match only asks the advocate for a reason, a missed one lets an unsafe contact through.
_NEVER_WORDS = {
    "phone": r"phon\w*|telephon\w*|call|calls|calling|ring|ringing",
    "text": r"texts?|texting|sms|whatsapp",
    "email": r"e-?mails?",
    "letter": r"letters?|write|writing|post|posted|posting",
    "in_person": r"visits?|visiting|in person|door|doorstep",
}
_NEVER_RE = {k: re.compile(rf"\b(?:{v})\b", re.IGNORECASE) for k, v in _NEVER_WORDS.items()}


class Vulnerability(models.TextChoices):
    DISABILITY = "disability", "Disability"
    MENTAL_HEALTH = "mental_health", "Mental health"
    LANGUAGE = "language", "Needs an interpreter or language support"
    CHILDREN = "children", "Children in the household"
    PREGNANCY = "pregnancy", "Pregnancy"
    OLDER = "older", "Older person"
    IMMIGRATION = "immigration", "Insecure immigration status"
    SUBSTANCE = "substance", "Alcohol or substance use"
    ISOLATION = "isolation", "Socially isolated"


class ShareWith(models.TextChoices):
    POLICE = "police", "The police officer in the case"
    MARAC = "marac", "MARAC (multi-agency risk assessment conference)"
    PROVIDER_RISK = (
        "provider_risk",
        "The intervention provider: risk information only, never who I am",
    )
    HEALTH = "health", "My GP or health services"
    HOUSING = "housing", "Housing services"
    # A referral to an advocacy service against the victim's wishes needs a lawful basis and
    # a reason, and is logged as a disclosure (issue 11).
    ADVOCACY = "advocacy", "A victim advocacy service (referral for support)"


class Victim(VersionedModel):
    # The police force that recorded the victim (owner under DPA 2018 Part 3). Empty when the
    # victim referred themselves to an advocacy service: see docs/adr/0007.
    force = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="victims", null=True, blank=True
    )
    # The advocacy service that holds a self-referred victim's record. Empty when a police
    # force recorded the victim (the force is then the owner).
    owner = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="owned_victims",
        null=True,
        blank=True,
    )
    first_names = EncryptedTextField()
    last_name = EncryptedTextField()
    preferred_name = EncryptedTextField(blank=True)
    address = EncryptedTextField(blank=True)
    postcode = EncryptedTextField(blank=True)
    phone = EncryptedTextField(blank=True)
    alternative_phone = EncryptedTextField(blank=True)
    email = EncryptedTextField(blank=True)
    sex = models.CharField(
        max_length=10,
        choices=[("female", "Female"), ("male", "Male"), ("other", "Other or not recorded")],
        default="other",
    )
    # Contact preferences. The channels are codes; everything typed is encrypted.
    safe_channels = models.JSONField(default=list, blank=True)
    safe_times = EncryptedTextField(blank=True)
    never_contact = EncryptedTextField(blank=True)
    safe_word = EncryptedTextField(blank=True)
    # Vulnerabilities and rights.
    vulnerabilities = models.JSONField(default=list, blank=True)
    vulnerability_notes = EncryptedTextField(blank=True)
    # Victims' Code (2021): enhanced rights for persistently targeted victims.
    enhanced_rights = models.BooleanField(default=False)
    # Wishes and consent.
    wants_engagement_news = models.BooleanField(default=False)
    share_with = models.JSONField(default=list, blank=True)
    wishes_notes = EncryptedTextField(blank=True)
    wishes_recorded_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(force__isnull=False) | Q(owner__isnull=False),
                name="victim_has_an_owner",
            )
        ]

    def __str__(self) -> str:
        # Deliberately not the name: str() ends up in logs and error pages.
        return f"Victim V{self.pk:06d}" if self.pk else "New victim"

    @property
    def reference(self) -> str:
        return f"V{self.pk:06d}"

    @property
    def full_name(self) -> str:
        return f"{self.first_names} {self.last_name}".strip()

    @property
    def owner_id_resolved(self) -> int | None:
        return self.force_id or self.owner_id

    def never_channels(self) -> list[str]:
        """The ways the "never contact" note rules out ("Never phone / never write to home":
        phone and letter), whether or not any safe ways are ticked."""
        note = self.never_contact or ""
        return [c for c, pattern in _NEVER_RE.items() if pattern.search(note)]

    def channel_is_safe(self, channel: str) -> bool:
        """One rule for contact preferences: a way the "never" note names is unsafe; once any
        safe ways are recorded, every other way is unsafe too."""
        if channel in self.never_channels():
            return False
        return not self.safe_channels or channel in self.safe_channels

    def referral_against_wishes(self) -> bool:
        """True when the victim's recorded sharing wishes do not include an advocacy service
        ("shared with no one" included). With no wishes recorded there is nothing to go
        against."""
        recorded = self.wishes_recorded_on is not None or bool(self.share_with)
        return recorded and ShareWith.ADVOCACY not in self.share_with

    def safe_channel_labels(self) -> list[str]:
        return [Channel(c).label for c in self.safe_channels if c in Channel.values]

    def vulnerability_labels(self) -> list[str]:
        return [Vulnerability(c).label for c in self.vulnerabilities if c in Vulnerability.values]

    def share_with_labels(self) -> list[str]:
        return [ShareWith(c).label for c in self.share_with if c in ShareWith.values]


# --- advocacy casework ------------------------------------------------------------------------


class Origin(models.TextChoices):
    POLICE = "police", "Police referral"
    SELF = "self", "Self-referral"
    # Issue 20: opened by the service itself.
    PHONE = "phone", "Phone call to the service"
    AGENCY = "agency", "Referral from another agency"


# The ways a case is opened by the service (advocacy_case_open).
OPENED_BY_SERVICE = (Origin.PHONE, Origin.AGENCY)


class AgencyKind(models.TextChoices):
    HEALTH = "health", "Health: GP, hospital or mental health service"
    HOUSING = "housing", "Housing"
    CHILDREN = "children", "Children's services or a school"
    PROBATION = "probation", "Probation"
    SUPPORT = "support", "Another support service or charity"
    EMPLOYER = "employer", "Employer or college"
    OTHER = "other", "Other"


class AdvocacyStatus(models.TextChoices):
    # A self-referral the spam checks doubted: held for the advocacy manager to check before
    # triage, never discarded (docs/adr/0016).
    CHECK = "check", "Waiting for a check before triage"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class CheckReason(models.TextChoices):
    """Why a self-referral was held for a check. One definition, used by the form's checks, the
    queue and the case page."""

    TOO_FAST = "too_fast", "Sent within seconds of opening the form (browser autofill does this)"
    EXPIRED = "expired", "Sent more than 24 hours after opening the form"
    NO_START = "no_start", "The form's start time was missing or altered"
    MANY_FROM_ADDRESS = "many_requests", "Many requests from one address in the last hour"


class NotGenuineReason(models.TextChoices):
    ADVERTISING = "advertising", "Advertising, or links to other websites"
    NONSENSE = "nonsense", "Random or meaningless text"
    AUTOMATED = "automated", "One of many near-identical requests sent by a program"
    TEST = "test", "A test by staff"


class ClosureReason(models.TextChoices):
    SUPPORT_COMPLETE = "support_complete", "Support complete: the victim's needs are met"
    DECLINED = "declined", "The victim declined support"
    NO_CONTACT = "no_contact", "Could not make contact"
    MOVED = "moved", "Moved out of the service's area"
    REFERRED_ON = "referred_on", "Referred to another service"
    OTHER = "other", "Other"
    # Only from the check before triage, never from the close form.
    NOT_GENUINE = "not_genuine", "Not a genuine request for support (checked before triage)"


class AdvocacyCase(VersionedModel):
    """One referral of a victim to an advocacy service, and the casework that follows."""

    victim = models.ForeignKey(Victim, on_delete=models.PROTECT, related_name="advocacy_cases")
    service = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="advocacy_cases"
    )
    origin = models.CharField(max_length=10, choices=Origin.choices)
    referred_at = models.DateTimeField(default=timezone.now)
    referred_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    referring_org = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # A referral from another agency: what kind of agency (a code), and for a referral or a
    # call, who it came from and how to reach them (free text, encrypted).
    agency_kind = models.CharField(max_length=20, choices=AgencyKind.choices, blank=True)
    referrer = EncryptedTextField(blank=True)
    # Why the referral was made; from a self-referral, the victim's own words. Encrypted.
    referral_notes = EncryptedTextField(blank=True)
    # A police referral against the victim's recorded sharing wishes: the lawful basis (a
    # sharing.LawfulBasis code) and the officer's reason (encrypted). Empty otherwise.
    against_wishes_basis = models.CharField(max_length=20, blank=True)
    against_wishes_reason = EncryptedTextField(blank=True)
    advocate = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    allocated_at = models.DateTimeField(null=True, blank=True)
    first_contact_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=AdvocacyStatus.choices, default=AdvocacyStatus.OPEN
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closure_reason = models.CharField(max_length=30, choices=ClosureReason.choices, blank=True)
    # Why a self-referral was held for a check before triage; kept after the check.
    check_reason = models.CharField(max_length=20, choices=CheckReason.choices, blank=True)

    class Meta:
        ordering = ["referred_at", "id"]
        indexes = [models.Index(fields=["service", "status"], name="advocacy_service_status_idx")]

    def __str__(self) -> str:
        return f"Advocacy case A{self.pk:06d}" if self.pk else "New advocacy case"

    @property
    def reference(self) -> str:
        return f"A{self.pk:06d}"

    def get_against_wishes_basis_label(self) -> str:
        return LawfulBasis(self.against_wishes_basis).label if self.against_wishes_basis else ""

    @property
    def first_contact_due(self) -> dt.datetime:
        return self.referred_at + dt.timedelta(hours=FIRST_CONTACT_HOURS)

    @property
    def is_open(self) -> bool:
        return self.status == AdvocacyStatus.OPEN

    def first_contact_overdue(self, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.is_open and self.first_contact_at is None and self.first_contact_due < now


class CaseEventKind(models.TextChoices):
    REFERRED = "referred", "Referred"
    ALLOCATED = "allocated", "Allocated to an advocate"
    FIRST_CONTACT = "first_contact", "First contact made"
    CLOSED = "closed", "Closed"
    REOPENED = "reopened", "Reopened"
    ACCEPTED = "accepted", "Checked and accepted into triage"
    NOT_GENUINE = "not_genuine", "Checked: not a genuine request"


class AdvocacyCaseEvent(models.Model):
    """Status as history: each change to an advocacy case is a row."""

    case = models.ForeignKey(AdvocacyCase, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=20, choices=CaseEventKind.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10, blank=True)
    reason = models.CharField(max_length=30, blank=True)  # a ClosureReason code, or empty
    detail = models.CharField(max_length=200, blank=True)  # never personal data

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.case})"


class ContactKind(models.TextChoices):
    CONTACT = "contact", "Contact with the victim"
    ATTEMPT = "attempt", "Attempted contact (no answer or unsafe to talk)"
    NEW_PERPETRATOR_CONTACT = (
        "new_perpetrator_contact",
        "Victim reports new contact from the perpetrator",
    )


class ContactLogEntry(models.Model):
    case = models.ForeignKey(AdvocacyCase, on_delete=models.PROTECT, related_name="contacts")
    kind = models.CharField(max_length=30, choices=ContactKind.choices)
    occurred_at = models.DateTimeField()
    channel = models.CharField(max_length=20, choices=Channel.choices)
    summary = EncryptedTextField()
    actions = EncryptedTextField(blank=True)
    # For a report of new contact from the perpetrator: which subject (a people.Subject).
    perpetrator = models.ForeignKey(
        "people.Subject", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Contact through a way the victim has not marked safe: the advocate's reason (encrypted;
    # it may name people) and a plain flag that can be counted and shown.
    against_preferences = models.BooleanField(default=False)
    override_reason = EncryptedTextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-occurred_at", "-id"]

    def __str__(self) -> str:
        return f"Contact log entry {self.pk}"


class RiskLevel(models.TextChoices):
    """The advocate's own judgement of risk, recorded on the plan (not a checklist score)."""

    STANDARD = "standard", "Standard"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class Marac(models.TextChoices):
    NOT_NEEDED = "not_needed", "Not needed at present"
    PLANNED = "planned", "Referral to be made"
    REFERRED = "referred", "Referred"


class EvidenceGuidance(models.TextChoices):
    DIARY = "diary", "Keep a diary of each incident: date, time, place, what happened, who saw it"
    MESSAGES = "messages", "Keep messages, call logs and voicemails; screenshot posts"
    ITEMS = "items", "Keep letters, gifts and things left behind, handled as little as possible"
    REPORT = "report", "Report each new incident to the police and note the reference"
    WITNESSES = "witnesses", "Ask anyone who saw something to write down what they saw"


class DigitalCheck(models.TextChoices):
    PASSWORDS = "passwords", "Passwords changed on email, phone and social media"
    TWO_STEP = "two_step", "Two-step verification turned on"
    LOCATION = "location", "Location sharing and device finders checked"
    DEVICES = "devices", "Phone and computer checked for unknown apps and accounts"
    SOCIAL = "social", "Social media privacy settings reviewed"
    SHARED = "shared", "Shared accounts reviewed (cloud, streaming, shopping, smart home)"
    TRACKERS = "trackers", "Car and bags checked for tracking devices"


class HomeSecurity(models.TextChoices):
    LOCKS = "locks", "Locks changed or added"
    LIGHTING = "lighting", "Outside lighting"
    CAMERA = "camera", "Video doorbell or camera"
    ALARM = "alarm", "Personal or home alarm"
    POLICE_MARKER = "police_marker", "Police marker on the address"
    SANCTUARY = "sanctuary", "Referral to a sanctuary scheme"


class SafetyPlanVersion(models.Model):
    """A safety plan is never edited in place: every save is a new version.

    Structured since issue 20: coded answers stay clear (they hold nothing typed); everything
    typed is encrypted (ADR 0017). Versions saved before then have the codes blank."""

    case = models.ForeignKey(AdvocacyCase, on_delete=models.PROTECT, related_name="safety_plans")
    number = models.PositiveIntegerField()
    risk_level = models.CharField(max_length=10, choices=RiskLevel.choices, blank=True)
    marac = models.CharField(max_length=12, choices=Marac.choices, blank=True)
    marac_referred_on = models.DateField(null=True, blank=True)
    evidence_guidance = models.JSONField(default=list, blank=True)
    digital_checks = models.JSONField(default=list, blank=True)
    home_security = models.JSONField(default=list, blank=True)
    # Names and numbers of people the victim can call: personal data, encrypted.
    safe_contacts = EncryptedTextField(blank=True)
    digital_notes = EncryptedTextField(blank=True)
    risks = EncryptedTextField()
    measures = EncryptedTextField()
    review_on = models.DateField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="safety_plan_unique_version")
        ]

    def __str__(self) -> str:
        return f"Safety plan version {self.number}"

    @property
    def is_structured(self) -> bool:
        return bool(self.risk_level)

    def evidence_guidance_labels(self) -> list[str]:
        return _labels(EvidenceGuidance, self.evidence_guidance)

    def digital_check_labels(self) -> list[str]:
        return _labels(DigitalCheck, self.digital_checks)

    def home_security_labels(self) -> list[str]:
        return _labels(HomeSecurity, self.home_security)


def _labels(choices: type[models.TextChoices], codes: list[str]) -> list[str]:
    return [choices(c).label for c in codes if c in choices.values]


class VictimRating(models.Model):
    """The victim's own ratings, each 0 to 10: fear, sense of safety, impact on daily life."""

    case = models.ForeignKey(AdvocacyCase, on_delete=models.PROTECT, related_name="ratings")
    rated_on = models.DateField()
    fear = models.PositiveSmallIntegerField()
    safety = models.PositiveSmallIntegerField()
    impact = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["rated_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fear__lte=10) & Q(safety__lte=10) & Q(impact__lte=10),
                name="victim_rating_0_to_10",
            )
        ]

    def __str__(self) -> str:
        return f"Victim rating {self.pk}"


class SelfReferralDiscards(models.Model):
    """How many self-referrals the honeypot discarded on each day: a count, nothing else (what
    a bot typed is never kept). Shown on the oversight dashboard."""

    day = models.DateField(unique=True)
    honeypot = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day"]
        verbose_name_plural = "self-referral discards"

    def __str__(self) -> str:
        return f"Self-referral discards on {self.day}"
