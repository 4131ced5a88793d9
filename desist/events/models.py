"""Webhook subscriptions and the outbox (issue 17, ADR 0035).

An `OutboundEvent` is one event for one subscription: written in the transaction of the change
it reports, with the exact body that will be signed and sent on every attempt, and delivered
by the job queue. Each attempt is kept as a `DeliveryAttempt`.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

from desist.core.crypto import EncryptedTextField
from desist.core.models import Organisation


class Subscription(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        REVOKED = "revoked", "Revoked"

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500)
    event_types = models.JSONField(default=list)
    # Encrypted at rest (core.crypto, as victims' details): signing needs the secret itself.
    secret = EncryptedTextField()
    # The secret's last four characters, to tell rotated secrets apart on the page.
    secret_hint = models.CharField(max_length=8)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    status_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    secret_rotated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class OutboundEvent(models.Model):
    """One event for one subscription. `next_attempt_at` is both the schedule and the claim:
    a worker takes a due row by moving it forward by the lease with a conditional update, so
    two workers never send one attempt, and a worker that dies gives it back when the lease
    ends."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be delivered"
        DELIVERED = "delivered", "Delivered"
        DEAD = "dead", "Not delivered"

    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    subscription = models.ForeignKey(Subscription, on_delete=models.PROTECT, related_name="+")
    event_type = models.CharField(max_length=40)
    occurred_at = models.DateTimeField()
    body = models.TextField()  # the JSON sent, byte for byte the same on every attempt
    # One event per subscription and key, for events raised by a repeated scan.
    dedupe_key = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    # Attempts made before the current round ("Send again" starts a new round of retries).
    round_base = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claim = models.UUIDField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    dead_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="events_one_event_per_dedupe_key",
            )
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="events_due")]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"


class DeliveryAttempt(models.Model):
    event = models.ForeignKey(OutboundEvent, on_delete=models.CASCADE, related_name="tries")
    number = models.PositiveIntegerField()
    at = models.DateTimeField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    delivered = models.BooleanField(default=False)

    class Meta:
        ordering = ["event", "number"]
        constraints = [
            models.UniqueConstraint(fields=["event", "number"], name="events_one_row_per_attempt")
        ]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.event_id}"
