"""The periodic jobs, their intervals, and the scheduler's one step (ADR 0025).

Time is cut into slots of each job's interval (counted from the Unix epoch, so every scheduler
agrees on them). A slot is enqueued by inserting its `ScheduledSlot` row and the task in one
transaction: the unique (job, slot) constraint lets any number of schedulers run, and each turn
is enqueued once. A turn whose previous one still waits in the queue (no worker, or a backlog)
is not enqueued again: one waiting pass does the work of many.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from desist.jobs.models import ScheduledSlot
from desist.jobs.tasks import JOBS, enqueue_job, run_job


@dataclass(frozen=True)
class Periodic:
    job: str
    every: Callable[[], int]  # seconds


def _alerts_interval() -> int:
    return int(settings.DESIST_ALERTS_INTERVAL_SECONDS)


SCHEDULE: tuple[Periodic, ...] = (
    Periodic("alerts_escalate", _alerts_interval),
    Periodic("alerts_scan", _alerts_interval),
    Periodic("alerts_deliver", _alerts_interval),
    Periodic("webhooks_deliver", lambda: 30),
    Periodic("oversight_refresh", lambda: 300),
    Periodic("evaluation_sweep", lambda: 300),
    Periodic("jobs_prune", lambda: 3600),
    Periodic("task_rules", lambda: 3600),
    Periodic("review_escalate", lambda: 3600),
    # Monthly (every 30 days): the retention review listing (docs/workflows/retention.md).
    Periodic("retention_list_due", lambda: 30 * 86400),
)
assert all(p.job in JOBS for p in SCHEDULE)

log = logging.getLogger(__name__)


def slot_start(now: dt.datetime, every: int) -> dt.datetime:
    epoch = int(now.timestamp())
    return dt.datetime.fromtimestamp(epoch - epoch % every, tz=dt.UTC)


def _waiting(job: str) -> bool:
    return DBTaskResult.objects.filter(
        status=TaskResultStatus.READY,
        task_path=run_job.module_path,
        args_kwargs__kwargs__name=job,
    ).exists()


def enqueue_due(now: dt.datetime | None = None) -> list[str]:
    """Enqueue each periodic job whose current slot nobody has enqueued yet; the names
    enqueued by this call."""
    now = now or timezone.now()
    enqueued = []
    for periodic in SCHEDULE:
        slot = slot_start(now, periodic.every())
        if ScheduledSlot.objects.filter(job=periodic.job, slot=slot).exists():
            continue
        try:
            with transaction.atomic():
                claimed = ScheduledSlot.objects.create(job=periodic.job, slot=slot, enqueued_at=now)
                if _waiting(periodic.job):
                    continue  # the slot is taken; the pass still waiting will do its work
                result = enqueue_job(periodic.job, kwargs={})
                claimed.task_id = str(result.id)
                claimed.save(update_fields=["task_id"])
        except IntegrityError:
            continue  # another scheduler took this slot
        log.info("Enqueued %s for the slot at %s", periodic.job, slot.isoformat())
        enqueued.append(periodic.job)
    return enqueued
