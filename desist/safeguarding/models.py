"""Victims: the most restricted data in Desist. Identity and contact details are encrypted
at rest and reached only through safeguarding.selectors under the access policy.

Provider-side apps (programme) must never import this module; see docs/architecture.md.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from desist.core.crypto import EncryptedTextField
from desist.core.models import Organisation, VersionedModel


class Victim(VersionedModel):
    # The police force that recorded the victim (owner under DPA 2018 Part 3).
    force = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="victims")
    first_names = EncryptedTextField()
    last_name = EncryptedTextField()
    address = EncryptedTextField(blank=True)
    postcode = EncryptedTextField(blank=True)
    phone = EncryptedTextField(blank=True)
    email = EncryptedTextField(blank=True)
    sex = models.CharField(
        max_length=10,
        choices=[("female", "Female"), ("male", "Male"), ("other", "Other or not recorded")],
        default="other",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        # Deliberately not the name: str() ends up in logs and error pages.
        return f"Victim V{self.pk:06d}" if self.pk else "New victim"

    @property
    def reference(self) -> str:
        return f"V{self.pk:06d}"

    @property
    def full_name(self) -> str:
        return f"{self.first_names} {self.last_name}".strip()
