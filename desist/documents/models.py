"""A document attached to one record: a case, an order, a referral or an advocacy case.

The file itself is in the `documents` storage (local disk or S3), encrypted with the field keys
before it left the process; this row holds what is needed to find, check and describe it.
The owning records are named by string (no import), as sharing names people.Subject.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from desist.core.crypto import EncryptedTextField
from desist.core.models import Organisation, VersionedModel


class DocumentKind(models.TextChoices):
    # Structured, so a provider sees what a document is without reading police wording.
    COURT_ORDER = "court_order", "Court order"
    MAP = "map", "Map"
    STATEMENT = "statement", "Statement"
    CONSENT = "consent", "Consent form"
    LETTER = "letter", "Letter"
    OTHER = "other", "Other document"


class ContentCheck(models.TextChoices):
    # How the file's content was cleared for the provider (ADR 0032).
    TEXT_CHECKED_AND_CONFIRMED = (
        "text_checked_and_confirmed",
        "Text read from the file checked for victims' details; the rest confirmed by police",
    )
    CONFIRMED = "confirmed", "No text could be read from the file; confirmed by police"


class Document(VersionedModel):
    # Versioned: two officers sharing or withdrawing at once must not both think they did it.
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="documents"
    )
    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, null=True, blank=True, related_name="documents"
    )
    referral = models.ForeignKey(
        "programme.Referral",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
    )
    advocacy_case = models.ForeignKey(
        "safeguarding.AdvocacyCase",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
    )
    # The subject the record is about, for the redaction guard (none for an advocacy case).
    subject = models.ForeignKey(
        "people.Subject", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=DocumentKind.choices)
    # Free text typed by the uploader: shown to their own organisation only. Encrypted.
    title = EncryptedTextField()
    content_type = models.CharField(max_length=50)
    extension = models.CharField(max_length=10)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    stored_name = models.CharField(max_length=200, unique=True)
    uploaded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)
    provider_safe = models.BooleanField(default=False)
    provider_safe_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    provider_safe_at = models.DateTimeField(null=True, blank=True)
    content_check = models.CharField(max_length=30, choices=ContentCheck.choices, blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="document_one_record",
                condition=(
                    Q(case__isnull=False, order__isnull=True, referral__isnull=True)
                    & Q(advocacy_case__isnull=True)
                )
                | (
                    Q(case__isnull=True, order__isnull=False, referral__isnull=True)
                    & Q(advocacy_case__isnull=True)
                )
                | (
                    Q(case__isnull=True, order__isnull=True, referral__isnull=False)
                    & Q(advocacy_case__isnull=True)
                )
                | (
                    Q(case__isnull=True, order__isnull=True, referral__isnull=True)
                    & Q(advocacy_case__isnull=False)
                ),
            ),
            models.CheckConstraint(
                name="document_provider_safe_not_case_or_advocacy",
                condition=Q(provider_safe=False) | Q(case__isnull=True, advocacy_case__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"Document {self.pk}"

    @property
    def record(self) -> models.Model:
        found = self.case or self.order or self.referral or self.advocacy_case
        assert found is not None  # the constraint: exactly one
        return found
