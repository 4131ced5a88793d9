"""What the job machinery keeps beside django-tasks' own queue table: heartbeats and the
schedule's claimed slots (ADR 0025)."""

from __future__ import annotations

from django.db import models


class Heartbeat(models.Model):
    """The last sign of life of a worker or scheduler process (`worker:<id>`,
    `scheduler:<id>`), or the last successful run of a job (`job:<name>`). One row per name,
    overwritten: a heartbeat is a state, not a history."""

    class Kind(models.TextChoices):
        WORKER = "worker", "Worker"
        SCHEDULER = "scheduler", "Scheduler"
        JOB = "job", "Job"

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    at = models.DateTimeField()
    detail = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"{self.name} at {self.at:%Y-%m-%d %H:%M:%S}"


class ScheduledSlot(models.Model):
    """One periodic job's one turn (the start of its interval), enqueued once: the unique
    constraint lets any number of schedulers run without enqueueing a turn twice."""

    job = models.CharField(max_length=64)
    slot = models.DateTimeField()
    task_id = models.CharField(max_length=64, blank=True)
    enqueued_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "slot"], name="jobs_one_enqueue_per_slot")
        ]
        indexes = [models.Index(fields=["slot"], name="jobs_slot_at")]

    def __str__(self) -> str:
        return f"{self.job} at {self.slot:%Y-%m-%d %H:%M:%S}"
