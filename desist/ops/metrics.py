"""Prometheus metrics at /metrics, through prometheus-client (docs/deployment.md).

- `desist_http_request_duration_seconds{route,method,status}`: a histogram timed by the
  outermost middleware, labelled by the URL pattern's name, never the raw path (a path holds
  record ids: one series each would swamp Prometheus, and a path can carry a token).
- Read from the database at each scrape: the job queue's depth and failed jobs
  (django-tasks' table), e-mails given up on, and alerts past their deadline and not
  acknowledged.

Under gunicorn each worker process keeps its own samples; config/gunicorn.conf.py sets
PROMETHEUS_MULTIPROC_DIR so the scrape adds every worker's files together.

Who may scrape: with DESIST_METRICS_TOKEN set, a request with "Authorization: Bearer
<token>"; without it, only a direct connection from this host (loopback, and no X-Forwarded-*,
Forwarded or X-Real-IP header: a proxy on this host connects from loopback too).
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.db.models import Count
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


class DatabaseCollector(Collector):
    """Gauges counted from the database at scrape time: the same answer from every process."""

    def collect(self) -> Iterator[Metric]:
        yield self._by_label(
            "desist_job_queue_depth",
            "Jobs waiting to run, by queue.",
            "queue",
            DBTaskResult.objects.filter(status=TaskResultStatus.READY),
            "queue_name",
        )
        yield self._by_label(
            "desist_jobs_failed",
            "Jobs whose last run failed, by queue (rows kept in the task table).",
            "queue",
            DBTaskResult.objects.filter(status=TaskResultStatus.FAILED),
            "queue_name",
        )
        yield self._by_label(
            "desist_alert_deadlines_missed",
            "Alerts past their deadline and not acknowledged, by priority.",
            "priority",
            Alert.objects.filter(acknowledged_at__isnull=True, due_by__lte=timezone.now()),
            "priority",
        )
        failed = GaugeMetricFamily(
            "desist_emails_failed", "Alert e-mails given up on after their retries."
        )
        failed.add_metric([], OutboundEmail.objects.filter(status="failed").count())
        yield failed

    @staticmethod
    def _by_label(name: str, doc: str, label: str, rows: Any, field: str) -> Metric:
        family = GaugeMetricFamily(name, doc, labels=[label])
        for row in rows.order_by().values(field).annotate(n=Count("pk")):
            family.add_metric([str(row[field])], row["n"])
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
