"""Append-only audit events (s.62 DPA 2018 logging).

The table is created by hand-written SQL in migration 0001, with triggers on both PostgreSQL
and SQLite that refuse UPDATE and DELETE. The model is unmanaged so that Django never
alters, truncates or flushes it (see docs/adr/0003-audit-spine.md). For the same reason its
indexes are SQL in the migrations: 0001 (time, actor, organisation, record) and 0002 (the
audit log page's filters with time: organisation, category, username; organisation with
record type). Only the record index is declared in Meta below. Migration 0003 adds the hash
chain's two columns (docs/adr/0014-audit-hash-chain-and-db-roles.md).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Category(models.TextChoices):
    # The six kinds of processing s.62 DPA 2018 requires logs for, plus security events.
    COLLECTION = "collection", "Collection"
    ALTERATION = "alteration", "Alteration"
    CONSULTATION = "consultation", "Consultation"
    DISCLOSURE = "disclosure", "Disclosure"
    COMBINATION = "combination", "Combination"
    ERASURE = "erasure", "Erasure"
    SECURITY = "security", "Security"


class AuditEvent(models.Model):
    id = models.BigAutoField(primary_key=True)
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Plain ids, not foreign keys: an audit row must outlive whatever it names.
    actor_id = models.BigIntegerField(null=True, db_index=True)
    actor_username = models.CharField(max_length=150, blank=True)
    organisation_id = models.BigIntegerField(null=True, db_index=True)
    organisation_name = models.CharField(max_length=200, blank=True)
    category = models.CharField(max_length=20, choices=Category.choices)
    verb = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    justification = models.TextField(blank=True)
    recipients = models.JSONField(default=list)
    old_values = models.JSONField(null=True)
    new_values = models.JSONField(null=True)
    request_id = models.CharField(max_length=32, blank=True)
    client_address = models.GenericIPAddressField(null=True)
    # The hash chain (desist/audit/chain.py, migration 0003): the previous row's row_hash and
    # an HMAC over it and this row's contents. Written by audit_record only.
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    row_hash = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        managed = False
        db_table = "audit_event"
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_event_object_idx")]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_username} {self.verb}"
