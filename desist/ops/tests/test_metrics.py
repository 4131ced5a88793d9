"""/metrics: latency by route name (never the raw path), the database gauges, and who may
scrape it (a bearer token, or this host only)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.test import override_settings
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from prometheus_client.parser import text_string_to_metric_families

from desist.core.roles import RoleCode
from desist.jobs.models import Heartbeat
from desist.sharing.events import Urgency
from desist.sharing.models import Alert


def _samples(body: bytes) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            found.setdefault(sample.name, []).append(sample)
    return found


def test_latency_is_labelled_by_route_name_not_path(
    client: Any, users: dict[RoleCode, Any]
) -> None:
    client.force_login(users[RoleCode.POLICE_OFFICER])
    client.get("/subjects/987654/")  # an id in the path
    client.get("/no-such-page-4242/")
    body = client.get("/metrics").content
    counts = _samples(body)["desist_http_request_duration_seconds_count"]
    routes = {s.labels["route"] for s in counts}
    assert "people:detail" in routes and "unmatched" in routes
    assert not [r for r in routes if "987654" in r or "4242" in r]


def _job(status: str, queue: str = "default") -> None:
    DBTaskResult.objects.create(
        status=status,
        args_kwargs={"args": [], "kwargs": {}},
        task_path="desist.ops.tests.test_metrics._job",
        queue_name=queue,
        backend_name="default",
        run_after=timezone.now(),
    )


def test_queue_depth_failures_and_missed_alert_deadlines(
    client: Any, users: dict[RoleCode, Any]
) -> None:
    for _ in range(3):
        _job(TaskResultStatus.READY, "alerts")
    _job(TaskResultStatus.FAILED, "mail")
    _job(TaskResultStatus.SUCCESSFUL, "mail")
    officer = users[RoleCode.POLICE_OFFICER]
    now = timezone.now()
    for due, acknowledged in (
        (now - dt.timedelta(hours=2), None),
        (now + dt.timedelta(hours=1), None),
        (now - dt.timedelta(hours=3), now),
    ):
        Alert.objects.create(
            kind="breach_recorded",
            priority="urgent",
            recipient=officer,
            recipient_organisation=officer.organisation,
            title="Synthetic alert",
            due_by=due,
            acknowledged_at=acknowledged,
        )
    found = _samples(client.get("/metrics").content)
    depth = {s.labels["queue"]: s.value for s in found["desist_job_queue_depth"]}
    assert depth == {"alerts": 3, "default": 0, "mail": 0, "evaluation": 0}
    failed = {s.labels["queue"]: s.value for s in found["desist_jobs_failed"]}
    assert failed == {"mail": 1, "alerts": 0, "default": 0, "evaluation": 0}
    missed = {s.labels["priority"]: s.value for s in found["desist_alert_deadlines_missed"]}
    assert missed == {"urgent": 1, "high": 0, "routine": 0}  # only the open one past its deadline


def test_without_a_token_only_this_host_may_scrape(client: Any, db: Any) -> None:
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="::1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.7").status_code == 404
    # Through a proxy on this host: the real client is elsewhere.
    forwarded = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.4")
    assert forwarded.status_code == 404
    # A proxy that sets only the scheme (or the host) is still a proxy.
    for header in ("HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST", "HTTP_FORWARDED"):
        proxied = client.get("/metrics", REMOTE_ADDR="127.0.0.1", **{header: "https"})
        assert proxied.status_code == 404, header


@override_settings(DESIST_METRICS_TOKEN="scrape-token-0123456789")
def test_with_a_token_only_the_token_may_scrape(client: Any, db: Any) -> None:
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-token-wrong")
    assert wrong.status_code == 404
    right = client.get(
        "/metrics", REMOTE_ADDR="10.0.0.7", HTTP_AUTHORIZATION="Bearer scrape-token-0123456789"
    )
    assert right.status_code == 200
    assert b"desist_http_request_duration_seconds" in right.content


def test_the_method_label_is_one_of_a_fixed_set(client: Any, db: Any) -> None:
    for method in ("GET", "POST", "BREW", "X-RANDOM-1", "X-RANDOM-2"):
        client.generic(method, "/accounts/login/")
    counts = _samples(client.get("/metrics").content)["desist_http_request_duration_seconds_count"]
    methods = {s.labels["method"] for s in counts}
    assert {"GET", "POST", "other"} <= methods
    assert methods <= {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"}


def test_every_series_is_there_from_the_start_at_zero(client: Any, db: Any) -> None:
    # Nothing has failed, been missed or beaten yet: each series is still exported.
    samples = _samples(client.get("/metrics").content)
    failed = {s.labels["queue"]: s.value for s in samples["desist_jobs_failed"]}
    assert failed == {"default": 0, "alerts": 0, "mail": 0, "evaluation": 0}
    depth = {s.labels["queue"]: s.value for s in samples["desist_job_queue_depth"]}
    assert set(depth) == set(failed) and not any(depth.values())
    missed = {s.labels["priority"]: s.value for s in samples["desist_alert_deadlines_missed"]}
    assert set(missed) == {u.value for u in Urgency} and not any(missed.values())
    ages = {s.labels["of"]: s.value for s in samples["desist_heartbeat_age_seconds"]}
    assert ages == {"worker": math.inf, "scheduler": math.inf, "alerts_pass": math.inf}


def test_heartbeat_ages(client: Any, db: Any) -> None:
    now = timezone.now()
    for name, kind, seconds_ago in (
        ("worker:a", "worker", 5),
        ("worker:b", "worker", 500),
        ("scheduler:s", "scheduler", 40),
        ("job:alerts_escalate", "job", 10),
        ("job:alerts_scan", "job", 200),
        ("job:alerts_deliver", "job", 20),
    ):
        Heartbeat.objects.create(name=name, kind=kind, at=now - dt.timedelta(seconds=seconds_ago))
    samples = _samples(client.get("/metrics").content)
    ages = {s.labels["of"]: s.value for s in samples["desist_heartbeat_age_seconds"]}
    # The freshest worker; the alerts pass as old as its stalest job (as /readyz judges it).
    assert 5 <= ages["worker"] < 60
    assert 40 <= ages["scheduler"] < 100
    assert 200 <= ages["alerts_pass"] < 260
