"""Organisations and partnerships: who the actors work for. No domain logic here."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class OrganisationKind(models.TextChoices):
    POLICE_FORCE = "police_force", "Police force"
    PROVIDER = "provider", "Intervention provider"
    ADVOCACY = "advocacy", "Victim advocacy service"
    OVERSIGHT = "oversight", "Oversight and evaluation"
    COMMISSIONER = "commissioner", "Commissioner (programme funder)"


class Organisation(models.Model):
    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=OrganisationKind.choices)
    # Demo rows are marked so the seeder can refuse to touch a database holding real data.
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # Retired: its people can no longer sign in; its records stay (issue 16).
    retired_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Partnership(models.Model):
    """A programme run together by a set of organisations (for example one pilot)."""

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200, unique=True)
    organisations = models.ManyToManyField(Organisation, related_name="partnerships")
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    retired_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class VersionedModel(models.Model):
    """Optimistic locking: writers pass the version they read; see core.concurrency."""

    version = models.PositiveIntegerField(default=1)

    class Meta:
        abstract = True
