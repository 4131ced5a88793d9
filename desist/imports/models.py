"""An import started from the page: the uploaded file (encrypted, and emptied once the run has
read it), where the run is, and its counts and error report."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from desist.core.crypto import EncryptedTextField
from desist.core.models import Organisation


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Importing"
    DONE = "done", "Finished"
    FAILED = "failed", "Failed"


class ImportRun(models.Model):
    force = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=20)
    file_name = models.CharField(max_length=200)
    file_format = models.CharField(max_length=10)
    # The file's text until the run has read it (names, dates of birth: encrypted, ADR 0017).
    content = EncryptedTextField(blank=True)
    dry_run = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict)
    # Row numbers, case references and reasons only (never the file's other cells).
    error_report = models.TextField(blank=True)
    failure = models.TextField(blank=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.source} import {self.pk}"
