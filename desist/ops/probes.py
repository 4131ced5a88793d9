"""Health probes and the metrics scraper reach Desist by address (a container's healthcheck
asks http://127.0.0.1:8000/healthz), not by the public host name, so ALLOWED_HOSTS would
answer them 400. For those exact paths only, a Host that is not allowed is replaced by the
service's own before anything reads it. Nothing else changes: /healthz and /readyz reveal
nothing, /metrics keeps its own guard (desist/ops/metrics.py), and every other path still
gets the host check."""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.request import split_domain_port, validate_host

PROBES = frozenset({"/healthz", "/readyz", "/metrics"})


def own_host() -> str:
    """The host of DESIST_BASE_URL, or the first literal name in ALLOWED_HOSTS."""
    netloc = urllib.parse.urlsplit(settings.DESIST_BASE_URL).netloc
    if netloc:
        return netloc
    literal = [h for h in settings.ALLOWED_HOSTS if h != "*" and not h.startswith(".")]
    return literal[0] if literal else "localhost"


class ProbeHostMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info in PROBES and request.method in ("GET", "HEAD"):
            raw = request.META.get("HTTP_HOST") or request.META.get("SERVER_NAME", "")
            domain, _port = split_domain_port(raw)
            if not (domain and validate_host(domain, settings.ALLOWED_HOSTS)):
                request.META["HTTP_HOST"] = own_host()
        return self.get_response(request)
