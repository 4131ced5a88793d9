"""Prometheus metrics at /metrics, through prometheus-client (docs/deployment.md).

- `desist_http_request_duration_seconds{route,method,status}`: a histogram timed by the
  outermost middleware, labelled by the URL pattern's name, never the raw path (a path holds
  record ids: one series each would swamp Prometheus, and a path can carry a token).
- Read from the database at each scrape: the job queue's depth and failed jobs
  (django-tasks' table), e-mails given up on, alerts past their deadline and not
  acknowledged (every queue and priority, 0 included), and the age of the last worker and
  scheduler heartbeat and of the last successful alerts pass.

Under gunicorn each worker process keeps its own samples; config/gunicorn.conf.py sets
PROMETHEUS_MULTIPROC_DIR so the scrape adds every worker's files together.

Who may scrape: with DESIST_METRICS_TOKEN set, a request with "Authorization: Bearer
<token>"; without it, only a direct connection from this host (loopback, and no X-Forwarded-*,
Forwarded or X-Real-IP header: a proxy on this host connects from loopback too).
"""

from __future__ import annotations

import hmac
import ipaddress
import math
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.db.models import Count, Max
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from desist.jobs.models import Heartbeat
from desist.jobs.tasks import ALERT_JOBS
from desist.ops.request_log import route_of
from desist.sharing.models import Alert, OutboundEmail

REQUEST_LATENCY = Histogram(
    "desist_http_request_duration_seconds",
    "Time to answer a request, by route name, method and status.",
    ["route", "method", "status"],
    registry=None,  # added to each scrape's registry (multi-process mode reads files instead)
)

FORWARDING_HEADERS = ("HTTP_FORWARDED", "HTTP_X_REAL_IP")  # and every X-Forwarded-*
# The method is the client's to choose: any other value would be a new series each time.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def method_label(request: HttpRequest) -> str:
    return request.method if request.method in METHODS else "other"


class MetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        REQUEST_LATENCY.labels(
            route=route_of(request), method=method_label(request), status=str(response.status_code)
        ).observe(time.perf_counter() - started)
        return response


def _queues() -> list[str]:
    return list(settings.TASKS["default"].get("QUEUES") or ["default"])


class DatabaseCollector(Collector):
    """Gauges counted from the database at scrape time: the same answer from every process.
    Every queue and priority has its series from the start, at 0, so an alert rule such as
    `increase(desist_jobs_failed[1h]) > 0` sees the first failure rather than a new series."""

    def collect(self) -> Iterator[Metric]:
        yield self._by_label(
            "desist_job_queue_depth",
            "Jobs waiting to run, by queue.",
            "queue",
            DBTaskResult.objects.filter(status=TaskResultStatus.READY),
            "queue_name",
            _queues(),
        )
        yield self._by_label(
            "desist_jobs_failed",
            "Jobs whose last run failed, by queue (rows kept in the task table).",
            "queue",
            DBTaskResult.objects.filter(status=TaskResultStatus.FAILED),
            "queue_name",
            _queues(),
        )
        yield self._by_label(
            "desist_alert_deadlines_missed",
            "Alerts past their deadline and not acknowledged, by priority.",
            "priority",
            Alert.objects.filter(acknowledged_at__isnull=True, due_by__lte=timezone.now()),
            "priority",
            [str(value) for value, _ in Alert._meta.get_field("priority").choices or []],
        )
        yield self._heartbeat_ages()
        failed = GaugeMetricFamily(
            "desist_emails_failed", "Alert e-mails given up on after their retries."
        )
        failed.add_metric([], OutboundEmail.objects.filter(status="failed").count())
        yield failed

    @staticmethod
    def _by_label(
        name: str, doc: str, label: str, rows: Any, field: str, known: list[str]
    ) -> Metric:
        counts = dict.fromkeys(known, 0)
        for row in rows.order_by().values(field).annotate(n=Count("pk")):
            counts[str(row[field])] = row["n"]
        family = GaugeMetricFamily(name, doc, labels=[label])
        for value, n in counts.items():
            family.add_metric([value], n)
        return family

    @staticmethod
    def _heartbeat_ages() -> Metric:
        """Seconds since the freshest worker and scheduler heartbeat, and since the alerts pass
        last succeeded (its stalest job: the pass is whole only when each has run, as /readyz
        judges). +Inf when there has never been one."""
        now = timezone.now()
        latest = dict(
            Heartbeat.objects.filter(kind__in=[Heartbeat.Kind.WORKER, Heartbeat.Kind.SCHEDULER])
            .order_by()
            .values("kind")
            .annotate(at=Max("at"))
            .values_list("kind", "at")
        )
        jobs = dict(
            Heartbeat.objects.filter(name__in=[f"job:{j}" for j in ALERT_JOBS]).values_list(
                "name", "at"
            )
        )
        alerts = min(jobs.values()) if len(jobs) == len(ALERT_JOBS) else None
        family = GaugeMetricFamily(
            "desist_heartbeat_age_seconds",
            "Seconds since the last worker or scheduler heartbeat, or the last successful "
            "alerts pass (+Inf: never).",
            labels=["of"],
        )
        for label, at in (
            ("worker", latest.get(Heartbeat.Kind.WORKER)),
            ("scheduler", latest.get(Heartbeat.Kind.SCHEDULER)),
            ("alerts_pass", alerts),
        ):
            family.add_metric([label], (now - at).total_seconds() if at else math.inf)
        return family


def _allowed(request: HttpRequest) -> bool:
    token = settings.DESIST_METRICS_TOKEN
    if token:
        sent = request.headers.get("Authorization", "")
        return hmac.compare_digest(sent.encode(), f"Bearer {token}".encode())
    if any(h in FORWARDING_HEADERS or h.startswith("HTTP_X_FORWARDED_") for h in request.META):
        return False  # came through a proxy (even one on this host): not a local scraper
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


@require_GET
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        return HttpResponse("Not found", status=404, content_type="text/plain")
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(REQUEST_LATENCY)
    registry.register(DatabaseCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
