"""/api/v1/: the API's routes, each call audited against its key, and problem details for
any path under /api/ that matches nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, re_path
from django.views.decorators.csrf import csrf_exempt

from desist.api.problems import MEDIA_TYPE, problem
from desist.api.v1 import api
from desist.audit.models import Category
from desist.audit.services import audit_record

SAFE = ("GET", "HEAD", "OPTIONS")


def audited(view: Callable[..., Any]) -> Callable[..., Any]:
    """One audit event per call made with a live key: what was asked, of which record, and
    the answer's status. Reads that succeeded are consultations; the rest (writes, whose own
    command also audits them, and refusals) are security events."""

    def run(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            response = _as_problem(view(request, *args, **kwargs))
        except Http404:  # raised outside ninja's handlers (its root view)
            response = not_found(request)
        actor = getattr(request, "api_actor", None)
        if actor is not None:
            about = getattr(request, "api_audit", {})
            read = request.method in SAFE and response.status_code < 400
            audit_record(
                actor=actor,
                category=Category.CONSULTATION if read else Category.SECURITY,
                verb="api.call",
                obj=about.get("obj"),
                object_type=about.get("object_type", ""),
                new={
                    "method": request.method,
                    "path": request.path[:200],
                    "query": request.META.get("QUERY_STRING", "")[:300],
                    "status": response.status_code,
                },
            )
        return response

    return csrf_exempt(run)


def _as_problem(response: Any) -> Any:
    """Django's and ninja's own error pages (405 with its Allow header, the root's 404) as
    problem details, like every other error here."""
    if response.status_code < 400 or response.get("Content-Type", "").startswith(MEDIA_TYPE):
        return response
    headers = {"Allow": response["Allow"]} if response.has_header("Allow") else None
    return problem(response.status_code, "This address does not answer that", headers=headers)


def _wrap(pattern: URLPattern | URLResolver) -> URLPattern | URLResolver:
    if isinstance(pattern, URLPattern):
        return URLPattern(
            pattern.pattern, audited(pattern.callback), pattern.default_args, pattern.name
        )
    return pattern


def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    return problem(404, "There is no such address in this API: see /api/v1/docs")


_patterns, _app, app_name = api.urls  # the namespace ("api-v1") is the app name here
urlpatterns = [_wrap(p) for p in _patterns] + [
    re_path(r"^(?P<rest>.*)$", csrf_exempt(not_found), name="not_found")
]
