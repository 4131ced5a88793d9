"""Subjects: people who stalk, as known to one police force."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from desist.core.crypto import EncryptedTextField
from desist.core.models import Organisation, VersionedModel
from desist.core.text import normalise_name

# PNC ID: 2 or 4 digit year, '/', up to 7 digits, check letter. E.g. 2019/0123456E or 19/123456E.
PNC_RE = re.compile(r"^(\d{2}|\d{4})/(\d{1,7})([A-Z])$")
_PNC_LETTERS = "ZABCDEFGHJKLMNPQRTUVWXY"  # check-character table (no I, O, S)


def pnc_normalise(value: str) -> str:
    return re.sub(r"\s+", "", value or "").upper()


def pnc_check_letter(year: str, serial: str) -> str:
    return _PNC_LETTERS[int(year[-2:] + serial.zfill(7)) % 23]


def validate_pnc(value: str) -> None:
    match = PNC_RE.match(pnc_normalise(value))
    if not match:
        raise ValidationError(
            "Enter a PNC number in the format year/serial number and check letter, like 2019/0123456E"
        )
    year, serial, letter = match.groups()
    if pnc_check_letter(year, serial) != letter:
        raise ValidationError("Enter a real PNC number: the check letter does not match")


# CRO number (the national fingerprint record): serial up to 6 digits, '/', 2-digit year, check
# letter; older numbers carry "SF". Only the format is checked here, not the check letter.
CRO_RE = re.compile(r"^(SF)?(\d{1,6})/(\d{2})([A-Z])$")
# PND (Police National Database) person reference: its form is not published; letters,
# digits, hyphens and slashes, as the force's system shows it.
PND_RE = re.compile(r"^[A-Z0-9][A-Z0-9/-]{2,29}$")


def validate_cro(value: str) -> None:
    if not CRO_RE.match(pnc_normalise(value)):
        raise ValidationError(
            "Enter a CRO number in the format serial number, a slash, year and check letter, "
            "like 123456/19K"
        )


def validate_pnd(value: str) -> None:
    if not PND_RE.match(pnc_normalise(value)):
        raise ValidationError(
            "Enter the PND reference as it is shown in PND: 3 to 30 letters, numbers, "
            "hyphens or slashes"
        )


class Sex(models.TextChoices):
    MALE = "male", "Male"
    FEMALE = "female", "Female"
    OTHER = "other", "Other or not recorded"


class Subject(VersionedModel):
    force = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="subjects")
    force_reference = models.CharField(max_length=40, blank=True)
    # Bulk import (issue 17, ADR 0034): the record system it came from and its id there, the
    # key a re-import matches on. Blank for subjects recorded on the pages.
    external_source = models.CharField(max_length=20, blank=True)
    external_ref = models.CharField(max_length=60, blank=True)
    pnc_number = models.CharField(max_length=14, blank=True, validators=[validate_pnc])
    # Issue 19: the other national references police hold against a person.
    cro_number = models.CharField(
        "CRO number", max_length=14, blank=True, validators=[validate_cro]
    )
    pnd_reference = models.CharField(
        "PND reference", max_length=30, blank=True, validators=[validate_pnd]
    )
    first_names = models.CharField(max_length=120)
    last_name = models.CharField(max_length=120)
    name_search = models.CharField(max_length=250, editable=False, db_index=True)
    date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.OTHER)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["last_name", "first_names"]
        indexes = [
            models.Index(fields=["force", "pnc_number"], name="subject_force_pnc_idx"),
            models.Index(fields=["force", "date_of_birth"], name="subject_force_dob_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["force", "external_source", "external_ref"],
                condition=~models.Q(external_ref=""),
                name="subject_unique_external_ref",
            )
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_names} {self.last_name}".strip()

    def refresh_search(self) -> None:
        self.name_search = normalise_name(self.full_name)
        self.pnc_number = pnc_normalise(self.pnc_number)


class SubjectAlias(models.Model):
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=250)
    name_search = models.CharField(max_length=250, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    def __str__(self) -> str:
        return self.name

    def refresh_search(self) -> None:
        self.name_search = normalise_name(self.name)


class SubjectAddress(models.Model):
    """Address history. A notification of a new address closes the previous one."""

    class Source(models.TextChoices):
        POLICE_RECORD = "police_record", "Police record"
        NOTIFICATION = "notification", "Notified by the subject"

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="addresses")
    # Encrypted at rest, so never searched or ordered on in the database (ADR 0017).
    address = EncryptedTextField()
    postcode = EncryptedTextField(blank=True)
    from_date = models.DateField()
    to_date = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.POLICE_RECORD)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-from_date", "-id"]

    def __str__(self) -> str:
        return f"{self.postcode} from {self.from_date}"


class InterventionDecision(models.Model):
    """Whether a subject with an SPO was put forward for the intervention. Latest row wins."""

    class Decision(models.TextChoices):
        PUT_FORWARD = "put_forward", "Put forward for the intervention"
        NOT_SUITABLE = "not_suitable", "Not suitable"
        DECLINED = "declined", "Declined"

    subject = models.ForeignKey(
        Subject, on_delete=models.CASCADE, related_name="intervention_decisions"
    )
    decision = models.CharField(max_length=20, choices=Decision.choices)
    reason = models.TextField(blank=True)
    decided_on = models.DateField()
    decided_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-decided_on", "-id"]

    def __str__(self) -> str:
        return self.get_decision_display()
