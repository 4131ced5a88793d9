"""Every background job as a task on Django's tasks API (django-tasks, database backend), with
a time limit and retries (ADR 0025).

One task, `run_job`, runs any job of `JOBS` by name: the scheduler, retries and the evaluation
launcher all enqueue it the same way, and a job is known by its name in the queue table. Each
job is safe to run twice (a retry, or a run again after its worker was killed): the alert
passes claim each row with a conditional update, the refresh and the sweep overwrite.

The top floor (ADR 0018): it calls sharing's passes and evaluation directly; no app imports it.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import TaskResult, task

from desist.evaluation import dashboards, reporting
from desist.evaluation.models import EvaluationRun, RunStatus
from desist.events import delivery as webhooks
from desist.jobs.models import Heartbeat, ScheduledSlot
from desist.orders import tasking
from desist.retention import services as retention
from desist.reviews import escalation
from desist.sharing import services

log = logging.getLogger(__name__)

ALERT_JOBS = ("alerts_escalate", "alerts_scan", "alerts_deliver")


class TimeLimitExceeded(Exception):
    """A job ran past its time limit (raised inside it, so it unwinds and is recorded)."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise TimeLimitExceeded in the job after `seconds`. A worker runs jobs on its main
    thread, where SIGALRM is delivered; elsewhere (a test calling a job) there is no limit."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: FrameType | None) -> None:
        raise TimeLimitExceeded(f"ran longer than its time limit of {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def beat(name: str, kind: str, detail: dict[str, Any] | None = None) -> None:
    """Record a sign of life under `name` (one row per name, overwritten)."""
    now = timezone.now()
    if Heartbeat.objects.filter(name=name).update(at=now, detail=detail or {}):
        return
    try:
        with transaction.atomic():
            Heartbeat.objects.create(name=name, kind=kind, at=now, detail=detail or {})
    except IntegrityError:  # another process wrote the first beat at the same moment
        Heartbeat.objects.filter(name=name).update(at=now, detail=detail or {})


# --- the jobs ------------------------------------------------------------------------------


def _alerts_pass(name: str) -> Callable[..., dict[str, int]]:
    return lambda **kw: services.alerts_pass(name=name)


def evaluation_execute(*, run_id: int) -> dict[str, Any]:
    """Generate one evaluation report (it records its own failure, time limit included)."""
    reporting.execute_run(run_id)
    run = EvaluationRun.objects.only("status").get(pk=run_id)
    return {"run_id": run_id, "status": run.status}


def evaluation_sweep(**kw: Any) -> dict[str, int]:
    """Mark failed, with the reason, every run running for longer than its time limit allows
    (its worker stopped), and every run still queued after DESIST_EVALUATION_QUEUED_LIMIT (no
    worker is taking the queue). Time spent queued behind other runs does not count against
    the time limit. The user can run it again."""
    now = timezone.now()
    limit = settings.DESIST_EVALUATION_TIME_LIMIT
    cutoff = now - dt.timedelta(seconds=limit + settings.DESIST_WORKER_DEAD_SECONDS)
    running = EvaluationRun.objects.filter(status=RunStatus.RUNNING).filter(
        Q(started_at__lt=cutoff) | Q(started_at__isnull=True, created_at__lt=cutoff)
    )
    failed = running.update(
        status=RunStatus.FAILED,
        stage="Failed",
        error=(
            f"The run did not finish within {int(limit) // 60} minutes: the background worker "
            "stopped. Run the report again."
        ),
        finished_at=now,
    )
    waited = settings.DESIST_EVALUATION_QUEUED_LIMIT
    queued = EvaluationRun.objects.filter(
        status=RunStatus.QUEUED, created_at__lt=now - dt.timedelta(seconds=waited)
    )
    never_started = queued.update(
        status=RunStatus.FAILED,
        stage="Failed",
        error=(
            f"The run did not start within {int(waited) // 3600} hours: no background worker "
            "is taking evaluation runs. Run the report again."
        ),
        finished_at=now,
    )
    return {"failed": failed, "never_started": never_started}


def oversight_refresh(**kw: Any) -> dict[str, int]:
    return {"refreshed": dashboards.refresh_anomaly_snapshots()}


def jobs_prune(**kw: Any) -> dict[str, int]:
    """Forget claimed slots after a day and finished task rows after a week."""
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    slots, _ = ScheduledSlot.objects.filter(slot__lt=now - dt.timedelta(days=1)).delete()
    # Workers and schedulers long gone (each start has a new id); job beats are kept.
    Heartbeat.objects.exclude(kind=Heartbeat.Kind.JOB).filter(
        at__lt=now - dt.timedelta(days=1)
    ).delete()
    done = DBTaskResult.objects.finished().filter(finished_at__lt=now - dt.timedelta(days=7))
    results, _ = done.delete()
    return {"slots": slots, "results": results}


@dataclass(frozen=True)
class Job:
    run: Callable[..., dict[str, Any]]
    queue: str
    time_limit: Callable[[], float]  # seconds, read when the job runs (settings may change)
    attempts: int = 3


def _seconds(n: float) -> Callable[[], float]:
    return lambda: n


JOBS: dict[str, Job] = {
    # Bounded by the mail server's timeout per connection, and a pass stops at the first
    # unreachable server; the limit is the backstop.
    "alerts_escalate": Job(_alerts_pass("escalate"), "alerts", _seconds(120)),
    "alerts_scan": Job(_alerts_pass("scan"), "alerts", _seconds(120)),
    # Its own queue: a second worker on `alerts` escalates while a mail server hangs.
    "alerts_deliver": Job(_alerts_pass("deliver"), "mail", _seconds(300)),
    # Outbound events (ADR 0035): on the outbound queue with e-mail; each POST times out in
    # seconds and a pass makes at most 50 attempts. Failures are the events' own retries.
    "webhooks_deliver": Job(lambda **kw: webhooks.deliver_due(), "mail", _seconds(600)),
    "oversight_refresh": Job(oversight_refresh, "default", _seconds(600)),
    "evaluation_sweep": Job(evaluation_sweep, "default", _seconds(60)),
    "jobs_prune": Job(jobs_prune, "default", _seconds(600)),
    # Monthly: list records due under the retention schedule for their data owners (issue 18).
    "retention_list_due": Job(
        lambda **kw: retention.retention_list_due(), "default", _seconds(1800)
    ),
    # Hourly: tasks the order rules raise (issue 19); each is raised once, whatever the runs.
    "task_rules": Job(lambda **kw: tasking.run_rules(), "default", _seconds(600)),
    # Hourly: case review actions past their due date go to the chair (issue 19 §6), once each.
    "review_escalate": Job(lambda **kw: escalation.escalate_overdue(), "default", _seconds(600)),
    # A report that fails records why on the run; running it again is the user's choice.
    "evaluation_run": Job(
        evaluation_execute,
        "evaluation",
        lambda: float(settings.DESIST_EVALUATION_TIME_LIMIT),
        attempts=1,
    ),
}


def retry_delay(attempt: int) -> dt.timedelta:
    """10 s, 20 s, 40 s ... at most five minutes, after failed attempt number `attempt`."""
    return dt.timedelta(seconds=min(10 * 2 ** (attempt - 1), 300))


@task()
def run_job(*, name: str, kwargs: dict[str, Any] | None = None, attempt: int = 1) -> Any:
    """Run job `name` under its time limit. On failure it is enqueued again after a delay
    (up to its attempts) and the failure raised, so this attempt's row shows the traceback."""
    job = JOBS[name]
    kwargs = kwargs or {}
    try:
        with time_limit(job.time_limit()):
            result = job.run(**kwargs)
    except Exception:
        if attempt < job.attempts:
            log.warning("Job %s failed (attempt %s); trying again later", name, attempt)
            enqueue_job(
                name,
                kwargs=kwargs,
                attempt=attempt + 1,
                run_after=timezone.now() + retry_delay(attempt),
            )
        else:
            log.exception("Job %s failed on its last attempt (%s)", name, attempt)
        raise
    beat(f"job:{name}", Heartbeat.Kind.JOB, {"result": result, "attempt": attempt})
    return result


def enqueue_job(
    name: str,
    *,
    kwargs: dict[str, Any] | None = None,
    attempt: int = 1,
    run_after: dt.datetime | None = None,
) -> TaskResult[Any]:
    """Put job `name` on its queue (validated here, not when a worker meets it)."""
    job = JOBS[name]
    return run_job.using(queue_name=job.queue, run_after=run_after).enqueue(
        name=name, kwargs=kwargs or {}, attempt=attempt
    )


def launch_evaluation(run_id: int) -> None:
    """Evaluation's launcher (registered in JobsConfig.ready): the run goes on its own queue,
    once the transaction that created it commits."""
    transaction.on_commit(lambda: enqueue_job("evaluation_run", kwargs={"run_id": run_id}))
