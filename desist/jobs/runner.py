"""What runs beside django-tasks' database worker in `desist worker` (ADR 0025):

- a heartbeat every few seconds (`worker:<id>`), which also hands back the jobs of workers
  that have gone silent (killed, or their machine lost): a job left RUNNING by a worker with
  no heartbeat for DESIST_WORKER_DEAD_SECONDS is made READY again and runs again (each job is
  idempotent); one that has killed three workers is marked failed instead;
- optionally the scheduler (`--with-scheduler`, or `desist scheduler` on its own), which
  beats as `scheduler:<id>` and enqueues each periodic job once per slot.

Both loops run in this worker process's own threads, with their own database connections,
never in a web process.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import threading
from collections.abc import Callable

from django.conf import settings
from django.core.management import call_command
from django.db import close_old_connections, connections
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from desist.jobs.models import Heartbeat
from desist.jobs.schedule import enqueue_due
from desist.jobs.tasks import beat

log = logging.getLogger(__name__)

BEAT_SECONDS = 2.0
# A job that has been running when three workers died is not tried a fourth time.
MAX_WORKER_DEATHS = 3


class WorkerDied(Exception):
    """Recorded on a job whose workers kept dying while running it."""


def requeue_orphans(now: dt.datetime | None = None) -> int:
    """Make READY again each RUNNING job whose worker's heartbeat is older than
    DESIST_WORKER_DEAD_SECONDS (or absent); the number handed back."""
    now = now or timezone.now()
    dead_after = dt.timedelta(seconds=settings.DESIST_WORKER_DEAD_SECONDS)
    alive = set(
        Heartbeat.objects.filter(kind=Heartbeat.Kind.WORKER, at__gte=now - dead_after).values_list(
            "name", flat=True
        )
    )
    handed_back = 0
    running = DBTaskResult.objects.running().filter(started_at__lt=now - dead_after)
    for row in running.only("id", "worker_ids", "started_at"):
        if row.worker_ids and f"worker:{row.worker_ids[-1]}" in alive:
            continue
        same = DBTaskResult.objects.filter(
            pk=row.pk, status=TaskResultStatus.RUNNING, started_at=row.started_at
        )
        if len(row.worker_ids) >= MAX_WORKER_DEATHS:
            row.set_failed(WorkerDied(f"{len(row.worker_ids)} workers died while running it"))
            continue
        # Conditional, so two workers reaping at once hand it back once.
        handed_back += same.update(status=TaskResultStatus.READY)
        log.warning("Job %s was running on a worker that stopped; it will run again", row.pk)
    return handed_back


def refuse_unless_deployable(command: str) -> None:
    """In production, `check --deploy` before a worker or scheduler starts, as `desist serve`
    does: a missing key (DESIST_FIELD_KEYS, DESIST_AUDIT_HMAC_KEY, ...) stops it, each named."""
    if not settings.PRODUCTION:
        return
    output = io.StringIO()
    # Raises SystemCheckError (a CommandError: its text, exit status 1) listing every error.
    call_command("check", deploy=True, fail_level="ERROR", stdout=output, stderr=output)
    log.info("%s: check --deploy: %s", command, output.getvalue().strip())


def _loop(step: Callable[[], object], *, every: float, stop: threading.Event, name: str) -> None:
    try:
        while not stop.is_set():
            close_old_connections()
            try:
                step()
            except Exception:  # a database blip: try again at the next turn
                log.exception("%s step failed; trying again", name)
            stop.wait(every)
    finally:
        connections.close_all()


def start_heartbeat(worker_id: str, *, stop: threading.Event) -> threading.Thread:
    def step() -> None:
        beat(f"worker:{worker_id}", Heartbeat.Kind.WORKER)
        requeue_orphans()

    return _start(step, every=BEAT_SECONDS, stop=stop, name="desist-heartbeat")


def scheduler_step(scheduler_id: str) -> list[str]:
    beat(f"scheduler:{scheduler_id}", Heartbeat.Kind.SCHEDULER)
    return enqueue_due()


def start_scheduler(scheduler_id: str, *, stop: threading.Event) -> threading.Thread:
    return _start(
        lambda: scheduler_step(scheduler_id), every=1.0, stop=stop, name="desist-scheduler"
    )


def _start(
    step: Callable[[], object], *, every: float, stop: threading.Event, name: str
) -> threading.Thread:
    thread = threading.Thread(
        target=_loop, args=(step,), kwargs={"every": every, "stop": stop, "name": name}, daemon=True
    )
    thread.name = name
    thread.start()
    return thread
