"""The job queue's promises that need no second process (ADR 0025): each periodic turn
enqueued once, retries, the time limit, a dead worker's job handed back, a stuck evaluation
run failed with its reason and run again, and /readyz with the admin banner when alerts stop.
The promises between processes (several workers, a worker killed mid-job) are in
test_workers_pg.py."""

from __future__ import annotations

import datetime as dt
import importlib
import io
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from desist.core.roles import RoleCode
from desist.evaluation import reporting
from desist.evaluation.models import EvaluationRun, RunStatus
from desist.jobs import runner, schedule, tasks
from desist.jobs.models import Heartbeat, ScheduledSlot

NOON = dt.datetime(2026, 3, 2, 12, 0, 5, tzinfo=dt.UTC)


def _queued(job: str) -> list[DBTaskResult]:
    return [
        r
        for r in DBTaskResult.objects.order_by("enqueued_at")
        if r.args_kwargs["kwargs"]["name"] == job
    ]


def test_each_periodic_turn_is_enqueued_once(db: Any) -> None:
    first = schedule.enqueue_due(NOW := NOON)
    assert set(first) == {p.job for p in schedule.SCHEDULE}
    # A second scheduler (or the same one a moment later) in the same slot enqueues nothing.
    assert schedule.enqueue_due(NOW + dt.timedelta(seconds=3)) == []
    assert len(_queued("alerts_escalate")) == 1
    # The next slot while the last turn still waits (no worker yet): one waiting pass is enough.
    assert "alerts_escalate" not in schedule.enqueue_due(NOW + dt.timedelta(seconds=30))
    assert len(_queued("alerts_escalate")) == 1
    assert ScheduledSlot.objects.filter(job="alerts_escalate").count() == 2
    # Once it has run, the next slot enqueues it again.
    DBTaskResult.objects.update(status=TaskResultStatus.SUCCESSFUL)
    assert "alerts_escalate" in schedule.enqueue_due(NOW + dt.timedelta(seconds=60))
    assert len(_queued("alerts_escalate")) == 2


def test_a_failing_job_is_retried_later_then_given_up(db: Any, monkeypatch: Any) -> None:
    def broken(**kw: Any) -> dict[str, int]:
        raise ConnectionError("database went away")

    monkeypatch.setitem(tasks.JOBS, "alerts_scan", tasks.Job(broken, "alerts", lambda: 5))
    before = timezone.now()
    with pytest.raises(ConnectionError):
        tasks.run_job.call(name="alerts_scan")
    [retry] = _queued("alerts_scan")
    assert retry.args_kwargs["kwargs"]["attempt"] == 2
    assert retry.run_after >= before + tasks.retry_delay(1)
    with pytest.raises(ConnectionError):
        tasks.run_job.call(name="alerts_scan", attempt=3)  # the last attempt
    assert len(_queued("alerts_scan")) == 1
    assert not Heartbeat.objects.filter(name="job:alerts_scan").exists()


def test_a_job_is_stopped_at_its_time_limit(db: Any, monkeypatch: Any) -> None:
    def hangs(**kw: Any) -> dict[str, int]:
        time.sleep(30)
        return {}

    monkeypatch.setitem(tasks.JOBS, "alerts_scan", tasks.Job(hangs, "alerts", lambda: 0.2, 1))
    with pytest.raises(tasks.TimeLimitExceeded):
        tasks.run_job.call(name="alerts_scan")


def _running(worker_ids: list[str], started: dt.datetime) -> DBTaskResult:
    result = tasks.enqueue_job("alerts_deliver")
    DBTaskResult.objects.filter(pk=result.id).update(
        status=TaskResultStatus.RUNNING, worker_ids=worker_ids, started_at=started
    )
    return DBTaskResult.objects.get(pk=result.id)


def test_the_job_of_a_worker_that_stopped_runs_again(db: Any, settings: Any) -> None:
    settings.DESIST_WORKER_DEAD_SECONDS = 60
    now = timezone.now()
    long_ago = now - dt.timedelta(minutes=5)
    tasks.beat("worker:alive", Heartbeat.Kind.WORKER)
    Heartbeat.objects.create(name="worker:dead", kind="worker", at=long_ago)
    on_dead = _running(["dead"], long_ago)
    on_live = _running(["alive"], long_ago)
    died_thrice = _running(["a", "b", "c"], long_ago)
    assert runner.requeue_orphans(now) == 1
    assert runner.requeue_orphans(now) == 0  # handed back once
    statuses = dict(DBTaskResult.objects.values_list("pk", "status"))
    assert statuses[on_dead.pk] == TaskResultStatus.READY
    assert statuses[on_live.pk] == TaskResultStatus.RUNNING
    assert statuses[died_thrice.pk] == TaskResultStatus.FAILED


def _run(overseer: Any, status: str, **times: dt.datetime) -> EvaluationRun:
    return EvaluationRun.objects.create(
        organisation=overseer.organisation, created_by=overseer, status=status, **times
    )


def test_a_stuck_evaluation_run_is_failed_with_its_reason_and_runs_again(
    db: Any, users: dict[RoleCode, Any], settings: Any, monkeypatch: Any
) -> None:
    overseer = users[RoleCode.OVERSEER]
    settings.DESIST_EVALUATION_TIME_LIMIT = 600
    hour_ago = timezone.now() - dt.timedelta(hours=1)
    stuck = _run(overseer, RunStatus.RUNNING, created_at=hour_ago, started_at=hour_ago)
    # Waited an hour behind other runs, then started a minute ago: not stuck.
    waited = _run(
        overseer,
        RunStatus.RUNNING,
        created_at=hour_ago,
        started_at=timezone.now() - dt.timedelta(minutes=1),
    )
    # Still waiting its turn after an hour: left alone (the queued limit is hours).
    queued = _run(overseer, RunStatus.QUEUED, created_at=hour_ago)
    fresh = _run(overseer, RunStatus.RUNNING, started_at=timezone.now())
    assert tasks.run_job.call(name="evaluation_sweep") == {"failed": 1, "never_started": 0}
    stuck.refresh_from_db()
    assert stuck.status == RunStatus.FAILED
    assert "did not finish within 10 minutes" in stuck.error
    for run in (waited, fresh):
        assert EvaluationRun.objects.get(pk=run.pk).status == RunStatus.RUNNING
    assert EvaluationRun.objects.get(pk=queued.pk).status == RunStatus.QUEUED

    # No worker takes the queue for longer than the queued limit: failed, saying so.
    settings.DESIST_EVALUATION_QUEUED_LIMIT = 1800
    assert tasks.run_job.call(name="evaluation_sweep") == {"failed": 0, "never_started": 1}
    queued.refresh_from_db()
    assert queued.status == RunStatus.FAILED and "did not start within" in queued.error

    # Run again (a new run, on the queue, as a large run is): a run that hangs this time is
    # stopped at the time limit, and the reason recorded on the run.
    again = _run(overseer, RunStatus.QUEUED)
    # Loaded first: importing pandas alone takes longer than the 0.2 s limit below.
    importlib.import_module("desist.evaluation.engine.report")
    settings.DESIST_EVALUATION_TIME_LIMIT = 0.2
    monkeypatch.setattr("desist.evaluation.reporting.build_frames", lambda **kw: time.sleep(30))
    assert tasks.run_job.call(name="evaluation_run", kwargs={"run_id": again.pk}) == {
        "run_id": again.pk,
        "status": RunStatus.FAILED,
    }
    again.refresh_from_db()
    assert again.error.startswith("TimeLimitExceeded: ran longer than its time limit")
    assert again.started_at is not None


def test_a_run_failed_by_the_sweep_never_turns_done(
    db: Any, users: dict[RoleCode, Any], settings: Any, monkeypatch: Any
) -> None:
    overseer = users[RoleCode.OVERSEER]
    run = _run(overseer, RunStatus.QUEUED)
    frames = SimpleNamespace(
        people=[object()], frames={}, data_end_date=dt.date(2026, 1, 1), sources={}
    )
    monkeypatch.setattr("desist.evaluation.reporting.build_frames", lambda **kw: frames)
    monkeypatch.setattr("desist.evaluation.reporting.funnel_counts", lambda people: [])

    def slow_engine(*args: Any, **kwargs: Any) -> dict[str, Any]:
        # Meanwhile the sweep judges it stuck and tells the user it failed.
        EvaluationRun.objects.filter(pk=run.pk).update(started_at=NOON - dt.timedelta(days=1))
        settings.DESIST_EVALUATION_TIME_LIMIT = 60
        assert tasks.evaluation_sweep()["failed"] == 1
        return {}

    monkeypatch.setattr("desist.evaluation.engine.report.full_evaluation", slow_engine)
    reporting.execute_run(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and run.result is None
    assert "did not finish" in run.error

    # And a queued run that was failed (or already taken) is not run when a worker reaches it.
    stale = _run(overseer, RunStatus.FAILED)
    monkeypatch.setattr(
        "desist.evaluation.engine.report.full_evaluation",
        lambda *a, **k: pytest.fail("a run no longer queued was run"),
    )
    reporting.execute_run(stale.pk)
    stale.refresh_from_db()
    assert stale.status == RunStatus.FAILED and stale.started_at is None


def _alerts_ran(at: dt.datetime) -> None:
    for job in tasks.ALERT_JOBS:
        Heartbeat.objects.update_or_create(name=f"job:{job}", defaults={"kind": "job", "at": at})


def test_readyz_fails_and_the_admin_sees_a_red_banner_when_alerts_stop(
    client: Any, users: dict[RoleCode, Any]
) -> None:
    admin, officer = users[RoleCode.SYSTEM_ADMIN], users[RoleCode.POLICE_OFFICER]
    # Never run (no worker was ever started): not ready.
    assert client.get("/readyz").status_code == 503
    _alerts_ran(timezone.now() - dt.timedelta(seconds=30))
    assert client.get("/readyz").status_code == 200
    client.force_login(admin)
    assert (
        "Background jobs are not running" not in client.get(reverse("core:home")).content.decode()
    )

    # The worker stopped 4 minutes ago.
    _alerts_ran(timezone.now() - dt.timedelta(minutes=4))
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json() == {"status": "unavailable"}
    page = client.get(reverse("core:home")).content.decode()
    assert "moj-alert--error" in page and "Background jobs are not running" in page
    four_minutes_ago = timezone.localtime(timezone.now() - dt.timedelta(minutes=4))
    # What is wrong, since when, and what to do (the runbook's section by name); no job names.
    assert "Alerts are not being sent or escalated on time" in page
    assert "(escalation, deadline checks, e-mail delivery)" in page
    assert f"last finished without error at {four_minutes_ago:%H:%M}" in page
    assert "more than 3 minutes ago" in page
    assert "&quot;Alerts not being delivered&quot; under &quot;Incident steps&quot;" in page
    assert "alerts_scan" not in page
    client.force_login(officer)  # the banner is for the administrator
    assert (
        "Background jobs are not running" not in client.get(reverse("core:home")).content.decode()
    )


@pytest.mark.django_db(transaction=True)
def test_a_worker_takes_only_the_queues_it_is_given() -> None:
    # compose.yaml runs one worker per queue, so a long evaluation run never holds up alerts.
    tasks.enqueue_job("alerts_scan")
    tasks.enqueue_job("evaluation_run", kwargs={"run_id": 0})
    tasks.enqueue_job("jobs_prune")
    args = ["--queue-name", "alerts", "--batch", "--no-startup-delay", "--worker-id", "alerts1"]
    call_command("worker", *args, verbosity=0, stdout=io.StringIO())
    status = {r.queue_name: r.status for r in DBTaskResult.objects.all()}
    assert status == {
        "alerts": TaskResultStatus.SUCCESSFUL,
        "evaluation": TaskResultStatus.READY,
        "default": TaskResultStatus.READY,
    }


def test_compose_runs_one_worker_for_each_queue(settings: Any) -> None:
    compose = yaml.safe_load((Path(settings.BASE_DIR) / "compose.yaml").read_text())
    taken: list[str] = []
    for service in compose["services"].values():
        command = service.get("command") or []
        if command[:2] == ["desist", "worker"]:
            assert "--queue-name" in command, f"a worker takes every queue: {command}"
            taken += command[command.index("--queue-name") + 1].split(",")
    assert sorted(taken) == sorted(settings.TASKS["default"]["QUEUES"])
    assert {job.queue for job in tasks.JOBS.values()} <= set(taken)
