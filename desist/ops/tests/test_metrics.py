"""/metrics: latency by route name (never the raw path), the database gauges, and who may
scrape it (a bearer token, or this host only)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import override_settings
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from prometheus_client.parser import text_string_to_metric_families

from desist.core.roles import RoleCode
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
    assert depth == {"alerts": 3}
    assert {s.labels["queue"]: s.value for s in found["desist_jobs_failed"]} == {"mail": 1}
    missed = {s.labels["priority"]: s.value for s in found["desist_alert_deadlines_missed"]}
    assert missed == {"urgent": 1}  # only the open one past its deadline


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
